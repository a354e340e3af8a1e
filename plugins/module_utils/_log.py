# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CTDB log lines: formats, parsing, filters, a summary, and reading the last lines of a file.

Pure code: no AnsibleModule. The only I/O is on a binary file object handed in by the caller
(``tail_entries``), read backwards from its end in fixed-size blocks, so
the time and memory needed for the last N lines do not depend on the size of the file.

Formats understood (see tests/fixtures/ctdb-samples/format_reference/NOTES.md):

* ``rfc5424``: ``2026-05-21T14:48:00.201838+10:00 node.0 ctdbd[5494]: msg`` (Samba >= 4.16
  file logging; also rsyslog's default and ``journalctl -o short-iso-precise``, whose
  offset has no colon).
* ``file``: ``2020/09/27 00:12:00.817799 ctdb-recoverd[5035]: msg`` (Samba 4.x up to 4.15).
* ``legacy``: ``2008/12/01 09:57:28.110732 [ 4933]: msg`` (ctdb 1.x/2.x, no program name).
* ``syslog``: ``Sep 27 00:12:00 host ctdbd[4709]: msg`` (traditional syslog file, no year).
* ``stderr``: ``ctdbd[1]: msg`` (no timestamp, e.g. ctdbd logging to stderr in a container).

A line matching none of them is kept as an entry with ``parsed: False``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re
from typing import Any, BinaryIO, Callable, Dict, Iterable, Iterator, List, Optional, Tuple, TypedDict, Union, cast

from ansible_collections.ctdb.cluster.plugins.module_utils import _conf
from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError


class LogError(CtdbError, ValueError):
    """A since value or a log location this module cannot use, with the fix in the message."""


class LogEntry(TypedDict):
    """A log line (see :func:`parse_line`); all but ``raw``, ``parsed`` and ``message`` None when not parsed."""
    raw: str
    parsed: bool
    format: Optional[str]
    time: Optional[str]
    timestamp: Optional[str]
    host: Optional[str]
    process: Optional[str]
    pid: Optional[int]
    level: Optional[str]
    message: str


# A filter over entries (see :func:`make_filter`).
Predicate = Callable[[LogEntry], bool]

DEFAULT_LOG_FILE = '/var/log/ctdb/log.ctdb'

# Programs that write CTDB's log (used to pick CTDB lines out of syslog/the journal).
CTDB_PROCESSES = (
    'ctdbd', 'ctdb-recoverd', 'ctdb-eventd', 'ctdb-recovery', 'ctdb-takeover',
    'ctdb-ipreallocated', 'ctdb-event', 'ctdb', 'ctdb_mutex_fcntl_helper', 'ctdb_etcd_lock',
)

_PROC = r'(?P<process>[A-Za-z_][\w./-]*)\[(?P<pid>\d+)\]:'
_MSG = r'(?: (?P<message>.*)|(?P<empty>))$'

_FORMATS = (
    ('rfc5424', re.compile(
        r'^\s*(?P<time>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)'
        r' +(?P<host>\S+) +' + _PROC + _MSG)),
    ('file', re.compile(
        r'^\s*(?P<time>\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?) +' + _PROC + _MSG)),
    ('legacy', re.compile(
        r'^\s*(?P<time>\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?) +\[ *(?P<pid>\d+)\]:' + _MSG)),
    ('syslog', re.compile(
        r'^\s*(?P<time>[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}) +(?P<host>\S+) +' + _PROC + _MSG)),
    ('stderr', re.compile(r'^\s*' + _PROC + _MSG)),
)

_MONTHS = {m: i + 1 for i, m in enumerate(
    ('Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'))}

# "05.system: WARNING: ..." (event script output relayed by ctdb-eventd), "ERROR: ..."
_LEVEL_RE = re.compile(r'^(?:\d\d\.[\w.-]+: )?(?P<level>ERROR|ERR|WARNING|WARN|NOTICE|INFO|DEBUG)\b:?')
_LEVEL_NAMES = {'ERR': 'ERROR', 'WARN': 'WARNING'}

