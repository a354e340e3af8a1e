# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""samba_user as a module, with pdbedit and smbpasswd answered by a small model of the passdb at the
command seam (FakeCtdb's run_command, here also reading stdin): the commands, their argv and stdin,
check mode, and that neither the password nor a hash is ever in argv, the environment or a result
(exit_json is patched, so Ansible's own no_log masking is not what hides them)."""
import pytest

from ansible_collections.ctdb.cluster.plugins.module_utils._md4 import nt_hash
from ansible_collections.ctdb.cluster.plugins.modules import samba_user
from ansible_collections.ctdb.cluster.tests.unit.plugins.modules.utils import FakeCtdb

MODULE = samba_user

OLD = 'Fake-Old-Pass-1'
NEW = 'Fäke-New-Pass-2'
LINE = '{name}:{uid}:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:{hash}:[{flags:<11}]:LCT-6B16D897:\n'
VERBOSE = 'Unix username:        {name}\nNT username:          \nAccount Flags:        [{flags:<11}]\n' \
          'User SID:             S-1-5-21-1-2-3-1000\n'


class FakePassdb(FakeCtdb):
    """pdbedit -L -w/-v/-x and smbpasswd -s [-a]/-d/-e on a dict {name: {'hash', 'flags'}}."""

    def __init__(self, users=None):
        super().__init__()
        self.users = dict(users or {})
        self.stdin = []
        self.fail = {}  # command key -> (rc, stdout, stderr)

    def run_command(self, module, argv, environ_update=None, data=None, binary_data=False, **kwargs):
        self.calls.append((list(argv), dict(environ_update or {})))
        self.stdin.append(data)
        words = [str(word) for word in argv]
        tool = words[0].rsplit('/', 1)[-1]
        if tool == 'pdbedit':
            assert words[1] == '--configfile=/etc/samba/smb.conf', words
            return self.pdbedit(words[2:])
        assert words[1:4] == ['-L', '-c', '/etc/samba/smb.conf'], words
        return self.smbpasswd(words[4:], data)

    def pdbedit(self, args):
        name = args[-1]
        user = self.users.get(name)
        if args[:2] == ['-L', '-w'] or args[:2] == ['-L', '-v']:
            if user is None:
                return 255, '', 'Username not found!\n'
            text = LINE if args[1] == '-w' else VERBOSE
            return 0, text.format(name=name, uid=2001, **user), ''
        assert args[0] == '-x'
        if user is None:
            return 255, '', 'user %s does not exist in the passdb\n' % name
        del self.users[name]
        return 0, '', ''

    def smbpasswd(self, args, data):
        if tuple(args[:-1]) in self.fail:
            return self.fail[tuple(args[:-1])]
        name = args[-1]
        if args[0] == '-s':
            first, second, rest = data.split('\n')
            assert first == second and rest == '', 'the password twice on stdin, each with a newline'
            if args[1:2] != ['-a'] and name not in self.users:
                return 1, '', 'Failed to find entry for user %s.\n' % name
            flags = self.users.get(name, {}).get('flags', 'U').replace('D', '')  # setting a password enables
            self.users[name] = {'hash': nt_hash(first), 'flags': flags}
            return 0, 'Added user %s.\n' % name if args[1:2] == ['-a'] else '', ''
        flags = self.users[name]['flags'].replace('D', '')
        self.users[name]['flags'] = 'D' + flags if args[0] == '-d' else flags
        return 0, '%s user %s.\n' % ('Disabled' if args[0] == '-d' else 'Enabled', name), ''


@pytest.fixture
def passdb(monkeypatch, tmp_path):
    fake = FakePassdb()
    fake.install(monkeypatch)
    real_isfile, real_access = samba_user.os.path.isfile, samba_user.os.access
    monkeypatch.setattr(samba_user.os.path, 'isfile', lambda path: path == '/etc/samba/smb.conf' or real_isfile(path))
    monkeypatch.setattr(samba_user.os, 'access', lambda path, mode: path == '/etc/samba/smb.conf' or real_access(path, mode))

    class Account:
        pw_uid = 2001

    def getpwnam(name):
        if name == 'nobody-here':
            raise KeyError(name)
        return Account()

    monkeypatch.setattr(samba_user.pwd, 'getpwnam', getpwnam)
    return fake


def no_secret_anywhere(passdb, outcome):
    text = repr(dict(outcome)) + repr(passdb.calls)
    for secret in (OLD, NEW, nt_hash(OLD), nt_hash(NEW)):
        assert secret not in text


def test_add_then_unchanged(run_module, passdb):
    res = run_module({'name': 'alice', 'password': OLD}, diff=True)
    assert res.ok and res['changed'] is True and res['password_changed'] is True
    assert res['user'] == {'name': 'alice', 'uid': 2001, 'enabled': True, 'flags': 'U', 'sid': 'S-1-5-21-1-2-3-1000'}
    assert res['diff']['before'] == '' and res['diff']['after'].endswith('password: set\n')
    assert passdb.commands() == [['pdbedit', '--configfile=/etc/samba/smb.conf', '-L', '-w', '-u', 'alice'],
                                 ['smbpasswd', '-L', '-c', '/etc/samba/smb.conf', '-s', '-a', 'alice'],
                                 ['pdbedit', '--configfile=/etc/samba/smb.conf', '-L', '-w', '-u', 'alice'],
                                 ['pdbedit', '--configfile=/etc/samba/smb.conf', '-L', '-v', '-u', 'alice']]
    assert passdb.stdin[1] == '%s\n%s\n' % (OLD, OLD) and [d for d in passdb.stdin if d] == [passdb.stdin[1]]
    assert all(env == {'LC_ALL': 'C', 'LANG': 'C'} for dummy, env in passdb.calls)
    no_secret_anywhere(passdb, res)
    assert passdb.users['alice'] == {'hash': nt_hash(OLD), 'flags': 'U'}

    del passdb.calls[:]
    res = run_module({'name': 'alice', 'password': OLD})
    assert res['changed'] is False and res['password_changed'] is False
    assert [c[-3:] for c in passdb.commands()] == [['-w', '-u', 'alice'], ['-v', '-u', 'alice']]


def test_check_mode_predicts_and_runs_nothing_that_changes(run_module, passdb):
    passdb.users['alice'] = {'hash': nt_hash(OLD), 'flags': 'U'}
    res = run_module({'name': 'alice', 'password': NEW, 'enabled': False}, check=True, diff=True)
    assert res['changed'] is True and res['password_changed'] is True
    assert res['user']['enabled'] is False and res['user']['flags'] == 'DU'
    assert res['diff']['before'].endswith('flags: [U]\npassword: set\n')
    assert res['diff']['after'].endswith('flags: [DU]\npassword: changed\n')
    assert [c[0] for c in passdb.commands()] == ['pdbedit', 'pdbedit'] and not any(passdb.stdin)
    assert passdb.users['alice'] == {'hash': nt_hash(OLD), 'flags': 'U'}
    no_secret_anywhere(passdb, res)

    res = run_module({'name': 'bob', 'password': NEW}, check=True)
    assert res['changed'] is True and res['user'] == {'name': 'bob', 'uid': 2001, 'enabled': True, 'flags': 'U',
                                                      'sid': None}
    assert 'bob' not in passdb.users


def test_new_password_of_a_disabled_user_keeps_it_disabled(run_module, passdb):
    passdb.users['alice'] = {'hash': nt_hash(OLD), 'flags': 'DU'}
    res = run_module({'name': 'alice', 'password': NEW})
    assert res['changed'] is True and res['user']['enabled'] is False
    assert [c[4:] for c in passdb.commands() if c[0] == 'smbpasswd'] == [['-s', 'alice'], ['-d', 'alice']]
    assert passdb.users['alice'] == {'hash': nt_hash(NEW), 'flags': 'DU'}
    no_secret_anywhere(passdb, res)


def test_on_create_and_enabled(run_module, passdb):
    passdb.users['alice'] = {'hash': nt_hash(OLD), 'flags': 'DU'}
    res = run_module({'name': 'alice', 'password': NEW, 'update_password': 'on_create', 'enabled': True})
    assert res['changed'] is True and res['password_changed'] is False and res['user']['flags'] == 'U'
    assert [c[4:] for c in passdb.commands() if c[0] == 'smbpasswd'] == [['-e', 'alice']]
    assert passdb.users['alice']['hash'] == nt_hash(OLD)


def test_absent(run_module, passdb):
    passdb.users['nobody-here'] = {'hash': nt_hash(OLD), 'flags': 'U'}
    res = run_module({'name': 'nobody-here', 'state': 'absent', 'password': NEW})
    assert res['changed'] is True and res['user'] is None and passdb.users == {}
    assert passdb.commands()[-2][-3:] == ['-x', '-u', 'nobody-here']
    res = run_module({'name': 'nobody-here', 'state': 'absent'})
    assert res['changed'] is False and res['user'] is None


@pytest.mark.parametrize('args,msg', [
    ({'name': 'nobody-here', 'password': OLD},
     'there is no Unix account nobody-here on this node, and Samba needs one for every user: create the account '
     'nobody-here first on every node of the cluster, with the same UID everywhere, then add the Samba user'),
    ({'name': '-x', 'password': OLD}, "invalid Samba user name '-x': give the name of a Unix account, 1 to 32 "
                                      'characters from A-Z, a-z, 0-9, "_", "." and "-", not starting with "-" or "."'),
    ({'name': 'alice'}, 'Samba user alice does not exist yet, and a new user needs a password: give password '
                        '(or state=absent)'),
    ({'name': 'alice', 'password': 'two\nlines'}, 'the password given for Samba user alice cannot be used: it '
     'contains a line break or a NUL character, which smbpasswd cannot read on standard input: choose a password '
     'without them'),
    ({'name': 'alice', 'password': OLD, 'smb_conf': '/nonexistent/smb.conf'},
     'smb_conf /nonexistent/smb.conf does not exist or cannot be read: give the smb.conf of the Samba whose passdb is '
     'managed (pdbedit and smbpasswd would otherwise fall back to their built-in defaults)'),
])
def test_refused_before_anything_changes(run_module, passdb, args, msg):
    for check in (True, False):
        res = run_module(args, check=check, expect=None)
        assert res.failed and res['msg'] == msg
        assert not any(c[0] == 'smbpasswd' or '-x' in c[4:] for c in passdb.commands())
        assert passdb.users == {}


def test_smbpasswd_failure_quoted_without_the_password(run_module, passdb):
    passdb.fail[('-s', '-a')] = (1, '', 'Failed to add entry for user alice.\n')
    res = run_module({'name': 'alice', 'password': OLD})
    assert res.failed and res['msg'] == 'smbpasswd -s -a alice failed with exit code 1: Failed to add entry for user alice.'
    assert res['rc'] == 1 and res['cmd'] == ['/usr/bin/smbpasswd', '-L', '-c', '/etc/samba/smb.conf', '-s', '-a', 'alice']
    no_secret_anywhere(passdb, res)


def test_passdb_that_disagrees_after_the_change(run_module, passdb, monkeypatch):
    original = passdb.smbpasswd

    def ignores_password(args, data):
        rc, out, err = original(args, data)
        passdb.users[args[-1]]['hash'] = nt_hash(OLD)
        return rc, out, err

    passdb.users['alice'] = {'hash': nt_hash(OLD), 'flags': 'U'}
    monkeypatch.setattr(passdb, 'smbpasswd', ignores_password)
    res = run_module({'name': 'alice', 'password': NEW})
    assert res.failed and res['msg'] == ('smbpasswd exited 0, but Samba user alice is not as asked: its password is '
                                         'not the one given')


def test_pdbedit_missing(run_module, passdb):
    passdb.missing.add('pdbedit')
    res = run_module({'name': 'alice', 'password': OLD})
    assert res.failed and res['msg'] == ('pdbedit command not found: install samba (Debian) or samba-common-tools '
                                         '(Fedora, EL) on this node')
