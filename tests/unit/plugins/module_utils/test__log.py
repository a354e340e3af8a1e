# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Log parsing, filters, summary and tail reading, on the real logs of tests/fixtures/ctdb-samples/logs/.

Truth for each sample: its line count and format as recorded in the corpus INDEX.md and
source.txt (read here, not copied), plus facts checked by hand against log.txt (first and
last entries, summary counts) written out below.
"""
import io
import os
import re
import time

import pytest

from ansible_collections.ctdb.cluster.plugins.module_utils import _log
from ctdbtest import reference

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
SAMPLES = os.path.join(REPO, 'tests', 'fixtures', 'ctdb-samples')
LOGS = os.path.join(SAMPLES, 'logs')


def _read(*parts):
    with open(os.path.join(*parts), encoding='utf-8') as handle:
        return handle.read()


def _index_truth():
    """{case: (line_count, format_text)} from INDEX.md's Logs section."""
    truth = {}
    for m in re.finditer(r"^- `logs/(?P<case>[^`]+)` - (?P<n>\d+) lines\. format: '(?P<fmt>[^']+)'",
                         _read(SAMPLES, 'INDEX.md'), re.M):
        truth[m.group('case')] = (int(m.group('n')), m.group('fmt'))
    return truth


INDEX_TRUTH = _index_truth()
CASES = sorted(os.listdir(LOGS))


def _format_id(fmt_text):
    """Map the corpus' format description to this parser's format name."""
    if fmt_text.startswith('YYYY-MM-DDTHH'):
        return 'rfc5424'
    if fmt_text.startswith('YYYY/MM/DD') and 'PROG[PID]' in fmt_text:
        return 'file'
    if fmt_text.startswith('YYYY/MM/DD') and '[' in fmt_text:
        return 'legacy'
    if fmt_text.startswith('PROG[PID]'):
        return 'stderr'
    raise AssertionError('unknown format in INDEX.md: %s' % fmt_text)


# Lines the corpus documents as not CTDB log lines (INDEX.md / source.txt of the case).
NOT_CTDB_LINES = {
    '04_stderr_log_2021_samba-4.13.9_container_segfault': ['OH COME ON init'],
}


def test_index_lists_every_case():
    assert CASES and set(CASES) == set(INDEX_TRUTH)


@pytest.mark.parametrize('case', CASES)
def test_sample_line_count_and_format(case):
    count, fmt_text = INDEX_TRUTH[case]
    source = _read(LOGS, case, 'source.txt')
    assert "format: '%s'" % fmt_text in source
    entries = reference.parse_text(_read(LOGS, case, 'log.txt'))
    assert len(entries) == count
    expected_fmt = _format_id(fmt_text)
    unparsed = [e['raw'] for e in entries if not e['parsed']]
    assert unparsed == NOT_CTDB_LINES.get(case, [])
    for entry in entries:
        assert set(entry) == set(_log.ENTRY_KEYS)
        if not entry['parsed']:
            assert entry['message'] == entry['raw'] and entry['format'] is None and entry['pid'] is None
            continue
        assert entry['format'] == expected_fmt
        assert isinstance(entry['pid'], int)
        # the message is the end of the raw line, the prefix carries pid and process
        assert entry['raw'].endswith(entry['message'])
        assert '[%s]' % entry['pid'] in entry['raw'] or '[ %s]' % entry['pid'] in entry['raw']
        if expected_fmt in ('rfc5424', 'file', 'legacy'):
            assert entry['raw'].startswith(entry['time'])
            assert entry['timestamp'][:10] == entry['time'][:10].replace('/', '-')
        else:
            assert entry['time'] is None and entry['timestamp'] is None
        if expected_fmt == 'rfc5424':
            assert entry['host'] and entry['raw'].split(' ')[1] == entry['host']
        else:
            assert entry['host'] is None
        if expected_fmt == 'legacy':
            assert entry['process'] is None
        else:
            assert entry['raw'].lstrip().split('[')[0].split(' ')[-1] == entry['process']


