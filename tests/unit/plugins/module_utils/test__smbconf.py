# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Samba registry shares: the parsers on the real 4.17 outputs (tests/fixtures/samba), the checks and the plan."""
import os

import pytest

from ansible_collections.ctdb.cluster.plugins.module_utils import _smbconf
from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError
from ansible_collections.ctdb.cluster.plugins.module_utils._smbconf import ShareError

SAMBA = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'fixtures',
                                      'samba'))


def fixture(name):
    with open(os.path.join(SAMBA, name), encoding='utf-8') as handle:
        return handle.read()


TABLE = _smbconf.parse_parameter_table(fixture('testparm_show_all_parameters.txt'))


# ------------------------------------------------------------------ parsers

def test_parameter_table_of_samba_417():
    assert len(TABLE) == 515
    assert sum(1 for param in TABLE.values() if param.context == 'local') == 156
    read_only = TABLE['readonly']
    assert read_only == _smbconf.Param('read only', 'P_BOOL', 'local', 'read only', False, (), False)
    assert TABLE['writeable'] == _smbconf.Param('writeable', 'P_BOOLREV', 'local', 'read only', True, (), False)
    assert TABLE['browsable'].canonical == 'browseable' and not TABLE['browsable'].inverse
    assert TABLE['serverstring'].context == 'global'
    assert TABLE['cscpolicy'].enum == ('manual', 'documents', 'programs', 'disable')
    assert TABLE['maptoguest'].enum == ('Never', 'Bad User', 'Bad Password', 'Bad Uid')
    assert TABLE['aclcheckpermissions'].deprecated
    assert TABLE['idmapgid'].deprecated and TABLE['winbindgid'].canonical == 'idmap gid'
    assert TABLE['createmode'].type == 'P_OCTAL' and TABLE['createmode'].canonical == 'create mask'


@pytest.mark.parametrize('text', ['', 'no section=P_BOOL,\n', '[local]\nnot a parameter line\n',
                                  '[local]\nx=BOOL,\n'])
def test_parameter_table_refuses_what_it_does_not_understand(text):
    with pytest.raises(ValueError):
        _smbconf.parse_parameter_table(text)


def test_listshares():
    assert _smbconf.parse_listshares(fixture('listshares.txt')) == ['data', 'two']
    assert _smbconf.parse_listshares(fixture('listshares_empty.txt')) == []


def test_showshare_keeps_order_inner_spaces_and_empty_values():
    assert _smbconf.parse_showshare(fixture('showshare_data.txt')) == ('data', [
        ('path', '/srv/data'), ('guest ok', 'no'), ('read only', 'no'), ('vfs objects', 'acl_xattr fruit'),
        ('fruit:metadata', 'stream'), ('comment', 'x = y; "q" # z'), ('create mask', '0644'),
        ('browseable', 'no')])
    assert _smbconf.parse_showshare(fixture('showshare_two.txt')) == ('two', [
        ('path', '/srv/two'), ('guest ok', 'no'), ('read only', 'yes'), ('comment', '')])


def test_showshare_of_a_name_with_a_bracket():
    # net itself accepts "bad]x" as a share name
    assert _smbconf.parse_showshare('[bad]x]\n\tpath = /tmp\n') == ('bad]x', [('path', '/tmp')])


@pytest.mark.parametrize('text', ['', 'path = /x\n', '[data]\nno equals sign\n'])
def test_showshare_refuses_other_text(text):
    with pytest.raises(ValueError):
        _smbconf.parse_showshare(text)


def test_render_share_is_showshare_format():
    text = fixture('showshare_data.txt')
    assert _smbconf.render_share(*_smbconf.parse_showshare(text)) == text
    assert _smbconf.render_share('data', None) == ''


def test_find_share_case_insensitive():
    assert _smbconf.find_share('DATA', ['data', 'two']) == 'data'
    assert _smbconf.find_share('three', ['data', 'two']) is None


# ------------------------------------------------------------------ names, values, paths

@pytest.mark.parametrize('name, message', [
    ('', 'name is empty: give a share name such as data or team_files'),
    (' data', "name=' data' begins or ends with whitespace: give a share name such as data or team_files, without it"),
    ('Global', 'name=Global is the [global] section, not a share: set global parameters in smb.conf (or with net conf '
               'setparm global), and give a share name such as data or team_files'),
    ('a\nb', "name='a\\nb' has a control character: give a share name such as data or team_files"),
    ('a[b]', 'name=a[b] has characters a share name cannot have ([ ]): give a share name such as data or team_files'),
    ('a/b\\c', 'name=a/b\\c has characters a share name cannot have (/ \\): give a share name such as data or '
               'team_files'),
    ('x' * 81, 'name=%s is 81 characters long: give a share name of at most 80' % ('x' * 81)),
])
def test_check_name_refuses(name, message):
    with pytest.raises(ShareError) as raised:
        _smbconf.check_name(name)
    assert raised.value.msg == message


