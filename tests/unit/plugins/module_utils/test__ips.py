# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Public address placement: every ``ctdb ip`` sample (Samba's unit tests, whose fake daemon state
gives the truth in state.txt's PUBLICIPS lines; the manual's -X/-Y tables) and the real 4.17 sandbox
outputs, then who can host an address and why a move is refused."""
import os

import pytest

from ansible_collections.ctdb.cluster.plugins.module_utils import _ips
from ctdbtest import reference

FIXTURES = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures'))
IP = os.path.join(FIXTURES, 'ctdb-samples', 'ip')
REAL = os.path.join(FIXTURES, 'sandbox-4.17')


def _read(*parts):
    with open(os.path.join(*parts)) as handle:
        return handle.read()


def _publicips(case):
    """PUBLICIPS of the fake daemon: {address: pnn or None}."""
    truth, inside = {}, False
    for line in _read(IP, case, 'state.txt').splitlines():
        if not line.strip():
            inside = False
            continue
        if line.strip() == 'PUBLICIPS':
            inside = True
            continue
        if inside:
            if line.isupper():
                inside = False
                continue
            fields = line.split()
            truth[fields[0]] = int(fields[1]) if int(fields[1]) >= 0 else None
    return truth


UNIT_CASES = sorted(case for case in os.listdir(IP) if case.startswith('ctdb.ip.'))


@pytest.mark.parametrize('case', UNIT_CASES)
def test_samba_unit_samples_against_the_fake_daemon_state(case):
    rows = reference.parse_ip(_read(IP, case, 'output.txt'))
    truth = _publicips(case)
    served = _ips.served_by(rows)
    if _read(IP, case, 'command.txt').strip().endswith('all'):
        assert served == truth
    else:
        # Without "all", ctdb shows the addresses node 0 itself has (PUBLICIPS' availability list).
        assert set(served) <= set(truth)
        assert all(truth[address] == pnn for address, pnn in served.items())
    verbose = 'verbose' in case
    assert all((row['available'] is not None) == verbose for row in rows)


def test_unassigned_address_in_verbose_text():
    rows = reference.parse_ip(_read(IP, 'ctdb.ip.006_1_verbose', 'output.txt'))
    assert rows[1] == {'address': '10.0.0.32', 'pnn': None, 'active': [], 'available': [], 'configured': []}
    assert rows[0]['available'] == ['eth2', 'eth1']


def test_ipv6_rows():
    served = _ips.served_by(reference.parse_ip(_read(IP, 'ctdb.ip.007_1_verbose', 'output.txt')))
    assert served['fd00::5357:5f02'] == 1


@pytest.mark.parametrize('case', ['doc.ctdb.1.xml.screen09.1@HEAD', 'doc.ctdb.1.xml.screen10@6315432f87fp'])
def test_manual_tables_any_separator_and_singular_active_column(case):
    table = reference.parse_ip(_read(IP, case, 'output.txt'))
    text = reference.parse_ip(_read(IP, 'doc.ctdb.1.xml.screen09.0@HEAD', 'output.txt'))
    assert table == text
    assert table[4] == {'address': '172.31.92.82', 'pnn': 1, 'active': [], 'available': ['eth5'],
                        'configured': ['eth4', 'eth5']}


def test_real_417_outputs_agree():
    x_all = reference.parse_ip(_read(REAL, 'X_ip_all.txt'))
    assert _ips.served_by(x_all) == {'127.0.26.101': 2, '127.0.26.102': 1, '127.0.26.103': 0}
    assert x_all[0]['available'] is None
    for name in ('X_ip_v_all.txt', 'ip_all.txt', 'ip_v_all.txt', 'ip_v_local.txt', 'n1_X_ip_v.txt'):
        assert _ips.served_by(reference.parse_ip(_read(REAL, name))) == _ips.served_by(x_all), name
    own = reference.parse_ip(_read(REAL, 'n1_X_ip_v.txt'))
    assert [row['active'] for row in own] == [[], ['lo'], []]  # node 1 serves .102 only
    assert all(row['available'] == ['lo'] and row['configured'] == ['lo'] for row in own)


def test_not_a_table():
    with pytest.raises(_ips.IpsError, match='Public IP'):
        _ips.parse_ip_machine('|Node|IP|\n|0|1.2.3.4|\n')
    with pytest.raises(_ips.IpsError, match='does not match'):
        _ips.parse_ip_machine('|Public IP|Node|\n|1.2.3.4|\n')
    assert reference.parse_ip('') == []


NODES = [{'pnn': 0, 'flags': []}, {'pnn': 1, 'flags': ['STOPPED', 'INACTIVE']}, {'pnn': 2, 'flags': []}]


def _stopped_placement():
    all_rows = reference.parse_ip(_read(REAL, 'X_ip_all_node1_stopped.txt'))
    own = reference.parse_ip(_read(REAL, 'n1_X_ip_v_node1_stopped.txt'))
    node_rows = {0: own, 1: own, 2: [row for row in own if row['address'] != '127.0.26.103']}
    node_rows[2] = [dict(row, available=[]) if row['address'] == '127.0.26.102' else row for row in node_rows[2]]
    return _ips.placement(all_rows, node_rows, NODES)


def test_placement_from_real_stopped_node_outputs():
    places = _stopped_placement()
    assert [p['pnn'] for p in places] == [2, 2, 0]
    assert places[0] == {'address': '127.0.26.101', 'pnn': 2, 'configured_on': [0, 1, 2],
                         'available_on': [0, 1, 2], 'can_host': [0, 2]}
    assert places[1]['available_on'] == [0, 1] and places[1]['can_host'] == [0]
    assert places[2]['configured_on'] == [0, 1]


def test_move_refusals_name_the_reason():
    places = _stopped_placement()

    def find(address):
        return reference.find_address(places, address)
    assert _ips.move_refusal(find('127.0.26.101'), '127.0.26.101', 0, NODES) is None
    assert 'does not exist (the nodes are 0, 1, 2)' in _ips.move_refusal(find('127.0.26.101'), '127.0.26.101', 7, NODES)
    assert 'not a public address' in _ips.move_refusal(None, '127.0.26.99', 0, NODES)
    assert "not in that node's public_addresses (it is in those of node(s) 0, 1)" in _ips.move_refusal(
        find('127.0.26.103'), '127.0.26.103', 2, NODES)
    assert 'none of its interfaces' in _ips.move_refusal(find('127.0.26.102'), '127.0.26.102', 2, NODES)
    assert 'it is STOPPED|INACTIVE' in _ips.move_refusal(find('127.0.26.101'), '127.0.26.101', 1, NODES)
