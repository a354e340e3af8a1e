# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Event script names, ``ctdb event script list`` parsing and the file-based equivalent.

Truth: the manual-page examples of ``ctdb event script list legacy`` in
tests/fixtures/ctdb-samples/event/ (their output.txt), read here.
"""
import os

import pytest

from ansible_collections.ctdb.cluster.plugins.module_utils import _events
from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
EVENT_SAMPLES = os.path.join(REPO, 'tests', 'fixtures', 'ctdb-samples', 'event')


def _read(*parts):
    with open(os.path.join(*parts), encoding='utf-8') as handle:
        return handle.read()


LIST_CASES = sorted(c for c in os.listdir(EVENT_SAMPLES)
                    if _read(EVENT_SAMPLES, c, 'command.txt').strip() == 'ctdb event script list legacy')

# Read by hand from each output.txt.
LIST_TRUTH = {
    'doc.ctdb.1.xml.screen12@samba-4.15.0': dict(
        shipped=['00.ctdb', '01.reclock', '05.system', '06.nfs', '10.interface', '11.natgw', '11.routing',
                 '13.per_ip_routing', '20.multipathd', '31.clamd', '40.vsftpd', '41.httpd', '49.winbind',
                 '50.samba', '60.nfs', '70.iscsi', '91.lvs'],
        enabled=['00.ctdb', '01.reclock', '05.system', '06.nfs', '10.interface', '49.winbind', '50.samba', '60.nfs', '02.local'],
        local=['02.local']),
    'doc.ctdb.1.xml.screen13@HEAD': dict(
        shipped=['00.ctdb', '01.reclock', '05.system', '10.interface', '11.natgw', '11.routing', '13.per_ip_routing',
                 '20.multipathd', '31.clamd', '40.vsftpd', '41.httpd', '49.winbind', '50.samba', '60.nfs', '70.iscsi',
                 '91.lvs', '95.database'],
        enabled=['00.ctdb', '01.reclock', '05.system', '10.interface', '49.winbind', '50.samba', '60.nfs', '95.database',
                 '02.local'],
        local=['02.local']),
}


def test_list_cases_found():
    assert sorted(LIST_CASES) == sorted(LIST_TRUTH)


@pytest.mark.parametrize('case', LIST_CASES)
def test_parse_script_list_samples(case):
    scripts = _events.parse_script_list(_read(EVENT_SAMPLES, case, 'output.txt'))
    truth = LIST_TRUTH[case]
    assert [s['name'] for s in scripts if s['shipped']] == truth['shipped']
    assert [s['name'] for s in scripts if not s['shipped']] == truth['local']
    assert _events.enabled_names(scripts) == truth['enabled']


@pytest.mark.parametrize('case', LIST_CASES)
def test_files_layout_reproduces_the_sample(case):
    """The directories that give this listing, run through scripts_from_files, print it again."""
    truth = LIST_TRUTH[case]
    data_dir = '/usr/share/ctdb/events/legacy'
    data_files = [n + '.script' for n in truth['shipped']] + ['README', 'not-a-script.sh']
    etc = {}
    for name in truth['enabled']:
        if name in truth['local']:
            etc[name + '.script'] = {'type': 'file', 'link': None, 'executable': True}
        else:
            etc[name + '.script'] = {'type': 'link', 'link': '%s/%s.script' % (data_dir, name), 'executable': True}
    scripts = _events.scripts_from_files(data_dir, data_files, etc)
    expected = '\n'.join(line.rstrip() for line in _read(EVENT_SAMPLES, case, 'output.txt').splitlines()) + '\n'
    assert _events.render_script_list(scripts) == expected


def test_files_dangling_and_foreign_links_are_listed_locally():
    """As ctdb 4.17 does: a link not pointing at the shipped script is not the shipped one."""
    data_dir = '/d'
    scripts = _events.scripts_from_files(data_dir, ['05.system.script', '10.interface.script', '50.samba.script'], {
        '05.system.script': {'type': 'link', 'link': '/nonexistent', 'executable': False},        # dangling
        '10.interface.script': {'type': 'link', 'link': '/other/10.interface.script', 'executable': True},
        '50.samba.script': {'type': 'link', 'link': '/d/50.samba.script', 'executable': True},
        '99.x.sh': {'type': 'file', 'link': None, 'executable': True},                              # not a script name
        '02.local.script': {'type': 'file', 'link': None, 'executable': False},
    })
    assert _events.render_script_list(scripts) == (
        '  05.system\n  10.interface\n* 50.samba\n\n  02.local\n  05.system\n* 10.interface\n')
    assert _events.enabled_names(scripts) == ['50.samba', '10.interface']
    assert _events.is_enabled(scripts, '10.interface') and not _events.is_enabled(scripts, '05.system')


def test_render_round_trip_without_local_scripts():
    text = '  00.ctdb\n* 10.interface\n'
    scripts = _events.parse_script_list(text)
    assert [s['shipped'] for s in scripts] == [True, True]
    assert _events.render_script_list(scripts) == text
    assert _events.render_script_list([]) == ''
    local_only = [{'name': '02.local', 'enabled': True, 'shipped': False}]
    assert _events.render_script_list(local_only) == '* 02.local\n'


def test_parse_script_list_rejects_other_output():
    with pytest.raises(CtdbError):
        _events.parse_script_list('Script 50.samba does not exist in legacy\n')
    assert _events.parse_script_list('') == []


AVAILABLE = ['00.ctdb', '06.nfs', '10.interface', '11.natgw', '11.routing', '49.winbind', '50.samba', '60.nfs', '02.local']


@pytest.mark.parametrize('given, name', [
    ('samba', '50.samba'), ('nfs', '60.nfs'), ('winbind', '49.winbind'), ('Samba', '50.samba'),
    ('10.interface', '10.interface'), ('10.interface.script', '10.interface'), ('interface', '10.interface'),
    ('06.nfs', '06.nfs'), ('02.local', '02.local'), ('local', '02.local'),
])
def test_resolve(given, name):
    assert _events.resolve(given, AVAILABLE) == name


@pytest.mark.parametrize('given, words', [
    ('bogus', ["'bogus'", '10.interface', '50.samba', 'samba, winbind']),
    ('50.sambaa', ["'50.sambaa'", 'available scripts are']),
    ('', ["''"]),
])
def test_resolve_unknown_lists_available(given, words):
    with pytest.raises(CtdbError) as exc:
        _events.resolve(given, AVAILABLE)
    for word in words:
        assert word in str(exc.value)


def test_resolve_service_not_installed_and_ambiguous():
    with pytest.raises(CtdbError) as exc:
        _events.resolve('nfs', ['06.nfs', '50.samba'])
    assert '60.nfs' in str(exc.value) and 'not installed' in str(exc.value)
    with pytest.raises(CtdbError) as exc:
        _events.resolve('natgw', ['11.natgw', '12.natgw'])
    assert 'ambiguous' in str(exc.value) and '11.natgw or 12.natgw' in str(exc.value)


def test_plan():
    scripts = _events.parse_script_list('* 00.ctdb\n  49.winbind\n* 50.samba\n  60.nfs\n')
    assert _events.plan(scripts, ['samba', 'nfs', '60.nfs'], 'enabled') == (['50.samba', '60.nfs'], ['60.nfs'])
    assert _events.plan(scripts, ['samba', 'winbind'], 'disabled') == (['50.samba', '49.winbind'], ['50.samba'])
    assert _events.plan(scripts, ['50.samba'], 'enabled') == (['50.samba'], [])
    with pytest.raises(CtdbError):
        _events.plan(scripts, ['samba'], 'on')
    with pytest.raises(CtdbError):
        _events.plan(scripts, ['nosuch'], 'enabled')


LINK = {'type': 'link', 'link': '/d/x.script', 'executable': True}
DANGLING = {'type': 'link', 'link': '/gone', 'executable': False}
FILE_X = {'type': 'file', 'link': None, 'executable': True}
FILE_NOX = {'type': 'file', 'link': None, 'executable': False}
OTHER = {'type': 'other', 'link': None, 'executable': False}


@pytest.mark.parametrize('state, enabled, entry, shipped, action', [
    ('enabled', False, None, True, 'link'),
    ('enabled', True, LINK, True, 'none'),
    ('enabled', False, DANGLING, True, 'relink'),
    ('enabled', False, FILE_NOX, False, 'chmod+x'),
    ('enabled', True, FILE_X, False, 'none'),
    ('disabled', True, LINK, True, 'unlink'),
    ('disabled', True, FILE_X, False, 'chmod-x'),
    ('disabled', False, None, True, 'none'),
    ('disabled', False, DANGLING, True, 'none'),
    ('disabled', False, FILE_NOX, False, 'none'),
])
def test_file_action(state, enabled, entry, shipped, action):
    assert _events.file_action('x', state, enabled, entry, shipped) == action


@pytest.mark.parametrize('state, enabled, entry, shipped, words', [
    ('enabled', False, None, False, 'not shipped'),
    ('enabled', False, DANGLING, False, 'fix or remove the link'),
    ('enabled', False, OTHER, True, 'neither a file nor a link'),
])
def test_file_action_refusals(state, enabled, entry, shipped, words):
    with pytest.raises(CtdbError) as exc:
        _events.file_action('x', state, enabled, entry, shipped)
    assert words in str(exc.value)


def test_script_name():
    assert _events.script_name('50.samba.script') == '50.samba'
    assert _events.script_name('50.samba') is None
    assert _events.script_name('samba.script') is None
    assert _events.script_name('5.x.script') is None


def test_apply_plan():
    scripts = _events.parse_script_list('  05.system\n* 50.samba\n  60.nfs\n\n  02.local\n  05.system\n')
    after = _events.apply_plan(scripts, ['05.system', '02.local'], 'enabled')
    assert _events.render_script_list(after) == '* 05.system\n* 50.samba\n  60.nfs\n\n* 02.local\n'
    after = _events.apply_plan(scripts, ['50.samba'], 'disabled')
    assert _events.enabled_names(after) == []
    assert _events.enabled_names(scripts) == ['50.samba']  # the input is not changed


def test_a_listed_name_without_a_dot_does_not_break_resolving():
    # `ctdb event script list` can print a name without a dot (a local entry CTDB lists as is):
    # resolving any name against such a list must answer, not raise IndexError.
    scripts = _events.parse_script_list('* 00.ctdb\n  50.samba\n\n* local\n')
    assert [s['name'] for s in scripts] == ['00.ctdb', '50.samba', 'local']
    available = [s['name'] for s in scripts]
    assert _events.resolve('samba', available) == '50.samba'
    assert _events.resolve('ctdb', available) == '00.ctdb'
    assert _events.resolve('local', available) == 'local'
    with pytest.raises(CtdbError) as exc:
        _events.resolve('nothere', available)
    assert str(exc.value) == ("unknown event script 'nothere': available scripts are 00.ctdb, 50.samba, local "
                              "(or the services nfs, samba, winbind)")
    names, changes = _events.plan(scripts, ['ctdb'], 'disabled')
    assert (names, changes) == (['00.ctdb'], ['00.ctdb'])
