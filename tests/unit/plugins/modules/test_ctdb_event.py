# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_event as a module: the files method on real temp directories, the ctdb method with the runner faked."""
import os

import pytest

from ansible_collections.ctdb.cluster.plugins.modules import ctdb_event

MODULE = ctdb_event

SHIPPED = ['00.ctdb', '01.reclock', '05.system', '06.nfs', '10.interface', '49.winbind', '50.samba', '60.nfs']


@pytest.fixture
def node(tmp_path, monkeypatch):
    """A CTDB_BASE with events/legacy and a shipped directory; 00.ctdb and 10.interface enabled."""
    monkeypatch.delenv('CTDB_TEST_MODE', raising=False)
    data = tmp_path / 'share'
    data.mkdir()
    for name in SHIPPED:
        script = data / (name + '.script')
        script.write_text('#!/bin/sh\nexit 0\n')
        script.chmod(0o755)
    (data / 'README').write_text('not a script\n')
    base = tmp_path / 'etc-ctdb'
    etc = base / 'events' / 'legacy'
    etc.mkdir(parents=True)
    for name in ('00.ctdb', '10.interface'):
        os.symlink(str(data / (name + '.script')), str(etc / (name + '.script')))
    return {'base': str(base), 'etc': str(etc), 'data': str(data)}


def args(node, **kw):
    out = {'ctdb_base': node['base'], 'script_dir': node['data'], 'method': 'files'}
    out.update(kw)
    return out


def snapshot(etc):
    out = {}
    for name in sorted(os.listdir(etc)):
        path = os.path.join(etc, name)
        out[name] = (os.readlink(path) if os.path.islink(path) else None, os.lstat(path).st_mode)
    return out


def test_report_only(run_module, node):
    res = run_module(args(node))
    assert res.rc == 0 and res['changed'] is False
    assert res['enabled'] == ['00.ctdb', '10.interface']
    assert res['available'] == SHIPPED
    assert res['raw'].splitlines()[0] == '* 00.ctdb' and res['method'] == 'files'


def test_enable_service_api_form_check_then_apply_then_idempotent(run_module, node):
    before = snapshot(node['etc'])
    res = run_module(args(node, service=['samba', 'winbind'], action='enable', ), check=True, diff=True)
    assert res['changed'] is True and res['changed_scripts'] == ['50.samba', '49.winbind']
    assert res['enabled'] == ['00.ctdb', '10.interface', '49.winbind', '50.samba']
    assert '  50.samba' in res['diff']['before'] and '* 50.samba' in res['diff']['after']
    assert snapshot(node['etc']) == before  # check mode touched nothing

    res = run_module(args(node, service=['samba', 'winbind'], action='enable'))
    assert res['changed'] is True
    assert res['scripts'] == [{'name': '50.samba', 'enabled': True}, {'name': '49.winbind', 'enabled': True}]
    link = os.path.join(node['etc'], '50.samba.script')
    assert os.readlink(link) == os.path.join(os.path.realpath(node['data']), '50.samba.script')

    res = run_module(args(node, name=['samba', '49.winbind.script'], state='enabled'))
    assert res['changed'] is False and res['changed_scripts'] == []


def test_disable_by_script_name(run_module, node):
    res = run_module(args(node, name=['10.interface'], state='disabled'))
    assert res['changed'] is True and res['enabled'] == ['00.ctdb']
    assert not os.path.lexists(os.path.join(node['etc'], '10.interface.script'))
    res = run_module(args(node, name=['interface'], state='disabled'))
    assert res['changed'] is False


def test_local_script_is_chmodded(run_module, node):
    local = os.path.join(node['etc'], '02.local.script')
    with open(local, 'w') as handle:
        handle.write('#!/bin/sh\n')
    os.chmod(local, 0o644)
    res = run_module(args(node, name=['02.local'], state='enabled'))
    assert res['changed'] is True and os.stat(local).st_mode & 0o777 == 0o755
    assert res['raw'].endswith('\n\n* 02.local\n')
    res = run_module(args(node, name=['02.local'], state='disabled'))
    assert res['changed'] is True and os.stat(local).st_mode & 0o777 == 0o644


def test_dangling_link_is_replaced(run_module, node):
    os.symlink('/nonexistent/05.system.script', os.path.join(node['etc'], '05.system.script'))
    res = run_module(args(node))
    assert '05.system' not in res['enabled']
    res = run_module(args(node, name=['05.system'], state='enabled'))
    assert res['changed'] is True and '05.system' in res['enabled']
    assert os.readlink(os.path.join(node['etc'], '05.system.script')).startswith(os.path.realpath(node['data']))


