# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_log as a module: where the log is found, options, errors. Real files in a temp CTDB_BASE."""
import os
import shutil
import stat

import pytest

from ansible_collections.ctdb.cluster.plugins.modules import ctdb_log

from ansible_collections.ctdb.cluster.tests.unit.plugins.modules.utils import check_case, load_cases

MODULE = ctdb_log

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
LOGS = os.path.join(REPO, 'tests', 'fixtures', 'ctdb-samples', 'logs')
RFC_LOG = os.path.join(LOGS, '06_rfc5424_2026_cluster_lock_failure_ban', 'log.txt')
FILE_LOG = os.path.join(LOGS, '03_file_log_2020_samba-4.10.13_recovery_lock_contention', 'log.txt')


@pytest.fixture
def base(tmp_path):
    d = tmp_path / 'etc-ctdb'
    d.mkdir()
    return d


def _conf(base, location):
    (base / 'ctdb.conf').write_text('# test\n[logging]\n\tlocation = %s\n\tlog level = NOTICE\n' % location)


def test_reads_the_file_named_in_ctdb_conf(run_module, base, tmp_path):
    log = tmp_path / 'log.ctdb'
    shutil.copy(RFC_LOG, str(log))
    _conf(base, 'file:%s' % log)
    res = run_module({'ctdb_base': str(base), 'lines': 3})
    assert res.rc == 0 and res['changed'] is False
    with open(RFC_LOG) as handle:
        last3 = handle.read().splitlines()[-3:]
    assert res['raw'] == '\n'.join(last3) + '\n'
    assert [e['message'] for e in res['parsed']] == [
        'Cluster lock not held - abort recovery, ban node', 'Banning node 0 for 300 seconds', 'Banning this node for 300 seconds']
    assert res['source'] == {'type': 'file', 'path': str(log), 'location': 'file:%s' % log}
    assert res['summary']['bans']['count'] == 1 and res['summary']['cluster_lock_failures']['count'] == 1
    assert res['scanned_lines'] == 3 and res['complete'] is False


def test_ctdb_base_from_environment(run_module, base, tmp_path, monkeypatch):
    log = tmp_path / 'log.ctdb'
    shutil.copy(FILE_LOG, str(log))
    _conf(base, 'file:%s' % log)
    monkeypatch.setenv('CTDB_BASE', str(base))
    res = run_module({'lines': 1000, 'summary': False})
    assert len(res['parsed']) == 44 and res['complete'] is True and 'summary' not in res


def test_filters(run_module, base, tmp_path):
    log = tmp_path / 'log.ctdb'
    shutil.copy(FILE_LOG, str(log))
    res = run_module({'path': str(log), 'process': ['ctdb-recoverd'], 'contains': 'unable TO take', 'lines': 2})
    assert [e['message'] for e in res['parsed']] == ['Unable to take recovery lock - contention', 'Unable to take recovery lock']
    assert res['parsed'][-1]['time'] == '2020/01/30 09:38:19.827369'
    res = run_module({'path': str(log), 'since': '2020/01/30 09:38:19.5', 'regex': r'^\S+ \S+ ctdbd\['})
    assert [e['message'] for e in res['parsed']] == [
        '192.168.113.14:4379: connected to 192.168.113.13:4379 - 1 connected', 'pnn 0 Invalid reqid 2649 in ctdb_reply_control']
    assert res['complete'] is False  # stopped at the first older line


@pytest.mark.parametrize('case', load_cases(__file__))
def test_case(case, run_module, ctdb, tmp_path):
    base = tmp_path / 'etc-ctdb'
    base.mkdir()
    check_case(case, run_module, ctdb, base)


def test_syslog_location_with_source_file(run_module, base):
    _conf(base, 'syslog:nonblocking')
    res = run_module({'ctdb_base': str(base), 'source': 'file'})
    assert res['failed'] and 'source=journal' in res['msg']


FAKE_JOURNALCTL = r'''#!/bin/sh
echo "$@" > "%(argv)s"
# newest first, like journalctl -r
echo "2026-11-22T01:00:03.000003+0000 n0 ctdb-recoverd[20]: Takeover run starting"
echo "2026-11-22T01:00:02.000002+0000 n0 ctdbd[10]: Node 1 has changed flags - now 0x4  was 0x0"
echo "2026-11-22T01:00:01.000001+0000 n0 ctdbd[10]: hello"
'''


