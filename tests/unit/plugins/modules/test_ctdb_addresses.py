# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_addresses on real files in a temporary CTDB_BASE, with ctdb faked at its one seam (run_command).

Includes the bad-input table: every bad input fails with its exact message and leaves the
public_addresses file byte for byte as it was.
"""
import os
import re

import pytest

from ansible.module_utils import basic

from ansible_collections.ctdb.cluster.plugins.modules import ctdb_addresses

from ansible_collections.ctdb.cluster.tests.unit.plugins.modules.utils import ExitJson, FailJson, patch_module_args

FILE = '# node 0\n192.168.6.84/24 eth1\n192.168.6.85/24 eth1\n'
IP_BEFORE = 'Public IPs on node 0\n192.168.6.84 node[0] active[eth1] available[eth1] configured[eth1]\n' \
            '192.168.6.85 node[1] active[] available[eth1] configured[eth1]\n'


class FakeCtdb:
    """Scripted answers per ctdb argument list (a list of answers is used in turn); records every command."""

    def __init__(self):
        self.answers = {}
        self.calls = []

    def answer(self, args, *results):
        self.answers[tuple(args)] = list(results)

    def run_command(self, argv, environ_update=None, **kwargs):
        args = tuple(word for word in argv[1:] if not word.startswith('--timelimit'))
        self.calls.append(list(args))
        queue = self.answers.get(args) or [(1, '', 'connect() failed, errno=2\n')]
        result = queue.pop(0) if len(queue) > 1 else queue[0]
        return result if isinstance(result, tuple) else (0, result, '')


@pytest.fixture
def fake(monkeypatch):
    ctdb = FakeCtdb()

    warnings = []

    def exit_json(module, **kwargs):
        kwargs['warnings'] = list(warnings)
        raise ExitJson(kwargs)

    def fail_json(module, **kwargs):
        raise FailJson(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda module, message: warnings.append(message))
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', ctdb.run_command)
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path', lambda self, name, *a, **k: '/usr/bin/' + name)
    monkeypatch.setattr(ctdb_addresses, '_host_interfaces', lambda: ['lo', 'eth1', 'eth2'])
    monkeypatch.delenv('CTDB_BASE', raising=False)
    return ctdb


def run(args, check_mode=False, diff=False):
    args = dict(args)
    if check_mode:
        args['_ansible_check_mode'] = True
    if diff:
        args['_ansible_diff'] = True
    with patch_module_args(args):
        with pytest.raises((ExitJson, FailJson)) as caught:
            ctdb_addresses.main()
    return caught.type is ExitJson, caught.value.args[0]


@pytest.fixture
def base(tmp_path):
    (tmp_path / 'public_addresses').write_text(FILE)
    return tmp_path


def _want(*items):
    return [{'address': address, 'interface_name': iface} for address, iface in items]


# --------------------------------------------------------------------------- read


def test_read_returns_the_api_shape(fake, base):
    ok, result = run({'ctdb_base': str(base)})
    assert ok and result['changed'] is False
    assert result['addresses'] == [
        {'raw': '192.168.6.84/24 eth1', 'address': '192.168.6.84/24', 'interface_name': 'eth1'},
        {'raw': '192.168.6.85/24 eth1', 'address': '192.168.6.85/24', 'interface_name': 'eth1'},
    ]
    assert result['exists'] is True and result['missing_interfaces'] == []
    assert fake.calls == []


def test_read_of_a_missing_file_is_empty(fake, tmp_path):
    ok, result = run({'ctdb_base': str(tmp_path)})
    assert ok and result['addresses'] == [] and result['exists'] is False and result['changed'] is False


def test_read_several_interfaces(fake, base):
    (base / 'public_addresses').write_text('10.1.2.1/24 eth2,eth3\n')
    ok, result = run({'ctdb_base': str(base)})
    assert result['addresses'] == [{'raw': '10.1.2.1/24 eth2,eth3', 'address': '10.1.2.1/24',
                                    'interface_name': 'eth2,eth3', 'interfaces': ['eth2', 'eth3']}]
    assert result['missing_interfaces'] == ['eth3']
    assert result['warnings'] == ['interface eth3 named in %s/public_addresses does not exist on this host: ctdbd will '
                                  'refuse to load the file ("Unknown interface eth3 for public address") until it does'
                                  % base]


# --------------------------------------------------------------------------- write


def test_write_check_mode_diff_apply_idempotent(fake, base):
    args = {'ctdb_base': str(base), 'addresses': _want(('192.168.6.85/24', 'eth1'), ('192.168.6.86/24', 'eth1'))}
    ok, result = run(args, check_mode=True, diff=True)
    assert ok and result['changed']
    assert result['diff']['after'] == '# node 0\n192.168.6.85/24 eth1\n192.168.6.86/24 eth1\n'
    assert (base / 'public_addresses').read_text() == FILE

    ok, result = run(args)
    assert ok and result['changed']
    assert (base / 'public_addresses').read_text() == '# node 0\n192.168.6.85/24 eth1\n192.168.6.86/24 eth1\n'
    assert result['added'] == ['192.168.6.86/24'] and result['removed'] == ['192.168.6.84/24']

    ok, result = run(args)
    assert ok and result['changed'] is False
    assert fake.calls == []


def test_interfaces_list_and_backup(fake, base):
    ok, result = run({'ctdb_base': str(base), 'backup': True,
                      'addresses': [{'address': '192.168.6.84/24', 'interfaces': ['eth1', 'eth2']}]})
    assert ok and result['changed']
    assert (base / 'public_addresses').read_text() == '# node 0\n192.168.6.84/24 eth1,eth2\n'
    with open(result['backup_file']) as handle:
        assert handle.read() == FILE


def test_empty_list_removes_every_address(fake, base):
    ok, result = run({'ctdb_base': str(base), 'addresses': []})
    assert ok and result['changed']
    assert (base / 'public_addresses').read_text() == '# node 0\n'


def test_missing_interface_is_a_warning_not_an_error(fake, base):
    ok, result = run({'ctdb_base': str(base), 'addresses': _want(('192.168.6.84/24', 'bond7'))})
    assert ok and result['changed']
    assert result['missing_interfaces'] == ['bond7']
    assert len(result['warnings']) == 1 and 'interface bond7' in result['warnings'][0]


# --------------------------------------------------------------------------- reload


def test_reload_adds_with_one_reloadips_of_this_node(fake, base):
    fake.answer(['pnn'], '1\n')
    fake.answer(['reloadips', '1'], '')
    fake.answer(['ip', 'all'], 'Public IPs on ALL nodes\n192.168.6.84 0\n192.168.6.85 1\n192.168.6.86 -1\n')
    args = {'ctdb_base': str(base), 'reload': True,
            'addresses': _want(('192.168.6.84/24', 'eth1'), ('192.168.6.85/24', 'eth1'), ('192.168.6.86/24', 'eth1'))}
    ok, result = run(args)
    assert ok and result['changed']
    assert result['reload'] == {'changed': True, 'pnn': 1, 'steps': ['ctdb reloadips 1'],
                                'ips': {'192.168.6.84': 0, '192.168.6.85': 1, '192.168.6.86': -1}}
    assert fake.calls == [['pnn'], ['pnn'], ['reloadips', '1'], ['ip', 'all']]


def test_reload_not_needed_runs_nothing(fake, base):
    fake.answer(['pnn'], '0\n')
    fake.answer(['-v', 'ip'], IP_BEFORE)
    ok, result = run({'ctdb_base': str(base), 'reload': True})
    assert ok and result['changed'] is False
    assert result['reload'] == {'changed': False, 'pnn': 0, 'steps': []}
    assert ['reloadips', '0'] not in fake.calls


def test_reload_when_the_daemon_lags_behind_the_file(fake, base):
    fake.answer(['pnn'], '0\n')
    fake.answer(['-v', 'ip'], IP_BEFORE.replace('configured[eth1]\n', 'configured[eth2]\n'))
    fake.answer(['reloadips', '0'], '')
    fake.answer(['ip', 'all'], 'Public IPs on ALL nodes\n192.168.6.84 0\n192.168.6.85 1\n')
    ok, result = run({'ctdb_base': str(base), 'reload': True}, check_mode=True)
    assert ok and result['changed'] and result['reload']['steps'] == ['ctdb reloadips 0']
    assert ['reloadips', '0'] not in fake.calls
    ok, result = run({'ctdb_base': str(base), 'reload': True})
    assert ok and result['changed'] and ['reloadips', '0'] in fake.calls


def test_mask_change_is_done_in_two_steps(fake, base, monkeypatch):
    fake.answer(['pnn'], '0\n')
    fake.answer(['ip', 'all'], 'Public IPs on ALL nodes\n192.168.6.84 0\n192.168.6.85 1\n')
    seen = []
    path = str(base / 'public_addresses')

    def reloadips(module, argv, environ_update=None, **kwargs):
        if argv[-2:] == ['reloadips', '0']:
            with open(path) as handle:
                seen.append(handle.read())
        return fake.run_command(argv, environ_update, **kwargs)

    fake.answer(['reloadips', '0'], '')
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', reloadips)
    args = {'ctdb_base': str(base), 'reload': True,
            'addresses': _want(('192.168.6.84/16', 'eth1'), ('192.168.6.85/24', 'eth1'))}
    ok, result = run(args, diff=True)
    assert ok and result['changed']
    assert seen == ['# node 0\n192.168.6.85/24 eth1\n', '# node 0\n192.168.6.84/16 eth1\n192.168.6.85/24 eth1\n']
    assert result['modified'] == [{'address': '192.168.6.84/16', 'before': '192.168.6.84/24 eth1',
                                   'after': '192.168.6.84/16 eth1'}]
    assert result['reload']['steps'] == ['ctdb reloadips 0', 'ctdb reloadips 0']
    assert result['diff']['before'] == FILE and result['diff']['after'] == seen[1]


def test_mask_change_without_reload_writes_once(fake, base):
    ok, result = run({'ctdb_base': str(base), 'addresses': _want(('192.168.6.84/16', 'eth1'), ('192.168.6.85/24', 'eth1'))})
    assert ok and result['changed'] and fake.calls == []
    assert (base / 'public_addresses').read_text() == '# node 0\n192.168.6.84/16 eth1\n192.168.6.85/24 eth1\n'


# --------------------------------------------------------------------------- bad input


def _one(address, iface='eth1'):
    return [{'address': address, 'interface_name': iface}]


BAD_INPUTS = [
    ('no mask', lambda b: {'addresses': _one('192.168.6.86')},
     "{path}: addresses[0]: invalid address '192.168.6.86': the /MASK is missing: CTDB needs ADDR/MASK, for example "
     "192.168.6.86/24"),
    ('malformed address', lambda b: {'addresses': _one('192.168.6/24')},
     "{path}: addresses[0]: invalid address '192.168.6/24': '192.168.6' is not an IPv4 or IPv6 address"),
    ('mask too long', lambda b: {'addresses': _one('192.168.6.86/33')},
     "{path}: addresses[0]: invalid address '192.168.6.86/33': the mask '33' is not a prefix length between 0 and 32"),
    ('ipv6 mask too long', lambda b: {'addresses': _one('fd00::86/129')},
     "{path}: addresses[0]: invalid address 'fd00::86/129': the mask '129' is not a prefix length between 0 and 128"),
    ('port', lambda b: {'addresses': _one('192.168.6.86:445/24')},
     "{path}: addresses[0]: invalid address '192.168.6.86:445/24': a public address has no port"),
    ('duplicate', lambda b: {'addresses': _want(('192.168.6.86/24', 'eth1'), ('192.168.6.86/16', 'eth2'))},
     '{path}: address 192.168.6.86 is listed twice (addresses[0] and addresses[1]): CTDB refuses a duplicate public IP '
     'address; list it once'),
    ('duplicate ipv6', lambda b: {'addresses': _want(('fd00::86/64', 'eth1'), ('FD00:0::86/64', 'eth1'))},
     '{path}: address fd00::86 is listed twice (addresses[0] and addresses[1]): CTDB refuses a duplicate public IP '
     'address; list it once'),
    ('interface with blank', lambda b: {'addresses': _one('192.168.6.86/24', 'eth 1')},
     "{path}: addresses[0] (192.168.6.86/24): invalid interface name 'eth 1': a Linux interface name has 1 to 15 "
     "bytes (UTF-8) and no blank, NUL, \"/\", \":\", \",\" or \"#\""),
    ('interface too long', lambda b: {'addresses': _one('192.168.6.86/24', 'interface_name_16')},
     "{path}: addresses[0] (192.168.6.86/24): invalid interface name 'interface_name_16': a Linux interface name has 1 "
     "to 15 bytes (UTF-8) and no blank, NUL, \"/\", \":\", \",\" or \"#\""),
    ('no interface', lambda b: {'addresses': [{'address': '192.168.6.86/24'}]},
     '{path}: addresses[0] (192.168.6.86/24) has no interface: CTDB needs one (interface_name: eth0, or interfaces: '
     '[eth0, eth1])'),
    ('both interface forms', lambda b: {'addresses': [{'address': '192.168.6.86/24', 'interface_name': 'eth1',
                                                       'interfaces': ['eth2']}]},
     '{path}: addresses[0] (192.168.6.86/24) gives both interface_name and interfaces: give one of them'),
    ('unknown key in an address', lambda b: {'addresses': [{'address': '192.168.6.86/24', 'interface_name': 'eth1',
                                                            'iface': 'eth1'}]},
     'Unsupported parameters for (MODULE) module: addresses.iface. Supported parameters include: address, '
     'interface_name, interfaces.'),
    ('unknown option', lambda b: {'address': _one('192.168.6.86/24')},
     'Unsupported parameters for (MODULE) module: address. Supported parameters include: addresses, backup, ctdb_base, '
     'path, reload.'),
    ('directory as file', lambda b: {'path': str(b), 'addresses': _one('192.168.6.86/24')},
     '{base} is a directory, not a file: give the path of the file itself'),
    ('missing directory on write', lambda b: {'path': str(b / 'no' / 'public_addresses'),
                                              'addresses': _one('192.168.6.86/24')},
     'cannot write {base}/no/public_addresses: directory {base}/no does not exist'),
]


@pytest.mark.parametrize('label, make_args, message', BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_fails_with_exact_message_and_changes_nothing(fake, base, label, make_args, message):
    before = (base / 'public_addresses').read_bytes()
    listing = sorted(os.listdir(str(base)))
    args = dict(make_args(base), ctdb_base=str(base))
    ok, result = run(args)
    assert not ok
    msg = re.sub(r'^Unsupported parameters for \(\S+\)', 'Unsupported parameters for (MODULE)', result['msg'])
    assert msg == message.format(path=str(base / 'public_addresses'), base=str(base))
    assert (base / 'public_addresses').read_bytes() == before
    assert sorted(os.listdir(str(base))) == listing
    assert fake.calls == []


@pytest.mark.parametrize('content, message', [
    (b'192.168.6.84/24\n', "{path}: line 1 of public_addresses is '192.168.6.84/24': no interface specified; CTDB needs "
                           "\"ADDR/MASK IFACE[,IFACE...]\" on every line"),
    (b'192.168.6.84 eth1\n', "{path}: line 1 of public_addresses is '192.168.6.84 eth1': badly formed (the /MASK is "
                             "missing: CTDB needs ADDR/MASK, for example 192.168.6.84/24)"),
    (b'192.168.6.84/24 eth1\n192.168.6.84/16 eth2\n', '{path}: public_addresses lists 192.168.6.84 twice (lines 1 and '
                                                      '2): CTDB refuses a duplicate public IP address; delete one of '
                                                      'the lines'),
    (b'192.168.6.84/24 eth1\xff\n', '{path} is not UTF-8 text (byte 20): fix or replace the file'),
])
@pytest.mark.parametrize('with_addresses', [False, True])
def test_unreadable_existing_file_is_reported_and_kept(fake, base, content, message, with_addresses):
    (base / 'public_addresses').write_bytes(content)
    args = {'ctdb_base': str(base)}
    if with_addresses:
        args['addresses'] = _one('192.168.6.84/24')
    ok, result = run(args)
    assert not ok
    assert result['msg'] == message.format(path=str(base / 'public_addresses'))
    assert (base / 'public_addresses').read_bytes() == content


def test_reload_needs_the_local_daemon(fake, base):
    ok, result = run({'ctdb_base': str(base), 'reload': True, 'addresses': _one('192.168.6.86/24')})
    assert not ok
    assert result['msg'] == ('reload: true needs the ctdbd of this host running, and it is not: start it (systemctl '
                             'start ctdb), or leave reload out (the file is read when ctdbd starts)')
    assert (base / 'public_addresses').read_text() == FILE


def test_failed_first_step_restores_the_file(fake, base):
    fake.answer(['pnn'], '0\n')
    fake.answer(['reloadips', '0'], (1, '', 'Failed to reload IPs on some nodes.\n'))
    ok, result = run({'ctdb_base': str(base), 'reload': True,
                      'addresses': _want(('192.168.6.84/16', 'eth1'), ('192.168.6.85/24', 'eth1'))})
    assert not ok
    assert result['msg'] == ('ctdb reloadips 0 failed (rc 1) in the first of the two steps of changing 192.168.6.84/16 '
                             '(Failed to reload IPs on some nodes.); the file was restored: fix the cause and run the '
                             'task again')
    assert (base / 'public_addresses').read_text() == FILE
