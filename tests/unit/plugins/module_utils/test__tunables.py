# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tunables: ctdb listvars on the Samba samples and the real 4.17 sandbox output, the ctdb.tunables
file rules ctdbd 4.17 showed (see _tunables' docstring), value checks and the file planner."""
import os
import re

import pytest

from ansible_collections.ctdb.cluster.plugins.module_utils import _tunables as tu

FIXTURES = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures'))
LISTVARS = os.path.join(FIXTURES, 'ctdb-samples', 'listvars')
REAL = os.path.join(FIXTURES, 'sandbox-4.17')


def _read(*parts):
    with open(os.path.join(*parts)) as handle:
        return handle.read()


@pytest.mark.parametrize('case', sorted(os.listdir(LISTVARS)))
def test_listvars_samples_every_line_read(case):
    text = _read(LISTVARS, case, 'output.txt')
    values = tu.parse_listvars(text)
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(values) == len(lines)
    for line in lines:
        name, value = [part.strip() for part in line.split('=')]
        assert values[name] == int(value)


def test_real_417_listvars_is_the_builtin_list():
    values = tu.parse_listvars(_read(REAL, 'listvars.txt'))
    assert tuple(values) == tu.KNOWN_417
    assert values['MonitorInterval'] == 15 and values['DatabaseHashSize'] == 100001
    # 4.17 no longer lists these (obsolete in tunable.c).
    assert 'DisableIPFailover' not in values and 'TDBMutexEnabled' not in values


def test_getvar_outputs():
    assert tu.parse_listvars(_read(REAL, 'getvar_lowercase.txt')) == {'monitorinterval': 15}
    assert tu.parse_listvars(_read(REAL, 'getvar_unknown.txt')) == {}


def test_canonical_name_is_case_insensitive():
    assert tu.canonical_name('monitorinterval', tu.KNOWN_417) == 'MonitorInterval'
    assert tu.canonical_name('LCP2PublicIPs', tu.KNOWN_417) is None


@pytest.mark.parametrize('value, expected', [(0, 0), ('20', 20), (' 7 ', 7), (4294967295, 4294967295)])
def test_check_value_accepts(value, expected):
    assert tu.check_value('MonitorInterval', value) == expected


@pytest.mark.parametrize('value, words', [
    (-1, 'not a non-negative whole number'),
    ('1x', 'not a non-negative whole number'),
    (True, 'not a non-negative whole number'),
    (1.5, 'not a non-negative whole number'),
    (4294967296, 'silently wrap around'),
])
def test_check_value_refuses(value, words):
    with pytest.raises(tu.TunablesError, match=words) as raised:
        tu.check_value('MonitorInterval', value)
    assert 'MonitorInterval' in str(raised.value)


def test_documented_range():
    assert tu.check_value('IPAllocAlgorithm', 2) == 2
    with pytest.raises(tu.TunablesError, match='documents 0 to 2'):
        tu.check_value('IPAllocAlgorithm', 3)


def test_check_tunables_names_every_problem():
    assert tu.check_tunables({'noipfailback': 1, 'MonitorInterval': '20'}, tu.KNOWN_417) == {
        'NoIPFailback': 1, 'MonitorInterval': 20}
    with pytest.raises(tu.TunablesError) as raised:
        tu.check_tunables({'MonitorIntervall': 1, 'EnableBans': -1}, tu.KNOWN_417)
    message = str(raised.value)
    assert "unknown tunable 'MonitorIntervall' (did you mean MonitorInterval?)" in message
    assert 'tunable EnableBans: value -1' in message


def test_check_tunables_same_tunable_twice():
    with pytest.raises(tu.TunablesError, match='given twice'):
        tu.check_tunables({'EnableBans': 1, 'enablebans': 0}, tu.KNOWN_417)


# The lines the real ctdbd 4.17 was started with, and what it did with them (its log and getvar).
FILE = ('# comment\n'
        '  RecoverInterval = 2\n'
        'MonitorInterval=16\n'
        '\n'
        'Foo=1\n'
        'LCP2PublicIPs=1\n'
        'RecoveryBanPeriod=3 # x\n'
        'recoverinterval=3\n')


def test_parse_file_kinds():
    entries = tu.parse_file(FILE)
    kinds = ['comment', 'setting', 'setting', 'blank', 'setting', 'setting', 'invalid', 'setting']
    assert [e['kind'] for e in entries] == kinds
    assert entries[1]['name'] == 'RecoverInterval' and entries[1]['value'] == 2
    assert 'digits only' in entries[6]['reason'] and entries[6]['name'] == 'RecoveryBanPeriod'


def test_file_values_as_ctdbd_takes_them():
    entries = tu.parse_file(FILE)
    # The last line of a name wins (any case); unknown/obsolete/invalid lines are skipped.
    assert tu.file_values(entries, tu.KNOWN_417) == {'RecoverInterval': 3, 'MonitorInterval': 16}
    assert tu.file_values(entries) == {'MonitorInterval': 16, 'Foo': 1, 'LCP2PublicIPs': 1, 'recoverinterval': 3}


def test_file_problems():
    problems = tu.file_problems(tu.parse_file(FILE), tu.KNOWN_417)
    assert len(problems) == 3
    assert problems[0].startswith("line 5 'Foo=1': unknown or obsolete tunable Foo")
    assert 'LCP2PublicIPs' in problems[1]
    assert problems[2].startswith("line 7 'RecoveryBanPeriod=3 # x'")


def test_plan_file_rewrites_in_place_and_drops_duplicates():
    text = tu.plan_file(FILE, {'RecoverInterval': 5, 'RecoveryBanPeriod': 600, 'NoIPFailback': 1})
    assert text == ('# comment\n'
                    'RecoverInterval=5\n'
                    'MonitorInterval=16\n'
                    '\n'
                    'Foo=1\n'
                    'LCP2PublicIPs=1\n'
                    'RecoveryBanPeriod=600\n'
                    'NoIPFailback=1\n')
    assert tu.file_values(tu.parse_file(text), tu.KNOWN_417) == {
        'RecoverInterval': 5, 'MonitorInterval': 16, 'RecoveryBanPeriod': 600, 'NoIPFailback': 1}


def test_plan_file_new_file_and_no_trailing_newline():
    assert tu.plan_file('', {'MonitorInterval': 20, 'EnableBans': 0}) == 'EnableBans=0\nMonitorInterval=20\n'
    assert tu.plan_file(None, {}) == ''
    assert tu.plan_file('MonitorInterval=1', {'EnableBans': 0}) == 'MonitorInterval=1\nEnableBans=0\n'


def test_every_planned_line_matches_ctdbd_syntax():
    text = tu.plan_file(FILE, {'RecoverInterval': 5})
    for line in text.splitlines():
        assert line == '' or line.startswith('#') or re.match(r'^\s*\S+\s*=\s*\S+', line)


def test_check_tunables_returns_the_path_it_is_given():
    with pytest.raises(tu.TunablesError) as raised:
        tu.check_tunables({'NoSuchTunable': 1}, tu.KNOWN_417, '/etc/ctdb/ctdb.tunables')
    assert raised.value.data == {'path': '/etc/ctdb/ctdb.tunables'}
    with pytest.raises(tu.TunablesError) as raised:
        tu.check_tunables({'NoSuchTunable': 1}, tu.KNOWN_417)
    assert raised.value.data == {}
