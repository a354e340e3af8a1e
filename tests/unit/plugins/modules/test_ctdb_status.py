# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_status with the runner faked at its one seam: AnsibleModule.run_command.

The real CtdbRunner runs, so its argv, environment and failure messages are tested too;
only the process it would start is replaced by scripted answers.
"""
import os

import pytest

from ansible.module_utils import basic

from ansible_collections.ctdb.cluster.plugins.modules import ctdb_status

from ansible_collections.ctdb.cluster.tests.unit.plugins.modules.utils import ExitJson, FailJson, patch_module_args

SAMPLES = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'ctdb-samples'))

HEALTHY = ("Number of nodes:3\npnn:0 127.0.11.1       OK (THIS NODE)\npnn:1 127.0.11.2       OK\n"
           "pnn:2 127.0.11.3       OK\nGeneration:484547451\nSize:3\nhash:0 lmaster:0\nhash:1 lmaster:1\n"
           "hash:2 lmaster:2\nRecovery mode:NORMAL (0)\nLeader:0\n")
DISABLED = HEALTHY.replace('127.0.11.2       OK', '127.0.11.2       DISABLED')
RECOVERING = HEALTHY.replace('NORMAL (0)', 'RECOVERY (1)').replace('Generation:484547451', 'Generation:INVALID')
MACHINE = ('|Node|IP|Disconnected|Unknown|Banned|Disabled|Unhealthy|Stopped|Inactive|PartiallyOnline|ThisNode|\n'
           '|0|127.0.11.1|0|0|0|0|0|0|0|0|Y|\n|1|127.0.11.2|0|0|0|1|0|0|0|0|N|\n|2|127.0.11.3|0|0|0|0|0|0|0|0|N|\n')
DAEMON_DOWN = (1, '', 'connect() failed, errno=2\nFailed to connect to CTDB daemon (/var/run/ctdb/ctdbd.socket)\n')
PERMISSION = (1, '', 'connect() failed, errno=13\nFailed to connect to CTDB daemon (/var/run/ctdb/ctdbd.socket)\n')


class FakeCtdb:
    """Scripted answers per ctdb subcommand; records every argv and environment."""

    def __init__(self):
        self.answers = {}
        self.calls = []
        self.bin_path = '/usr/bin/ctdb'

    def answer(self, args, *results):
        self.answers[tuple(args)] = list(results)

    def run_command(self, argv, environ_update=None, **kwargs):
        self.calls.append((list(argv), dict(environ_update or {})))
        key = tuple(word for word in argv[1:] if not word.startswith('--timelimit'))
        queue = self.answers[key]
        result = queue.pop(0) if len(queue) > 1 else queue[0]
        return result if isinstance(result, tuple) else (0, result, '')

    def commands(self):
        return [[word for word in argv[1:] if not word.startswith('--timelimit')] for argv, dummy in self.calls]


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
def ctdb(monkeypatch):
    fake = FakeCtdb()

    def exit_json(module, **kwargs):
        raise ExitJson(kwargs)

    def fail_json(module, **kwargs):
        kwargs['failed'] = True
        raise FailJson(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, 'run_command', fake.run_command)
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path', lambda module, name, *a, **kw: fake.bin_path)
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
    monkeypatch.delenv('CTDB_BASE', raising=False)
    return fake


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(ctdb_status.time, 'monotonic', fake.monotonic)
    monkeypatch.setattr(ctdb_status.time, 'sleep', fake.sleep)
    return fake


def run(args=None, expect=ExitJson):
    with patch_module_args(args or {}):
        with pytest.raises((ExitJson, FailJson)) as raised:
            ctdb_status.main()
    assert isinstance(raised.value, expect), raised.value.args[0]
    return raised.value.args[0]


def test_healthy_cluster(ctdb):
    ctdb.answer(['status'], HEALTHY)
    result = run()
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


def test_ctdb_base_option_is_passed_to_ctdb(ctdb, monkeypatch):
    monkeypatch.setenv('CTDB_BASE', '/from/environment')
    ctdb.answer(['status'], HEALTHY)
    run({'ctdb_base': '/srv/ctdb/node1'})
    assert ctdb.calls[0][1]['CTDB_BASE'] == '/srv/ctdb/node1'


def test_ctdb_base_from_environment(ctdb, monkeypatch):
    monkeypatch.setenv('CTDB_BASE', '/from/environment')
    ctdb.answer(['status'], HEALTHY)
    run()
    assert ctdb.calls[0][1]['CTDB_BASE'] == '/from/environment'


def test_check_mode_reads_the_same(ctdb):
    ctdb.answer(['status'], DISABLED)
    result = run({'_ansible_check_mode': True})
    assert ctdb.commands() == [['status']]
    assert result['changed'] is False
    assert result['cluster']['healthy'] is False
    assert result['cluster']['problems'] == ['node 1 (127.0.11.2) is DISABLED']


def test_unhealthy_without_wait_is_not_a_failure(ctdb):
    ctdb.answer(['status'], RECOVERING)
    result = run()
    assert result['cluster']['generation'] is None
    assert result['parsed']['generation'] == 'INVALID'
    assert result['cluster']['problems'] == ['recovery mode is RECOVERY']


def test_machine_readable_always_runs_both_and_takes_its_nodes(ctdb):
    ctdb.answer(['status'], DISABLED)
    ctdb.answer(['-X', 'status'], MACHINE)
    result = run({'machine_readable': 'always'})
    assert ctdb.commands() == [['status'], ['-X', 'status']]
    assert result['raw_machine'] == MACHINE
    assert [node['flags'] for node in result['cluster']['nodes']] == [[], ['DISABLED'], []]


def test_machine_readable_auto_falls_back_when_a_node_line_is_unreadable(ctdb):
    odd = DISABLED.replace('DISABLED', 'DISABLED|SOMETHING_NEW')
    ctdb.answer(['status'], odd)
    ctdb.answer(['-X', 'status'], MACHINE)
    result = run()
    assert ctdb.commands() == [['status'], ['-X', 'status']]
    assert result['cluster']['nodes'][1]['flags'] == ['DISABLED']
    assert result['parsed']['nodes'][1]['status'] == 'DISABLED|SOMETHING_NEW'


def test_machine_readable_never_keeps_the_text(ctdb):
    odd = DISABLED.replace('DISABLED', 'DISABLED|SOMETHING_NEW')
    ctdb.answer(['status'], odd)
    result = run({'machine_readable': 'never'})
    assert ctdb.commands() == [['status']]
    assert result['cluster']['nodes'][1]['flags'] == ['DISABLED', 'SOMETHING_NEW']
    assert result['cluster']['healthy'] is False


def test_machine_readable_always_with_unreadable_table_fails_clearly(ctdb):
    ctdb.answer(['status'], HEALTHY)
    ctdb.answer(['-X', 'status'], 'garbage\n')
    result = run({'machine_readable': 'always'}, expect=FailJson)
    assert 'could not read the node table of ctdb -X status' in result['msg']
    assert 'machine_readable=auto' in result['msg']


def test_daemon_not_running(ctdb):
    ctdb.answer(['status'], DAEMON_DOWN)
    result = run(expect=FailJson)
    assert 'ctdbd is not running' in result['msg']
    assert 'start it' in result['msg']
    assert result['rc'] == 1


def test_ctdb_missing(ctdb):
    ctdb.bin_path = None
    result = run(expect=FailJson)
    assert 'ctdb command not found' in result['msg']
    assert 'install the ctdb package' in result['msg']
    assert ctdb.calls == []


def test_permission_denied(ctdb):
    ctdb.answer(['status'], PERMISSION)
    result = run(expect=FailJson)
    assert 'permission denied' in result['msg'] and 'become' in result['msg']


def test_output_without_node_lines_fails(ctdb):
    ctdb.answer(['status'], 'Something unexpected\n')
    result = run(expect=FailJson)
    assert 'no node line' in result['msg']
    assert result['parsed']['unparsable'] == ['Something unexpected']


@pytest.mark.parametrize('args,message', [
    ({'timeout': -1}, 'timeout must be 0 or more seconds, not -1'),
    ({'delay': 0}, 'delay must be more than 0 seconds, not 0'),
    ({'delay': 'nan'}, 'delay must be a finite number of seconds, not nan'),
    ({'delay': float('inf')}, 'delay must be a finite number of seconds, not inf'),
    ({'delay': 10 ** 9}, 'delay must be at most 31536000 seconds (a year), not 1000000000.0'),
    ({'timeout': 10 ** 20}, 'timeout must be at most 31536000 seconds (a year), not 100000000000000000000'),
    ({'machine_readable': 'sometimes'}, 'machine_readable'),
])
def test_bad_options(ctdb, args, message):
    result = run(args, expect=FailJson)
    assert message in result['msg']
    assert ctdb.calls == []


def test_wait_until_healthy(ctdb, clock):
    ctdb.answer(['status'], DISABLED, RECOVERING, HEALTHY)
    result = run({'wait_for_healthy': True, 'timeout': 30, 'delay': 3})
    assert result['attempts'] == 3
    assert clock.sleeps == [3, 3]
    assert result['cluster']['healthy'] is True
    assert result['raw'] == HEALTHY
    assert result['elapsed'] == 6


def test_wait_tolerates_a_daemon_still_starting(ctdb, clock):
    ctdb.answer(['status'], DAEMON_DOWN, DAEMON_DOWN, HEALTHY)
    result = run({'wait_for_healthy': True, 'timeout': 30, 'delay': 1})
    assert result['attempts'] == 3
    assert result['cluster']['healthy'] is True


def test_wait_times_out_with_the_last_status(ctdb, clock):
    ctdb.answer(['status'], DISABLED)
    result = run({'wait_for_healthy': True, 'timeout': 10, 'delay': 4}, expect=FailJson)
    # polls at 0, 4, 8 and at the deadline (10)
    assert clock.sleeps == [4, 4, 2]
    assert result['attempts'] == 4
    assert result['msg'] == ('CTDB cluster not healthy after 10 s (4 attempts): node 1 (127.0.11.2) is DISABLED')
    assert result['raw'] == DISABLED
    assert result['cluster']['healthy'] is False
    assert result['parsed']['nodes'][1]['status'] == 'DISABLED'


def test_wait_times_out_when_the_daemon_never_answers(ctdb, clock):
    ctdb.answer(['status'], DAEMON_DOWN)
    result = run({'wait_for_healthy': True, 'timeout': 5, 'delay': 5}, expect=FailJson)
    assert result['attempts'] == 2
    assert 'ctdbd is not running' in result['msg']
    assert result['cluster'] is None and result['raw'] is None


def test_wait_fails_at_once_on_permission_denied(ctdb, clock):
    ctdb.answer(['status'], PERMISSION)
    result = run({'wait_for_healthy': True, 'timeout': 60}, expect=FailJson)
    assert len(ctdb.calls) == 1 and clock.sleeps == []
    assert 'permission denied' in result['msg']


def test_wait_passes_a_time_limit_to_ctdb(ctdb, clock):
    ctdb.answer(['status'], HEALTHY)
    run({'wait_for_healthy': True, 'timeout': 7})
    assert ctdb.calls[0][0][1:] == ['--timelimit=7', 'status']


def test_wait_with_zero_timeout_polls_once(ctdb, clock):
    ctdb.answer(['status'], DISABLED)
    result = run({'wait_for_healthy': True, 'timeout': 0}, expect=FailJson)
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
def test_module_on_corpus_status_text(ctdb, case):
    with open(os.path.join(SAMPLES, 'status', case, 'output.txt')) as handle:
        text = handle.read()
    ctdb.answer(['status'], text)
    result = run()
    assert ctdb.commands() == [['status']]
    assert result['raw'] == text
    assert result['parsed']['unparsable'] == []
    shown = [line for line in text.splitlines() if line.startswith(('pnn:', 'vnn:'))]
    assert len(result['cluster']['nodes']) == len(shown)
    assert result['cluster']['healthy'] == (all(line.split()[2] == 'OK' for line in shown) and 'NORMAL (0)' in text)
