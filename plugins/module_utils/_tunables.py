# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CTDB tunables: ``ctdb listvars`` output and the ``ctdb.tunables`` file -> plain data, and back.

Pure functions only: text in, data out; no AnsibleModule, no I/O.

What ctdbd 4.17 does (ctdb/common/tunable.c ``ctdb_tunable_load_file``, checked against the real daemon):

* At start it reads ``$CTDB_BASE/ctdb.tunables`` (logs ``Loading tunables from PATH``); a missing file is fine.
* Each line is ``NAME=VALUE``; whitespace around both is allowed, ``#`` starts a comment line, blank lines
  are skipped. Names compare case-insensitively. VALUE must be digits only: ``3 # note`` is logged as
  ``Invalid value`` and the tunable keeps its default.
* An unknown name is logged (``Unknown tunable``) and skipped; an obsolete one (``LCP2PublicIPs``) is
  logged and ignored.
* Values are unsigned 32 bit and are NOT range-checked: ``4294967296`` in the file silently becomes 0, and
  ``ctdb setvar X 99999999999`` or ``ctdb setvar X 1x`` exit 0. So every value is checked here first.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import difflib
import re
from typing import Any, Collection, Dict, Iterable, List, Mapping, Optional, TypedDict, cast

from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError

TUNABLES_FILE = 'ctdb.tunables'
UINT32_MAX = 4294967295

# Tunables whose documented values (ctdb-tunables(7)) are fewer than the whole uint32 range.
DOCUMENTED_RANGES = {
    'IPAllocAlgorithm': (0, 2, '0 deterministic, 1 non-deterministic, 2 LCP2'),
}

# The tunables ctdb listvars prints in 4.17 (tunable.c without the obsolete ones), used only to
# check names when ctdbd is not running and so cannot be asked.
KNOWN_417 = (
    'SeqnumInterval', 'ControlTimeout', 'TraverseTimeout', 'KeepaliveInterval', 'KeepaliveLimit',
    'RecoverTimeout', 'RecoverInterval', 'ElectionTimeout', 'TakeoverTimeout', 'MonitorInterval',
    'TickleUpdateInterval', 'EventScriptTimeout', 'MonitorTimeoutCount', 'RecoveryGracePeriod',
    'RecoveryBanPeriod', 'DatabaseHashSize', 'DatabaseMaxDead', 'RerecoveryTimeout', 'EnableBans',
    'NoIPFailback', 'VerboseMemoryNames', 'RecdPingTimeout', 'RecdFailCount', 'LogLatencyMs',
    'RecLockLatencyMs', 'RecoveryDropAllIPs', 'VacuumInterval', 'VacuumMaxRunTime', 'RepackLimit',
    'VacuumFastPathCount', 'MaxQueueDropMsg', 'AllowUnhealthyDBRead', 'StatHistoryInterval',
    'DeferredAttachTO', 'AllowClientDBAttach', 'FetchCollapse', 'HopcountMakeSticky', 'StickyDuration',
    'StickyPindown', 'NoIPTakeover', 'DBRecordCountWarn', 'DBRecordSizeWarn', 'DBSizeWarn',
    'PullDBPreallocation', 'LockProcessesPerDB', 'RecBufferSizeLimit', 'QueueBufferSize',
    'IPAllocAlgorithm', 'AllowMixedVersions',
)

_RE_VAR = re.compile(r'^\s*([A-Za-z0-9_]+)\s*=\s*(\d+)\s*$')
_RE_SETTING = re.compile(r'^\s*([^=#\s][^=]*?)\s*=\s*(.*?)\s*$')


class TunableLine(TypedDict):
    """A line of a ``ctdb.tunables`` file (see :func:`parse_file`).

    ``kind`` is ``blank``, ``comment``, ``setting`` (``name`` and ``value`` set) or ``invalid``.
    """
    lineno: int
    line: str
    kind: str
    name: Optional[str]
    value: Optional[int]
    reason: Optional[str]


class TunablesError(CtdbError, ValueError):
    """A tunable name or value CTDB would not take, with the fix in the message."""


def parse_listvars(text: Optional[str]) -> Dict[str, int]:
    """``ctdb listvars`` (or ``ctdb getvar NAME``) -> ``{name: int}`` in the order printed.

    Lines that are not ``Name = value`` (such as a ``No such tunable`` message) are skipped.
    """
    values = {}
    for line in (text or '').splitlines():
        match = _RE_VAR.match(line)
        if match:
            values[match.group(1)] = int(match.group(2))
    return values


def canonical_name(name: object, known: Iterable[str]) -> Optional[str]:
    """The tunable's name as ctdb spells it (names compare case-insensitively), or None."""
    lowered = str(name).lower()
    for candidate in known:
        if candidate.lower() == lowered:
            return candidate
    return None


def _suggest(name: object, known: Iterable[str]) -> str:
    by_lower = dict((k.lower(), k) for k in known)
    close = difflib.get_close_matches(str(name).lower(), list(by_lower), n=3, cutoff=0.75)
    return ' (did you mean %s?)' % ', '.join(by_lower[c] for c in close) if close else ''


