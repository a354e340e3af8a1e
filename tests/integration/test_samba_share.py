# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""samba_share through real ansible-playbook on localhost, against a real registry; no sandbox.

Each test has a private, non-clustered Samba configuration in its tmp_path (every state, private,
cache, lock, pid and ncalrpc directory in it, ``include = registry``), so the installed ``net``
writes a ``registry.tdb`` of its own there; no smbd is started. The clustered registry (replicated
by ctdbd) is the lab suite's. The bad-input table (bad_inputs/samba_share.yml) runs here on
localhost too, in check mode and for real, every file of its scratch directory left byte-identical.
"""
import os
import shutil
import subprocess
import sys
import tempfile

import pytest
import yaml

from ctdbtest import bad_inputs
from ctdbtest.playbook import run_playbook
from ctdbtest.snapshot import tree_snapshot

pytestmark = pytest.mark.skipif(not os.access('/usr/bin/net', os.X_OK), reason='Samba (net) is not installed')

MODULE = 'ctdb.cluster.samba_share'
TABLE = bad_inputs.load(os.path.join(bad_inputs.TABLES, 'samba_share.yml'))


class Samba:
    """A private registry under ``root``: its smb.conf, a dfs directory, and net to look at it."""

    def __init__(self, root):
        self.root = str(root)
        self.conf = os.path.join(self.root, 'smb.conf')
        self.dfs = os.path.join(self.root, 'dfs')
        self.state = os.path.join(self.root, 'samba', 'state')
        lines = ['[global]']
        for option, directory in (('private dir', 'private'), ('state directory', 'state'),
                                  ('cache directory', 'cache'), ('lock directory', 'lock'), ('pid directory', 'pid'),
                                  ('ncalrpc dir', 'ncalrpc'), ('binddns dir', 'bind-dns')):
            os.makedirs(os.path.join(self.root, 'samba', directory))
            lines.append('  %s = %s' % (option, os.path.join(self.root, 'samba', directory)))
        lines += ['  log file = %s' % os.path.join(self.root, 'samba', 'log.%m'), '  include = registry', '']
        with open(self.conf, 'w', encoding='utf-8') as handle:
            handle.write('\n'.join(lines))
        for sub in ('data', 'other'):
            os.makedirs(os.path.join(self.dfs, sub))

    def net(self, *args):
        completed = subprocess.run(['net', '--configfile=%s' % self.conf, 'conf'] + list(args), capture_output=True,
                                   text=True, env=dict(os.environ, LC_ALL='C'), check=False)
        assert completed.returncode == 0 and "Can't load" not in completed.stderr, completed
        return completed.stdout

    def registry(self):
        """(net conf list, the bytes of registry.tdb)."""
        listing = self.net('list')
        with open(os.path.join(self.state, 'registry.tdb'), 'rb') as handle:
            return listing, handle.read()


@pytest.fixture
def samba():
    # Not under tmp_path: net's messaging socket (LOCKDIR/msg.sock/PID) must fit the 108 bytes of a Unix socket
    # path, which pytest-xdist's tmp_path (.../popen-gwN/test_NAME0/...) leaves too little of ("Unable to
    # initialize messaging context!" for longer PIDs).
    root = tempfile.mkdtemp(prefix='ctdbsmb-', dir='/tmp')
    try:
        yield Samba(os.path.join(root, 'r'))
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def play(tmp_path):
    """Run tasks on localhost (local connection, this Python) with real ansible-playbook."""
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(yaml.safe_dump({'all': {'hosts': {'localhost': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}}}}))

    def run(tasks, check=False, diff=False, extra_vars=None):
        playbook = yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}], sort_keys=False)
        return run_playbook(playbook, str(inventory), tmp_path, check=check, diff=diff, extra_vars=extra_vars)

    return run


def share_task(task, samba, **args):
    module_args = {'name': 'data', 'path': os.path.join(samba.dfs, 'data'), 'dfs_path': samba.dfs,
                   'require_mount': False, 'smb_conf': samba.conf}
    module_args.update(args)
    return {'name': task, MODULE: module_args}


def net_words(result):
    """The commands of a result without the net --configfile=... -- conf prefix."""
    return [command[4:] for command in result['commands']]


def test_add_unchanged_change_purge_remove(samba, play):
    tasks = [
        share_task('add', samba, parameters={'comment': 'Team data', 'read only': False,
                                             'vfs objects': ['acl_xattr', 'fruit'], 'create mask': '0664',
                                             'fruit:metadata': 'stream'}),
        share_task('add again', samba, parameters={'Comment': 'Team data', 'writeable': True,
                                                   'vfs objects': 'acl_xattr fruit', 'create mask': '0664',
                                                   'FRUIT:metadata': 'stream'}),
        share_task('change', samba, parameters={'comment': 'New', 'browsable': False}),
        share_task('purge', samba, parameters={'comment': 'New'}, purge_parameters=True),
        share_task('purge again', samba, parameters={'comment': 'New'}, purge_parameters=True),
        {'name': 'remove', MODULE: {'name': 'DATA', 'state': 'absent', 'smb_conf': samba.conf}},
        {'name': 'remove again', MODULE: {'name': 'data', 'state': 'absent', 'smb_conf': samba.conf}},
    ]
    run = play(tasks)
    assert run.rc == 0, run
    results = {task['name']: run.result(task['name'], 'localhost') for task in tasks}
    data = os.path.join(samba.dfs, 'data')

    assert results['add']['changed'] is True
    assert net_words(results['add']) == [
        ['addshare', 'data', data, 'writeable=y', 'guest_ok=N'], ['setparm', 'data', 'comment', 'Team data'],
        ['setparm', 'data', 'vfs objects', 'acl_xattr fruit'], ['setparm', 'data', 'create mask', '0664'],
        ['setparm', 'data', 'fruit:metadata', 'stream']]
    assert results['add']['share'] == {'path': data, 'guest ok': 'no', 'read only': 'no', 'comment': 'Team data',
                                       'vfs objects': 'acl_xattr fruit', 'create mask': '0664',
                                       'fruit:metadata': 'stream'}
    # other spellings of the same parameters and values: nothing to do
    assert results['add again']['changed'] is False and results['add again']['commands'] == []
    assert results['change']['changed'] is True
    assert net_words(results['change']) == [['setparm', 'data', 'comment', 'New'],
                                            ['setparm', 'data', 'browseable', 'no']]
    assert results['change']['share']['browseable'] == 'no' and results['change']['share']['comment'] == 'New'
    assert results['purge']['share'] == {'path': data, 'comment': 'New'}
    assert results['purge again']['changed'] is False
    assert net_words(results['remove']) == [['delshare', 'data']] and results['remove']['share'] == {}
    assert results['remove again']['changed'] is False and results['remove again']['commands'] == []
    assert samba.net('listshares') == ''


def test_check_mode_changes_nothing_and_predicts_the_real_run(samba, play):
    samba.net('addshare', 'data', os.path.join(samba.dfs, 'data'), 'writeable=y', 'guest_ok=N', 'Old')
    samba.net('addshare', 'gone', os.path.join(samba.dfs, 'other'))
    tasks = [
        share_task('new share', samba, name='new', path=os.path.join(samba.dfs, 'other'),
                   parameters={'guest ok': True}, purge_parameters=True),
        share_task('change', samba, parameters={'comment': 'New', 'vfs objects': ['fruit']}, purge_parameters=True),
        {'name': 'remove', MODULE: {'name': 'gone', 'state': 'absent', 'smb_conf': samba.conf}},
    ]
    before = samba.registry()

    checked = play(tasks, check=True, diff=True)

    assert checked.rc == 0, checked
    assert samba.registry() == before
    real = play(tasks, diff=True)
    assert real.rc == 0, real
    for task in tasks:
        predicted, done = checked.result(task['name'], 'localhost'), real.result(task['name'], 'localhost')
        assert predicted['changed'] is True and done['changed'] is True
        for key in ('commands', 'share', 'diff'):
            assert predicted[key] == done[key], (task['name'], key)
    assert real.result('new share', 'localhost')['share'] == {'path': os.path.join(samba.dfs, 'other'),
                                                              'guest ok': 'yes'}
    assert samba.registry() != before
    assert play(tasks, check=True).changed_hosts() == []


def test_diff_is_the_share_as_smb_conf_text(samba, play):
    samba.net('addshare', 'data', os.path.join(samba.dfs, 'data'))
    run = play([share_task('change', samba, parameters={'comment': '-x = y; "q"'})], diff=True)
    assert run.rc == 0, run
    diff = run.result('change', 'localhost')['diff']
    data = os.path.join(samba.dfs, 'data')
    assert diff['before'] == '[data]\n\tpath = %s\n\tguest ok = no\n\tread only = yes\n' % data
    # a value beginning with '-' reaches net as a value (net ... -- conf setparm ...)
    assert diff['after'] == diff['before'] + '\tcomment = -x = y; "q"\n'
    assert diff['after'] == samba.net('showshare', 'data')
    assert '+\tcomment = -x = y; "q"' in run.stdout


def test_bad_inputs_are_refused_and_change_nothing(tmp_path):
    """The table bad_inputs/samba_share.yml on localhost, in check mode and for real (the sandbox runner's
    playbook, inventory of one local host)."""
    scratch = tmp_path / 'scratch'
    scratch.mkdir()
    mapping = {'tmp': str(scratch), 'base': str(scratch), 'host': 'localhost', 'subnet': '127.0.0'}
    bad_inputs.write_files(TABLE, mapping)
    vars_path = tmp_path / 'bad_args.yml'
    vars_path.write_text(bad_inputs.cases_vars(
        {'localhost': [bad_inputs.render(case['args'], mapping) for case in TABLE['cases']]}))
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(yaml.safe_dump({'all': {'hosts': {'localhost': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable, 'ctdb_environment': {}}}}}))
    before = tree_snapshot(str(scratch))

    run = run_playbook(bad_inputs.playbook(TABLE, str(vars_path), hosts='localhost'), str(inventory), tmp_path)

    assert run.rc == 0, run
    wrong = []
    for index, case, check in bad_inputs.runs(TABLE):
        result = run.result(bad_inputs.task_name(index, check), 'localhost')
        expected = bad_inputs.render(case['message'], mapping)
        got = (result['_status'], result.get('_ignored'), result.get('changed'), result.get('msg'))
        if got != ('failed', True, False, expected):
            wrong.append('%s%s:\n  want %r\n  got  %r' % (case['what'], ' (check mode)' if check else '', expected,
                                                          got))
    assert not wrong, '\n'.join(wrong)
    assert tree_snapshot(str(scratch)) == before
