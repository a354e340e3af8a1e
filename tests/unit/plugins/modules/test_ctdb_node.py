# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_node with run_command scripted with real 4.17 outputs (fake: utils.FakeCtdb).

The tables (refusals, bad arguments) are data in test_ctdb_node.yaml; what polls or needs more runs stays here.
"""
import pytest

from ansible_collections.ctdb.cluster.plugins.modules import ctdb_node
from ansible_collections.ctdb.cluster.tests.unit.plugins.modules.utils import (
    DAEMON_DOWN, UNEXPECTED, ExitJson, FailJson, check_case, load_cases, real,
)

MODULE = ctdb_node
STOPPED = real('status_node1_stopped.txt')
HEALTHY = STOPPED.replace('STOPPED|INACTIVE', 'OK')
DISABLED = STOPPED.replace('STOPPED|INACTIVE', 'DISABLED')
IPS = real('X_ip_all.txt')
IPS_OUT = real('X_ip_all_node1_stopped.txt')


@pytest.fixture(autouse=True)
def strict(ctdb):
    """A command the test does not answer fails it."""
    ctdb.default = UNEXPECTED


@pytest.mark.parametrize('case', load_cases(__file__))
def test_case(case, run_module, ctdb, tmp_path):
    check_case(case, run_module, ctdb, tmp_path)


def test_stop_node_waits_until_its_address_moved(ctdb, run_module, clock):
    ctdb.answer(['status'], HEALTHY, HEALTHY, STOPPED, STOPPED)
    ctdb.answer(['-X', 'ip', 'all'], IPS, IPS, IPS, IPS_OUT)
    ctdb.answer(['-n', '1', 'stop'], '')
    result = run_module({'pnn': 1, 'state': 'stopped'}, expect=ExitJson)
    assert ctdb.changing() == [['-n', '1', 'stop']]
    assert result['changed'] is True
    assert result['state_before'] == 'enabled' and result['flags_before'] == []
    assert result['flags_after'] == ['STOPPED', 'INACTIVE']
    assert result['moved'] == [{'address': '127.0.26.102', 'from': 1, 'to': 2}]
    assert result['commands'] == [['ctdb', '-n', '1', 'stop']]
    assert result['waited'] is None
    # Polls: not yet stopped; stopped but still serving; stopped and the address moved.
    assert ctdb.commands().count(['status']) == 4
    assert clock.now == 1002.0


def test_already_in_state_changes_nothing(ctdb, run_module):
    ctdb.answer(['status'], STOPPED)
    ctdb.answer(['-X', 'ip', 'all'], IPS_OUT)
    result = run_module({'pnn': 1, 'state': 'stopped'}, expect=ExitJson)
    assert result['changed'] is False and result['commands'] == [] and ctdb.changing() == []


def test_check_mode_predicts_and_runs_nothing(ctdb, run_module):
    ctdb.answer(['status'], STOPPED)
    ctdb.answer(['-X', 'ip', 'all'], IPS_OUT)
    result = run_module({'pnn': 1, 'state': 'disabled'}, check=True, expect=ExitJson)
    assert result['changed'] is True
    assert result['commands'] == [['ctdb', '-n', '1', 'disable'], ['ctdb', '-n', '1', 'continue']]
    assert result['flags_after'] == ['DISABLED']
    assert ctdb.changing() == []


def test_this_node_by_default(ctdb, run_module):
    ctdb.answer(['status'], HEALTHY.replace('pnn:0 127.0.26.1       OK', 'pnn:0 127.0.26.1       DISABLED'))
    ctdb.answer(['-X', 'ip', 'all'], IPS)
    result = run_module({'state': 'disabled'}, expect=ExitJson)
    assert result['pnn'] == 0 and result['changed'] is False


def test_enable_waits_until_healthy_and_hosting(ctdb, run_module, clock):
    ctdb.answer(['status'], STOPPED, STOPPED, STOPPED, HEALTHY)
    ctdb.answer(['-X', 'ip', 'all'], IPS_OUT, IPS_OUT, IPS)
    for pnn in (0, 1, 2):
        ctdb.answer(['-n', str(pnn), '-X', 'ip', '-v'], real('n1_X_ip_v.txt'))
    ctdb.answer(['listvars'], real('listvars.txt'))
    ctdb.answer(['-n', '1', 'continue'], '')
    result = run_module({'pnn': 1, 'state': 'enabled'}, expect=ExitJson)
    assert ctdb.changing() == [['-n', '1', 'continue']]
    assert result['flags_after'] == [] and result['state'] == 'enabled'
    assert result['moved'] == [{'address': '127.0.26.102', 'from': 2, 'to': 1}]


def test_wait_timeout_says_what_it_saw(ctdb, run_module, clock):
    ctdb.answer(['status'], HEALTHY, DISABLED)
    ctdb.answer(['-X', 'ip', 'all'], IPS)
    ctdb.answer(['-n', '1', 'disable'], '')
    result = run_module({'pnn': 1, 'state': 'disabled', 'timeout': 5}, expect=FailJson)
    assert result['msg'] == ('node 1 did not reach state disabled within 5 s: node 1 still serves 127.0.26.102')
    assert result['flags_after'] == ['DISABLED']


def test_no_wait_returns_after_the_command(ctdb, run_module):
    ctdb.answer(['status'], HEALTHY, DISABLED)
    ctdb.answer(['-X', 'ip', 'all'], IPS)
    ctdb.answer(['-n', '1', 'disable'], '')
    result = run_module({'pnn': 1, 'state': 'disabled', 'wait': False}, expect=ExitJson)
    assert result['changed'] is True and result['flags_after'] == ['DISABLED'] and 'waited' not in result


def test_deleted_node_refused(ctdb, run_module):
    ctdb.answer(['status'], HEALTHY.replace('Number of nodes:3', 'Number of nodes:4 (including 1 deleted nodes)'))
    result = run_module({'pnn': 3, 'state': 'enabled'}, expect=FailJson)
    assert result['msg'].startswith('node 3 is a deleted node')


def test_daemon_down(ctdb, run_module):
    ctdb.answer(['status'], DAEMON_DOWN)
    result = run_module({'state': 'enabled'}, expect=FailJson)
    assert result['msg'].startswith('ctdb status failed: ctdbd is not running on this node')
