# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_tunables with run_command scripted with the real 4.17 listvars, and a real file in tmp_path."""
import pytest

from ansible_collections.ctdb.cluster.plugins.modules import ctdb_tunables
from ansible_collections.ctdb.cluster.tests.unit.plugins.modules.utils import (
    DAEMON_DOWN, UNEXPECTED, ExitJson, FailJson, real,
)

MODULE = ctdb_tunables
LISTVARS = real('listvars.txt')
SET = LISTVARS.replace('MonitorInterval            = 15', 'MonitorInterval            = 20')


@pytest.fixture(autouse=True)
def strict(ctdb):
    """A command the test does not answer fails it."""
    ctdb.default = UNEXPECTED


def daemon(ctdb, *listvars):
    ctdb.answer(['pnn'], '0\n')
    ctdb.answer(['listvars'], *(listvars or (LISTVARS,)))


def test_set_runtime_and_file(ctdb, run_module, tmp_path):
    daemon(ctdb, LISTVARS, SET)
    ctdb.answer(['setvar', 'MonitorInterval', '20'], '')
    result = run_module({'ctdb_base': str(tmp_path), 'tunables': {'monitorinterval': 20}}, expect=ExitJson)
    assert ctdb.changing() == [['setvar', 'MonitorInterval', '20']]
    assert (tmp_path / 'ctdb.tunables').read_text() == 'MonitorInterval=20\n'
    assert result['changed'] is True
    assert result['tunables']['MonitorInterval'] == 20 and result['file'] == {'MonitorInterval': 20}
    assert result['changes'] == [{'name': 'MonitorInterval', 'value': 20, 'runtime_before': 15, 'file_before': None}]
    assert result['path'] == str(tmp_path / 'ctdb.tunables')
    assert ctdb.calls[0][1]['CTDB_BASE'] == str(tmp_path)


def test_second_run_changes_nothing(ctdb, run_module, tmp_path):
    (tmp_path / 'ctdb.tunables').write_text('# kept\n MonitorInterval = 20\n')
    daemon(ctdb, SET)
    result = run_module({'ctdb_base': str(tmp_path), 'tunables': {'MonitorInterval': '20'}}, expect=ExitJson)
    assert result['changed'] is False and result['changes'] == [] and ctdb.changing() == []
    assert (tmp_path / 'ctdb.tunables').read_text() == '# kept\n MonitorInterval = 20\n'


def test_file_only_differs(ctdb, run_module, tmp_path):
    (tmp_path / 'ctdb.tunables').write_text('# kept\nMonitorInterval=15\nEnableBans=1\n')
    daemon(ctdb, SET)
    result = run_module({'ctdb_base': str(tmp_path), 'tunables': {'MonitorInterval': 20}, 'backup': True}, expect=ExitJson)
    assert result['changed'] is True and ctdb.changing() == []
    assert (tmp_path / 'ctdb.tunables').read_text() == '# kept\nMonitorInterval=20\nEnableBans=1\n'
    assert result['changes'][0]['file_before'] == 15 and result['backup_file']


def test_check_mode_writes_nothing_and_shows_the_diff(ctdb, run_module, tmp_path):
    daemon(ctdb)
    result = run_module({'ctdb_base': str(tmp_path), 'tunables': {'MonitorInterval': 20}}, check=True, diff=True, expect=ExitJson)
    assert result['changed'] is True and ctdb.changing() == []
    assert not (tmp_path / 'ctdb.tunables').exists()
    assert result['diff']['after'] == 'MonitorInterval=20\n'
    assert result['tunables']['MonitorInterval'] == 20  # predicted


def test_bad_values_change_nothing(ctdb, run_module, tmp_path):
    daemon(ctdb)
    result = run_module({'ctdb_base': str(tmp_path),
                         'tunables': {'MonitorIntervall': 1, 'IPAllocAlgorithm': 7, 'EnableBans': '1x'}},
                        expect=FailJson)
    assert result['msg'] == (
        "tunable EnableBans: value '1x' is not a non-negative whole number; CTDB tunables take integers from 0 to "
        "4294967295; tunable IPAllocAlgorithm: value 7 is out of range; ctdb-tunables(7) documents 0 to 2 (0 "
        "deterministic, 1 non-deterministic, 2 LCP2); unknown tunable 'MonitorIntervall' (did you mean "
        "MonitorInterval?): ctdb listvars shows the tunables of this CTDB version")
    assert ctdb.changing() == [] and not (tmp_path / 'ctdb.tunables').exists()


def test_daemon_down_needs_runtime_false(ctdb, run_module, tmp_path):
    ctdb.answer(['pnn'], DAEMON_DOWN)
    result = run_module({'ctdb_base': str(tmp_path), 'tunables': {'MonitorInterval': 20}}, expect=FailJson)
    assert result['msg'] == ('ctdbd is not running on this node, so the tunables cannot be set at run time: start '
                             'it, or give runtime=false to only write %s/ctdb.tunables' % tmp_path)
    result = run_module({'ctdb_base': str(tmp_path), 'tunables': {'monitorinterval': 20}, 'runtime': False}, expect=ExitJson)
    assert result['changed'] is True and result['tunables'] is None
    assert (tmp_path / 'ctdb.tunables').read_text() == 'MonitorInterval=20\n'


def test_read_only_reports_file_problems(ctdb, run_module, tmp_path):
    (tmp_path / 'ctdb.tunables').write_text('Foo=1\nRecoverInterval=3 # x\n')
    daemon(ctdb)
    result = run_module({'ctdb_base': str(tmp_path)}, expect=ExitJson)
    assert result['changed'] is False and result['file'] == {}
    assert result['file_problems'] == ["line 1 'Foo=1': unknown or obsolete tunable Foo",
                                       "line 2 'RecoverInterval=3 # x': value '3 # x' is not digits only (no "
                                       "trailing comment allowed)"]


def test_setvar_that_did_not_stick_fails(ctdb, run_module, tmp_path):
    daemon(ctdb, LISTVARS, LISTVARS)
    ctdb.answer(['setvar', 'MonitorInterval', '20'], '')
    result = run_module({'ctdb_base': str(tmp_path), 'tunables': {'MonitorInterval': 20}, 'persist': False},
                        expect=FailJson)
    assert result['msg'] == 'ctdb setvar exited 0 but listvars shows MonitorInterval = 15, not 20'


def test_a_missing_directory_is_refused_in_check_mode_too(ctdb, run_module, tmp_path):
    base = tmp_path / 'absent'
    ctdb.answer(['pnn'], DAEMON_DOWN)
    for check in (True, False):
        result = run_module({'ctdb_base': str(base), 'tunables': {'MonitorInterval': 20}, 'runtime': False},
                            check=check, expect=FailJson)
        assert result['msg'] == 'cannot write %s/ctdb.tunables: directory %s does not exist' % (base, base)
    assert ctdb.changing() == [] and not base.exists()
