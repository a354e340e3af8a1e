# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""samba_share with net and testparm scripted with their real 4.17 outputs (tests/fixtures/samba; fake: utils.FakeCtdb).

The real registry is the integration test's (tests/integration/test_samba_share.py); here, the
commands the module runs, in which order, and what it says when one fails.
"""
import os

import pytest

from ansible_collections.ctdb.cluster.plugins.modules import samba_share
from ansible_collections.ctdb.cluster.tests.unit.plugins.modules.utils import FIXTURES, UNEXPECTED, ExitJson, FailJson

MODULE = samba_share


def samba(name):
    with open(os.path.join(FIXTURES, 'samba', name), encoding='utf-8') as handle:
        return handle.read()


TABLE = samba('testparm_show_all_parameters.txt')


@pytest.fixture(autouse=True)
def strict(ctdb):
    """A command the test does not answer fails it."""
    ctdb.default = UNEXPECTED


@pytest.fixture
def env(tmp_path, ctdb):
    """A smb.conf, a dfs directory with srv/data in it, and the commands' keys."""
    conf = tmp_path / 'smb.conf'
    conf.write_text('[global]\n  include = registry\n')
    (tmp_path / 'dfs' / 'srv' / 'data').mkdir(parents=True)
    net = 'net --configfile=%s -- conf' % conf
    ctdb.answer('testparm --suppress-prompt --show-all-parameters -- %s' % conf, TABLE)
    return {'conf': str(conf), 'dfs': str(tmp_path / 'dfs'), 'path': str(tmp_path / 'dfs' / 'srv' / 'data'),
            'net': net}


def args(env, **more):
    base = {'name': 'data', 'path': env['path'], 'dfs_path': env['dfs'], 'require_mount': False,
            'smb_conf': env['conf']}
    base.update(more)
    return base


def showshare(env, text):
    """showshare_data.txt with the share's path in the test's dfs directory."""
    return text.replace('/srv/data', env['path'])


def changing(ctdb):
    return [command for command in ctdb.commands()
            if command[0] == 'net' and command[4] in ('addshare', 'setparm', 'delparm', 'delshare')]


def test_creates_the_share_then_reads_it_back(ctdb, env, run_module):
    after = '[data]\n\tpath = %s\n\tguest ok = no\n\tread only = no\n\tcomment = Team\n' % env['path']
    ctdb.answer(env['net'] + ' listshares', '', 'data\n')
    ctdb.answer(env['net'] + ' showshare data', after)
    ctdb.answer('%s addshare data %s writeable=y guest_ok=N' % (env['net'], env['path']), '')
    ctdb.answer(env['net'] + ' setparm data comment Team', '')
    result = run_module(args(env, parameters={'comment': 'Team', 'read only': False}), diff=True, expect=ExitJson)
    assert result['changed'] is True
    assert result['commands'] == [
        ['net', '--configfile=' + env['conf'], '--', 'conf', 'addshare', 'data', env['path'], 'writeable=y', 'guest_ok=N'],
        ['net', '--configfile=' + env['conf'], '--', 'conf', 'setparm', 'data', 'comment', 'Team']]
    assert result['share'] == {'path': env['path'], 'guest ok': 'no', 'read only': 'no', 'comment': 'Team'}
    assert result['diff']['before'] == '' and result['diff']['after'] == after
    assert [command[4] for command in ctdb.commands() if command[0] == 'net'] == [
        'listshares', 'addshare', 'setparm', 'listshares', 'showshare']
    for dummy, environ in ctdb.calls:
        assert environ['LC_ALL'] == 'C'


def test_unchanged_share_runs_no_change(ctdb, env, run_module):
    ctdb.answer(env['net'] + ' listshares', samba('listshares.txt'))
    ctdb.answer(env['net'] + ' showshare data', showshare(env, samba('showshare_data.txt')))
    result = run_module(args(env, parameters={'vfs objects': ['acl_xattr', 'fruit'], 'writeable': True,
                                              'browsable': False, 'create mask': 0o644}), expect=ExitJson)
    assert result['changed'] is False and result['commands'] == [] and changing(ctdb) == []