ENTRY_KEYS = ('raw', 'parsed', 'format', 'time', 'timestamp', 'host', 'process', 'pid', 'level', 'message')


def _normalize_time(fmt: str, text: str, default_year: Optional[int] = None) -> Optional[str]:
    """Return an ISO 8601 string for a timestamp as written in the log, or None."""
    if fmt == 'rfc5424':
        # the rfc5424 regex of _FORMATS matched text, so this does
        m = cast('re.Match[str]', re.match(r'^(.{19})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$', text))
        base, frac, tz = m.group(1), m.group(2), m.group(3)
        out = base
        if frac:
            out += '.' + (frac + '000000')[:6]
        if tz == 'Z':
            out += '+00:00'
        elif tz:
            out += tz if ':' in tz else tz[:3] + ':' + tz[3:]
        return out
    if fmt in ('file', 'legacy'):
        date, clock = text.split(' ')
        base, dot, frac = clock.partition('.')
        out = date.replace('/', '-') + 'T' + base
        if dot:
            out += '.' + (frac + '000000')[:6]
        return out
    if fmt == 'syslog':
        if default_year is None:
            return None
        month, day, clock = text.split()
        return '%04d-%02d-%02dT%s' % (default_year, _MONTHS.get(month, 0), int(day), clock)
    return None


def parse_line(line: str, default_year: Optional[int] = None) -> LogEntry:
    """Parse one log line (without its newline) into an entry dict.

    Every entry has the keys of ENTRY_KEYS. ``time`` is the timestamp as written,
    ``timestamp`` its ISO 8601 form (no offset when the log has none: local time of the
    node). ``default_year`` completes year-less syslog timestamps.
    """
    for fmt, regex in _FORMATS:
        m = regex.match(line)
        if m is None:
            continue
        if fmt == 'syslog' and m.group('time')[:3] not in _MONTHS:
            continue
        groups = m.groupdict()
        message = groups.get('message')
        if message is None:
            message = ''
        time_text = groups.get('time')
        level = None
        lm = _LEVEL_RE.match(message)
        if lm:
            level = _LEVEL_NAMES.get(lm.group('level'), lm.group('level'))
        return {
            'raw': line,
            'parsed': True,
            'format': fmt,
            'time': time_text,
            'timestamp': _normalize_time(fmt, time_text, default_year) if time_text else None,
            'host': groups.get('host'),
            'process': groups.get('process'),
            'pid': int(groups['pid']),
            'level': level,
            'message': message,
        }
    return cast(LogEntry, dict(dict.fromkeys(ENTRY_KEYS), raw=line, parsed=False, message=line))


def timestamp_epoch(iso: Optional[str]) -> Optional[float]:
    """Seconds since the epoch for an ISO string made by this module (naive = local time)."""
    if not iso:
        return None
    base, frac, tz = iso[:19], 0.0, None
    rest = iso[19:]
    if rest.startswith('.'):
        digits = cast('re.Match[str]', re.match(r'\.(\d+)', rest)).group(1)
        frac = float('0.' + digits)
        rest = rest[1 + len(digits):]
    if rest:
        tz = rest
    dt = datetime.datetime.strptime(base, '%Y-%m-%dT%H:%M:%S')
    if tz:
        sign = 1 if tz[0] == '+' else -1
        hours, minutes = int(tz[1:3]), int(tz[-2:])
        offset = datetime.timedelta(hours=hours, minutes=minutes) * sign
        dt = dt.replace(tzinfo=datetime.timezone(offset))
        return dt.timestamp() + frac
    # naive: the node's local time, as ctdbd wrote it
    return dt.timestamp() + frac


_RELATIVE_RE = re.compile(r'^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?)\s*(?:ago)?\s*$', re.I)
_UNIT_SECONDS = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400}


