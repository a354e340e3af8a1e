# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CTDB's databases, as data: the parsers of ``ctdb [-X] getdbmap``, ``getdbstatus``, ``getdbseqnum`` and
``dumpdbbackup``, and the plan of a backup (file names, retention, checksums). No AnsibleModule, no I/O:
ctdb_db runs the commands (through _cluster) and touches the files; this module decides.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import re
from datetime import datetime, timezone
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, TypedDict

from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError

KINDS = ('volatile', 'persistent', 'replicated')
BACKUP_SUFFIX = '.backup'
CHECKSUM_SUFFIX = '.sha256'
DEFAULT_RETENTION = 7
# What a backup file is called: NAME.YYYYMMDDTHHMMSSZ.backup, with -N after the time when two backups of one
# database fall in the same second.
_STAMP_FORMAT = '%Y%m%dT%H%M%SZ'
_RE_STAMP = r'(\d{8}T\d{6}Z)(?:-(\d+))?'
_RE_TEXT_LINE = re.compile(r'^dbid:(0x[0-9a-fA-F]+)\s+name:(\S+)\s+path:(\S+)((?:\s+[A-Z]+)*)\s*$')
_RE_DUMP_HEADER = re.compile(r'^Dumping database (\S+) from backup @ (.+)$')
_RE_DUMPED = re.compile(r'^Dumped (\d+) record\(s\)$')
_RE_SHA256 = re.compile(r'^([0-9a-fA-F]{64})(?:\s+\*?(.*))?$')
# Characters no database name of ctdb can sensibly have (it names a file under the database directory).
_BAD_NAME_CHARS = ('/', '\x00', '\n', '|')


class DbError(CtdbError):
    """A database argument, output or backup file this collection cannot use: the value and the fix."""


class DbEntry(TypedDict):
    """One attached database as ``ctdb getdbmap`` shows it (the local node's path)."""
    id: str
    name: str
    path: str
    kind: str
    persistent: bool
    replicated: bool
    sticky: bool
    readonly: bool
    unhealthy: bool


class Database(DbEntry):
    """What ctdb_db reports for one database: the map entry, its health, sequence number and size."""
    health: str
    healthy: bool
    seqnum: Optional[int]
    size: Optional[int]


class DumpHeader(TypedDict):
    """What ``ctdb dumpdbbackup FILE`` says about a backup file (never its records)."""
    name: str
    time: str
    records: Optional[int]


class BackupFile(TypedDict):
    """One backup file to write: the database, the file's name in the backup directory."""
    name: str
    file: str


class BackupPlan(TypedDict):
    """What a backup writes (one file per database) and which older backups retention removes."""
    write: List[BackupFile]
    remove: List[str]


def _kind(persistent: bool, replicated: bool) -> str:
    if persistent:
        return 'persistent'
    return 'replicated' if replicated else 'volatile'


def _entry(dbid: str, name: str, path: str, flags: Iterable[str]) -> DbEntry:
    words = set(flags)
    return {'id': dbid.lower(), 'name': name, 'path': path,
            'kind': _kind('PERSISTENT' in words, 'REPLICATED' in words),
            'persistent': 'PERSISTENT' in words, 'replicated': 'REPLICATED' in words,
            'sticky': 'STICKY' in words, 'readonly': 'READONLY' in words, 'unhealthy': 'UNHEALTHY' in words}


def parse_dbmap_text(text: Optional[str]) -> List[DbEntry]:
    """The databases of ``ctdb getdbmap`` (``dbid:0x... name:N path:P [PERSISTENT] [UNHEALTHY] ...``).

    DbError for a line that is neither the count nor a database line.
    """
    entries = []
    for line in (text or '').splitlines():
        line = line.strip()
        if not line or line.startswith('Number of databases:'):
            continue
        match = _RE_TEXT_LINE.match(line)
        if not match:
            raise DbError('cannot read this line of ctdb getdbmap: %r' % line, stdout=text)
        entries.append(_entry(match.group(1), match.group(2), match.group(3), match.group(4).split()))
    return entries


