# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb.cluster.samba_user through real ansible-playbook (-vvv) on localhost, against a real tdbsam passdb.

No CTDB sandbox and no smbd: a private smb.conf whose passdb, state, cache, lock and pid
directories are all in a temporary directory (not clustered; in a cluster CTDB replicates the same
passdb.tdb), and a throwaway system user made for the test and removed afterwards. The steps run in
file order on one passdb. Every run is made with -vvv and none may print a password or its hash.
"""
import json
import os
import pathlib
import pwd
import shutil
import subprocess
import tempfile

import pytest

from ctdbtest.playbook import run_playbook

pytestmark = pytest.mark.steps

USER = 'ctdbtest-smbuser'
NO_UNIX_USER = 'ctdbtest-smbnone'
# Obviously fake test passwords (one not ASCII: the NT hash is of UTF-16LE text), with their NT hashes as
# Debian's pdbedit 4.17 printed them, so the test does not trust the module's MD4 to check the module.
PASSWORDS = {
    'first': ('Fake-Test-Pass-1', 'FC6B65C89FAB0F9CAA32ED63D0F56AD3'),
    'second': ('Fäke-Tëst-Päss-2', None),
    'third': ('Fake Test Pass 3 ', None),
}
PDBEDIT = shutil.which('pdbedit')
SMB_CONF = '''[global]
  passdb backend = tdbsam
  private dir = {d}/private
  state directory = {d}/state
  cache directory = {d}/cache
  lock directory = {d}/lock
  pid directory = {d}/pid
  ncalrpc dir = {d}/ncalrpc
  log file = {d}/log.%m
'''

if os.geteuid() != 0 or PDBEDIT is None or shutil.which('useradd') is None:
    pytest.skip('needs root, pdbedit and useradd', allow_module_level=True)


def _userdel(name):
    subprocess.run(['userdel', name], capture_output=True, check=False)


@pytest.fixture(scope='module')
def passdb():
    """{'dir', 'conf'}: a private smb.conf and passdb; USER exists as a Unix account, NO_UNIX_USER does not.

    Not under tmp_path: Samba's messaging socket (LOCKDIR/msg.sock/PID) must fit a Unix socket path's 108 bytes.
    """
    work = pathlib.Path(tempfile.mkdtemp(prefix='ctdbsmb-', dir='/tmp'))
    for name in ('private', 'state', 'cache', 'lock', 'pid', 'ncalrpc'):
        (work / name).mkdir()
    conf = work / 'smb.conf'
    conf.write_text(SMB_CONF.format(d=work))
    for name in (USER, NO_UNIX_USER):
        _userdel(name)
    subprocess.run(['useradd', '--system', '--no-create-home', '--shell', '/usr/sbin/nologin', USER],
                   check=True, capture_output=True)
    try:
        yield {'dir': str(work), 'conf': str(conf)}
    finally:
        _userdel(USER)
        shutil.rmtree(str(work), ignore_errors=True)


def listing(passdb):
    """``pdbedit -L -w`` of the test's passdb: every entry with its hashes and flags."""
    done = subprocess.run([PDBEDIT, '--configfile=' + passdb['conf'], '-L', '-w'], capture_output=True, text=True,
                          env=dict(os.environ, LC_ALL='C'), check=True)
    return done.stdout


def entry(passdb, name=USER):
    """(NT hash, flags) of ``name``, or None when it is not in the passdb."""
    for line in listing(passdb).splitlines():
        fields = line.split(':')
        if fields[0] == name:
            return fields[3], fields[4].strip('[] ')
    return None


def nt_hash(password):
    from ansible_collections.ctdb.cluster.plugins.module_utils._md4 import nt_hash as compute
    return compute(password)


def play(passdb, tmp_path, tasks, check=False):
    """Run ``tasks`` (YAML text, indented for a play's tasks) with -vvv; assert no secret was printed.

    The passwords come from a vars file: ansible-playbook itself shows a failed task's source lines."""
    secrets = tmp_path / 'passwords.json'
    secrets.write_text(json.dumps({'passwords': {key: value[0] for key, value in PASSWORDS.items()}}))
    playbook = '''
- hosts: all
  gather_facts: false
  vars:
    smb_conf: {conf}
  vars_files: [{secrets}]
  tasks:
{tasks}'''.format(conf=passdb['conf'], secrets=secrets, tasks=tasks)
    run = run_playbook(playbook, 'localhost,', tmp_path, check=check, diff=True,
                       extra_vars={'ansible_connection': 'local', 'ansible_python_interpreter': '/usr/bin/python3'},
                       env={'ANSIBLE_VERBOSITY': '3'})
    output = run.stdout + run.stderr
    assert '<localhost> EXEC' in output, 'not run with -vvv'
    for password, dummy in PASSWORDS.values():
        assert password not in output and nt_hash(password) not in output, 'a password or its hash was printed'
    return run


def task(title, **args):
    lines = ['    - name: %s' % title, '      ctdb.cluster.samba_user:', '        smb_conf: "{{ smb_conf }}"']
    extra = args.pop('_task', {})
    lines += ['        %s: %s' % (key, value) for key, value in args.items()]
    lines += ['      %s: %s' % (key, value) for key, value in extra.items()]
    return '\n'.join(lines) + '\n'


def pw(which):
    return '"{{ passwords.%s }}"' % which


def result(run, name):
    return run.result(name, 'localhost')