def parse_since(text: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """Turn a ``since`` value into seconds since the epoch.

    Accepts a timestamp in any of the log formats or ISO 8601 (``2020-09-27 00:12``,
    ``2020/09/27 00:12:00.8``, ``2026-05-21T14:48:00+10:00``; without an offset it is local
    time) or a duration back from ``now`` (epoch seconds): ``30s``, ``15m``, ``2h``, ``1d``.
    Raises LogError with a message naming the accepted forms.
    """
    value = (text or '').strip()
    m = _RELATIVE_RE.match(value)
    if m:
        if now is None:
            raise LogError('a relative since value needs the current time')
        unit = m.group(2)[0].lower()
        return now - float(m.group(1)) * _UNIT_SECONDS[unit]
    m = re.match(r'^(\d{4})[-/](\d{2})[-/](\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?'
                 r'\s*(Z|[+-]\d{2}:?\d{2})?$', value)
    if not m:
        raise LogError(
            "cannot understand since=%r: use a time such as '2026-05-21 14:48:00', "
            "'2026-05-21T14:48:00+10:00' or '2020/09/27 00:12:00', or a duration such as '15m', '2h', '1d'" % (text,))
    year, month, day, hour, minute, second, frac, tz = m.groups()
    iso = '%s-%s-%sT%s:%s:%s' % (year, month, day, hour or '00', minute or '00', second or '00')
    if frac:
        iso += '.' + (frac + '000000')[:6]
    if tz:
        iso += '+00:00' if tz == 'Z' else (tz if ':' in tz else tz[:3] + ':' + tz[3:])
    try:
        return timestamp_epoch(iso)
    except ValueError as exc:
        raise LogError('cannot understand since=%r: %s' % (text, exc))


def make_filter(process: Optional[Iterable[str]] = None, contains: Optional[str] = None, regex: Optional[str] = None,
                since_epoch: Optional[float] = None) -> Optional[Predicate]:
    """Return a predicate over entries, or None when no filter is set.

    process: list of program names (``ctdbd``, ``ctdb-recoverd``...), exact match.
    contains: substring searched in the raw line, case-insensitive.
    regex: a Python regular expression searched in the raw line (re.error on a bad one).
    since_epoch: entries with an older timestamp are dropped (entries without one are kept).
    """
    procs = set(process) if process else None
    needle = contains.lower() if contains else None
    compiled = re.compile(regex) if regex else None
    if procs is None and needle is None and compiled is None and since_epoch is None:
        return None

    def predicate(entry: LogEntry) -> bool:
        if procs is not None and entry['process'] not in procs:
            return False
        if needle is not None and needle not in entry['raw'].lower():
            return False
        if compiled is not None and not compiled.search(entry['raw']):
            return False
        if since_epoch is not None and entry['timestamp']:
            if cast(float, timestamp_epoch(entry['timestamp'])) < since_epoch:
                return False
        return True

    return predicate


def _blocks_from_the_end(fileobj: BinaryIO, block_size: int) -> Iterator[bytes]:
    """The bytes of a binary file object in blocks of ``block_size``, the last block first.

    A final newline is left out, so that it does not make an empty last line.
    """
    fileobj.seek(0, 2)
    pos = fileobj.tell()
    first = True
    while pos > 0:
        size = min(block_size, pos)
        pos -= size
        fileobj.seek(pos)
        block = fileobj.read(size)
        if first:
            first = False
            if block.endswith(b'\n'):
                block = block[:-1]
        yield block


def _prepend(head: bytes, tail: Optional[bytes], part: bytes, max_line_bytes: int,
             half: int) -> Tuple[bytes, Optional[bytes]]:
    """The line being built backwards, ``(head, tail)``, with ``part`` (its earlier bytes) put in front.

    ``head`` holds the line's earliest bytes seen so far, ``tail`` its last ``half`` bytes once the line
    grew longer than ``max_line_bytes`` (None until then); the bytes between them are dropped.
    """
    head = part + head
    if tail is None and len(head) > max_line_bytes:
        return head[:half], head[-half:]
    if tail is not None and len(head) > half:
        return head[:half], tail
    return head, tail


def iter_lines_reverse(fileobj: BinaryIO, block_size: int = 65536, max_line_bytes: int = 1024 * 1024) -> Iterator[bytes]:
    """Yield the lines of a binary file object from the last to the first, as bytes.

    Reads backwards from the end in blocks of ``block_size``: memory holds one block plus
    the current line. A line longer than ``max_line_bytes`` is shortened in its middle
    (its start and end are kept, joined by ``b' [...] '``). A final newline does not make
    an empty last line; ``\\r`` before ``\\n`` is dropped.
    """
    half = max(max_line_bytes // 2, 1)
    head, tail = b'', None
    read_any = False
    for block in _blocks_from_the_end(fileobj, block_size):
        read_any = True
        parts = block.split(b'\n')
        # the last part continues the line being built; each newline before it completes that line, so the
        # first part is the end of a line that goes on in the earlier blocks
        for part in reversed(parts[1:]):
            yield _finish_line(*_prepend(head, tail, part, max_line_bytes, half))
            head, tail = b'', None
        head, tail = _prepend(head, tail, parts[0], max_line_bytes, half)
    if read_any:
        # the first line of the file (possibly empty)
        yield _finish_line(head, tail)


def _finish_line(head: bytes, tail: Optional[bytes]) -> bytes:
    line = head if tail is None else head + b' [...] ' + tail
    if line.endswith(b'\r'):
        line = line[:-1]
    return line


def tail_entries(fileobj: BinaryIO, count: int, predicate: Optional[Predicate] = None, since_epoch: Optional[float] = None,
                 default_year: Optional[int] = None, block_size: int = 65536) -> Tuple[List[LogEntry], Dict[str, Any]]:
    """Parse the last ``count`` lines (that pass ``predicate``) of a binary file object.

    Lines are read backwards from the end, so only the lines needed are read. With
    ``since_epoch`` the scan stops at the first line (from the end) whose timestamp is
    older: CTDB writes its log in time order. Returns ``(entries, info)`` with entries
    oldest first and info = {'scanned_lines', 'scanned_bytes', 'reached_start'}.
    """
    return select_newest(iter_lines_reverse(fileobj, block_size), count, predicate, since_epoch, default_year)


def select_newest(lines_newest_first: Iterable[Union[bytes, str]], count: int, predicate: Optional[Predicate] = None,
                  since_epoch: Optional[float] = None,
                  default_year: Optional[int] = None) -> Tuple[List[LogEntry], Dict[str, Any]]:
    """The selection of tail_entries over any iterable of lines given newest first.

    Lines may be bytes (decoded as UTF-8, bad bytes replaced) or text. Stops consuming the
    iterable as soon as ``count`` entries are selected or a line older than ``since_epoch``
    is met. Returns ``(entries, info)`` like tail_entries.
    """
    entries = []
    scanned = 0
    scanned_bytes = 0
    reached_start = True
    if count > 0:
        for raw in lines_newest_first:
            scanned += 1
            scanned_bytes += len(raw) + 1
            if isinstance(raw, bytes):
                raw = raw.decode('utf-8', 'replace')
            entry = parse_line(raw.rstrip('\r\n'), default_year)
            if since_epoch is not None and entry['timestamp'] and \
                    cast(float, timestamp_epoch(entry['timestamp'])) < since_epoch:
                reached_start = False
                break
            if predicate is None or predicate(entry):
                entries.append(entry)
                if len(entries) >= count:
                    reached_start = False
                    break
    entries.reverse()
    return entries, {'scanned_lines': scanned, 'scanned_bytes': scanned_bytes, 'reached_start': reached_start}


def render_raw(entries: Iterable[LogEntry]) -> str:
    """The selected lines as one text, like the REST API's ``raw`` (newline-terminated)."""
    if not entries:
        return ''
    return '\n'.join(e['raw'] for e in entries) + '\n'


# --- summary -------------------------------------------------------------------------

SUMMARY_CATEGORIES = (
    ('takeover_runs', 'takeover runs'),
    ('takeover_run_failures', 'failed takeover runs'),
    ('recoveries', 'recoveries'),
    ('elections', 'leader elections'),
    ('node_flag_changes', 'node flag changes'),
    ('node_disconnects', 'node disconnects'),
    ('bans', 'bans'),
    ('cluster_lock_failures', 'cluster lock failures'),
    ('event_script_warnings', 'event script warnings'),
    ('crashes', 'crashes'),
)

_TAKEOVER_RE = re.compile(r'^Takeover run starting')
_TAKEOVER_FAIL_RE = re.compile(r'^Takeover run (?:unsuccessful|failed)|takeover run failed|IP reallocation failed', re.I)
_RECOVERY_RE = re.compile(r'Starting do_recovery')
_ELECTION_RE = re.compile(r'^Start election')
# 'Node 1 has changed flags - now 0x0  was 0x2' (recoverd, Samba <= 4.15) or
# 'Node 1 has changed flags - 0x0 -> 0x4' (ctdbd, 4.16+), and on the node itself the
# administrative 'Disable node', 'Enable node', 'Stopping node', 'Continue node' (ctdbd).
_FLAGS_RE = re.compile(r'^Node \d+ has changed flags - (?:now 0x[0-9a-fA-F]+\s+was 0x[0-9a-fA-F]+|0x[0-9a-fA-F]+ -> 0x[0-9a-fA-F]+)'
                       r'|^(?:Disable|Enable|Stopping|Continue) node$')
_DEAD_RE = re.compile(r'node (?P<addr>\S+) is dead: \d+ connected')
_BAN_NODE_RE = re.compile(r'^Banning node (?P<node>\d+) for (?P<secs>\d+) seconds')
_BAN_SELF_RE = re.compile(r'^Banning this node for (?P<secs>\d+) seconds')
_LOCK_REASON_RE = re.compile(r'^Unable to take (?:cluster|recovery) lock - ', re.I)
_LOCK_PLAIN_RE = re.compile(r'^Unable to take (?:cluster|recovery) lock\s*$', re.I)
_LOCK_OTHER_RE = re.compile(
    r'^(?:Cluster|Recovery) lock not held|(?:cluster|recovery) lock configuration inconsistent'
    r'|^(?:Cluster|Recovery) lock (?:lost|helper terminated)', re.I)
_CRASH_RE = re.compile(r'^PANIC\b')
_EVENT_WARN_RE = re.compile(
    r'^\d\d\.[\w.-]+: (?:WARNING|ERROR)\b|Timed out running script|event script .*(?:timed out|failed)'
    r'|^\w+ event failed|Event script \S+ (?:timed out|failed)', re.I)


# Categories read from one message alone, tried in this order before (and after) those that
# need the lines around them (bans, cluster lock failures).
_PLAIN_CATEGORIES = (
    (_TAKEOVER_RE, 'takeover_runs'),
    (_TAKEOVER_FAIL_RE, 'takeover_run_failures'),
    (_RECOVERY_RE, 'recoveries'),
    (_ELECTION_RE, 'elections'),
    (_FLAGS_RE, 'node_flag_changes'),
    (_DEAD_RE, 'node_disconnects'),
)
_LAST_CATEGORIES = (
    (_LOCK_OTHER_RE, 'cluster_lock_failures'),
    (_EVENT_WARN_RE, 'event_script_warnings'),
    (_CRASH_RE, 'crashes'),
)


def _classify(entry: LogEntry, state: Dict[str, Any]) -> Optional[str]:
    """Return the summary category of an entry, or None. ``state`` carries de-duplication."""
    msg = entry['message'] if entry['parsed'] else None
    if msg is None:
        return None
    pid = entry['pid']
    for regex, category in _PLAIN_CATEGORIES:
        if regex.search(msg):
            return category
    m = _BAN_NODE_RE.search(msg)
    if m:
        state['last_ban'] = (entry['timestamp'], m.group('secs'))
        return 'bans'
    m = _BAN_SELF_RE.search(msg)
    if m:
        # ctdbd's "Banning this node" right after the leader's "Banning node N" (same
        # log, same duration, same second) is the same ban.
        last = state.pop('last_ban', None)
        if last and last[1] == m.group('secs') and last[0] and entry['timestamp'] \
                and abs(cast(float, timestamp_epoch(last[0])) - cast(float, timestamp_epoch(entry['timestamp']))) < 1.0:
            return None
        return 'bans'
    if _LOCK_REASON_RE.search(msg):
        state.setdefault('lock_reason', set()).add(pid)
        return 'cluster_lock_failures'
    if _LOCK_PLAIN_RE.search(msg):
        # "Unable to take recovery lock" repeats the reasoned line just before it
        reasons = state.setdefault('lock_reason', set())
        if pid in reasons:
            reasons.discard(pid)
            return None
        return 'cluster_lock_failures'
    for regex, category in _LAST_CATEGORIES:
        if regex.search(msg):
            return category
    return None


def summarize(entries: Iterable[LogEntry]) -> Dict[str, Any]:
    """Count the events a person looks for first.

    Returns {category: {'count', 'first_time', 'last_time', 'last_message'}} for every
    category of SUMMARY_CATEGORIES (count 0 when absent), plus 'unparsed_lines' (int) and
    'headline' (list of short sentences for the categories seen, most important first).
    Times are the log's own timestamps (ISO 8601), None when the lines have none.
    """
    result: Dict[str, Any] = {}
    for key, _label in SUMMARY_CATEGORIES:
        result[key] = {'count': 0, 'first_time': None, 'last_time': None, 'last_message': None}
    state: Dict[str, Any] = {}
    unparsed = 0
    for entry in entries:
        if not entry['parsed']:
            unparsed += 1
            continue
        cat = _classify(entry, state)
        if cat is None:
            continue
        item = result[cat]
        item['count'] += 1
        if item['first_time'] is None:
            item['first_time'] = entry['timestamp']
        item['last_time'] = entry['timestamp']
        item['last_message'] = entry['message']
    headline = []
    for key in ('crashes', 'bans', 'cluster_lock_failures', 'node_flag_changes', 'takeover_run_failures',
                'event_script_warnings', 'node_disconnects', 'recoveries', 'elections', 'takeover_runs'):
        item = result[key]
        if item['count']:
            label = dict(SUMMARY_CATEGORIES)[key]
            text = '%s: %d' % (label, item['count'])
            if item['last_time']:
                text += ', last at %s' % item['last_time']
            text += ' (%s)' % item['last_message']
            headline.append(text)
    result['unparsed_lines'] = unparsed
    result['headline'] = headline
    return result


# --- where CTDB logs -------------------------------------------------------------------

def logging_location(conf_text: Optional[str]) -> Optional[str]:
    """The ``[logging] location`` value of a ctdb.conf text, or None when not set.

    Read with the collection's ctdb.conf parser (_conf, a port of CTDB's own), so comments,
    continuation lines, case and the lines where ctdbd stops reading are treated as ctdbd does.
    """
    if not conf_text:
        return None
    parsed, dummy = _conf.parsed_view(_conf.parse(conf_text))
    value = None
    for key, val in parsed.get('logging', {}).items():
        if ' '.join(key.split()).lower() == 'location':
            value = val
    return value


def log_source(location: Optional[str], conf_path: Optional[str] = None) -> Tuple[str, Optional[str]]:
    """Where to read CTDB's log from, given the ``[logging] location`` value (or None).

    Returns ('file', PATH), ('syslog', METHOD-or-None) or ('stderr', None) for ``file:``
    with no name (ctdbd then writes to its standard error, as in Samba's own tests).
    Raises LogError on a value ctdbd itself would refuse, naming ``conf_path`` (the ctdb.conf it came from)
    when given.
    """
    if location is None or location == '':
        return ('file', DEFAULT_LOG_FILE)
    if location.startswith('file:'):
        path = location[len('file:'):]
        if not path:
            return ('stderr', None)
        return ('file', path)
    if location == 'syslog' or location.startswith('syslog:'):
        method = location.partition(':')[2] or None
        return ('syslog', method)
    msg = "unknown [logging] location %r in ctdb.conf: expected 'file:PATH' or 'syslog[:METHOD]'" % (location,)
    raise LogError(msg if conf_path is None else '%s (in %s)' % (msg, conf_path))
