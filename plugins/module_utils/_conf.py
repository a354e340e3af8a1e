# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb.conf: the options CTDB knows, a parser that keeps every byte, and edits that touch only what they must.

Pure functions only: text in, text or plain data out; no AnsibleModule, no I/O.

The file is read the way CTDB's own reader (Samba ``lib/util/tini.c``) reads it:

* a physical line whose first non-blank character is ``#`` or ``;`` is a comment (whole-line
  comments only: ``key = value # note`` is the value ``value # note``);
* a line ending in ``\\`` (or ``\\`` and one blank) continues on the next line;
* runs of blanks inside a line become one (the first of the run); one blank around the key and
  around the value is trimmed;
* ``[name]`` opens a section (compared without case; text after ``]`` is ignored);
  ``key = value`` sets an option (keys are case-sensitive; the last of two settings wins).

Two things ``tini`` accepts silently are refused here, because ctdbd then runs with less
configuration than the file seems to hold: a line with no ``=`` (ignored by ctdbd), and a
section header with no ``]`` or an option with an empty key (ctdbd stops reading the file there).

Known sections and options were read from Samba's sources (the ``conf_define_*`` calls of
``ctdb/conf/*_conf.c``, formerly ``ctdb/{cluster,database,event,failover,common}``) for every
release from 4.9, when ctdb.conf appeared, to 4.24 and master, with the release that added or
removed each one, so a key can be checked against the installed ctdb: ``recovery lock`` became
``cluster lock`` and ``[legacy] recmaster capability`` became ``[cluster] leader capability``
in 4.16; ``nodes list`` appeared in 4.22; ``[failover] shutdown failover timeout`` and
``shutdown extra timeout`` in 4.23 and, backported, in 4.21.6 and 4.22.2. For a ctdb newer than
:data:`KNOWN_UNTIL`, an option this table does not know is left to ``ctdb-config validate``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import difflib
import re
from typing import Any, Collection, Dict, Iterable, List, Mapping, NoReturn, Optional, Sequence, Set, Tuple, Union, cast

from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError
from ansible_collections.ctdb.cluster.plugins.module_utils._nodes import canonical_address

# A Samba/ctdb release as a tuple of numbers, (4, 17, 12).
Version = Sequence[int]
# An option of the table (see _opt): section, key, type, default, since, until, choices, min, ...
Spec = Dict[str, Any]
# ctdb.conf as ctdbd reads it: {section: {key: value}}.
Parsed = Dict[str, Dict[str, str]]

CONF_FILE = 'ctdb.conf'

# Sections in the order ``ctdb-config dump`` prints them.
SECTIONS = ('logging', 'cluster', 'database', 'event', 'failover', 'legacy')

BOOLEAN_WORDS = {'true': True, 'yes': True, 'false': False, 'no': False}
# ctdb/common/logging.c: names match case-insensitively (a prefix is enough), digits are levels 0-10.
LOG_LEVELS = (('ERROR', 0), ('WARNING', 1), ('NOTICE', 3), ('INFO', 5), ('DEBUG', 10))
MAX_LOG_LEVEL = 10
SYSLOG_METHODS = ('nonblocking', 'udp', 'udp-rfc5424')
INT_MAX = 2147483647

NEWEST = (9999,)
# Options whose value is a script name looked up in CTDB_BASE.
SCRIPT_OPTIONS = (('event', 'debug script'), ('database', 'lock debug script'))
# The newest Samba release series whose options the table was checked against.
KNOWN_UNTIL = (4, 24)


class ConfError(CtdbError, ValueError):
    """Input CTDB would reject or misread; the message names the value and the fix."""


def _opt(section: str, key: str, kind: str, default: Any = None, since: Any = None, until: Optional[Version] = None,
         choices: Optional[Sequence[str]] = None, minimum: Optional[int] = None,
         replaced_by: Optional[Tuple[str, str]] = None, deprecated_since: Optional[Version] = None,
         description: str = '') -> Spec:
    return {
        'section': section, 'key': key, 'type': kind, 'default': default, 'since': since, 'until': until,
        'choices': choices, 'min': minimum, 'replaced_by': replaced_by, 'deprecated_since': deprecated_since,
        'description': description,
    }


# Every option ctdbd reads from ctdb.conf. ``since``/``until`` are Samba releases (until = first
# release without it); ``since`` may list one first release per release series, for an option
# backported to older series; ``replaced_by`` names the (section, key) that took its place.
OPTIONS = (
    _opt('logging', 'location', 'location', 'file:/var/log/ctdb/log.ctdb',
         description='where ctdbd logs: file:FILENAME or syslog[:nonblocking|udp|udp-rfc5424]'),
    _opt('logging', 'log level', 'loglevel', 'ERROR', description="ctdbd's log level (ctdb.conf(5) says NOTICE; ctdb-config 4.17 dumps ERROR)"),
    _opt('cluster', 'transport', 'enum', 'tcp', choices=('tcp', 'ib'), description='internode transport'),
    _opt('cluster', 'node address', 'ipaddr', description='private address ctdbd binds to'),
    _opt('cluster', 'cluster lock', 'string', since=(4, 16),
         description='cluster-wide mutex: a file on shared storage or !helper args'),
    _opt('cluster', 'recovery lock', 'string', replaced_by=('cluster', 'cluster lock'), deprecated_since=(4, 16),
         description="the cluster lock's name before Samba 4.16 (deprecated since)"),
    _opt('cluster', 'leader timeout', 'int', 5, since=(4, 16), minimum=1,
         description='seconds without a leader broadcast before an election'),
    _opt('cluster', 'leader capability', 'bool', True, since=(4, 16),
         description='whether this node can become the leader'),
    _opt('cluster', 'nodes list', 'string', since=(4, 22),
         description='where the nodes list comes from: a file, or !command args'),
    _opt('database', 'volatile database directory', 'string', '/var/lib/ctdb/volatile',
         description='local directory of volatile databases (must exist)'),
    _opt('database', 'persistent database directory', 'string', '/var/lib/ctdb/persistent',
         description='local directory of persistent databases (must exist)'),
    _opt('database', 'state database directory', 'string', '/var/lib/ctdb/state',
         description='local directory of state databases (must exist)'),
    _opt('database', 'lock debug script', 'string',
         description='script name relative to CTDB_BASE run when a database lock hangs'),
    _opt('database', 'tdb mutexes', 'bool', True, description='robust mutexes on volatile databases'),
    _opt('event', 'debug script', 'string',
         description='script name relative to CTDB_BASE run when an event times out'),
    _opt('failover', 'disabled', 'bool', False, description='disable public IP failover'),
    _opt('failover', 'shutdown failover timeout', 'int', 10, since=((4, 21, 6), (4, 22, 2), (4, 23)), minimum=0,
         description='seconds a shutting-down node waits for its public addresses to fail over (0: no failover)'),
    _opt('failover', 'shutdown extra timeout', 'int', 0, since=((4, 21, 6), (4, 22, 2), (4, 23)), minimum=0,
         description='extra seconds a shutting-down node waits after the failover'),
    _opt('legacy', 'realtime scheduling', 'bool', True, description='run with real-time priority'),
    _opt('legacy', 'recmaster capability', 'bool', True, until=(4, 16),
         replaced_by=('cluster', 'leader capability'),
         description='whether this node can become recovery master (before Samba 4.16)'),
    _opt('legacy', 'lmaster capability', 'bool', True, description='whether this node can be a location master'),
    _opt('legacy', 'start as stopped', 'bool', False, description='start in the STOPPED state'),
    _opt('legacy', 'start as disabled', 'bool', False, description='start in the DISABLED state'),
    _opt('legacy', 'script log level', 'loglevel', 'ERROR', description='log level of event script output'),
)

_BY_KEY = dict(((o['section'], o['key']), o) for o in OPTIONS)
_WS = ' \t\n\v\f\r'


# --------------------------------------------------------------------------- versions
def format_version(version: Optional[Version]) -> str:
    return '.'.join(str(part) for part in version) if version and version != NEWEST else 'current'


def newer_than_table(version: Optional[Version]) -> bool:
    """Whether ``version`` belongs to a Samba release series newer than this module's table."""
    return bool(version) and tuple(cast(Version, version)) != NEWEST and tuple(cast(Version, version))[:2] > KNOWN_UNTIL


def _since_list(since: Any) -> List[Tuple[int, ...]]:
    """``since`` -> list of first releases, one per release series, oldest first."""
    if not since:
        return []
    return sorted(tuple(v) for v in since) if isinstance(since[0], tuple) else [tuple(since)]


def _reached(version: Tuple[int, ...], since: Any) -> bool:
    """Whether ``version`` has an option first released in ``since`` (backports per series)."""
    firsts = _since_list(since)
    if not firsts:
        return True
    earlier = [first for first in firsts if first[:2] <= version[:2]]
    if not earlier:
        return False
    return version >= earlier[-1] if earlier[-1][:2] == version[:2] else True


def option_available(spec: Spec, version: Optional[Version] = None) -> bool:
    """Whether ``spec`` is an option the given Samba/ctdb version (a tuple; None = newest) reads."""
    version = tuple(version) if version else NEWEST
    if not _reached(version, spec['since']):
        return False
    if spec['until'] and version >= tuple(spec['until']):
        return False
    return True


def option_deprecated(spec: Spec, version: Optional[Version] = None) -> bool:
    version = tuple(version) if version else NEWEST
    return bool(spec['deprecated_since']) and version >= tuple(spec['deprecated_since'])


def _aliases(spec: Spec) -> Set[Tuple[str, str]]:
    """Every (section, key) naming the same setting as ``spec``, itself included."""
    names = {(spec['section'], spec['key'])}
    for other in OPTIONS:
        if other['replaced_by'] == (spec['section'], spec['key']):
            names.add((other['section'], other['key']))
        if spec['replaced_by'] == (other['section'], other['key']):
            names.add((other['section'], other['key']))
    return names


def lock_key(version: Optional[Version] = None) -> str:
    """The [cluster] key that names the cluster lock for ``version``."""
    return 'cluster lock' if option_available(_BY_KEY[('cluster', 'cluster lock')], version) else 'recovery lock'


# --------------------------------------------------------------------------- names
def _suggest(word: str, candidates: Iterable[str]) -> Optional[str]:
    def norm(text: str) -> str:
        return ' '.join(text.replace('_', ' ').replace('-', ' ').lower().split())
    by_norm = dict((norm(c), c) for c in candidates)
    if norm(word) in by_norm:
        return by_norm[norm(word)]
    close = difflib.get_close_matches(norm(word), list(by_norm), n=1, cutoff=0.6)
    return by_norm[close[0]] if close else None


def canonical_section(name: Optional[str], where: str, allow_unknown: bool = False) -> str:
    """The known section ``name`` means (sections compare without case), or ConfError.

    With ``allow_unknown`` (a ctdb newer than the table, whose ctdb-config will validate the
    file), an unknown section is taken as it is.
    """
    if name is not None and (name.lower() in SECTIONS or (allow_unknown and name.strip(_WS))):
        return name.lower()
    guess = _suggest(name or '', SECTIONS)
    if guess:
        raise ConfError('%s: unknown section [%s]; did you mean [%s]?' % (where, name, guess))
    raise ConfError('%s: unknown section [%s]; known sections are %s'
                    % (where, name, ', '.join('[%s]' % s for s in SECTIONS)))


def unknown_spec(section: str, key: str) -> Spec:
    """The spec of an option the table does not know, left to a newer ctdb's ``ctdb-config validate``."""
    spec = _opt(section, key, 'string', description='not known to this module: checked by ctdb-config validate')
    spec['unknown'] = True
    return spec


def unknown_warning(where: str, spec: Spec, version: Optional[Version]) -> str:
    return ('%s: [%s] "%s" is not an option of Samba up to %s; ctdb here is %s, so ctdb-config validate decides'
            % (where, spec['section'], spec['key'], format_version(KNOWN_UNTIL), format_version(version)))


def lookup_option(section: str, key: str, where: str, version: Optional[Version] = None,
                  allow_unknown: bool = False) -> Spec:
    """The spec of ``[section] key`` (section already canonical) or ConfError naming the closest key.

    With ``allow_unknown``, an unknown key gets :func:`unknown_spec`. For a ctdb newer than the
    table without it, the message says how to let ``ctdb-config validate`` decide.
    """
    spec = _BY_KEY.get((section, key))
    if spec is not None:
        return spec
    if allow_unknown:
        return unknown_spec(section, key)
    try:
        _refuse_unknown(section, key, where, version)
    except ConfError as exc:
        if not newer_than_table(version):
            raise
        raise ConfError('%s; ctdb here is %s, newer than the Samba releases this module knows (up to %s): '
                        'with ctdb-config installed and validate=true, ctdb-config validate decides instead'
                        % (exc.msg, format_version(version), format_version(KNOWN_UNTIL)))


def _refuse_unknown(section: str, key: str, where: str, version: Optional[Version]) -> NoReturn:
    """Raise ConfError for an unknown ``[section] key``, naming the closest known option."""
    same_section = [o['key'] for o in OPTIONS if o['section'] == section and option_available(o, version)]
    guess = _suggest(key, same_section)
    if guess:
        raise ConfError('%s: unknown option "%s" in section [%s]; did you mean "%s"?' % (where, key, section, guess))
    exact = [o for o in OPTIONS if o['key'] == key]
    if exact:
        raise ConfError('%s: option "%s" belongs in section [%s], not [%s]' % (where, key, exact[0]['section'], section))
    elsewhere = [o for o in OPTIONS if _suggest(key, [o['key']]) == o['key'] and option_available(o, version)]
    if elsewhere:
        raise ConfError('%s: unknown option "%s" in section [%s]; did you mean "%s" in section [%s]?'
                        % (where, key, section, elsewhere[0]['key'], elsewhere[0]['section']))
    raise ConfError('%s: unknown option "%s" in section [%s]; known options there are %s'
                    % (where, key, section, ', '.join('"%s"' % k for k in same_section)))


def resolve_option(section: str, key: str, where: str, version: Optional[Version] = None,
                   allow_unknown: bool = False) -> Tuple[Spec, List[str]]:
    """Map a wanted ``[section] key`` to the spec the installed ctdb reads; returns (spec, warnings).

    A renamed option is translated both ways (``cluster lock`` is written as ``recovery lock``
    for ctdb < 4.16, and the other way round), with a warning when the old name was given.
    """
    section = canonical_section(section, where, allow_unknown)
    spec = lookup_option(section, key, where, version, allow_unknown)
    if spec.get('unknown'):
        return spec, [unknown_warning(where, spec, version)]
    if option_available(spec, version) and not option_deprecated(spec, version):
        return spec, []
    for alias in sorted(_aliases(spec)):
        other = _BY_KEY[alias]
        if other is not spec and option_available(other, version) and not option_deprecated(other, version):
            warnings = []
            if spec['replaced_by'] == alias:
                change = ('is deprecated since Samba %s' % format_version(spec['deprecated_since'])
                          if spec['deprecated_since'] else 'was replaced in Samba %s' % format_version(spec['until']))
                warnings.append('%s: [%s] "%s" %s; writing [%s] "%s" instead'
                                % (where, spec['section'], spec['key'], change, other['section'], other['key']))
            return other, warnings
    if not option_available(spec, version):
        raise ConfError('%s: [%s] "%s" %s, and ctdb here is %s'
                        % (where, section, key, _availability(spec), format_version(version)))
    return spec, []


def _availability(spec: Spec) -> str:
    firsts = [format_version(first) for first in _since_list(spec['since'])]
    since = firsts[-1] if len(firsts) < 2 else '%s (or %s)' % (firsts[-1], ', '.join(firsts[:-1]))
    if spec['since'] and spec['until']:
        return 'exists only from Samba %s to %s' % (since, format_version(spec['until']))
    if spec['since']:
        return 'needs Samba %s or later' % since
    return 'was removed in Samba %s' % format_version(spec['until'])


# --------------------------------------------------------------------------- values
def tini_normalize(text: str) -> str:
    """A value or key as CTDB's reader sees it: blank runs squeezed to their first blank, ends trimmed."""
    return re.sub(r'([ \t\n\v\f\r])[ \t\n\v\f\r]+', r'\1', text).strip(_WS)


def _parse_bool(value: object) -> Optional[bool]:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in BOOLEAN_WORDS:
        return BOOLEAN_WORDS[value.strip().lower()]
    return None


def _parse_log_level(value: object) -> Optional[int]:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_LOG_LEVEL else None
    text = str(value).strip()
    if not text:
        return None
    if text.isdigit():
        return int(text) if int(text) <= MAX_LOG_LEVEL else None
    for name, level in LOG_LEVELS:
        if name.lower().startswith(text.lower()):
            return level
    return None


def canonical_value(spec: Spec, value: object) -> Union[bool, int, str, None]:
    """What ctdbd makes of ``value`` (for comparing), or None when it is not valid for ``spec``."""
    kind = spec['type']
    if isinstance(value, float):
        value = str(value)
    if not isinstance(value, (bool, int, str)):
        return None
    if kind == 'bool':
        return _parse_bool(value)
    if kind == 'loglevel':
        return _parse_log_level(value)
    if isinstance(value, bool):
        return None
    if kind == 'int':
        if isinstance(value, int):
            number = value
        elif re.match(r'^\s*\d+\s*$', value) and _same_in_octal(value.strip()):
            number = int(value)
        else:
            return None
        return number if (spec['min'] is None or number >= spec['min']) and number <= INT_MAX else None
    text = tini_normalize(str(value))
    if not text or '\n' in text or '\r' in text or '\x00' in text or text.endswith('\\'):
        # A line break would split the line, a NUL end it; a trailing backslash would join the next line.
        return None
    if kind == 'enum':
        return text if text in spec['choices'] else None
    if kind == 'ipaddr':
        return canonical_address(text)
    if kind == 'location':
        if text == 'syslog' or text.startswith('file:'):
            return text
        if text.startswith('syslog:') and text[len('syslog:'):] in SYSLOG_METHODS + ('',):
            return text
        return None
    return text


def _same_in_octal(digits: str) -> bool:
    """CTDB reads numbers with strtol(..., 0): 010 is 8 and 08 is 0 there. Accept a leading zero
    only where that reading is the decimal one (05)."""
    return not digits.startswith('0') or re.match(r'^[0-7]+$', digits) is not None \
        and int(digits, 8) == int(digits, 10)


def _expected(spec: Spec) -> str:
    kind = spec['type']
    if kind == 'bool':
        return 'a boolean: true, false, yes or no'
    if kind == 'int':
        return 'a whole number from %d to %d' % (spec['min'] or 0, INT_MAX)
    if kind == 'loglevel':
        return 'a log level: %s, or a number from 0 to %d' % (', '.join(n for n, dummy in LOG_LEVELS), MAX_LOG_LEVEL)
    if kind == 'enum':
        return 'one of %s' % ', '.join(spec['choices'])
    if kind == 'ipaddr':
        return 'an IPv4 or IPv6 address without a port'
    if kind == 'location':
        return 'file:FILENAME, syslog, or syslog:METHOD with METHOD one of %s' % ', '.join(SYSLOG_METHODS)
    return 'a non-empty single-line string without NUL, not ending in a backslash'


def render_value(spec: Spec, value: object, where: str) -> str:
    """The text to write for ``value`` (bools as true/false), or ConfError saying what is expected."""
    if value is None or canonical_value(spec, value) is None:
        shown = '' if value is None else (str(value).lower() if isinstance(value, bool) else str(value))
        shown = shown.replace('\x00', '\\x00')
        raise ConfError('%s: invalid value "%s" for [%s] "%s": expected %s'
                        % (where, shown, spec['section'], spec['key'], _expected(spec)))
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return tini_normalize(str(value)) if isinstance(value, str) else str(value)


def same_value(spec: Spec, old: object, new: object) -> bool:
    """Whether ctdbd reads ``old`` and ``new`` as the same setting."""
    old_c, new_c = canonical_value(spec, old), canonical_value(spec, new)
    if old_c is None or new_c is None:
        return tini_normalize(str(old)) == tini_normalize(str(new))
    return old_c == new_c


# --------------------------------------------------------------------------- parsing
class Entry(object):
    """One logical line of the file with the exact text it came from.

    kind: blank, comment, section, option or invalid. ``raw`` holds the physical line(s),
    line ending included, so that joining every entry's raw gives the file back byte for byte.
    """

    __slots__ = ('kind', 'raw', 'lineno', 'name', 'key', 'value', 'section', 'reason', 'fatal')

    def __init__(self, kind: str, raw: str, lineno: int, name: Optional[str] = None, key: Optional[str] = None,
                 value: Optional[str] = None, section: Optional[str] = None, reason: Optional[str] = None,
                 fatal: bool = False) -> None:
        self.kind = kind
        self.raw = raw
        self.lineno = lineno
        self.name = name        # section header: the name between the brackets
        self.key = key          # option: the key as CTDB reads it
        self.value = value      # option: the value as CTDB reads it
        self.section = section  # option: the name of the section it is in (as written), None before any
        self.reason = reason    # invalid: why
        self.fatal = fatal      # invalid: ctdbd stops reading the file at this line

    def indent(self) -> str:
        return cast('re.Match[str]', re.match(r'[ \t]*', self.raw)).group(0)

    def __repr__(self) -> str:
        return 'Entry(%s, %r)' % (self.kind, self.raw)


def _read_logical(text: str, pos: int) -> Tuple[str, int]:
    """Port of tini get_line() from the first content character: returns (buffer, end position)."""
    buf: List[str] = []
    length = len(text)
    while pos < length:
        char = text[pos]
        pos += 1
        if char == '\n':
            if buf and buf[-1] == '\\':
                buf.pop()
                continue
            if len(buf) > 1 and buf[-2] == '\\' and buf[-1] in _WS:
                del buf[-2:]
                continue
            break
        if buf and buf[-1] in _WS and char in _WS:
            continue
        buf.append(char)
    return ''.join(buf), pos


def _trim_one(text: str) -> str:
    if text[:1] and text[0] in _WS:
        text = text[1:]
    if text[-1:] and text[-1] in _WS:
        text = text[:-1]
    return text


def parse(text: str) -> List[Entry]:
    """ctdb.conf text -> list of Entry (``render(parse(t)) == t`` for every text)."""
    entries = []
    pos, length, lineno = 0, len(text), 1
    section = None
    while pos < length:
        start = pos
        while pos < length and text[pos] in _WS and text[pos] != '\n':
            pos += 1
        if pos >= length or text[pos] == '\n':
            pos = min(pos + 1, length)
            entries.append(Entry('blank', text[start:pos], lineno))
        elif text[pos] in '#;':
            end = text.find('\n', pos)
            pos = length if end < 0 else end + 1
            entries.append(Entry('comment', text[start:pos], lineno))
        else:
            buf, pos = _read_logical(text, pos)
            raw = text[start:pos]
            if buf.startswith('['):
                close = buf.find(']')
                if close < 0:
                    entries.append(Entry('invalid', raw, lineno, reason='section header without a closing "]" '
                                         '(ctdbd stops reading the file there)', fatal=True))
                else:
                    section = buf[1:close]
                    entries.append(Entry('section', raw, lineno, name=section))
            elif '=' not in buf:
                entries.append(Entry('invalid', raw, lineno, reason='not "key = value", a [section] or a whole-line '
                                     'comment (ctdbd silently ignores it)'))
            else:
                key, value = buf.split('=', 1)
                key = _trim_one(key)
                if not key:
                    entries.append(Entry('invalid', raw, lineno, reason='option without a key '
                                         '(ctdbd stops reading the file there)', fatal=True))
                else:
                    entries.append(Entry('option', raw, lineno, key=key, value=_trim_one(value), section=section))
        lineno += text.count('\n', start, pos)
    return entries


def render(entries: Iterable[Entry]) -> str:
    return ''.join(entry.raw for entry in entries)


def parsed_view(entries: Iterable[Entry]) -> Tuple[Parsed, List[str]]:
    """{section: {key: value}} as ctdbd reads it (sections lower-cased and merged, the last value wins)
    and the lines it does not read: ``(parsed, unparsable)``.

    After a line where ctdbd stops reading, every following option and section is unparsable too.
    """
    parsed: Parsed = {}
    unparsable: List[str] = []
    stopped = False
    for entry in entries:
        if stopped:
            if entry.kind in ('section', 'option', 'invalid'):
                unparsable.append(entry.raw.rstrip('\r\n'))
            continue
        stopped = entry.fatal
        if entry.kind == 'section':
            parsed.setdefault(cast(str, entry.name).lower(), {})
        elif entry.kind == 'option' and entry.section is not None:
            # an option has a key and a value
            parsed.setdefault(entry.section.lower(), {})[cast(str, entry.key)] = cast(str, entry.value)
        elif entry.kind == 'invalid' or (entry.kind == 'option' and entry.section is None):
            unparsable.append(entry.raw.rstrip('\r\n'))
    return parsed, unparsable


def effective_lock(parsed: Mapping[str, Mapping[str, str]]) -> Optional[str]:
    """The cluster lock ctdbd uses: ``cluster lock``, else the deprecated ``recovery lock``; None if neither."""
    cluster = parsed.get('cluster', {})
    return cluster.get('cluster lock') or cluster.get('recovery lock') or None


def read(text: str) -> Dict[str, Any]:
    """The read result of ctdb_conf: raw, parsed, unparsable and the effective cluster lock."""
    entries = parse(text)
    parsed, unparsable = parsed_view(entries)
    return {'raw': text, 'parsed': parsed, 'unparsable': unparsable, 'cluster_lock': effective_lock(parsed)}


# --------------------------------------------------------------------------- checking
def check_entries(entries: Iterable[Entry], where: str, version: Optional[Version] = None, check_values: bool = True,
                  allow_unknown: bool = False) -> List[str]:
    """Refuse what ctdbd would reject or misread; returns warnings (deprecated keys).

    ``where`` names the text for messages (``content``, or the file's path).
    """
    warnings = []
    for entry in entries:
        at = '%s line %d' % (where, entry.lineno)
        if '\x00' in entry.raw:
            raise ConfError('%s: a NUL byte: ctdbd reads the line only up to it; remove it' % at)
        if entry.kind == 'invalid':
            raise ConfError('%s: %s: %s' % (at, entry.raw.strip(_WS), entry.reason))
        if entry.kind == 'section':
            canonical_section(entry.name, at, allow_unknown)
        elif entry.kind == 'option':
            warnings.extend(_check_option(entry, at, version, check_values, allow_unknown))
    return warnings


def _check_option(entry: Entry, at: str, version: Optional[Version], check_values: bool,
                  allow_unknown: bool) -> List[str]:
    if entry.section is None:
        homes = [o['section'] for o in OPTIONS if o['key'] == entry.key]
        hint = 'put it under [%s]' % homes[0] if homes else 'put it under a [section]'
        raise ConfError('%s: option "%s" is outside any section; %s' % (at, entry.key, hint))
    section = canonical_section(entry.section, at, allow_unknown)
    spec = lookup_option(section, cast(str, entry.key), at, version, allow_unknown)
    if spec.get('unknown'):
        return [unknown_warning(at, spec, version)]
    if not option_available(spec, version):
        replacement = [_BY_KEY[a] for a in _aliases(spec) if option_available(_BY_KEY[a], version)]
        hint = '; use [%s] "%s"' % (replacement[0]['section'], replacement[0]['key']) if replacement else ''
        raise ConfError('%s: [%s] "%s" %s, and ctdb here is %s%s'
                        % (at, section, entry.key, _availability(spec), format_version(version), hint))
    if check_values and canonical_value(spec, entry.value) is None:
        raise ConfError('%s: invalid value "%s" for [%s] "%s": expected %s'
                        % (at, entry.value, section, entry.key, _expected(spec)))
    if option_deprecated(spec, version):
        new = _BY_KEY[spec['replaced_by']]
        return ['%s: [%s] "%s" is deprecated since Samba %s: use [%s] "%s"'
                % (at, section, entry.key, format_version(spec['deprecated_since']), new['section'], new['key'])]
    return []


# --------------------------------------------------------------------------- editing
def _line_ending(entries: Sequence[Entry]) -> str:
    crlf = sum(1 for e in entries if e.raw.endswith('\r\n'))
    return '\r\n' if crlf and crlf * 2 >= len(entries) else '\n'


def _default_indent(entries: Sequence[Entry]) -> str:
    for kind in ('option', 'comment'):
        for index, entry in enumerate(entries):
            if entry.kind == kind and (kind == 'option' or _in_section(entries, index)) and entry.indent():
                return entry.indent()
    return '\t'


def _in_section(entries: Sequence[Entry], index: int) -> bool:
    return any(e.kind == 'section' for e in entries[:index])


def _matches(entries: Sequence[Entry], names: Collection[Tuple[str, str]]) -> List[int]:
    """Indexes of option entries that set any of ``names`` ((section, key) pairs)."""
    found = []
    for index, entry in enumerate(entries):
        if entry.kind == 'option' and entry.section is not None \
                and (entry.section.lower(), entry.key) in names:
            found.append(index)
    return found


def _option_line(entry: Optional[Entry], key: str, value: str, newline: str) -> Optional[str]:
    """The new text of an option line: ``entry``'s indentation and spacing kept when there is one."""
    if entry is None:
        return None
    first = entry.raw.split('\n', 1)[0]
    match = re.match(r'^([ \t]*)([^=]*?)([ \t]*=[ \t]*)', first)
    found = re.search(r'\r?\n$', entry.raw)
    ending = found.group(0) if found else ''
    if match and '\n' not in entry.raw.rstrip('\r\n') and tini_normalize(match.group(2)) == key:
        return match.group(1) + match.group(2) + match.group(3) + value + ending
    return '%s%s = %s%s' % (entry.indent(), key, value, ending or newline)


def _ensure_newline(entries: Sequence[Entry], index: int, newline: str) -> None:
    if index >= 0 and not entries[index].raw.endswith('\n'):
        entries[index].raw += newline


def set_option(entries: List[Entry], spec: Spec, value_text: str) -> List[str]:
    """Set ``spec`` to ``value_text`` in place; returns notes of what changed (empty: nothing changed).

    An existing line is rewritten where it stands (its indentation and spacing kept); a line under
    another name of the same setting (``recovery lock`` for ``cluster lock``) is renamed in place;
    a new line goes after the commented example of the key, else after the section's last option.
    """
    section, key = spec['section'], spec['key']
    newline = _line_ending(entries)
    found = _matches(entries, {(section, key)})
    others = _matches(entries, _aliases(spec) - {(section, key)})
    if found and not others and same_value(spec, entries[found[-1]].value, value_text):
        return []
    if found or others:
        return _rewrite_option(entries, spec, value_text, found, others, newline)
    headers = [i for i, e in enumerate(entries) if e.kind == 'section' and cast(str, e.name).lower() == section]
    if not headers:
        return _add_section(entries, spec, value_text, newline)
    return _add_option(entries, spec, value_text, headers[-1], newline)


def _rewrite_option(entries: List[Entry], spec: Spec, value_text: str, found: List[int], others: List[int],
                    newline: str) -> List[str]:
    """Rewrite the last line setting ``spec`` (or an alias) in place; drop the other ones."""
    section, key = spec['section'], spec['key']
    notes = []
    keep = found[-1] if found else others[-1]
    old = entries[keep]
    if old.key != key:
        notes.append('renamed [%s] "%s" to "%s" (line %d)' % (section, old.key, key, old.lineno))
    if old.key != key or not same_value(spec, old.value, value_text):
        entries[keep] = Entry('option', cast(str, _option_line(old, key, value_text, newline)), old.lineno, key=key,
                              value=value_text, section=old.section)
        notes.append('set [%s] "%s" = %s (line %d)' % (section, key, value_text, old.lineno))
    for index in reversed([i for i in found + others if i != keep]):
        notes.append('removed [%s] "%s" (line %d): [%s] "%s" is set on line %d'
                     % (section, entries[index].key, entries[index].lineno, section, key, old.lineno))
        del entries[index]
    return notes


def _add_section(entries: List[Entry], spec: Spec, value_text: str, newline: str) -> List[str]:
    """Append a new section holding ``spec``."""
    section, key = spec['section'], spec['key']
    _ensure_newline(entries, len(entries) - 1, newline)
    spaced = any(entries[i - 1].kind == 'blank' for i, e in enumerate(entries) if e.kind == 'section' and i > 0)
    if entries and entries[-1].kind != 'blank' and spaced:
        entries.append(Entry('blank', newline, 0))
    entries.append(Entry('section', '[%s]%s' % (section, newline), 0, name=section))
    entries.append(Entry('option', '%s%s = %s%s' % (_default_indent(entries), key, value_text, newline), 0,
                         key=key, value=value_text, section=section))
    return ['added [%s] "%s" = %s in a new section' % (section, key, value_text)]


def _add_option(entries: List[Entry], spec: Spec, value_text: str, start: int, newline: str) -> List[str]:
    """Add ``spec`` to the section whose header is ``entries[start]``: after its example, else its last option."""
    section, key = spec['section'], spec['key']
    end = start + 1
    while end < len(entries) and entries[end].kind != 'section':
        end += 1
    block = range(start + 1, end)
    example = re.compile(r'^[ \t]*[#;][ \t]*%s[ \t]*=' % r'[ \t]+'.join(re.escape(w) for w in key.split()))
    examples = [i for i in block if entries[i].kind == 'comment' and example.match(entries[i].raw)]
    options = [i for i in block if entries[i].kind == 'option']
    if examples:
        after, indent = examples[-1], entries[examples[-1]].indent()
    elif options:
        after, indent = options[-1], entries[options[-1]].indent()
    else:
        content = [i for i in block if entries[i].kind != 'blank']
        after = content[-1] if content else start
        indent = _default_indent(entries)
    _ensure_newline(entries, after, newline)
    entries.insert(after + 1, Entry('option', '%s%s = %s%s' % (indent, key, value_text, newline), 0,
                                    key=key, value=value_text, section=entries[start].name))
    return ['added [%s] "%s" = %s' % (section, key, value_text)]


def remove_option(entries: List[Entry], spec: Spec) -> List[str]:
    """Remove every line setting ``spec`` (or another name of it) in place; returns notes."""
    notes = []
    for index in reversed(_matches(entries, _aliases(spec))):
        notes.append('removed [%s] "%s" (line %d)' % (spec['section'], entries[index].key, entries[index].lineno))
        del entries[index]
    return notes


def normalize_settings(settings: object, where: str = 'settings') -> List[Tuple[str, str, Any]]:
    """``{section: {key: value}}`` from the module -> list of (section, key, value), or ConfError."""
    if not isinstance(settings, dict):
        raise ConfError('%s must be a dictionary of sections, like {cluster: {"cluster lock": "/path"}}' % where)
    changes = []
    for section, options in settings.items():
        if not isinstance(options, dict):
            raise ConfError('%s: section [%s] must map option names to values, not %r' % (where, section, options))
        for key, value in options.items():
            changes.append((str(section), str(key), value))
    return changes


def apply_settings(text: Optional[str], changes: Iterable[Tuple[str, str, Any]], version: Optional[Version] = None,
                   where: str = 'settings', path: str = 'ctdb.conf',
                   allow_unknown: bool = False) -> Tuple[str, List[str], List[str]]:
    """Apply (section, key, value) changes to ``text``; value None removes the option.

    Returns ``(new_text, warnings, notes)``. Raises ConfError (naming the bad section, key or
    value) for unknown names, values ctdbd would reject, and for unreadable lines in the file.
    """
    entries = parse(text or '')
    for entry in entries:
        if entry.kind == 'invalid':
            raise ConfError('%s line %d: %s: %s; fix the file (or replace it with content)'
                            % (path, entry.lineno, entry.raw.strip(_WS), entry.reason))
    warnings, notes = [], []
    for section, key, value in changes:
        spec, more = resolve_option(section, key, where, version, allow_unknown)
        warnings.extend(more)
        if value is None:
            notes.extend(remove_option(entries, spec))
        else:
            notes.extend(set_option(entries, spec, render_value(spec, value, where)))
    # Lines keep their original numbers, so a complaint about an untouched line points at the file as it is;
    # new lines (number 0) were checked above.
    warnings.extend(check_entries([e for e in entries if e.lineno], path, version, check_values=False,
                                  allow_unknown=allow_unknown))
    return render(entries), warnings, notes


def check_content(content: str, version: Optional[Version] = None, where: str = 'content',
                  allow_unknown: bool = False) -> List[str]:
    """Check a whole candidate file given as text; returns warnings or raises ConfError."""
    return check_entries(parse(content), where, version, check_values=True, allow_unknown=allow_unknown)


def script_names(text: str) -> List[str]:
    """Names of the scripts ``text`` refers to relative to CTDB_BASE (ctdb-config checks they exist)."""
    parsed = read(text)['parsed']
    return [parsed[section][key] for section, key in SCRIPT_OPTIONS if parsed.get(section, {}).get(key)]