# Checked by hand against each log.txt.
FIRST_LAST = {
    '01_legacy_2008_recovery_on_recmaster': (
        dict(timestamp='2008-12-01T09:57:28.110732', process=None, pid=4933, host=None,
             message='10.0.0.21:4379: node 10.0.0.24:4379 is dead: 2 connected'),
        dict(timestamp='2008-12-01T09:57:39.815648', pid=4935,
             message='server/ctdb_recoverd.c:1567 Rerecovery timeout elapsed. Recovery reactivated.')),
    '02_legacy_2013_shutdown_eventscript': (
        dict(timestamp='2013-04-30T16:54:10.673807', pid=21505, message='Received SHUTDOWN command. Stopping CTDB daemon.'),
        dict(timestamp='2013-04-30T16:54:10.673946', pid=21505, message='server/eventscript.c:696 in remove_callback 0x1c6d5c0')),
    '03_file_log_2020_samba-4.10.13_recovery_lock_contention': (
        dict(timestamp='2020-01-30T09:38:16.811921', process='ctdbd', pid=174621,
             message='192.168.113.14:4379: node 192.168.113.13:4379 is dead: 0 connected'),
        dict(timestamp='2020-01-30T09:38:20.820622', process='ctdbd', pid=174621,
             message='pnn 0 Invalid reqid 2649 in ctdb_reply_control')),
    '04_stderr_log_2021_samba-4.13.9_container_segfault': (
        dict(timestamp=None, process='ctdbd', pid=1, message='CTDB starting on node'),
        dict(process='ctdbd', pid=1, message=' #14 /usr/sbin/ctdbd(_start+0x2e) [0x55fac12c2d3e]')),
    '05_rfc5424_2026_stopped_leader_runs_recovery': (
        dict(timestamp='2026-05-21T14:48:00.201838+10:00', host='node.0', process='ctdbd', pid=5494, message='Stopping node'),
        dict(timestamp='2026-05-21T14:48:06.737272+10:00', host='node.0', process='ctdb-recoverd', pid=5511,
             message='Received leader broadcast, leader=2')),
    '06_rfc5424_2026_cluster_lock_failure_ban': (
        dict(timestamp='2026-05-12T12:15:51.127992+05:30', host='nsds1', process='ctdb-recoverd', pid=826,
             message='Leader broadcast timeout'),
        dict(timestamp='2026-05-12T12:16:13.094612+05:30', process='ctdbd', pid=700, message='Banning this node for 300 seconds')),
    '07_rfc5424_2022_takeip_tickle_ack': (
        dict(host='testn1', process='ctdbd', pid=17820, message="../../ctdb/server/ctdb_takeover.c:514 sending TAKE_IP for '10.0.1.173'"),
        dict(process='ctdb-takeover', pid=19758, message='TAKEOVER_IP 10.0.1.173 succeeded on node 0')),
    '08_rfc5424_2022_iface_check_testmode': (
        dict(timestamp='2022-02-18T12:21:12.436491+11:00', host='node.0', pid=6958,
             message='ctdb_sys_check_iface_exists: Failed to open raw socket'),
        dict(timestamp='2022-02-18T12:21:12.436577+11:00', pid=6958)),
}


@pytest.mark.parametrize('case', CASES)
def test_sample_first_and_last_entry(case):
    entries = reference.parse_text(_read(LOGS, case, 'log.txt'))
    first, last = FIRST_LAST[case]
    for expected, entry in ((first, entries[0]), (last, entries[-1])):
        for key, value in expected.items():
            assert entry[key] == value, (key, entry)


