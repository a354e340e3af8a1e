# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_nodes on real files in a temporary CTDB_BASE, with ctdb faked at its one seam (run_command).

Includes the bad-input table: every bad input fails with its exact message and leaves the
nodes file byte for byte as it was.
"""
import os
import re

import pytest

from ansible.module_utils import basic

from ansible_collections.ctdb.cluster.plugins.modules import ctdb_nodes

from ansible_collections.ctdb.cluster.tests.unit.plugins.modules.utils import ExitJson, FailJson, patch_module_args

THREE = '192.168.20.41\n192.168.20.42\n192.168.20.43\n'


def status_text(flags=('OK', 'OK', 'OK'), deleted=()):
    addresses = ['192.168.20.41', '192.168.20.42', '192.168.20.43', '192.168.20.44']
    count = len(flags) + len(deleted)
    header = 'Number of nodes:%d' % count + (' (including %d deleted nodes)' % len(deleted) if deleted else '')
    lines = [header]
    pnn = 0
    for index in range(count):
        if index in deleted:
            continue
        lines.append('pnn:%d %-16s %s%s' % (index, addresses[index], flags[pnn], ' (THIS NODE)' if index == 0 else ''))
        pnn += 1
    lines += ['Generation:1', 'Size:3', 'hash:0 lmaster:0', 'Recovery mode:NORMAL (0)', 'Leader:0']
    return '\n'.join(lines) + '\n'


class FakeCtdb:
    """Scripted answers per ctdb argument list; records every command."""

    def __init__(self):
        self.answers = {}
        self.calls = []

    def answer(self, args, result):
        self.answers[tuple(args)] = result

    def run_command(self, argv, environ_update=None, **kwargs):
        args = tuple(word for word in argv[1:] if not word.startswith('--timelimit'))
        self.calls.append((list(args), dict(environ_update or {})))
        result = self.answers.get(args, (1, '', 'connect() failed, errno=2\n'))
        return result if isinstance(result, tuple) else (0, result, '')

    def commands(self):
        return [args for args, dummy in self.calls]


@pytest.fixture
def fake(monkeypatch):
    ctdb = FakeCtdb()

    def exit_json(module, **kwargs):
        raise ExitJson(kwargs)

    def fail_json(module, **kwargs):
        raise FailJson(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', ctdb.run_command)
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path', lambda self, name, *a, **k: '/usr/bin/' + name)
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
            ctdb_nodes.main()
    return caught.type is ExitJson, caught.value.args[0]


@pytest.fixture
def base(tmp_path):
    (tmp_path / 'nodes').write_text(THREE)
    return tmp_path


# --------------------------------------------------------------------------- read


def test_read_returns_nodes_slots_and_deleted(fake, base):
    (base / 'nodes').write_text('192.168.20.41\n#192.168.20.42\n192.168.20.43\n')
    ok, result = run({'ctdb_base': str(base)})
    assert ok and result['changed'] is False
    assert result['nodes'] == ['192.168.20.41', '192.168.20.43']
    assert result['deleted'] == [1]
    assert [(s['pnn'], s['address'], s['deleted']) for s in result['slots']] == [
        (0, '192.168.20.41', False), (1, '192.168.20.42', True), (2, '192.168.20.43', False)]
    assert result['path'] == str(base / 'nodes')
    assert fake.calls == []


def test_ctdb_base_comes_from_the_environment(fake, base, monkeypatch):
    monkeypatch.setenv('CTDB_BASE', str(base))
    ok, result = run({})
    assert ok and result['path'] == str(base / 'nodes')


def test_path_option_wins(fake, base):
    other = base / 'elsewhere'
    other.write_text('10.0.0.1\n')
    ok, result = run({'ctdb_base': str(base), 'path': str(other)})
    assert ok and result['nodes'] == ['10.0.0.1']


# --------------------------------------------------------------------------- write


def test_write_check_mode_diff_then_apply_then_idempotent(fake, base):
    args = {'ctdb_base': str(base), 'nodes': ['192.168.20.41', '192.168.20.43', '192.168.20.44']}
    ok, result = run(args, check_mode=True, diff=True)
    assert ok and result['changed'] is True
    assert result['diff']['after'] == '192.168.20.41\n#192.168.20.42\n192.168.20.43\n192.168.20.44\n'
    assert result['diff']['before'] == THREE
    assert (base / 'nodes').read_text() == THREE

    ok, result = run(args)
    assert ok and result['changed'] is True
    assert (base / 'nodes').read_text() == '192.168.20.41\n#192.168.20.42\n192.168.20.43\n192.168.20.44\n'
    assert result['added'] == [{'pnn': 3, 'address': '192.168.20.44'}]
    assert result['removed'] == [{'pnn': 1, 'address': '192.168.20.42'}]
    assert 'diff' not in result

    ok, result = run(args)
    assert ok and result['changed'] is False
    assert fake.calls == []


def test_addresses_alias_is_the_api_post_body(fake, base):
    ok, result = run({'ctdb_base': str(base), 'addresses': ['192.168.20.41', '192.168.20.42', '192.168.20.43']})
    assert ok and result['changed'] is False


def test_backup_keeps_the_old_file(fake, base):
    ok, result = run({'ctdb_base': str(base), 'nodes': ['192.168.20.41', '192.168.20.42'], 'backup': True})
    assert ok and result['changed']
    with open(result['backup_file']) as handle:
        assert handle.read() == THREE


def test_symlinked_file_stays_a_link(fake, base, tmp_path_factory):
    shared = tmp_path_factory.mktemp('dfs') / 'nodes'
    shared.write_text(THREE)
    (base / 'nodes').unlink()
    os.symlink(str(shared), str(base / 'nodes'))
    ok, result = run({'ctdb_base': str(base), 'nodes': ['192.168.20.41', '192.168.20.42', '192.168.20.43', '10.0.0.9']})
    assert ok and result['changed']
    assert os.path.islink(str(base / 'nodes'))
    assert shared.read_text() == THREE + '10.0.0.9\n'


def test_missing_file_is_created(fake, tmp_path):
    ok, result = run({'ctdb_base': str(tmp_path), 'nodes': ['10.0.0.1', '10.0.0.2']})
    assert ok and result['changed']
    assert (tmp_path / 'nodes').read_text() == '10.0.0.1\n10.0.0.2\n'


# --------------------------------------------------------------------------- reload


def test_reload_runs_reloadnodes_once_and_reports_ctdb(fake, base):
    fake.answer(['pnn'], '0\n')
    fake.answer(['status'], status_text())
    fake.answer(['reloadnodes'], (0, 'Node 3 is NEW\n', ''))
    ok, result = run({'ctdb_base': str(base), 'nodes': THREE.split() + ['192.168.20.44'], 'reload': True})
    assert ok and result['changed']
    assert result['reload'] == {'changed': True, 'messages': ['Node 3 is NEW'], 'events': [{'pnn': 3, 'event': 'NEW'}],
                                'rc': 0}
    assert fake.commands() == [['pnn'], ['status'], ['reloadnodes']]
    assert all(env['CTDB_BASE'] == str(base) for dummy, env in fake.calls)


def test_reload_without_change_is_not_changed(fake, base):
    fake.answer(['pnn'], '0\n')
    fake.answer(['status'], status_text())
    fake.answer(['reloadnodes'], (0, '', 'No change in nodes file, skipping unnecessary reload\n'))
    ok, result = run({'ctdb_base': str(base), 'reload': True})
    assert ok and result['changed'] is False
    assert result['reload']['messages'] == ['No change in nodes file, skipping unnecessary reload']


def test_reload_check_mode_predicts_without_running(fake, base):
    fake.answer(['pnn'], '0\n')
    fake.answer(['status'], status_text(flags=('OK', 'OK', 'DISCONNECTED|INACTIVE')))
    ok, result = run({'ctdb_base': str(base), 'nodes': ['192.168.20.41', '192.168.20.42'], 'reload': True},
                     check_mode=True)
    assert ok and result['changed']
    assert result['reload'] == {'changed': True, 'messages': ['Node 2 is DELETED'],
                                'events': [{'pnn': 2, 'event': 'DELETED', 'address': '192.168.20.43'}], 'rc': None}
    assert fake.commands() == [['pnn'], ['status']]
    assert (base / 'nodes').read_text() == THREE


def test_reload_deletes_a_disconnected_node(fake, base):
    fake.answer(['pnn'], '0\n')
    fake.answer(['status'], status_text(flags=('OK', 'OK', 'DISCONNECTED|UNHEALTHY|INACTIVE')))
    fake.answer(['reloadnodes'], (0, 'Node 2 is DELETED\n', ''))
    ok, result = run({'ctdb_base': str(base), 'nodes': ['192.168.20.41', '192.168.20.42'], 'reload': True})
    assert ok and result['changed']
    assert (base / 'nodes').read_text() == '192.168.20.41\n192.168.20.42\n#192.168.20.43\n'


def test_reload_failure_says_to_write_every_node_first(fake, base):
    fake.answer(['pnn'], '0\n')
    fake.answer(['status'], status_text())
    fake.answer(['reloadnodes'], (1, '', 'ERROR: Nodes file on node 1 differs from current node (0)\n'))
    before = (base / 'nodes').read_bytes()
    ok, result = run({'ctdb_base': str(base), 'nodes': THREE.split() + ['192.168.20.44'], 'reload': True})
    assert not ok
    assert result['msg'] == (
        'ctdb reloadnodes failed (rc 1): ERROR: Nodes file on node 1 differs from current node (0). The nodes file '
        'must be identical on every connected node: write it on every node first (a task without reload), then '
        'reload in a separate task with run_once: true.')
    assert (base / 'nodes').read_bytes() != before  # the local file was written before the reload


# --------------------------------------------------------------------------- bad input


def _bad(base, name):
    return {'ctdb_base': str(base), 'nodes': ['192.168.20.41', name, '192.168.20.43']}


BAD_INPUTS = [
    ('malformed', lambda b: _bad(b, 'node2'),
     "{path}: invalid node address 'node2': not an IPv4 or IPv6 address (host names are not allowed in the nodes file)"),
    ('bad octet', lambda b: _bad(b, '192.168.20.420'),
     "{path}: invalid node address '192.168.20.420': not an IPv4 or IPv6 address (host names are not allowed in the "
     "nodes file)"),
    ('port', lambda b: _bad(b, '192.168.20.42:4379'),
     "{path}: invalid node address '192.168.20.42:4379': a node address has no port: give 192.168.20.42 without "
     "\":4379\" (CTDB uses the port of ctdb.conf, 4379 by default)"),
    ('ipv6 port', lambda b: _bad(b, '[fd00::2]:4379'),
     "{path}: invalid node address '[fd00::2]:4379': a node address has no port: give fd00::2 without \":4379\" (CTDB "
     "uses the port of ctdb.conf, 4379 by default)"),
    ('mask', lambda b: _bad(b, '192.168.20.42/24'),
     "{path}: invalid node address '192.168.20.42/24': a node address has no /MASK (masks belong to public addresses, "
     "not to the nodes file)"),
    ('inline comment', lambda b: _bad(b, '192.168.20.42 # two'),
     "{path}: invalid node address '192.168.20.42 # two': a node address contains no blanks or comments (CTDB has no "
     "inline comments)"),
    ('duplicate', lambda b: _bad(b, '192.168.20.41'),
     "{path}: node address 192.168.20.41 is listed twice in nodes (as '192.168.20.41' and '192.168.20.41'): list "
     "every node once"),
    ('duplicate ipv6', lambda b: {'ctdb_base': str(b), 'nodes': ['fd00::1', 'fd00:0:0::1']},
     "{path}: node address fd00::1 is listed twice in nodes (as 'fd00::1' and 'fd00:0:0::1'): list every node once"),
    ('empty list', lambda b: {'ctdb_base': str(b), 'nodes': []},
     '{path}: nodes is empty: a cluster needs at least one node. To remove nodes, list the ones that stay; to read '
     'the file, leave nodes out'),
    ('reorder', lambda b: {'ctdb_base': str(b), 'nodes': ['192.168.20.42', '192.168.20.41', '192.168.20.43']},
     '{path}: the order of nodes would renumber the cluster: CTDB numbers nodes by their line in the nodes file, and a '
     'node keeps its PNN for life (ctdb reloadnodes refuses a live PNN that changes address; a returning node takes '
     'back its own commented line, a new node goes at the end). You gave 192.168.20.42 (PNN 1), 192.168.20.41 (PNN 0), '
     '192.168.20.43 (PNN 2). List the nodes in PNN order instead: 192.168.20.41, 192.168.20.42, 192.168.20.43'),
    ('new node first', lambda b: {'ctdb_base': str(b), 'nodes': ['192.168.20.44'] + THREE.split()},
     '{path}: the order of nodes would renumber the cluster: CTDB numbers nodes by their line in the nodes file, and a '
     'node keeps its PNN for life (ctdb reloadnodes refuses a live PNN that changes address; a returning node takes '
     'back its own commented line, a new node goes at the end). You gave 192.168.20.44 (PNN 3), 192.168.20.41 (PNN 0), '
     '192.168.20.42 (PNN 1), 192.168.20.43 (PNN 2). List the nodes in PNN order instead: 192.168.20.41, '
     '192.168.20.42, 192.168.20.43, 192.168.20.44'),
    ('unknown key', lambda b: {'ctdb_base': str(b), 'node': ['192.168.20.41']},
     'Unsupported parameters for (MODULE) module: node. Supported parameters include: backup, ctdb_base, nodes, '
     'path, reload (addresses).'),
    ('directory as file', lambda b: {'ctdb_base': str(b), 'path': str(b), 'nodes': THREE.split()},
     '{base} is a directory, not a file: give the path of the file itself'),
    ('missing file on read', lambda b: {'ctdb_base': str(b), 'path': str(b / 'absent')},
     '{base}/absent does not exist: create it first or give the right path'),
    ('missing directory on write', lambda b: {'ctdb_base': str(b), 'path': str(b / 'no' / 'nodes'),
                                              'nodes': THREE.split()},
     'cannot write {base}/no/nodes: directory {base}/no does not exist'),
]


@pytest.mark.parametrize('label, make_args, message', BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_fails_with_exact_message_and_changes_nothing(fake, base, label, make_args, message):
    before = (base / 'nodes').read_bytes()
    listing = sorted(os.listdir(str(base)))
    ok, result = run(make_args(base))
    assert not ok
    # The module name Ansible puts in its own messages depends on how the module is loaded.
    assert re.sub(r'^Unsupported parameters for \(\S+\)', 'Unsupported parameters for (MODULE)', result['msg']) == \
        message.format(path=str(base / 'nodes'), base=str(base))
    assert (base / 'nodes').read_bytes() == before
    assert sorted(os.listdir(str(base))) == listing
    assert fake.calls == []


@pytest.mark.parametrize('content, message', [
    (b'192.168.20.41\n192.168.20.42 # second\n', "{path}: line 2 of the nodes file is '192.168.20.42 # second': a node "
                                                 "address contains no blanks or comments (CTDB has no inline comments); "
                                                 "CTDB cannot load this file. Fix or delete that line by hand (a removed "
                                                 "node is written as #ADDR)"),
    (b'192.168.20.41\n192.168.20.41\n', '{path}: the nodes file lists 192.168.20.41 twice (lines 1 and 2): CTDB would '
                                        'start two nodes with one address. Comment out the later line by hand '
                                        '(#192.168.20.41) so that no PNN moves'),
    (b'192.168.20.41\n\xff\xfe\n', '{path} is not UTF-8 text (byte 14): fix or replace the file'),
])
@pytest.mark.parametrize('with_nodes', [False, True])
def test_unreadable_existing_file_is_reported_and_kept(fake, base, content, message, with_nodes):
    (base / 'nodes').write_bytes(content)
    args = {'ctdb_base': str(base)}
    if with_nodes:
        args['nodes'] = ['192.168.20.41', '192.168.20.42']
    ok, result = run(args)
    assert not ok
    assert result['msg'] == message.format(path=str(base / 'nodes'))
    assert (base / 'nodes').read_bytes() == content


@pytest.mark.parametrize('flags, state', [(('OK', 'OK', 'OK'), 'OK'),
                                          (('OK', 'OK', 'STOPPED|INACTIVE'), 'STOPPED|INACTIVE')])
def test_deleting_a_connected_node_is_refused_before_writing(fake, base, flags, state):
    fake.answer(['pnn'], '0\n')
    fake.answer(['status'], status_text(flags=flags))
    ok, result = run({'ctdb_base': str(base), 'nodes': ['192.168.20.41', '192.168.20.42'], 'reload': True})
    assert not ok
    assert result['msg'] == (
        'refusing to reload the nodes file: CTDB only deletes a node that is DISCONNECTED; node 192.168.20.43 (PNN 2) '
        'is still connected (%s): stop it first (ctdb -n 2 shutdown, or systemctl stop ctdb on that node). Then run '
        'this task again.' % state)
    assert (base / 'nodes').read_text() == THREE
    assert fake.commands() == [['pnn'], ['status']]


def test_reload_needs_the_local_daemon(fake, base):
    ok, result = run({'ctdb_base': str(base), 'nodes': THREE.split() + ['192.168.20.44'], 'reload': True})
    assert not ok
    assert result['msg'] == ('reload: true needs the ctdbd of this host running, and it is not: run the reload task on a '
                             'node that is up and stays in the cluster (run_once: true with delegate_to)')
    assert (base / 'nodes').read_text() == THREE


def test_a_file_that_disagrees_with_the_daemon_is_refused(fake, base):
    (base / 'nodes').write_text('192.168.20.41\n192.168.20.52\n192.168.20.43\n')
    fake.answer(['pnn'], '0\n')
    fake.answer(['status'], status_text())
    ok, result = run({'ctdb_base': str(base), 'reload': True})
    assert not ok
    assert result['msg'] == (
        'refusing to reload: ctdb reloadnodes would reject this nodes file (Node 1 has changed IP address (was '
        '192.168.20.42, now 192.168.20.52); ERROR: Nodes will not be reloaded due to previous error). The running '
        'cluster does not match the file: compare ctdb status with the file and fix the file by hand')