def test_pdbedit_prints_the_hash_the_test_expects(passdb):
    """The NT hash of the first password is the one pdbedit printed for it (by hand, on a scratch passdb)."""
    assert nt_hash(PASSWORDS['first'][0]) == PASSWORDS['first'][1]


def test_check_mode_add_changes_nothing(passdb, tmp_path):
    before = listing(passdb)
    run = play(passdb, tmp_path, task('Add', name=USER, password=pw('first')), check=True)
    assert run.rc == 0, run
    added = result(run, 'Add')
    assert added['changed'] is True and added['password_changed'] is True, added
    assert added['user']['name'] == USER and added['user']['enabled'] is True
    assert added['user']['uid'] == pwd.getpwnam(USER).pw_uid
    assert 'password: set' in added['diff']['after']
    assert listing(passdb) == before and entry(passdb) is None


def test_add_then_unchanged_then_on_create_keeps_the_password(passdb, tmp_path):
    tasks = (task('Add', name=USER, password=pw('first'))
             + task('Again', name=USER, password=pw('first'))
             + task('Same password, update_password=always', name=USER, password=pw('first'),
                    update_password='always')
             + task('New password, on_create', name=USER, password=pw('second'), update_password='on_create')
             + task('New password, check mode', name=USER, password=pw('second'), _task={'check_mode': 'true'}))
    run = play(passdb, tmp_path, tasks)
    assert run.rc == 0, run
    added = result(run, 'Add')
    assert added['changed'] is True and added['password_changed'] is True, added
    assert added['user']['uid'] == pwd.getpwnam(USER).pw_uid and added['user']['enabled'] is True
    assert added['user']['sid'].startswith('S-1-5-21-')
    for name in ('Again', 'Same password, update_password=always', 'New password, on_create'):
        assert result(run, name)['changed'] is False, (name, result(run, name))
    checked = result(run, 'New password, check mode')
    assert checked['changed'] is True and checked['password_changed'] is True, checked
    assert checked['diff']['after'].endswith('password: changed\n')
    assert entry(passdb) == (PASSWORDS['first'][1], 'U')


def test_check_mode_on_an_existing_user_changes_nothing(passdb, tmp_path):
    before = listing(passdb)
    run = play(passdb, tmp_path, task('Change', name=USER, password=pw('second'),
                                      enabled='false'), check=True)
    assert run.rc == 0, run
    changed = result(run, 'Change')
    assert changed['changed'] is True and changed['password_changed'] is True
    assert changed['user']['enabled'] is False and changed['user']['flags'] == 'DU'
    assert listing(passdb) == before


def test_new_password_disable_enable(passdb, tmp_path):
    second, third = PASSWORDS['second'][0], PASSWORDS['third'][0]
    tasks = (task('New password', name=USER, password=pw('second'))
             + task('Disable', name=USER, enabled='false')
             + task('Disable again', name=USER, enabled='false'))
    run = play(passdb, tmp_path, tasks)
    assert run.rc == 0, run
    assert result(run, 'New password')['changed'] is True
    assert result(run, 'New password')['password_changed'] is True
    assert result(run, 'Disable')['changed'] is True and result(run, 'Disable')['user']['enabled'] is False
    assert result(run, 'Disable again')['changed'] is False
    assert entry(passdb) == (nt_hash(second), 'DU')

    # smbpasswd enables an account when it sets its password: the module disables it again.
    tasks = (task('Password of a disabled user', name=USER, password=pw('third'))
             + task('Enable', name=USER, enabled='true')
             + task('Enable again', name=USER, enabled='true', password=pw('third')))
    run = play(passdb, tmp_path, tasks)
    assert run.rc == 0, run
    kept = result(run, 'Password of a disabled user')
    assert kept['changed'] is True and kept['user']['enabled'] is False, kept
    assert result(run, 'Enable')['changed'] is True and result(run, 'Enable')['user']['flags'] == 'U'
    assert result(run, 'Enable again')['changed'] is False
    assert entry(passdb) == (nt_hash(third), 'U')


def test_missing_unix_user_and_bad_name_are_refused_with_nothing_changed(passdb, tmp_path):
    before = listing(passdb)
    tasks = (task('No Unix account', name=NO_UNIX_USER, password=pw('first'),
                  _task={'ignore_errors': 'true'})
             + task('Bad name', name="'-x'", password=pw('first'), _task={'ignore_errors': 'true'}))
    for check in (True, False):
        run = play(passdb, tmp_path, tasks, check=check)
        assert run.rc == 0, run
        refused = result(run, 'No Unix account')
        assert refused.get('failed') is True and refused.get('changed') is False, refused
        assert refused['msg'] == (
            'there is no Unix account %s on this node, and Samba needs one for every user: create the account %s '
            'first on every node of the cluster, with the same UID everywhere, then add the Samba user'
            % (NO_UNIX_USER, NO_UNIX_USER))
        bad = result(run, 'Bad name')
        assert bad.get('failed') is True and bad['msg'].startswith("invalid Samba user name '-x': "), bad
    assert listing(passdb) == before


def test_remove(passdb, tmp_path):
    tasks = (task('Remove', name=USER, state='absent')
             + task('Remove again', name=USER, state='absent'))
    run = play(passdb, tmp_path, tasks)
    assert run.rc == 0, run
    assert result(run, 'Remove')['changed'] is True and result(run, 'Remove')['user'] is None
    assert result(run, 'Remove again')['changed'] is False
    assert entry(passdb) is None