# Summary counts checked by hand against each log.txt (categories not listed: 0).
SUMMARY_TRUTH = {
    '01_legacy_2008_recovery_on_recmaster': {'recoveries': 1, 'node_disconnects': 1},
    '02_legacy_2013_shutdown_eventscript': {},
    # 4 attempts, each "Unable to take recovery lock - contention" + "Unable to take recovery lock"
    '03_file_log_2020_samba-4.10.13_recovery_lock_contention': {
        'recoveries': 4, 'node_disconnects': 5, 'cluster_lock_failures': 4},
    '04_stderr_log_2021_samba-4.13.9_container_segfault': {'crashes': 1},
    # 'Stopping node' (ctdb stop on this node) is a flag change
    '05_rfc5424_2026_stopped_leader_runs_recovery': {
        'takeover_runs': 1, 'recoveries': 1, 'elections': 1, 'node_flag_changes': 1},
    # 2 x "Unable to take cluster lock - unknown error" + "Cluster lock not held"; one ban
    # logged twice (leader's "Banning node 0" then ctdbd's "Banning this node").
    '06_rfc5424_2026_cluster_lock_failure_ban': {
        'recoveries': 1, 'elections': 3, 'bans': 1, 'cluster_lock_failures': 3},
    '07_rfc5424_2022_takeip_tickle_ack': {},
    '08_rfc5424_2022_iface_check_testmode': {},
}


@pytest.mark.parametrize('case', CASES)
def test_sample_summary(case):
    summary = _log.summarize(reference.parse_text(_read(LOGS, case, 'log.txt')))
    counts = {key: summary[key]['count'] for key, _label in _log.SUMMARY_CATEGORIES if summary[key]['count']}
    assert counts == SUMMARY_TRUTH[case]
    assert summary['unparsed_lines'] == len(NOT_CTDB_LINES.get(case, []))
    assert len(summary['headline']) == len(counts)


def test_summary_times_and_messages():
    summary = _log.summarize(reference.parse_text(_read(LOGS, '06_rfc5424_2026_cluster_lock_failure_ban', 'log.txt')))
    lock = summary['cluster_lock_failures']
    assert lock['first_time'] == '2026-05-12T12:15:51.135590+05:30'
    assert lock['last_time'] == '2026-05-12T12:16:13.094591+05:30'
    assert lock['last_message'] == 'Cluster lock not held - abort recovery, ban node'
    assert summary['bans']['last_message'] == 'Banning node 0 for 300 seconds'
    assert summary['headline'][0].startswith('bans: 1, last at 2026-05-12T12:16:13.094596+05:30')
    assert summary['takeover_runs'] == {'count': 0, 'first_time': None, 'last_time': None, 'last_message': None}


# The REST API's sample log (seed document), a Samba 4.x file log of a node flapping.
API_RAW = (
    "2020/09/27 00:12:00.817799 ctdb-recoverd[5035]: Node 1 has changed flags - now 0x0  was 0x2\n"
    "2020/09/27 00:12:01.277050 ctdb-recoverd[5035]: Takeover run starting\n"
    "2020/09/27 00:12:01.283075 ctdbd[4709]: Release of IP 192.168.6.85/24 on interface mother_ctdb0  node:1\n"
    "2020/09/27 00:12:01.616389 ctdb-recoverd[5035]: Takeover run completed successfully\n"
    "2020/09/27 00:12:05.992377 ctdb-recoverd[5035]: Node 1 has changed flags - now 0x2  was 0x0\n"
    "2020/09/27 00:12:06.291482 ctdb-recoverd[5035]: Takeover run starting\n"
    "2020/09/27 06:24:58.938942 ctdb-eventd[4711]: 05.system: WARNING: Filesystem / utilization 91% >= threshold 90%\n"
    "2020/09/27 20:34:40.924072 ctdb-eventd[4711]: 05.system: NOTICE: System memory utilization 79% < threshold 80%\n"
)


