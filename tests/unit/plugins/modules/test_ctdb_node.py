# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_node with run_command scripted with real 4.17 outputs (see ctdb_fake)."""
import pytest

from ansible_collections.ctdb.cluster.plugins.modules import ctdb_node
from ansible_collections.ctdb.cluster.tests.unit.plugins.modules.ctdb_fake import (  # noqa: F401 pylint: disable=unused-import
    DAEMON_DOWN, FailJson, FakeClock, ctdb, real, run,
)

STOPPED = real('status_node1_stopped.txt')
HEALTHY = STOPPED.replace('STOPPED|INACTIVE', 'OK')
DISABLED = STOPPED.replace('STOPPED|INACTIVE', 'DISABLED')
IPS = real('X_ip_all.txt')
IPS_OUT = real('X_ip_all_node1_stopped.txt')


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(ctdb_node.time, 'monotonic', fake.monotonic)
    monkeypatch.setattr(ctdb_node.time, 'sleep', fake.sleep)
    return fake


def test_stop_node_waits_until_its_address_moved(ctdb, clock):
    ctdb.answer(['status'], HEALTHY, HEALTHY, STOPPED, STOPPED)
    ctdb.answer(['-X', 'ip', 'all'], IPS, IPS, IPS, IPS_OUT)
    ctdb.answer(['-n', '1', 'stop'], '')
    result = run(ctdb_node, {'pnn': 1, 'state': 'stopped'})
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


def test_already_in_state_changes_nothing(ctdb):
    ctdb.answer(['status'], STOPPED)
    ctdb.answer(['-X', 'ip', 'all'], IPS_OUT)
    result = run(ctdb_node, {'pnn': 1, 'state': 'stopped'})
    assert result['changed'] is False and result['commands'] == [] and ctdb.changing() == []


def test_check_mode_predicts_and_runs_nothing(ctdb):
    ctdb.answer(['status'], STOPPED)
    ctdb.answer(['-X', 'ip', 'all'], IPS_OUT)
    result = run(ctdb_node, {'pnn': 1, 'state': 'disabled', '_ansible_check_mode': True})
    assert result['changed'] is True
    assert result['commands'] == [['ctdb', '-n', '1', 'disable'], ['ctdb', '-n', '1', 'continue']]
    assert result['flags_after'] == ['DISABLED']
    assert ctdb.changing() == []


def test_this_node_by_default(ctdb):
    ctdb.answer(['status'], HEALTHY.replace('pnn:0 127.0.26.1       OK', 'pnn:0 127.0.26.1       DISABLED'))
    ctdb.answer(['-X', 'ip', 'all'], IPS)
    result = run(ctdb_node, {'state': 'disabled'})
    assert result['pnn'] == 0 and result['changed'] is False


def test_enable_waits_until_healthy_and_hosting(ctdb, clock):
    ctdb.answer(['status'], STOPPED, STOPPED, STOPPED, HEALTHY)
    ctdb.answer(['-X', 'ip', 'all'], IPS_OUT, IPS_OUT, IPS)
    for pnn in (0, 1, 2):
        ctdb.answer(['-n', str(pnn), '-X', 'ip', '-v'], real('n1_X_ip_v.txt'))
    ctdb.answer(['listvars'], real('listvars.txt'))
    ctdb.answer(['-n', '1', 'continue'], '')
    result = run(ctdb_node, {'pnn': 1, 'state': 'enabled'})
    assert ctdb.changing() == [['-n', '1', 'continue']]
    assert result['flags_after'] == [] and result['state'] == 'enabled'
    assert result['moved'] == [{'address': '127.0.26.102', 'from': 2, 'to': 1}]


def test_wait_timeout_says_what_it_saw(ctdb, clock):
    ctdb.answer(['status'], HEALTHY, DISABLED)
    ctdb.answer(['-X', 'ip', 'all'], IPS)
    ctdb.answer(['-n', '1', 'disable'], '')
    result = run(ctdb_node, {'pnn': 1, 'state': 'disabled', 'timeout': 5}, expect=FailJson)
    assert result['msg'] == ('node 1 did not reach state disabled within 5 s: node 1 still serves 127.0.26.102')
    assert result['flags_after'] == ['DISABLED']


def test_no_wait_returns_after_the_command(ctdb):
    ctdb.answer(['status'], HEALTHY, DISABLED)
    ctdb.answer(['-X', 'ip', 'all'], IPS)
    ctdb.answer(['-n', '1', 'disable'], '')
    result = run(ctdb_node, {'pnn': 1, 'state': 'disabled', 'wait': False})
    assert result['changed'] is True and result['flags_after'] == ['DISABLED'] and 'waited' not in result


@pytest.mark.parametrize('args, message', [
    ({'pnn': 7, 'state': 'disabled'}, 'node 7 does not exist: the cluster has the nodes 0, 1, 2'),
    ({'pnn': 0, 'state': 'banned', 'ban_time': 60}, None),
])
def test_refusals(ctdb, args, message):
    # Node 1 stopped, node 2 disabled: node 0 is the last one serving.
    ctdb.answer(['status'], STOPPED.replace('pnn:2 127.0.26.3       OK', 'pnn:2 127.0.26.3       DISABLED'))
    result = run(ctdb_node, args, expect=FailJson)
    expected = message or ('refusing to make node 0 banned: it is the last node in service (the others: '
                           '1 STOPPED|INACTIVE, 2 DISABLED), so no node would serve the public addresses; '
                           'bring another node back first')
    assert result['msg'] == expected
    assert ctdb.changing() == []


def test_deleted_node_refused(ctdb):
    ctdb.answer(['status'], HEALTHY.replace('Number of nodes:3', 'Number of nodes:4 (including 1 deleted nodes)'))
    result = run(ctdb_node, {'pnn': 3, 'state': 'enabled'}, expect=FailJson)
    assert result['msg'].startswith('node 3 is a deleted node')


@pytest.mark.parametrize('args, message', [
    ({'state': 'banned'}, 'state is banned but all of the following are missing: ban_time'),
    ({'state': 'banned', 'ban_time': 0}, "ban_time=0: give the ban's length in seconds, 1 or more"),
    ({'state': 'enabled', 'pnn': -1}, 'pnn=-1: a PNN is 0 or more (ctdb listnodes shows them)'),
])
def test_bad_arguments(ctdb, args, message):
    assert run(ctdb_node, args, expect=FailJson)['msg'] == message
    assert ctdb.calls == []


def test_daemon_down(ctdb):
    ctdb.answer(['status'], DAEMON_DOWN)
    result = run(ctdb_node, {'state': 'enabled'}, expect=FailJson)
    assert result['msg'].startswith('ctdb status failed: ctdbd is not running on this node')