def parse_dbmap_machine(text: Optional[str]) -> List[DbEntry]:
    """The databases of ``ctdb -X getdbmap`` (``|ID|Name|Path|Persistent|...|``, or the old ``-Y`` with ``:``).

    Columns are found by their header's names, so the older five-column form (no Sticky, Readonly, Replicated)
    reads too. DbError when the header lacks ID, Name or Path, or a row has another number of columns.
    """
    lines = [line.strip() for line in (text or '').splitlines() if line.strip()]
    if not lines:
        return []
    separator = lines[0][0]
    if separator not in '|:':
        raise DbError('cannot read the header of ctdb -X getdbmap: %r' % lines[0], stdout=text)
    header = lines[0].strip(separator).split(separator)
    missing = [column for column in ('ID', 'Name', 'Path') if column not in header]
    if missing:
        raise DbError('ctdb -X getdbmap has no column %s: %r' % (', '.join(missing), lines[0]), stdout=text)
    entries = []
    for line in lines[1:]:
        cells = line.strip(separator).split(separator)
        if len(cells) != len(header):
            raise DbError('cannot read this row of ctdb -X getdbmap (%d columns, the header has %d): %r'
                          % (len(cells), len(header), line), stdout=text)
        row = dict(zip(header, cells))
        flags = [column.upper() for column in ('Persistent', 'Sticky', 'Unhealthy', 'Readonly', 'Replicated')
                 if row.get(column) == '1']
        entries.append(_entry(row['ID'], row['Name'], row['Path'], flags))
    return entries


def parse_dbstatus(text: Optional[str]) -> Dict[str, str]:
    """``KEY: value`` of ``ctdb getdbstatus DB`` (``dbid``, ``name``, ``path``, ``PERSISTENT``, ..., ``HEALTH``)."""
    fields = {}
    for line in (text or '').splitlines():
        key, sep, value = line.partition(':')
        if sep and key.strip():
            fields[key.strip()] = value.strip()
    return fields


def health_of(fields: Dict[str, str]) -> str:
    """The HEALTH of a parsed getdbstatus: ``OK``, or ctdb's reason (``NO-HEALTHY-NODES - ERROR - ...``)."""
    return fields.get('HEALTH') or 'unknown (ctdb getdbstatus printed no HEALTH line)'


def parse_seqnum(text: Optional[str]) -> int:
    """The sequence number ``ctdb getdbseqnum DB`` prints (``0x1``) as an int; DbError when it is not one."""
    value = (text or '').strip()
    try:
        return int(value, 16)
    except ValueError:
        raise DbError('cannot read the sequence number ctdb getdbseqnum printed: %r' % value[:200], stdout=text)


def parse_dump_header(text: Optional[str]) -> Optional[DumpHeader]:
    """Which database a backup holds and when it was taken (``Dumping database N from backup @ T``), and the
    count of records when the dump finished (``Dumped N record(s)``); None when there is no header."""
    header: Optional[DumpHeader] = None
    for line in (text or '').splitlines():
        match = _RE_DUMP_HEADER.match(line.strip())
        if match and header is None:
            header = {'name': match.group(1), 'time': match.group(2).strip(), 'records': None}
            continue
        done = _RE_DUMPED.match(line.strip())
        if done and header is not None:
            header['records'] = int(done.group(1))
    return header


def check_name(name: str, option: str) -> None:
    """Refuse a database name ctdb cannot have (DbError naming the option and the fix)."""
    if not name or not name.strip():
        raise DbError('%s: a database name is empty: give one as ctdb getdbmap shows it, such as secrets.tdb' % option)
    bad = [char for char in _BAD_NAME_CHARS if char in name]
    if bad or name in ('.', '..') or name != name.strip():
        raise DbError('%s=%r is not a database name (%s): give one as ctdb getdbmap shows it, such as secrets.tdb'
                      % (option, name, 'it has %s' % ' '.join(repr(char) for char in bad) if bad
                         else 'surrounding spaces or a dot directory'))


def select_persistent(entries: Sequence[DbEntry], names: Optional[Sequence[str]]) -> List[DbEntry]:
    """The persistent databases named (all of them, by name, when ``names`` is None); DbError for a name that
    is not attached or not persistent, listing the persistent ones."""
    persistent = [entry for entry in entries if entry['persistent']]
    if names is None:
        return sorted(persistent, key=lambda entry: entry['name'])
    by_name = dict((entry['name'], entry) for entry in entries)
    known = ', '.join(sorted(entry['name'] for entry in persistent)) or 'none'
    chosen = []
    for name in names:
        entry = by_name.get(name)
        if entry is None:
            raise DbError('database %s is not attached on this node: name a persistent database '
                          'ctdb getdbmap shows (persistent here: %s)' % (name, known), name=name)
        if not entry['persistent']:
            raise DbError('database %s is %s, not persistent: only persistent databases are backed up and restored '
                          '(persistent here: %s)' % (name, entry['kind'], known), name=name)
        if entry not in chosen:
            chosen.append(entry)
    return chosen