def test_api_sample_levels_and_summary():
    entries = reference.parse_text(API_RAW)
    assert [e['level'] for e in entries] == [None] * 6 + ['WARNING', 'NOTICE']
    summary = _log.summarize(entries)
    assert summary['node_flag_changes']['count'] == 2
    assert summary['node_flag_changes']['last_message'] == 'Node 1 has changed flags - now 0x2  was 0x0'
    assert summary['takeover_runs']['count'] == 2
    assert summary['takeover_runs']['last_time'] == '2020-09-27T00:12:06.291482'
    assert summary['event_script_warnings']['count'] == 1  # the NOTICE is not a warning
    assert summary['event_script_warnings']['last_time'] == '2020-09-27T06:24:58.938942'
    assert _log.render_raw(entries) == API_RAW


# Lines written by ctdb 4.17.12 (Debian 12) in this project's sandbox: ctdb disable/enable of
# node 1 seen from node 0 (leader) and from node 1, then ctdb ban 3 on node 2.
SANDBOX_417_NODE0 = """\
2026-11-22T02:04:05.622061+00:00 node0 ctdb-recoverd[30462]: Pushing updated flags for node 1 (0x4)
2026-11-22T02:04:05.622087+00:00 node0 ctdbd[30457]: Node 1 has changed flags - 0x0 -> 0x4
2026-11-22T02:04:05.622318+00:00 node0 ctdb-recoverd[30462]: Takeover run starting
2026-11-22T02:04:05.630388+00:00 node0 ctdbd[30457]: Takeover of IP 127.0.14.103/32 on interface lo
2026-11-22T02:04:05.630991+00:00 node0 ctdb-recoverd[30462]: Takeover run completed successfully
2026-11-22T02:04:10.634544+00:00 node0 ctdb-recoverd[30462]: Remote node 1 had flags 0x0, local had 0x4 - updating local
2026-11-22T02:04:10.634662+00:00 node0 ctdbd[30457]: Node 1 has changed flags - 0x4 -> 0x0
2026-11-22T02:04:10.635044+00:00 node0 ctdb-recoverd[30462]: Takeover run starting
"""
SANDBOX_417_NODE1 = """\
2026-11-22T02:04:05.309787+00:00 node1 ctdbd[30464]: Disable node
2026-11-22T02:04:05.630138+00:00 node1 ctdbd[30464]: Release of IP 127.0.14.102/32 on interface lo  node:2
2026-11-22T02:04:09.642541+00:00 node1 ctdbd[30464]: Enable node
"""
SANDBOX_417_NODE2 = """\
2026-11-22T02:04:35.697592+00:00 node2 ctdbd[30471]: Banning this node for 3 seconds
2026-11-22T02:04:35.697621+00:00 node2 ctdbd[30471]: Making node INACTIVE
2026-11-22T02:04:38.698861+00:00 node2 ctdbd[30471]: Banning timed out
"""


def test_ctdb_417_flag_changes_and_bans():
    node0 = _log.summarize(reference.parse_text(SANDBOX_417_NODE0))
    assert node0['node_flag_changes']['count'] == 2
    assert node0['node_flag_changes']['last_message'] == 'Node 1 has changed flags - 0x4 -> 0x0'
    assert node0['takeover_runs']['count'] == 2
    node1 = _log.summarize(reference.parse_text(SANDBOX_417_NODE1))
    assert node1['node_flag_changes']['count'] == 2
    assert node1['node_flag_changes']['first_time'] == '2026-11-22T02:04:05.309787+00:00'
    node2 = _log.summarize(reference.parse_text(SANDBOX_417_NODE2))
    assert node2['bans']['count'] == 1 and node2['bans']['last_message'] == 'Banning this node for 3 seconds'


@pytest.mark.parametrize('case, parsed', [
    ('03_file_log_2020_samba-4.10.13_recovery_lock_contention', 44),
    ('04_stderr_log_2021_samba-4.13.9_container_segfault', 44),
    ('05_rfc5424_2026_stopped_leader_runs_recovery', 31),
])
def test_raw_excerpts_keep_and_mark_unparsable_lines(case, parsed):
    """The verbatim mail/commit excerpts: wrapped halves, '...' and indents are kept, marked."""
    text = _read(LOGS, case, 'raw_excerpt.txt')
    entries = reference.parse_text(text)
    assert len(entries) == len(text.splitlines())
    assert sum(1 for e in entries if e['parsed']) == parsed
    assert [e['raw'] for e in entries] == text.splitlines()
    for entry in entries:
        if not entry['parsed']:
            assert entry['message'] == entry['raw']


