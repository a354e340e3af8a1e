# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_status with the runner faked at its one seam: AnsibleModule.run_command.

The tables (status outputs and what the module makes of them, bad options) are data in
test_ctdb_status.yaml; waiting (a fake clock), the environment and the corpus stay code.

The real CtdbRunner runs, so its argv, environment and failure messages are tested too;
only the process it would start is replaced by scripted answers.
"""
import os

import pytest

from ansible_collections.ctdb.cluster.plugins.module_utils import _wait
from ansible_collections.ctdb.cluster.plugins.modules import ctdb_status

from ansible_collections.ctdb.cluster.tests.unit.plugins.modules.utils import FailJson, check_case, load_cases

MODULE = ctdb_status
SAMPLES = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'ctdb-samples'))

HEALTHY = ("Number of nodes:3\npnn:0 127.0.11.1       OK (THIS NODE)\npnn:1 127.0.11.2       OK\n"
           "pnn:2 127.0.11.3       OK\nGeneration:484547451\nSize:3\nhash:0 lmaster:0\nhash:1 lmaster:1\n"
           "hash:2 lmaster:2\nRecovery mode:NORMAL (0)\nLeader:0\n")
DISABLED = HEALTHY.replace('127.0.11.2       OK', '127.0.11.2       DISABLED')
RECOVERING = HEALTHY.replace('NORMAL (0)', 'RECOVERY (1)').replace('Generation:484547451', 'Generation:INVALID')
DAEMON_DOWN = (1, '', 'connect() failed, errno=2\nFailed to connect to CTDB daemon (/var/run/ctdb/ctdbd.socket)\n')
PERMISSION = (1, '', 'connect() failed, errno=13\nFailed to connect to CTDB daemon (/var/run/ctdb/ctdbd.socket)\n')


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(_wait, 'now', fake.monotonic)
    monkeypatch.setattr(_wait, 'pause', fake.sleep)
    return fake


@pytest.mark.parametrize('case', load_cases(__file__))
def test_case(case, run_module, ctdb, tmp_path):
    check_case(case, run_module, ctdb, tmp_path)


def test_healthy_cluster(ctdb, run_module):
    ctdb.answer(['status'], HEALTHY)
    result = run_module()
    assert ctdb.commands() == [['status']]
    argv, env = ctdb.calls[0]
    assert argv[0] == '/usr/bin/ctdb'
    assert env['CTDB_BASE'] == '/etc/ctdb' and env['LC_ALL'] == 'C'
    assert result['changed'] is False
    assert result['raw'] == HEALTHY
    assert result['raw_machine'] is None
    assert result['attempts'] == 1
    assert result['parsed']['numOfNodes'] == '3'
    assert result['parsed']['recoveryMaster'] == '0'
    assert result['parsed']['hash'] == '2'
    assert result['parsed']['nodes'][0] == {'pnn': '0', 'address': '127.0.11.1', 'status': 'OK'}
    cluster = result['cluster']
    assert cluster['healthy'] is True and cluster['problems'] == []
    assert cluster['pnn'] == 0 and cluster['leader'] == 0 and cluster['generation'] == 484547451
    assert [node['pnn'] for node in cluster['nodes']] == [0, 1, 2]


def test_ctdb_base_option_is_passed_to_ctdb(ctdb, run_module, monkeypatch):
    monkeypatch.setenv('CTDB_BASE', '/from/environment')
    ctdb.answer(['status'], HEALTHY)
    run_module({'ctdb_base': '/srv/ctdb/node1'})
    assert ctdb.calls[0][1]['CTDB_BASE'] == '/srv/ctdb/node1'


def test_ctdb_base_from_environment(ctdb, run_module, monkeypatch):
    monkeypatch.setenv('CTDB_BASE', '/from/environment')
    ctdb.answer(['status'], HEALTHY)
    run_module()
    assert ctdb.calls[0][1]['CTDB_BASE'] == '/from/environment'


def test_ctdb_missing(ctdb, run_module):
    ctdb.missing.add('ctdb')
    result = run_module(expect=FailJson)
    assert 'ctdb command not found' in result['msg']
    assert 'install the ctdb package' in result['msg']
    assert ctdb.calls == []


def test_wait_until_healthy(ctdb, run_module, clock):
    ctdb.answer(['status'], DISABLED, RECOVERING, HEALTHY)
    result = run_module({'wait_for_healthy': True, 'timeout': 30, 'delay': 3})
    assert result['attempts'] == 3
    assert clock.sleeps == [3, 3]
    assert result['cluster']['healthy'] is True
    assert result['raw'] == HEALTHY
    assert result['elapsed'] == 6


def test_wait_tolerates_a_daemon_still_starting(ctdb, run_module, clock):
    ctdb.answer(['status'], DAEMON_DOWN, DAEMON_DOWN, HEALTHY)
    result = run_module({'wait_for_healthy': True, 'timeout': 30, 'delay': 1})
    assert result['attempts'] == 3
    assert result['cluster']['healthy'] is True


def test_wait_times_out_with_the_last_status(ctdb, run_module, clock):
    ctdb.answer(['status'], DISABLED)
    result = run_module({'wait_for_healthy': True, 'timeout': 10, 'delay': 4}, expect=FailJson)
    # polls at 0, 4, 8 and at the deadline (10)
    assert clock.sleeps == [4, 4, 2]
    assert result['attempts'] == 4
    assert result['msg'] == ('CTDB cluster not healthy after 10 s (4 attempts): node 1 (127.0.11.2) is DISABLED')
    assert result['raw'] == DISABLED
    assert result['cluster']['healthy'] is False
    assert result['parsed']['nodes'][1]['status'] == 'DISABLED'


def test_wait_accepting_admin_states_ends_on_a_disabled_node(ctdb, run_module, clock):
    stopped = HEALTHY.replace('127.0.11.3       OK', '127.0.11.3       DISCONNECTED|INACTIVE')
    ctdb.answer(['status'], RECOVERING, stopped, DISABLED)
    result = run_module({'wait_for_healthy': True, 'accept_admin_states': True, 'timeout': 30, 'delay': 1})
    assert result['attempts'] == 3
    assert result['raw'] == DISABLED
    assert (result['cluster']['healthy'], result['cluster']['healthy_in_service']) == (False, True)
    assert result['cluster']['admin_out'] == [{'pnn': 1, 'address': '127.0.11.2', 'state': 'disabled'}]
    assert result['cluster']['nodes'][1]['faults'] == []


def test_wait_accepting_admin_states_still_fails_on_a_fault(ctdb, run_module, clock):
    banned = DISABLED.replace('127.0.11.3       OK', '127.0.11.3       BANNED|INACTIVE')
    ctdb.answer(['status'], banned)
    result = run_module({'wait_for_healthy': True, 'accept_admin_states': True, 'timeout': 2, 'delay': 1},
                        expect=FailJson)
    assert result['msg'] == ('CTDB cluster not healthy after 2 s (3 attempts): node 2 (127.0.11.3) is BANNED|INACTIVE')
    assert result['cluster']['faults'] == ['node 2 (127.0.11.3) is BANNED|INACTIVE']


def test_wait_times_out_when_the_daemon_never_answers(ctdb, run_module, clock):
    ctdb.answer(['status'], DAEMON_DOWN)
    result = run_module({'wait_for_healthy': True, 'timeout': 5, 'delay': 5}, expect=FailJson)
    assert result['attempts'] == 2
    assert 'ctdbd is not running' in result['msg']
    assert result['cluster'] is None and result['raw'] is None


def test_wait_fails_at_once_on_permission_denied(ctdb, run_module, clock):
    ctdb.answer(['status'], PERMISSION)
    result = run_module({'wait_for_healthy': True, 'timeout': 60}, expect=FailJson)
    assert len(ctdb.calls) == 1 and clock.sleeps == []
    assert 'permission denied' in result['msg']


def test_wait_passes_a_time_limit_to_ctdb(ctdb, run_module, clock):
    ctdb.answer(['status'], HEALTHY)
    run_module({'wait_for_healthy': True, 'timeout': 7})
    assert ctdb.calls[0][0][1:] == ['--timelimit=7', 'status']


def test_wait_with_zero_timeout_polls_once(ctdb, run_module, clock):
    ctdb.answer(['status'], DISABLED)
    result = run_module({'wait_for_healthy': True, 'timeout': 0}, expect=FailJson)
    assert result['attempts'] == 1 and clock.sleeps == []


def _status_samples():
    base = os.path.join(SAMPLES, 'status')
    found = []
    for name in sorted(os.listdir(base)):
        with open(os.path.join(base, name, 'command.txt')) as handle:
            if handle.read().split()[1:] == ['status']:
                found.append(name)
    return found


@pytest.mark.parametrize('case', _status_samples())
def test_module_on_corpus_status_text(ctdb, run_module, case):
    with open(os.path.join(SAMPLES, 'status', case, 'output.txt')) as handle:
        text = handle.read()
    ctdb.answer(['status'], text)
    result = run_module()
    assert ctdb.commands() == [['status']]
    assert result['raw'] == text
    assert result['parsed']['unparsable'] == []
    shown = [line for line in text.splitlines() if line.startswith(('pnn:', 'vnn:'))]
    assert len(result['cluster']['nodes']) == len(shown)
    assert result['cluster']['healthy'] == (all(line.split()[2] == 'OK' for line in shown) and 'NORMAL (0)' in text)