def test_check_name_accepts():
    assert _smbconf.check_name('team_files-2') == 'team_files-2'
    assert _smbconf.check_name('x' * 80) == 'x' * 80


def test_desired_parameters_canonical_names_and_values():
    wanted = _smbconf.desired_parameters({
        'Writeable': True, 'BROWSABLE': False, 'vfs objects': ['acl_xattr', 'fruit'], 'create mask': 0o644,
        'fruit:metadata': 'stream', 'max connections': 10, 'comment': 'Team data', 'csc policy': 'Manual',
        'acl_xattr:ignore  system acls': 'yes', 'aio read size': '64K', 'block size': 4096}, TABLE)
    assert wanted == {
        'readonly': ('read only', 'no'), 'browseable': ('browseable', 'no'),
        'vfsobjects': ('vfs objects', 'acl_xattr fruit'), 'createmask': ('create mask', '0644'),
        'fruit:metadata': ('fruit:metadata', 'stream'), 'maxconnections': ('max connections', '10'),
        'comment': ('comment', 'Team data'), 'cscpolicy': ('csc policy', 'Manual'),
        'acl_xattr:ignoresystemacls': ('acl_xattr:ignore system acls', 'yes'), 'aioreadsize': ('aio read size', '64K'),
        'blocksize': ('block size', '4096')}


@pytest.mark.parametrize('parameters, message', [
    ({'server string': 'x'}, 'parameters[server string] is a global parameter, not a share one: set it in the '
                             '[global] section of smb.conf'),
    ({'nosuch': 'x'}, 'parameters[nosuch]: Samba has no such parameter (testparm --show-all-parameters lists them; a '
                      'module option is written prefix:option): check the spelling'),
    ({'guest_ok': True}, 'parameters[guest_ok]: Samba has no such parameter (testparm --show-all-parameters lists '
                         'them; a module option is written prefix:option): check the spelling'),
    ({'path': '/x'}, "parameters[path]: give the share's directory with the path option, not in parameters"),
    ({'Directory': '/x'}, "parameters[Directory]: give the share's directory with the path option, not in parameters"),
    ({'include': '/x'}, 'parameters[include]: Samba does not allow include in the registry configuration: put it in '
                        'smb.conf'),
    ({'read only': 'maybe'}, "parameters[read only]='maybe' is not a boolean: give yes or no (true/false)"),
    ({'writeable': 'maybe'}, "parameters[writeable]='maybe' is not a boolean: give yes or no (true/false)"),
    ({'csc policy': 'sometimes'}, 'parameters[csc policy]=sometimes is not one of the values Samba accepts: manual, '
                                  'documents, programs, disable'),
    ({'comment': 'a\nb'}, "parameters[comment]='a\\nb' has a control character (a newline, a tab): give the value "
                          "on one line"),
    ({'comment': ' x'}, "parameters[comment]=' x' begins or ends with whitespace, which smb.conf drops: give it "
                        "without"),
    ({'comment': None}, 'parameters[comment] has no value: give one, or leave the parameter out '
                        '(purge_parameters=true removes parameters not listed)'),
    ({'comment': {'a': 1}}, 'parameters[comment] is a mapping: give a string, a number, a boolean or a list'),
    ({'vfs objects': ['a b']}, "parameters[vfs objects]: list item 'a b' is empty or has a space or a comma, which "
                               "Samba would read as a separator: give one word per item"),
    ({'read only': True, 'writeable': True}, 'parameters: read only and writeable are the same Samba parameter '
                                             '(read only): give it once'),
    ({'max connections': '5x'}, 'parameters[max connections]=5x is not a whole number (for example 10), which Samba '
                                'wants for max connections'),
    ({'create mask': '8'}, "parameters[create mask]=8 is not an octal number (for example '0644', quoted), which Samba "
                           "wants for create mask"),
    ({'aio read size': '64KB'}, 'parameters[aio read size]=64KB is not a size in bytes (for example 65536 or 64K), '
                                'which Samba wants for aio read size'),
    ({'a=b': 1}, 'parameters: \'a=b\' is not a parameter name: give names such as "read only" or "vfs objects"'),
])
def test_desired_parameters_refuses(parameters, message):
    with pytest.raises(ShareError) as raised:
        _smbconf.desired_parameters(parameters, TABLE)
    assert raised.value.msg == message
    assert isinstance(raised.value, CtdbError)