@pytest.mark.parametrize('line, expected', [
    ('2026-11-22T01:53:28.123456+0000 host1 ctdbd[12]: journal short-iso-precise',
     dict(format='rfc5424', timestamp='2026-11-22T01:53:28.123456+00:00', host='host1', process='ctdbd', pid=12)),
    ('2026-11-22T01:53:28Z h ctdb-eventd[3]: 10.interface: ERROR: no such interface',
     dict(format='rfc5424', timestamp='2026-11-22T01:53:28+00:00', level='ERROR')),
    ('2026-11-22T01:53:28.12+01:00 h ctdbd[3]:', dict(format='rfc5424', timestamp='2026-11-22T01:53:28.120000+01:00', message='')),
    ('Sep 27 00:12:00 nas1 ctdbd[4709]: Takeover of IP 10.0.0.1/24',
     dict(format='syslog', timestamp='2020-09-27T00:12:00', host='nas1', process='ctdbd', pid=4709)),
    ('Foo 27 00:12:00 nas1 ctdbd[4709]: x', dict(parsed=False)),
    ('', dict(parsed=False, message='')),
    ('random text [12]: not a log line', dict(parsed=False)),
])
def test_parse_line_other_forms(line, expected):
    entry = _log.parse_line(line, default_year=2020)
    for key, value in expected.items():
        assert entry[key] == value, (key, entry)


def test_syslog_without_year_has_no_timestamp():
    entry = _log.parse_line('Sep 27 00:12:00 nas1 ctdbd[4709]: x')
    assert entry['parsed'] and entry['time'] == 'Sep 27 00:12:00' and entry['timestamp'] is None


# --- since / filters -------------------------------------------------------------------

def test_parse_since_forms():
    aware = _log.parse_since('2026-05-12T12:16:00+05:30')
    assert aware == _log.timestamp_epoch('2026-05-12T12:16:00+05:30')
    assert _log.parse_since('2026-05-12T06:46:00Z') == aware
    assert _log.parse_since('2026-05-12 12:16:00+0530') == aware
    assert _log.parse_since('2020/09/27 00:12:00') == _log.parse_since('2020-09-27T00:12')
    assert _log.parse_since('15m', now=1000.0) == 100.0
    assert _log.parse_since('2h', now=7200.0) == 0.0
    assert _log.parse_since('1 day ago', now=86400.0) == 0.0


@pytest.mark.parametrize('bad', ['yesterday', '2020-13-01', '12:00', ''])
def test_parse_since_errors_name_the_value(bad):
    with pytest.raises(_log.LogError) as exc:
        _log.parse_since(bad, now=0.0)
    assert repr(bad) in str(exc.value)


def _entries(case):
    return reference.parse_text(_read(LOGS, case, 'log.txt'))


def test_filter_by_process_and_text():
    entries = _entries('03_file_log_2020_samba-4.10.13_recovery_lock_contention')
    pred = _log.make_filter(process=['ctdb-recoverd'], contains='RECOVERY LOCK')
    got = reference.filter_entries(entries, 100, pred)
    assert len(got) == 12  # 4 x Attempting + 4 x contention + 4 x plain
    assert all(e['process'] == 'ctdb-recoverd' and 'recovery lock' in e['message'] for e in got)
    got = reference.filter_entries(entries, 3, pred)
    assert [e['message'] for e in got] == [
        'Attempting to take recovery lock (/cephfs/ctdb/.ctdb.lock)',
        'Unable to take recovery lock - contention',
        'Unable to take recovery lock',
    ]
    assert got[-1]['timestamp'] == '2020-01-30T09:38:19.827369'
    pred = _log.make_filter(regex=r'is dead: \d connected$')
    assert len(reference.filter_entries(entries, 100, pred)) == 5
    assert _log.make_filter() is None