def stamp(now: datetime) -> str:
    """A backup's UTC time as it goes in the file name: ``20261207T162830Z``."""
    return now.astimezone(timezone.utc).strftime(_STAMP_FORMAT)


def _backup_re(name: str) -> 're.Pattern[str]':
    return re.compile('^%s\\.%s%s$' % (re.escape(name), _RE_STAMP, re.escape(BACKUP_SUFFIX)))


def backups_of(name: str, filenames: Iterable[str]) -> List[str]:
    """The backup files of database ``name`` among ``filenames`` (a directory's entries), oldest first."""
    pattern = _backup_re(name)
    found: List[Tuple[str, int, str]] = []
    for filename in filenames:
        match = pattern.match(filename)
        if match:
            found.append((match.group(1), int(match.group(2) or 1), filename))
    return [filename for dummy, dummy2, filename in sorted(found)]


def backup_filename(name: str, when: str, taken: Iterable[str]) -> str:
    """``NAME.STAMP.backup``, or ``NAME.STAMP-N.backup`` (N from 2) when that name is ``taken`` already."""
    taken = set(taken)
    filename = '%s.%s%s' % (name, when, BACKUP_SUFFIX)
    number = 2
    while filename in taken or filename + CHECKSUM_SUFFIX in taken:
        filename = '%s.%s-%d%s' % (name, when, number, BACKUP_SUFFIX)
        number += 1
    return filename


def plan_backup(names: Sequence[str], filenames: Iterable[str], when: str, retention: int) -> BackupPlan:
    """One new file per database in ``names``, and the older backups beyond the last ``retention`` (the new
    one counted) to remove, with their checksum files, oldest first."""
    if retention < 1:
        raise DbError('retention=%d: keep at least 1 backup per database' % retention)
    existing = list(filenames)
    plan: BackupPlan = {'write': [], 'remove': []}
    for name in names:
        filename = backup_filename(name, when, existing)
        plan['write'].append({'name': name, 'file': filename})
        older = [old for old in backups_of(name, existing) if old != filename]
        for old in older[:max(0, len(older) + 1 - retention)]:
            plan['remove'].append(old)
            if old + CHECKSUM_SUFFIX in existing:
                plan['remove'].append(old + CHECKSUM_SUFFIX)
    return plan


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def checksum_text(digest: str, filename: str) -> str:
    """The checksum file's text, as sha256sum writes it (``sha256sum -c`` checks it in the directory)."""
    return '%s  %s\n' % (digest, filename)


def parse_checksum(text: str, path: str) -> str:
    """The SHA-256 (lower-case hex) a checksum file records; DbError naming ``path`` when it records none."""
    for line in text.splitlines():
        match = _RE_SHA256.match(line.strip())
        if match:
            return match.group(1).lower()
        if line.strip():
            break
    raise DbError('%s records no SHA-256 checksum (want "HEX  FILENAME", as sha256sum writes): '
                  'restore a file ctdb_db backed up, with its checksum file beside it' % path, path=path)


def check_backup(path: str, name: str, header: Optional[DumpHeader], rc: int, stderr: str) -> DumpHeader:
    """Refuse a file ``ctdb dumpdbbackup`` cannot read, or that holds another database than ``name``."""
    if rc != 0 or header is None:
        said = '; '.join(line.strip() for line in (stderr or '').splitlines() if line.strip()) or 'exit code %d' % rc
        raise DbError('%s is not a ctdb backup this ctdb can read (ctdb dumpdbbackup: %s): give a file ctdb backupdb '
                      'or ctdb_db state=backed_up wrote; nothing was restored' % (path, said), path=path)
    if header['name'] != name:
        raise DbError('%s is a backup of database %s, not of %s: give a backup of %s, or name=%s; nothing was restored'
                      % (path, header['name'], name, name, header['name']), path=path, backup_of=header['name'])
    return header
