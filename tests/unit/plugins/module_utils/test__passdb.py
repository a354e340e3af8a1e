# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The passdb helpers: pdbedit -L -w / -L -v parsed on real Debian 4.17 outputs (tests/fixtures/samba), the
lookup's reading of pdbedit's exit 255, the name and password checks, and the plan of commands."""
import os

import pytest

from ansible_collections.ctdb.cluster.plugins.module_utils import _passdb as pd

SAMBA = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'samba'))
HASH1 = '42C7027570A58F8797CA3A820D4CD129'  # FakeTestPass1
HASH2 = '6F5C66DA7D63855FCD3EB49A8E0C42D7'  # Fäké-Tëst-Päss


def fixture(name):
    with open(os.path.join(SAMBA, name), encoding='utf-8') as handle:
        return handle.read()


def stderr_and_rc(name):
    lines = fixture(name).splitlines()
    assert lines[-1].startswith('exit ')
    return '\n'.join(lines[:-1]) + '\n', int(lines[-1].split()[1])


def test_smbpasswd_style_enabled_disabled_nopassword():
    (enabled,) = pd.parse_smbpasswd(fixture('pdbedit-L-w-enabled.txt'))
    assert enabled == {'name': 'ctdbtest-fixture', 'uid': 994, 'nt_hash': HASH1, 'flags': 'U'}
    (disabled,) = pd.parse_smbpasswd(fixture('pdbedit-L-w-disabled.txt'))
    assert disabled['flags'] == 'DU' and not pd.enabled(disabled['flags']) and pd.enabled(enabled['flags'])
    (nopass,) = pd.parse_smbpasswd(fixture('pdbedit-L-w-nopassword.txt'))
    assert nopass['flags'] == 'NDU' and nopass['nt_hash'] == HASH1  # smbpasswd -n kept the NT hash


def test_smbpasswd_style_all_users_and_a_missing_unix_account():
    entries = pd.parse_smbpasswd(fixture('pdbedit-L-w-all.txt'))
    assert [(e['name'], e['uid'], e['nt_hash'], e['flags']) for e in entries] == [
        ('ctdbtest-fixture', 994, HASH1, 'DU'), ('ctdbtest-fixgone', None, HASH2, 'U')]


def test_smbpasswd_style_without_nt_hash_and_malformed_lines():
    (entry,) = pd.parse_smbpasswd('u:5:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:[U          ]:LCT-1:\n')
    assert entry['nt_hash'] is None
    with pytest.raises(pd.SambaUserError) as raised:
        pd.parse_smbpasswd('\nu:5:%s\n' % HASH1)
    assert raised.value.msg == 'pdbedit -L -w line 2 is not name:uid:LMHASH:NTHASH:[FLAGS]:LCT-...: (3 fields)'
    assert HASH1 not in raised.value.msg
    with pytest.raises(pd.SambaUserError, match=r"line 1: account flags 'U' are not \[LETTERS\]"):
        pd.parse_smbpasswd('u:5:X:%s:U:LCT-1:' % HASH1)


@pytest.mark.parametrize('name,flags,group', [
    ('pdbedit-L-v-enabled.txt', '[U          ]', 'S-1-5-21-2175486194-4159955188-1821101083-513'),
    ('pdbedit-L-v-disabled.txt', '[DU         ]', 'S-1-5-21-2175486194-4159955188-1821101083-513'),
    ('pdbedit-L-v-nounix.txt', '[U          ]', '(NULL SID)'),
])
def test_verbose(name, flags, group):
    (record,) = pd.parse_verbose(fixture(name))
    assert record['Account Flags'] == flags and record['Primary Group SID'] == group
    assert record['User SID'].startswith('S-1-5-21-2175486194-4159955188-1821101083-100')
    assert record['Home Directory'].startswith('\\\\VM\\ctdbtest-fix')
    assert record['Logoff time'] == 'Wed, 06 Feb 2036 15:06:39 UTC' and record['NT username'] == ''


def test_verbose_several_records():
    text = fixture('pdbedit-L-v-enabled.txt') + '---------------\n' + fixture('pdbedit-L-v-nounix.txt')
    assert [r['Unix username'] for r in pd.parse_verbose(text)] == ['ctdbtest-fixture', 'ctdbtest-fixgone']


def test_lookup_found_and_not_found():
    entry = pd.lookup(0, fixture('pdbedit-L-w-enabled.txt'), '', 'CTDBTEST-fixture', '/etc/samba/smb.conf')
    assert entry is not None and entry['name'] == 'ctdbtest-fixture'
    stderr, rc = stderr_and_rc('pdbedit-L-w-missing.stderr')
    assert rc == 255 and pd.lookup(rc, '', stderr, 'ctdbtest-nosuch', '/etc/samba/smb.conf') is None


@pytest.mark.parametrize('name,quoted', [
    ('pdbedit-L-w-unopenable.stderr', 'tdbsam_open: Failed to open/create TDB passwd [/nonexistent/private/passdb.tdb]'),
    ('pdbedit-L-w-noconf.stderr', "Can't load /nonexistent/smb.conf - run testparm to debug it"),
])
def test_lookup_failures_that_also_say_username_not_found(name, quoted):
    stderr, rc = stderr_and_rc(name)
    with pytest.raises(pd.SambaUserError) as raised:
        pd.lookup(rc, '', stderr, 'alice', '/x/smb.conf')
    assert raised.value.msg.startswith('pdbedit could not read Samba user alice from the passdb of /x/smb.conf '
                                       '(exit code 255): %s; ' % quoted)
    assert raised.value.msg.endswith('Username not found!: check smb_conf and its passdb backend, private dir and '
                                     'state directory')
    assert raised.value.data['rc'] == 255 and 'stdout' not in raised.value.data


def test_lookup_exit_0_without_the_user():
    with pytest.raises(pd.SambaUserError, match='exited 0 without a line for bob'):
        pd.lookup(0, fixture('pdbedit-L-w-enabled.txt'), '', 'bob', '/etc/samba/smb.conf')


@pytest.mark.parametrize('name', ['alice', 'a', 'svc_backup', 'j.doe', 'ctdbtest-smbuser', 'A1', '_x', 'x' * 32])
def test_good_names(name):
    assert pd.check_name(name) == name


@pytest.mark.parametrize('name', ['', '-x', '.hidden', 'a b', 'a:b', 'a/b', 'DOM\\user', 'user@realm', 'm$',
                                  'x' * 33, 'é', 'a\nb', "a'", 'alice\n'])
def test_bad_names(name):
    with pytest.raises(pd.SambaUserError) as raised:
        pd.check_name(name)
    assert raised.value.msg == (
        'invalid Samba user name %r: give the name of a Unix account, 1 to 32 characters from A-Z, a-z, 0-9, "_", '
        '"." and "-", not starting with "-" or "."' % name)


@pytest.mark.parametrize('password,problem', [
    ('', 'it is empty: give a password, or leave out password to keep the current one'),
    ('Fake\nPass', 'it contains a line break or a NUL character, which smbpasswd cannot read on standard input: '
                   'choose a password without them'),
    ('Fake\rPass', 'it contains a line break'),
    ('Fake\x00Pass', 'it contains a line break'),
    ('a' * 255, 'it is 255 bytes long in UTF-8, and smbpasswd reads at most 254: choose a shorter one'),
    ('é' * 128, 'it is 256 bytes long in UTF-8'),
])
def test_bad_passwords_never_quoted(password, problem):
    with pytest.raises(pd.SambaUserError) as raised:
        pd.check_password(password, 'alice')
    assert raised.value.msg.startswith('the password given for Samba user alice cannot be used: ' + problem)
    assert (password not in raised.value.msg) if password else True


def test_good_passwords():
    for password in ('a' * 254, 'é' * 127, 'Fake Test Pass ', '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'):
        pd.check_password(password, 'alice')


def entry(flags='U', nt_hash=HASH1):
    return {'name': 'alice', 'uid': 2001, 'nt_hash': nt_hash, 'flags': flags}


# (state, current, password hash, update_password, enabled) -> (actions, password_changed, flags after or None)
PLANS = [
    ('absent', None, None, 'always', None, [], False, None),
    ('absent', entry(), HASH1, 'always', True, ['delete'], False, None),
    ('present', None, HASH1, 'always', None, ['add'], True, 'U'),
    ('present', None, HASH1, 'on_create', True, ['add'], True, 'U'),
    ('present', None, HASH1, 'always', False, ['add', 'disable'], True, 'DU'),
    ('present', entry(), HASH1, 'always', None, [], False, 'U'),
    ('present', entry(), HASH2, 'always', None, ['set_password'], True, 'U'),
    ('present', entry(), HASH2, 'on_create', None, [], False, 'U'),
    ('present', entry(), None, 'always', None, [], False, 'U'),
    ('present', entry(), None, 'always', False, ['disable'], False, 'DU'),
    ('present', entry('DU'), None, 'always', True, ['enable'], False, 'U'),
    ('present', entry('DU'), None, 'always', False, [], False, 'DU'),
    ('present', entry('DU'), HASH2, 'always', None, ['set_password', 'disable'], True, 'DU'),
    ('present', entry('DU'), HASH2, 'always', True, ['set_password'], True, 'U'),
    ('present', entry('U'), HASH2, 'always', False, ['set_password', 'disable'], True, 'DU'),
    ('present', entry('NDUX'), HASH1, 'always', True, ['enable'], False, 'NUX'),
    ('present', entry('U', None), HASH1, 'always', None, ['set_password'], True, 'U'),
]


@pytest.mark.parametrize('state,current,hashed,update,want,actions,changed,flags', PLANS)
def test_plan(state, current, hashed, update, want, actions, changed, flags):
    planned = pd.plan('alice', state, current, hashed, update, want, 2001, 'S-1-5-21-1-2-3-1000')
    assert planned['actions'] == actions and planned['password_changed'] is changed
    if flags is None:
        assert planned['after'] is None
    else:
        assert planned['after']['flags'] == flags and planned['after']['enabled'] is ('D' not in flags)
        assert planned['after']['uid'] == 2001 and 'nt_hash' not in planned['after']
        assert planned['after']['sid'] == (None if current is None else 'S-1-5-21-1-2-3-1000')


def test_plan_new_user_needs_a_password():
    with pytest.raises(pd.SambaUserError) as raised:
        pd.plan('alice', 'present', None, None, 'always', True, 2001)
    assert raised.value.msg == ('Samba user alice does not exist yet, and a new user needs a password: give password '
                                '(or state=absent)')


def test_describe_has_no_hash():
    view = pd.user_view(entry('DU'), 'S-1')
    assert pd.describe(view, 'set') == 'name: alice\nuid: 2001\nenabled: no\nflags: [DU]\npassword: set\n'
    assert pd.describe(None, 'set') == ''
    assert HASH1 not in repr(view)
