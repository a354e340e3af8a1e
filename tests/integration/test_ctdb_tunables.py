# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb.cluster.ctdb_tunables against a real 3-node sandbox cluster (test-mode ctdbd 4.17), through ansible-playbook.

The persistence test restarts a real ctdbd: it reads $CTDB_BASE/ctdb.tunables at start (its log says
"Loading tunables from ..."), so the value set by the module is still there afterwards.
"""
import os

import pytest

from day2_helpers import restore, run_steps

MODULE = 'ctdb.cluster.ctdb_tunables'


@pytest.fixture(autouse=True)
def clean(sandbox):
    restore(sandbox)
    yield
    for index in range(sandbox.nodes):
        path = os.path.join(sandbox.node_base(index), 'ctdb.tunables')
        if os.path.exists(path):
            os.remove(path)
        for name, value in (('MonitorInterval', 15), ('NoIPFailback', 0)):
            sandbox.ctdb(index, 'setvar', name, value)
    restore(sandbox)


def getvar(sandbox, index, name):
    return int(sandbox.ctdb(index, 'getvar', name).stdout.split('=')[1])


def test_set_on_every_node_survives_a_restart(sandbox, run_playbook):
    args = {'tunables': {'monitorinterval': 20, 'NoIPFailback': 1}}
    for host in ('node0', 'node1', 'node2'):
        run, (check, applied, again) = run_steps(run_playbook, host, [
            (MODULE, args, True), (MODULE, args, False), (MODULE, args, False)])
        assert run.rc == 0, run
        index = int(host[-1])
        path = os.path.join(sandbox.node_base(index), 'ctdb.tunables')
        assert check['changed'] is True and check['diff']['after'] == 'MonitorInterval=20\nNoIPFailback=1\n'
        assert check['tunables']['MonitorInterval'] == 20  # predicted
        assert applied['changed'] is True and again['changed'] is False, (applied, again)
        assert [c['name'] for c in applied['changes']] == ['MonitorInterval', 'NoIPFailback']
        assert applied['changes'][0]['runtime_before'] == 15 and applied['changes'][0]['file_before'] is None
        with open(path) as handle:
            assert handle.read() == 'MonitorInterval=20\nNoIPFailback=1\n'
        assert getvar(sandbox, index, 'MonitorInterval') == 20 and getvar(sandbox, index, 'NoIPFailback') == 1
    sandbox.stop_node(1)
    sandbox.start_node(1)
    sandbox.wait_healthy(90)
    assert getvar(sandbox, 1, 'MonitorInterval') == 20 and getvar(sandbox, 1, 'NoIPFailback') == 1
    with open(sandbox.log_path(1)) as handle:
        assert 'Loading tunables from %s/ctdb.tunables' % sandbox.node_base(1) in handle.read()
    run, (after,) = run_steps(run_playbook, 'node1', [(MODULE, args, False)])
    assert after['changed'] is False


def test_runtime_drift_is_repaired(sandbox, run_playbook):
    args = {'tunables': {'MonitorInterval': 20}}
    run_steps(run_playbook, 'node0', [(MODULE, args, False)])
    assert sandbox.ctdb(0, 'setvar', 'MonitorInterval', '30').returncode == 0  # by hand
    run, (fixed,) = run_steps(run_playbook, 'node0', [(MODULE, args, False)])
    assert fixed['changed'] is True
    assert fixed['changes'] == [{'name': 'MonitorInterval', 'value': 20, 'runtime_before': 30, 'file_before': 20}]
    assert getvar(sandbox, 0, 'MonitorInterval') == 20


def test_bad_input_changes_nothing(sandbox, run_playbook):
    path = os.path.join(sandbox.node_base(0), 'ctdb.tunables')
    run, results = run_steps(run_playbook, 'node0', [
        (MODULE, {'tunables': {'MonitorIntervall': 20}}, False),
        (MODULE, {'tunables': {'MonitorInterval': 4294967296}}, False),
        (MODULE, {'tunables': {'MonitorInterval': '1x'}}, False),
        (MODULE, {'tunables': {'IPAllocAlgorithm': 3}}, False),
        (MODULE, {'tunables': {'LCP2PublicIPs': 1}}, False),
    ])
    assert all(result.get('failed') for result in results), results
    messages = [result['msg'] for result in results]
    assert messages[0] == ("unknown tunable 'MonitorIntervall' (did you mean MonitorInterval?): ctdb listvars shows "
                           "the tunables of this CTDB version")
    assert messages[1] == ('tunable MonitorInterval: value 4294967296 is out of range; CTDB tunables are unsigned 32 '
                           'bit (0 to 4294967295), and a larger value would silently wrap around')
    assert messages[2].startswith("tunable MonitorInterval: value '1x' is not a non-negative whole number")
    assert messages[3].startswith('tunable IPAllocAlgorithm: value 3 is out of range')
    assert messages[4].startswith("unknown tunable 'LCP2PublicIPs'")  # obsolete in 4.17
    assert not os.path.exists(path)
    assert getvar(sandbox, 0, 'MonitorInterval') == 15


def test_file_only_while_ctdbd_is_stopped(sandbox, run_playbook):
    sandbox.stop_node(2)
    run, (refused, written) = run_steps(run_playbook, 'node2', [
        (MODULE, {'tunables': {'RecoveryBanPeriod': 600}}, False),
        (MODULE, {'tunables': {'RecoveryBanPeriod': 600}, 'runtime': False}, False)])
    assert refused['msg'].startswith('ctdbd is not running on this node, so the tunables cannot be set at run time')
    assert written['changed'] is True and written['tunables'] is None and written['file'] == {'RecoveryBanPeriod': 600}
    sandbox.start_node(2)
    sandbox.wait_healthy(90)
    assert getvar(sandbox, 2, 'RecoveryBanPeriod') == 600
    sandbox.ctdb(2, 'setvar', 'RecoveryBanPeriod', 300)