def test_filter_since_aware_timestamps():
    entries = _entries('06_rfc5424_2026_cluster_lock_failure_ban')
    since = _log.parse_since('2026-05-12T06:46:10Z')  # = 12:16:10+05:30
    got = reference.filter_entries(entries, 100, None, since)
    assert [e['timestamp'][11:19] for e in got] == ['12:16:13'] * 6


def test_filter_unparsed_lines_and_process():
    entries = _entries('04_stderr_log_2021_samba-4.13.9_container_segfault')
    got = reference.filter_entries(entries, 100, _log.make_filter(process=['ctdb-eventd']))
    assert [e['message'] for e in got] == [
        'daemon started, pid=7', 'startup completed successfully', 'listening on /var/run/ctdb/eventd.socket']
    got = reference.filter_entries(entries, 100, _log.make_filter(contains='oh come on'))
    assert len(got) == 1 and got[0]['parsed'] is False


def test_bad_regex_raises():
    with pytest.raises(re.error):
        _log.make_filter(regex='(')


# --- reading from the end ----------------------------------------------------------------

@pytest.mark.parametrize('data', [
    b'', b'\n', b'a', b'a\n', b'a\nb', b'a\r\nb\r\n', b'\n\nx\n\n', b'one\ntwo\nthree\n' * 5,
    'caf\u00e9 \u2014 ok\n\xff'.encode('utf-8'),
])
@pytest.mark.parametrize('block_size', [1, 2, 3, 7, 65536])
def test_iter_lines_reverse_matches_splitlines(data, block_size):
    expected = data.split(b'\n')
    if data.endswith(b'\n'):
        expected = expected[:-1]
    if data == b'':
        expected = []
    expected = [line[:-1] if line.endswith(b'\r') else line for line in expected]
    got = list(_log.iter_lines_reverse(io.BytesIO(data), block_size))
    assert got[::-1] == expected


def test_long_line_is_shortened_in_the_middle():
    data = b'START' + b'x' * 1000 + b'END\nshort\n'
    got = list(_log.iter_lines_reverse(io.BytesIO(data), block_size=16, max_line_bytes=100))
    assert got[0] == b'short'
    assert got[1].startswith(b'START') and got[1].endswith(b'END') and b' [...] ' in got[1]
    assert len(got[1]) <= 100 + len(b' [...] ')


def test_read_last_lines_and_invalid_utf8():
    data = b'l1\nl2\n\xffbad\nl4\n'
    assert reference.read_last_lines(io.BytesIO(data), 2) == ['\ufffdbad', 'l4']
    assert reference.read_last_lines(io.BytesIO(data), 10) == ['l1', 'l2', '\ufffdbad', 'l4']
    assert reference.read_last_lines(io.BytesIO(data), 0) == []