def check_value(name: str, value: object) -> int:
    """``value`` (int or digit string) -> int in CTDB's range for ``name``; TunablesError otherwise."""
    text = str(value).strip()
    if isinstance(value, bool) or not re.match(r'^\d+$', text):
        raise TunablesError('tunable %s: value %r is not a non-negative whole number; CTDB tunables take '
                            'integers from 0 to %d' % (name, value, UINT32_MAX))
    number = int(text)
    if number > UINT32_MAX:
        raise TunablesError('tunable %s: value %s is out of range; CTDB tunables are unsigned 32 bit '
                            '(0 to %d), and a larger value would silently wrap around' % (name, text, UINT32_MAX))
    documented = DOCUMENTED_RANGES.get(name)
    if documented and not documented[0] <= number <= documented[1]:
        raise TunablesError('tunable %s: value %d is out of range; ctdb-tunables(7) documents %d to %d (%s)'
                            % (name, number, documented[0], documented[1], documented[2]))
    return number


def check_tunables(wanted: Mapping[Any, object], known: Collection[str], path: Optional[str] = None) -> Dict[str, int]:
    """``{name: value}`` as given -> ``{CanonicalName: int}``; TunablesError naming every bad entry.

    ``path`` (the tunables file the values would go to) is returned in the error's data when given.
    """
    result: Dict[str, int] = {}
    problems: List[str] = []
    for name in sorted(wanted, key=str):
        canonical = canonical_name(name, known)
        if canonical is None:
            problems.append('unknown tunable %r%s: ctdb listvars shows the tunables of this CTDB version'
                            % (name, _suggest(name, known)))
            continue
        if canonical in result:
            problems.append('tunable %s is given twice (as %r and another spelling)' % (canonical, name))
            continue
        try:
            result[canonical] = check_value(canonical, wanted[name])
        except TunablesError as exc:
            problems.append(str(exc))
    if problems:
        raise TunablesError('; '.join(problems), **({'path': path} if path is not None else {}))
    return result


def parse_file(text: Optional[str]) -> List[TunableLine]:
    """A ``ctdb.tunables`` file -> list of entries, one per line, in order.

    Each entry is ``{lineno, line, kind, name, value, reason}``: ``kind`` is ``blank``, ``comment``,
    ``setting`` (``value`` an int) or ``invalid`` (``reason`` says why ctdbd would not take it).
    """
    entries = []
    lines = (text or '').split('\n')
    if lines and lines[-1] == '':
        lines.pop()
    for index, line in enumerate(lines):
        stripped = line.strip()
        entry: TunableLine = {'lineno': index + 1, 'line': line, 'kind': 'setting', 'name': None, 'value': None, 'reason': None}
        if not stripped:
            entry['kind'] = 'blank'
        elif stripped.startswith('#'):
            entry['kind'] = 'comment'
        else:
            match = _RE_SETTING.match(line)
            if not match:
                entry.update({'kind': 'invalid', 'reason': 'not NAME=VALUE'})
            else:
                entry['name'] = match.group(1)
                if re.match(r'^\d+$', match.group(2)):
                    entry['value'] = int(match.group(2))
                else:
                    entry.update({'kind': 'invalid', 'reason': 'value %r is not digits only (no trailing comment '
                                                               'allowed)' % match.group(2)})
        entries.append(entry)
    return entries


def file_values(entries: Iterable[TunableLine], known: Optional[Collection[str]] = None) -> Dict[str, int]:
    """``{name: int}`` of the settings ctdbd takes from the file (the last one of a name wins).

    With ``known``, names are given in ctdb's spelling and unknown names are left out.
    """
    values: Dict[str, int] = {}
    for entry in entries:
        if entry['kind'] != 'setting':
            continue
        # a setting has both (parse_file)
        name = cast(str, entry['name'])
        if known is not None:
            canonical = canonical_name(name, known)
            if canonical is None:
                continue
            name = canonical
        else:
            for existing in list(values):
                if existing.lower() == name.lower():
                    del values[existing]
        values[name] = cast(int, entry['value'])
    return values


def file_problems(entries: Iterable[TunableLine], known: Collection[str]) -> List[str]:
    """Sentences about lines ctdbd would log and skip: invalid values, unknown or obsolete names."""
    problems = []
    for entry in entries:
        if entry['kind'] == 'invalid':
            problems.append('line %d %r: %s' % (entry['lineno'], entry['line'], entry['reason']))
        elif entry['kind'] == 'setting' and canonical_name(entry['name'], known) is None:
            problems.append('line %d %r: unknown or obsolete tunable %s'
                            % (entry['lineno'], entry['line'], entry['name']))
    return problems


def plan_file(text: Optional[str], wanted: Mapping[str, int]) -> str:
    """The file text with every tunable of ``wanted`` (``{CanonicalName: int}``) set; returns the new text.

    The first line setting a tunable (any spelling) is rewritten as ``Name=value`` in place; later lines
    for the same tunable are dropped (ctdbd would take the last one); tunables not yet in the file are
    appended in name order. Comments, blank lines and other settings stay as they are.
    """
    lowered = dict((name.lower(), name) for name in wanted)
    done = set()
    out = []
    for entry in parse_file(text):
        name = (entry['name'] or '').lower() if entry['kind'] in ('setting', 'invalid') else ''
        if name in lowered:
            canonical = lowered[name]
            if canonical in done:
                continue
            done.add(canonical)
            out.append('%s=%d' % (canonical, wanted[canonical]))
        else:
            out.append(entry['line'])
    for canonical in sorted(wanted):
        if canonical not in done:
            out.append('%s=%d' % (canonical, wanted[canonical]))
    return '\n'.join(out) + '\n' if out else ''
