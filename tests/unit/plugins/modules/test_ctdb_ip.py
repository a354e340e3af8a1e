# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_ip with run_command scripted with real 4.17 outputs (see ctdb_fake)."""
import pytest

from ansible_collections.ctdb.cluster.plugins.modules import ctdb_ip
from ansible_collections.ctdb.cluster.tests.unit.plugins.modules.ctdb_fake import (  # noqa: F401 pylint: disable=unused-import
    FailJson, FakeClock, ctdb, real, run,
)

STOPPED = real('status_node1_stopped.txt')
HEALTHY = STOPPED.replace('STOPPED|INACTIVE', 'OK')
IPS = real('X_ip_all.txt')
OWN = real('n1_X_ip_v.txt')
NO_ADDRESSES = '|Public IP|Node|ActiveInterfaces|AvailableInterfaces|ConfiguredInterfaces|\n'
MOVED = IPS.replace('|127.0.26.103|0|', '|127.0.26.103|1|')


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(ctdb_ip.time, 'monotonic', fake.monotonic)
    monkeypatch.setattr(ctdb_ip.time, 'sleep', fake.sleep)
    return fake


def cluster(ctdb, status=HEALTHY, ips=(IPS,), own=None):
    ctdb.answer(['status'], status)
    ctdb.answer(['-X', 'ip', 'all'], *ips)
    for pnn in (0, 1, 2):
        ctdb.answer(['-n', str(pnn), '-X', 'ip', '-v'], (own or {}).get(pnn, OWN))


def test_read_only_placement(ctdb):
    cluster(ctdb)
    result = run(ctdb_ip)
    assert result['changed'] is False and ctdb.changing() == []
    assert result['addresses'][0] == {'address': '127.0.26.101', 'pnn': 2, 'configured_on': [0, 1, 2],
                                      'available_on': [0, 1, 2], 'can_host': [0, 1, 2]}


def test_move_waits_until_served_there(ctdb, clock):
    cluster(ctdb, ips=(IPS, IPS, MOVED))
    ctdb.answer(['moveip', '127.0.26.103', '1'], '')
    result = run(ctdb_ip, {'address': '127.0.26.103', 'pnn': 1})
    assert ctdb.changing() == [['moveip', '127.0.26.103', '1']]
    assert result['changed'] is True
    assert result['moved'] == [{'address': '127.0.26.103', 'from': 0, 'to': 1}]
    assert clock.now == 1000.5


def test_move_to_where_it_is_changes_nothing(ctdb):
    cluster(ctdb)
    result = run(ctdb_ip, {'address': '127.0.26.103', 'pnn': 0})
    assert result['changed'] is False and result['commands'] == [] and ctdb.changing() == []


def test_check_mode_predicts_the_move(ctdb):
    cluster(ctdb)
    result = run(ctdb_ip, {'address': '127.0.26.103', 'pnn': 2, '_ansible_check_mode': True})
    assert result['changed'] is True and ctdb.changing() == []
    assert result['moved'] == [{'address': '127.0.26.103', 'from': 0, 'to': 2}]


def test_move_timeout(ctdb, clock):
    cluster(ctdb)
    ctdb.answer(['moveip', '127.0.26.103', '1'], '')
    result = run(ctdb_ip, {'address': '127.0.26.103', 'pnn': 1, 'timeout': 2}, expect=FailJson)
    assert result['msg'] == '127.0.26.103 is still served by node 0, not node 1, after 2 s'


@pytest.mark.parametrize('args, status, own, message', [
    ({'address': '127.0.26.99', 'pnn': 1}, HEALTHY, None,
     '127.0.26.99 is not a public address of this cluster (ctdb ip all lists none such): add it to the '
     'public_addresses of the nodes that should host it and run ctdb reloadips all'),
    ({'address': '127.0.26.101', 'pnn': 1}, STOPPED, None,
     'node 1 cannot host 127.0.26.101: it is STOPPED|INACTIVE; bring it back first (ctdb_node state=enabled)'),
    ({'address': '127.0.26.103', 'pnn': 2}, HEALTHY, {2: NO_ADDRESSES},
     "node 2 cannot host 127.0.26.103: the address is not in that node's public_addresses (it is in those of "
     "node(s) 0, 1); add it there and run ctdb reloadips all"),
    ({'address': 'not-an-ip', 'pnn': 1}, HEALTHY, None,
     "address='not-an-ip' is not an IP address: give a public address without mask, as ctdb ip all prints it"),
    ({'address': '127.0.26.101', 'pnn': 5}, HEALTHY, None, 'node 5 does not exist (the nodes are 0, 1, 2)'),
])
def test_refused_moves(ctdb, args, status, own, message):
    cluster(ctdb, status=status, own=own)
    result = run(ctdb_ip, args, expect=FailJson)
    assert result['msg'] == message
    assert ctdb.changing() == []


def test_address_needs_pnn(ctdb):
    result = run(ctdb_ip, {'address': '127.0.26.101'}, expect=FailJson)
    assert result['msg'] == 'parameters are required together: address, pnn'


def test_reallocate_reports_what_moved(ctdb):
    cluster(ctdb, ips=(IPS, MOVED))
    ctdb.answer(['ipreallocate'], '')
    result = run(ctdb_ip, {'reallocate': True})
    assert ctdb.changing() == [['ipreallocate']]
    assert result['changed'] is True and result['moved'] == [{'address': '127.0.26.103', 'from': 0, 'to': 1}]


def test_reallocate_check_mode(ctdb):
    unassigned = IPS.replace('|127.0.26.103|0|', '|127.0.26.103|-1|')
    cluster(ctdb, ips=(unassigned,))
    assert run(ctdb_ip, {'reallocate': True, '_ansible_check_mode': True})['changed'] is True
    ctdb.answer(['-X', 'ip', 'all'], IPS)
    assert run(ctdb_ip, {'reallocate': True, '_ansible_check_mode': True})['changed'] is False
    assert ctdb.changing() == []