class CountingReader(io.BytesIO):
    """A file object that counts the bytes read, to show how much of a file is touched."""

    def __init__(self, data):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def _big_log(lines):
    out = []
    for i in range(lines):
        out.append('2026-05-21T14:%02d:%02d.%06d+10:00 node.0 ctdbd[5494]: line %d\n' % (i // 60 % 60, i % 60, i, i))
    return ''.join(out).encode()


def test_tail_reads_only_the_end():
    small, big = _big_log(1000), _big_log(50000)
    reads = []
    for data in (small, big):
        fileobj = CountingReader(data)
        entries, info = _log.tail_entries(fileobj, 100, block_size=4096)
        assert len(entries) == 100
        assert entries[-1]['message'] == 'line %d' % (len(data.splitlines()) - 1)
        assert entries[0]['message'] == 'line %d' % (len(data.splitlines()) - 100)
        assert info['scanned_lines'] == 100 and info['reached_start'] is False
        reads.append(fileobj.bytes_read)
    # the same amount is read whatever the size of the file (at most two blocks more than the lines)
    assert reads[0] == reads[1]
    assert reads[1] < 100 * 80 + 2 * 4096


def test_tail_with_filter_and_since_stops_early():
    data = _big_log(3000)
    fileobj = CountingReader(data)
    since = _log.timestamp_epoch('2026-05-21T14:49:00.000000+10:00')
    # matches only lines whose number ends in 7, in the last minute-of-hour window
    entries, info = _log.tail_entries(fileobj, 1000, _log.make_filter(regex=r'7$'), since_epoch=since)
    assert entries and all(e['message'].endswith('7') for e in entries)
    assert all(e['timestamp'] >= '2026-05-21T14:49:00' for e in entries)
    assert info['reached_start'] is False
    assert fileobj.bytes_read < len(data)


def test_tail_reached_start_and_empty():
    entries, info = _log.tail_entries(io.BytesIO(b'a\nb\n'), 10)
    assert [e['raw'] for e in entries] == ['a', 'b'] and info['reached_start'] is True
    entries, info = _log.tail_entries(io.BytesIO(b''), 10)
    assert entries == [] and info['reached_start'] is True
    assert _log.render_raw([]) == ''


def test_tail_time_does_not_grow_with_size():
    small, big = _big_log(2000), _big_log(200000)
    timings = []
    for data in (small, big):
        fileobj = io.BytesIO(data)
        start = time.perf_counter()
        for dummy in range(20):
            _log.tail_entries(fileobj, 100)
        timings.append(time.perf_counter() - start)
    # 100x more data; the time stays of the same order (generous bound against noise)
    assert timings[1] < timings[0] * 5 + 0.05


# --- ctdb.conf [logging] location ----------------------------------------------------------

@pytest.mark.parametrize('text, location, source', [
    (None, None, ('file', '/var/log/ctdb/log.ctdb')),
    ('[logging]\n\t# location = syslog\n', None, ('file', '/var/log/ctdb/log.ctdb')),
    ('[logging]\n\tlocation = file:/var/lib/x/log.ctdb\n', 'file:/var/lib/x/log.ctdb', ('file', '/var/lib/x/log.ctdb')),
    ('[cluster]\nlocation = file:/nope\n[LOGGING]\n  Location   =   syslog:nonblocking  \n', 'syslog:nonblocking',
     ('syslog', 'nonblocking')),
    ('[logging]\nlocation = syslog\n; location = file:/x\n', 'syslog', ('syslog', None)),
])
def test_logging_location(text, location, source):
    assert _log.logging_location(text) == location
    assert _log.log_source(location) == source


@pytest.mark.parametrize('case, location, source', [
    ('samba.tests.eventd.ctdb.conf', 'file:', ('stderr', None)),
    ('samba.doc.examples.ctdb.conf', 'syslog', ('syslog', None)),
    ('samba.config.ctdb.conf', None, ('file', '/var/log/ctdb/log.ctdb')),  # only a commented example
])
def test_logging_location_real_ctdb_conf(case, location, source):
    text = _read(SAMPLES, 'config_samples', 'ctdb.conf', case, 'ctdb.conf')
    assert _log.logging_location(text) == location
    assert _log.log_source(location) == source


def test_log_source_refuses_unknown_location():
    with pytest.raises(_log.LogError) as exc:
        _log.log_source('stderr')
    assert "'stderr'" in str(exc.value)
    assert not str(exc.value).endswith(')')


def test_log_source_names_the_conf_file_it_was_given():
    with pytest.raises(_log.LogError) as exc:
        _log.log_source('stderr', '/etc/ctdb/ctdb.conf')
    assert exc.value.msg.endswith("'syslog[:METHOD]' (in /etc/ctdb/ctdb.conf)")