@pytest.mark.parametrize('path, normal', [('/srv/data', '/srv/data'), ('//srv/./data/', '/srv/data'),
                                          ('/srv/x/../data', '/srv/data'), ('/..', '/')])
def test_check_path_syntax_normalises(path, normal):
    assert _smbconf.check_path_syntax(path) == normal


def test_check_path_syntax_refuses_relative():
    with pytest.raises(ShareError, match=r'^path=srv is a relative path'):
        _smbconf.check_path_syntax('srv')


def test_check_share_path():
    _smbconf.check_share_path('/dfs', '/dfs', '/dfs', '/dfs', True)
    _smbconf.check_share_path('/dfs/a', '/mnt/real/a', '/dfs', '/mnt/real', True)
    with pytest.raises(ShareError, match=r'^path=/dfs/a does not exist or is not a directory'):
        _smbconf.check_share_path('/dfs/a', '/dfs/a', '/dfs', '/dfs', False)
    with pytest.raises(ShareError) as raised:
        _smbconf.check_share_path('/dfs/link', '/etc', '/dfs', '/dfs', True)
    assert raised.value.msg == ("path=/dfs/link (really /etc) is not on the distributed filesystem dfs_path=/dfs: "
                                "every node must see the share's files, so give a directory under /dfs")
    with pytest.raises(ShareError, match=r'^path=/dfsother is not on'):
        _smbconf.check_share_path('/dfsother', '/dfsother', '/dfs', '/dfs', True)


# ------------------------------------------------------------------ plan

DATA = _smbconf.parse_showshare(fixture('showshare_data.txt'))[1]


def planned(current, state='present', path=None, parameters=None, purge=False):
    return _smbconf.plan('data', current, state, TABLE, path=path,
                         wanted=_smbconf.desired_parameters(parameters, TABLE), purge=purge)


def test_plan_new_share_with_addshare_defaults():
    result = planned(None, path='/dfs/data', parameters={'comment': 'x', 'writeable': True})
    assert [step.args for step in result.steps] == [
        ['addshare', 'data', '/dfs/data', 'writeable=y', 'guest_ok=N'], ['setparm', 'data', 'comment', 'x']]
    assert result.after == [('path', '/dfs/data'), ('guest ok', 'no'), ('read only', 'no'), ('comment', 'x')]


def test_plan_new_share_purged_of_addshare_defaults():
    result = planned(None, path='/dfs/data', parameters={'guest ok': True}, purge=True)
    assert [step.args for step in result.steps] == [
        ['addshare', 'data', '/dfs/data', 'writeable=N', 'guest_ok=y'], ['delparm', 'data', 'read only']]
    assert result.after == [('path', '/dfs/data'), ('guest ok', 'yes')]


def test_plan_new_share_needs_a_path():
    with pytest.raises(ShareError) as raised:
        planned(None, parameters={'comment': 'x'})
    assert raised.value.msg == 'share data does not exist: give path (its directory) to create it'


def test_plan_unchanged_by_meaning_and_spelling():
    result = planned(DATA, path='/srv/data', parameters={
        'writable': 'yes', 'Browsable': 'False', 'vfs objects': ['acl_xattr', 'fruit'], 'create mask': 0o644,
        'FRUIT:metadata': 'stream', 'guest ok': 0})
    assert result.steps == [] and result.after == DATA


def test_plan_changes_move_to_the_end_as_net_does():
    result = planned(DATA, path='/srv/other', parameters={'read only': True, 'comment': 'x = y; "q" # z'})
    assert [step.args for step in result.steps] == [
        ['setparm', 'data', 'path', '/srv/other'], ['setparm', 'data', 'read only', 'yes']]
    assert [name for name, dummy in result.after] == [
        'guest ok', 'vfs objects', 'fruit:metadata', 'comment', 'create mask', 'browseable', 'path', 'read only']


def test_plan_purge_keeps_path_and_listed():
    result = planned(DATA, parameters={'comment': 'new'}, purge=True)
    assert [step.args for step in result.steps] == [['setparm', 'data', 'comment', 'new']] + [
        ['delparm', 'data', name] for name in ('guest ok', 'read only', 'vfs objects', 'fruit:metadata',
                                               'create mask', 'browseable')]
    assert result.after == [('path', '/srv/data'), ('comment', 'new')]


def test_plan_absent():
    assert [step.args for step in planned(DATA, state='absent').steps] == [['delshare', 'data']]
    assert planned(None, state='absent') == _smbconf.Plan([], None)
