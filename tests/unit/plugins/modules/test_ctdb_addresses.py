# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_addresses on real files in a temporary CTDB_BASE, with ctdb faked at its one seam (run_command).

The tables (bad inputs with their exact messages, unreadable files, reads, simple reloads) are data
in test_ctdb_addresses.yaml; what needs several runs or watches the file between commands stays code.
"""
import pytest

from ansible_collections.ctdb.cluster.plugins.modules import ctdb_addresses

from ansible_collections.ctdb.cluster.tests.unit.plugins.modules.utils import check_case, load_cases

MODULE = ctdb_addresses
FILE = '# node 0\n192.168.6.84/24 eth1\n192.168.6.85/24 eth1\n'
IP_BEFORE = 'Public IPs on node 0\n192.168.6.84 node[0] active[eth1] available[eth1] configured[eth1]\n' \
            '192.168.6.85 node[1] active[] available[eth1] configured[eth1]\n'


@pytest.fixture(autouse=True)
def host_interfaces(monkeypatch):
    monkeypatch.setattr(ctdb_addresses, '_host_interfaces', lambda: ['lo', 'eth1', 'eth2'])


@pytest.fixture
def base(tmp_path):
    base = tmp_path / 'etc-ctdb'
    base.mkdir()
    (base / 'public_addresses').write_text(FILE)
    return base


def _want(*items):
    return [{'address': address, 'interface_name': iface} for address, iface in items]


@pytest.mark.parametrize('case', load_cases(__file__))
def test_case(case, run_module, ctdb, tmp_path):
    base = tmp_path / 'etc-ctdb'
    base.mkdir()
    check_case(case, run_module, ctdb, base)


def test_write_check_mode_diff_apply_idempotent(ctdb, run_module, base):
    args = {'ctdb_base': str(base), 'addresses': _want(('192.168.6.85/24', 'eth1'), ('192.168.6.86/24', 'eth1'))}
    result = run_module(args, check=True, diff=True)
    assert result.ok and result['changed']
    assert result['diff']['after'] == '# node 0\n192.168.6.85/24 eth1\n192.168.6.86/24 eth1\n'
    assert (base / 'public_addresses').read_text() == FILE

    result = run_module(args)
    assert result.ok and result['changed']
    assert (base / 'public_addresses').read_text() == '# node 0\n192.168.6.85/24 eth1\n192.168.6.86/24 eth1\n'
    assert result['added'] == ['192.168.6.86/24'] and result['removed'] == ['192.168.6.84/24']

    result = run_module(args)
    assert result.ok and result['changed'] is False
    assert ctdb.commands() == []


def test_interfaces_list_and_backup(ctdb, run_module, base):
    result = run_module({'ctdb_base': str(base), 'backup': True,
                         'addresses': [{'address': '192.168.6.84/24', 'interfaces': ['eth1', 'eth2']}]})
    assert result.ok and result['changed']
    assert (base / 'public_addresses').read_text() == '# node 0\n192.168.6.84/24 eth1,eth2\n'
    with open(result['backup_file']) as handle:
        assert handle.read() == FILE


def test_empty_list_removes_every_address(ctdb, run_module, base):
    result = run_module({'ctdb_base': str(base), 'addresses': []})
    assert result.ok and result['changed']
    assert (base / 'public_addresses').read_text() == '# node 0\n'


def test_missing_interface_is_a_warning_not_an_error(ctdb, run_module, base):
    result = run_module({'ctdb_base': str(base), 'addresses': _want(('192.168.6.84/24', 'bond7'))})
    assert result.ok and result['changed']
    assert result['missing_interfaces'] == ['bond7']
    assert len(result['warnings']) == 1 and 'interface bond7' in result['warnings'][0]


def test_reload_when_the_daemon_lags_behind_the_file(ctdb, run_module, base):
    ctdb.answer(['pnn'], '0\n')
    ctdb.answer(['-v', 'ip'], IP_BEFORE.replace('configured[eth1]\n', 'configured[eth2]\n'))
    ctdb.answer(['reloadips', '0'], '')
    ctdb.answer(['ip', 'all'], 'Public IPs on ALL nodes\n192.168.6.84 0\n192.168.6.85 1\n')
    result = run_module({'ctdb_base': str(base), 'reload': True}, check=True)
    assert result.ok and result['changed'] and result['reload']['steps'] == ['ctdb reloadips 0']
    assert ['reloadips', '0'] not in ctdb.commands()
    result = run_module({'ctdb_base': str(base), 'reload': True})
    assert result.ok and result['changed'] and ['reloadips', '0'] in ctdb.commands()


def test_mask_change_is_done_in_two_steps(ctdb, run_module, base, monkeypatch):
    ctdb.answer(['pnn'], '0\n')
    ctdb.answer(['ip', 'all'], 'Public IPs on ALL nodes\n192.168.6.84 0\n192.168.6.85 1\n')
    seen = []

    def reloadips(args):
        seen.append((base / 'public_addresses').read_text())  # what ctdbd reads at each step
        return ''

    ctdb.answer('reloadips 0', reloadips)
    args = {'ctdb_base': str(base), 'reload': True,
            'addresses': _want(('192.168.6.84/16', 'eth1'), ('192.168.6.85/24', 'eth1'))}
    result = run_module(args, diff=True)
    assert result.ok and result['changed']
    assert seen == ['# node 0\n192.168.6.85/24 eth1\n', '# node 0\n192.168.6.84/16 eth1\n192.168.6.85/24 eth1\n']
    assert result['modified'] == [{'address': '192.168.6.84/16', 'before': '192.168.6.84/24 eth1',
                                   'after': '192.168.6.84/16 eth1'}]
    assert result['reload']['steps'] == ['ctdb reloadips 0', 'ctdb reloadips 0']
    assert result['diff']['before'] == FILE and result['diff']['after'] == seen[1]


def test_mask_change_without_reload_writes_once(ctdb, run_module, base):
    result = run_module({'ctdb_base': str(base), 'addresses': _want(('192.168.6.84/16', 'eth1'), ('192.168.6.85/24', 'eth1'))})
    assert result.ok and result['changed'] and ctdb.commands() == []
    assert (base / 'public_addresses').read_text() == '# node 0\n192.168.6.84/16 eth1\n192.168.6.85/24 eth1\n'


def test_failed_first_step_restores_the_file(ctdb, run_module, base):
    ctdb.answer(['pnn'], '0\n')
    ctdb.answer(['reloadips', '0'], (1, '', 'Failed to reload IPs on some nodes.\n'))
    result = run_module({'ctdb_base': str(base), 'reload': True,
                         'addresses': _want(('192.168.6.84/16', 'eth1'), ('192.168.6.85/24', 'eth1'))})
    assert result.failed
    assert result['msg'] == ('ctdb reloadips 0 failed (rc 1) in the first of the two steps of changing 192.168.6.84/16 '
                             '(Failed to reload IPs on some nodes.); the file was restored: fix the cause and run the '
                             'task again')
    assert (base / 'public_addresses').read_text() == FILE
