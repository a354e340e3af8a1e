# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb.cluster.ctdb_node against a real 3-node sandbox cluster (test-mode ctdbd 4.17), through ansible-playbook.

Measured in the sandbox: disable, stop, ban, enable, continue and unban all work in test mode, and the
public addresses (127.0.K.101-103/32 on lo) move to other nodes before the ctdb command returns.
Every state is checked with the real ctdb tool after the module says it is reached.
"""
import pytest

from day2_helpers import flags, restore, run_steps, served

MODULE = 'ctdb.cluster.ctdb_node'


@pytest.fixture(autouse=True)
def healthy_again(sandbox):
    restore(sandbox)
    yield
    restore(sandbox)


@pytest.mark.parametrize('state, args, word', [
    ('disabled', {}, 'DISABLED'),
    ('stopped', {}, 'STOPPED|INACTIVE'),
    ('banned', {'ban_time': 300}, 'BANNED|INACTIVE'),
])
def test_state_and_back(sandbox, run_playbook, state, args, word):
    before = served(sandbox)
    serving = sorted(address for address, pnn in before.items() if pnn == 1)
    assert serving, before
    out = dict(args, pnn=1, state=state)
    run, (check, applied, again) = run_steps(run_playbook, 'node0', [
        (MODULE, out, True), (MODULE, out, False), (MODULE, out, False)])
    assert run.rc == 0, run
    # check mode predicts, changes nothing
    assert check['changed'] is True and check['flags_after'] == [word.split('|')[0]], check
    assert check['moved'] == []
    # applied: the real cluster shows the flag and node 1 serves nothing
    assert applied['changed'] is True and applied['state_before'] == 'enabled', applied
    assert applied['flags_before'] == [] and '|'.join(applied['flags_after']) == word
    assert applied['waited'] is None
    now = served(sandbox)
    assert flags(sandbox, 1) == word
    assert 1 not in now.values() and None not in now.values(), now
    assert sorted(m['address'] for m in applied['moved']) == serving
    assert all(m['from'] == 1 and m['to'] in (0, 2) for m in applied['moved'])
    assert applied['addresses'] == now
    # idempotent
    assert again['changed'] is False and again['commands'] == [], again

    back = {'pnn': 1, 'state': 'enabled'}
    run, (check, applied, again) = run_steps(run_playbook, 'node0', [
        (MODULE, back, True), (MODULE, back, False), (MODULE, back, False)])
    assert run.rc == 0, run
    assert check['changed'] is True and check['flags_after'] == []
    assert applied['changed'] is True and applied['state_before'] == state and applied['flags_after'] == []
    assert flags(sandbox, 1) == 'OK'
    assert 1 in served(sandbox).values()  # serving again (NoIPFailback is 0)
    assert any(m['to'] == 1 for m in applied['moved'])
    assert again['changed'] is False


def test_this_node_by_default_and_disable_from_stopped(sandbox, run_playbook):
    assert sandbox.ctdb(0, '-n', '2', 'stop').returncode == 0
    run, (applied, again, back) = run_steps(run_playbook, 'node2', [
        (MODULE, {'state': 'disabled'}, False), (MODULE, {'state': 'disabled'}, False),
        (MODULE, {'state': 'enabled'}, False)])
    assert run.rc == 0, run
    assert applied['pnn'] == 2 and applied['state_before'] == 'stopped'
    assert applied['commands'] == [['ctdb', '-n', '2', 'disable'], ['ctdb', '-n', '2', 'continue']]
    assert applied['flags_after'] == ['DISABLED'] and again['changed'] is False
    assert back['flags_after'] == [] and back['commands'] == [['ctdb', '-n', '2', 'enable']]
    assert flags(sandbox, 2) == 'OK'


def test_bad_input_changes_nothing(sandbox, run_playbook):
    # A deleted node: PNN 3, a commented line on every node, loaded with reloadnodes.
    for index in range(3):
        with open(sandbox.node_base(index) + '/nodes', 'a') as handle:
            handle.write('#%s\n' % sandbox.address(3))
    reload = sandbox.ctdb(0, 'reloadnodes')
    assert reload.returncode == 0, reload.stderr
    assert sandbox.ctdb(0, '-n', '2', 'disable').returncode == 0
    assert sandbox.ctdb(0, '-n', '1', 'stop').returncode == 0
    before = served(sandbox)
    run, results = run_steps(run_playbook, 'node0', [
        (MODULE, {'pnn': 7, 'state': 'disabled'}, False),
        (MODULE, {'pnn': 3, 'state': 'enabled'}, False),
        (MODULE, {'pnn': 0, 'state': 'banned', 'ban_time': 60}, False),
        (MODULE, {'state': 'stopped'}, False),
        (MODULE, {'pnn': 0, 'state': 'banned'}, False),
    ])
    messages = [result.get('msg') for result in results]
    assert all(result.get('failed') for result in results), results
    assert messages[0] == 'node 7 does not exist: the cluster has the nodes 0, 1, 2'
    assert messages[1] == ('node 3 is a deleted node (its line in the nodes file is commented out): it has no '
                           'state to change; pick one of the nodes 0, 1, 2')
    assert messages[2] == ('refusing to make node 0 banned: it is the last node in service (the others: 1 '
                           'STOPPED|INACTIVE, 2 DISABLED), so no node would serve the public addresses; bring '
                           'another node back first')
    assert messages[3].startswith('refusing to make node 0 stopped: it is the last node in service')
    assert messages[4] == 'state is banned but all of the following are missing: ban_time'
    assert flags(sandbox, 0) == 'OK' and served(sandbox) == before
    for index in range(3):
        with open(sandbox.node_base(index) + '/nodes', 'w') as handle:
            handle.write(sandbox.nodes_text())