def _fake_journalctl(tmp_path, monkeypatch):
    bindir = tmp_path / 'bin'
    bindir.mkdir()
    script = bindir / 'journalctl'
    argv_file = tmp_path / 'argv'
    script.write_text(FAKE_JOURNALCTL % {'argv': argv_file})
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv('PATH', '%s:%s' % (bindir, os.environ['PATH']))
    return argv_file


def test_syslog_location_reads_the_journal(run_module, base, tmp_path, monkeypatch):
    argv_file = _fake_journalctl(tmp_path, monkeypatch)
    _conf(base, 'syslog')
    res = run_module({'ctdb_base': str(base), 'lines': 2})
    assert res.rc == 0, res
    assert res['source'] == {'type': 'journal', 'path': None, 'location': 'syslog'}
    assert [e['pid'] for e in res['parsed']] == [10, 20]  # oldest first
    assert res['parsed'][1]['timestamp'] == '2026-11-22T01:00:03.000003+00:00'
    assert res['summary']['node_flag_changes']['count'] == 1
    argv = argv_file.read_text().split()
    assert argv[:5] == ['--no-pager', '-q', '-r', '-o', 'short-iso-precise']
    assert '-t' in argv and 'ctdbd' in argv and 'ctdb-recoverd' in argv


def test_journal_process_and_since(run_module, tmp_path, monkeypatch):
    argv_file = _fake_journalctl(tmp_path, monkeypatch)
    res = run_module({'source': 'journal', 'process': ['ctdbd'], 'since': '2026-11-22T01:00:02Z'})
    assert res.rc == 0, res
    argv = argv_file.read_text().split()
    assert argv.count('-t') == 1 and 'ctdbd' in argv
    assert '--since=@%d' % 1795309202 in argv
    # the fake ignores -t; the module's own filters still apply
    assert [e['message'] for e in res['parsed']] == ['Node 1 has changed flags - now 0x4  was 0x0']


FAKE_JOURNAL_N = r'''#!%(python)s
import sys
args = sys.argv[1:]
with open(%(calls)r, 'a') as handle:
    handle.write(' '.join(args) + '\n')
n = int(args[args.index('-n') + 1])
total = 5000
# newest first; every 1000th line mentions a ban
for i in range(total - 1, max(total - n, 0) - 1, -1):
    msg = 'Banning node 1 for 300 seconds' if i %% 1000 == 0 else 'line %%d' %% i
    sys.stdout.write('2026-11-22T01:%%02d:%%02d.000000+0000 n0 ctdb-recoverd[7]: %%s\n' %% (i // 60 %% 60, i %% 60, msg))
'''


def test_journal_window_grows_until_enough_lines_match(run_module, tmp_path, monkeypatch):
    import sys
    bindir = tmp_path / 'bin'
    bindir.mkdir()
    calls = tmp_path / 'calls'
    script = bindir / 'journalctl'
    script.write_text(FAKE_JOURNAL_N % {'python': sys.executable, 'calls': str(calls)})
    script.chmod(0o755)
    monkeypatch.setenv('PATH', '%s:%s' % (bindir, os.environ['PATH']))
    res = run_module({'source': 'journal', 'contains': 'banning', 'lines': 3})
    assert res.rc == 0, res
    assert [e['message'] for e in res['parsed']] == ['Banning node 1 for 300 seconds'] * 3
    windows = [int(line.split()[-1]) for line in calls.read_text().splitlines()]
    assert windows == [1000, 4000]  # 1000 lines hold 1 match, 4000 hold 4
    assert res['complete'] is False
    res = run_module({'source': 'journal', 'contains': 'banning', 'lines': 10})
    assert len(res['parsed']) == 5 and res['complete'] is True  # the whole journal holds 5
    res = run_module({'source': 'journal', 'lines': 2})
    assert [e['message'] for e in res['parsed']] == ['line 4998', 'line 4999']
    assert calls.read_text().splitlines()[-1].split()[-1] == '2'