def test_check_mode_predicts_and_changes_nothing(ctdb, env, run_module):
    ctdb.answer(env['net'] + ' listshares', samba('listshares.txt'))
    ctdb.answer(env['net'] + ' showshare data', showshare(env, samba('showshare_data.txt')))
    result = run_module(args(env, parameters={'comment': 'new'}, purge_parameters=True), check=True, diff=True,
                        expect=ExitJson)
    assert result['changed'] is True and changing(ctdb) == []
    assert [command[4:] for command in result['commands']] == [['setparm', 'data', 'comment', 'new']] + [
        ['delparm', 'data', name] for name in ('guest ok', 'read only', 'vfs objects', 'fruit:metadata',
                                               'create mask', 'browseable')]
    assert result['share'] == {'path': env['path'], 'comment': 'new'}
    assert result['diff']['after'] == '[data]\n\tpath = %s\n\tcomment = new\n' % env['path']


def test_absent(ctdb, env, run_module):
    ctdb.answer(env['net'] + ' listshares', 'DATA\n', '')
    ctdb.answer(env['net'] + ' showshare DATA', showshare(env, samba('showshare_data.txt')).replace('[data]', '[DATA]'))
    ctdb.answer(env['net'] + ' delshare DATA', '')
    result = run_module({'name': 'data', 'state': 'absent', 'smb_conf': env['conf']}, expect=ExitJson)
    assert result['changed'] is True and result['share'] == {} and result['name'] == 'DATA'
    assert changing(ctdb) == [['net', '--configfile=' + env['conf'], '--', 'conf', 'delshare', 'DATA']]


def test_a_failure_half_way_says_what_was_done_and_what_net_said(ctdb, env, run_module):
    ctdb.answer(env['net'] + ' listshares', '')
    ctdb.answer('%s addshare data %s writeable=N guest_ok=N' % (env['net'], env['path']), '')
    ctdb.answer(env['net'] + ' setparm data comment x', '')
    ctdb.answer(env['net'] + ' setparm data vfs objects fruit', (255, '', "Error: something net refused.\n"))
    result = run_module(args(env, parameters={'comment': 'x', 'vfs objects': 'fruit', 'browseable': False}),
                        expect=FailJson)
    assert result['msg'] == (
        'net --configfile=%s -- conf setparm data vfs objects fruit failed with exit code 255: Error: something net '
        'refused.; done before it: created share data, set comment; the share is now as net conf showshare data '
        'shows' % env['conf'])
    assert result['rc'] == 255 and len(result['commands']) == 2
    assert [command[4] for command in changing(ctdb)] == ['addshare', 'setparm', 'setparm']


def test_net_without_its_configuration_is_an_error(ctdb, env, run_module):
    ctdb.answer(env['net'] + ' listshares', (0, '', "Can't load %s - run testparm to debug it\n" % env['conf']))
    result = run_module(args(env), expect=FailJson)
    assert result['msg'] == ("net --configfile=%s -- conf listshares failed: Can't load %s - run testparm to debug it"
                             % (env['conf'], env['conf']))
    assert changing(ctdb) == []


@pytest.mark.parametrize('bad, message', [
    ({'name': 'global'}, 'name=global is the [global] section, not a share'),
    ({'name': 'a/b'}, 'name=a/b has characters a share name cannot have (/)'),
    ({'smb_conf': '/nonexistent/smb.conf'}, 'smb_conf=/nonexistent/smb.conf does not exist or is not a file'),
    ({'path': 'srv/data'}, 'path=srv/data is a relative path'),
    ({'path': '/'}, 'path=/ is not on the distributed filesystem dfs_path='),
    ({'dfs_path': 'dfs'}, 'dfs_path=dfs is a relative path'),
    ({'require_mount': True}, 'is not a mount point: mount the distributed filesystem first (or set '
                              'require_mount=false)'),
])
def test_bad_arguments_run_nothing(ctdb, env, run_module, bad, message):
    result = run_module(args(env, **bad), expect=FailJson)
    assert message in result['msg']
    assert ctdb.commands() == []


def test_bad_parameter_runs_no_net(ctdb, env, run_module):
    result = run_module(args(env, parameters={'server string': 'x'}), expect=FailJson)
    assert result['msg'] == ('parameters[server string] is a global parameter, not a share one: set it in the '
                             '[global] section of smb.conf')
    assert [command[0] for command in ctdb.commands()] == ['testparm']


def test_net_not_installed(ctdb, env, run_module):
    ctdb.missing.add('testparm')
    result = run_module(args(env), expect=FailJson)
    assert result['msg'] == ("testparm command not found: install Samba's tools on this node (apt-get install "
                             "samba-common-bin, dnf install samba-common-tools)")