@pytest.mark.parametrize('kw, words', [
    ({'name': ['bogus'], 'state': 'enabled'}, ["'bogus'", '50.samba', '10.interface']),
    ({'name': ['samba', 'bogus'], 'state': 'enabled'}, ["'bogus'"]),
    ({'name': ['bogus'], 'state': 'disabled'}, ["'bogus'", 'available scripts']),
    ({'state': 'enabled'}, ['needs name']),
    ({'name': [''], 'action': 'enable'}, ['empty name']),
    ({'name': ['samba'], 'state': 'enabled', 'action': 'enable'}, ['mutually exclusive']),
    ({'name': ['samba'], 'state': 'on'}, ['state']),
])
def test_bad_input_changes_nothing(run_module, node, kw, words):
    before = snapshot(node['etc'])
    res = run_module(args(node, **kw))
    assert res.rc == 1 and res['failed'] is True
    for word in words:
        assert word in res['msg']
    assert snapshot(node['etc']) == before


def test_missing_shipped_dir(run_module, node):
    res = run_module(args(node, script_dir='/nonexistent/events'))
    assert res['failed'] and '/nonexistent/events does not exist' in res['msg'] and 'script_dir' in res['msg']


def test_test_mode_default_dir(run_module, node, monkeypatch):
    monkeypatch.setenv('CTDB_TEST_MODE', 'yes')
    os.makedirs(os.path.join(node['base'], 'share', 'events'))
    os.symlink(node['data'], os.path.join(node['base'], 'share', 'events', 'legacy'))
    res = run_module({'ctdb_base': node['base'], 'method': 'files', 'name': ['samba'], 'state': 'enabled'})
    assert res['changed'] is True
    # like ctdb: the link points into the real path of the shipped directory
    assert os.readlink(os.path.join(node['etc'], '50.samba.script')) == os.path.join(os.path.realpath(node['data']), '50.samba.script')


class EventModel:
    """ctdb's event script list/enable/disable over a dict {script: enabled}, as FakeCtdb answers."""

    def __init__(self, ctdb, state, enable_works=True):
        self.state = state
        self.enable_works = enable_works
        ctdb.answer('pnn', '0\n')
        ctdb.answer('event script list legacy', self.list)
        for name in state:
            ctdb.answer('event script enable legacy %s' % name, self.enable)
            ctdb.answer('event script disable legacy %s' % name, self.disable)

    def list(self, args):
        return ''.join('%s %s\n' % ('*' if self.state[n] else ' ', n) for n in sorted(self.state)) + '\n'

    def enable(self, args):
        if self.enable_works:
            self.state[args[4]] = True
        return ''  # exit 0 either way

    def disable(self, args):
        self.state[args[4]] = False
        return ''


def test_ctdb_method_changed_from_listing_not_exit_code(run_module, node, ctdb):
    EventModel(ctdb, dict((n, n in ('00.ctdb', '50.samba')) for n in SHIPPED))
    res = run_module({'ctdb_base': node['base'], 'script_dir': node['data'], 'name': ['samba', 'nfs'], 'action': 'enable'})
    assert res.rc == 0, res
    assert res['method'] == 'ctdb' and res['changed'] is True and res['changed_scripts'] == ['60.nfs']
    # only the script that was off is enabled; exit code 0 of the other would have said nothing
    assert ['event', 'script', 'enable', 'legacy', '60.nfs'] in ctdb.commands()
    assert ['event', 'script', 'enable', 'legacy', '50.samba'] not in ctdb.commands()
    assert res['enabled'] == ['00.ctdb', '50.samba', '60.nfs']
    del ctdb.calls[:]
    res = run_module({'ctdb_base': node['base'], 'name': ['samba', 'nfs'], 'action': 'enable'})
    assert res['changed'] is False
    assert ctdb.commands() == [['pnn'], ['event', 'script', 'list', 'legacy']]


def test_ctdb_method_detects_a_change_that_did_not_happen(run_module, node, ctdb):
    EventModel(ctdb, dict((n, False) for n in SHIPPED), enable_works=False)  # says yes, does nothing
    res = run_module({'ctdb_base': node['base'], 'script_dir': node['data'], 'name': ['winbind'], 'state': 'enabled',
                      'method': 'ctdb'})
    assert res['failed'] and '49.winbind still not enabled' in res['msg']


def test_auto_without_daemon_uses_files(run_module, node, ctdb):
    # FakeCtdb answers nothing: ctdbd is not running
    res = run_module({'ctdb_base': node['base'], 'script_dir': node['data']})
    assert res['method'] == 'files' and res['enabled'] == ['00.ctdb', '10.interface']
