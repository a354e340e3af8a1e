# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Samba's registry configuration (``net conf``): parsing, checking and planning, as pure code.

Parsers take the text Samba printed (``testparm --show-all-parameters``, ``net conf listshares``,
``net conf showshare NAME``) and return plain data; :func:`plan` turns the share as it is and as it
should be into the ``net conf`` commands between the two and the share they leave. Nothing here runs
a command or touches a file: the module ``samba_share`` does, and these functions raise
:class:`ShareError` (a CtdbError) with the bad value and the fix.

Parameter names are compared the way Samba compares them (``strwicmp``): case-insensitive, with
whitespace ignored, so ``ReadOnly`` is ``read only``. Underscores are not whitespace to Samba
(``guest_ok`` is unknown to it), so they are not to this module either.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError

# Characters net refuses in a share name (INVALID_SHARENAME_CHARS of Samba's source3/include/local.h),
# plus the brackets of an smb.conf section header.
INVALID_SHARE_CHARS = '%<>*?|/\\+=;:",[]'
MAX_SHARE_NAME = 80
# Section names that are not shares.
RESERVED_SHARES = ('global',)
# Parameters the registry refuses (smbconf_reg_parameter_forbidden, source3/lib/smbconf/smbconf_reg.c)
# besides the global ones: net says "Parameter 'include' not allowed in registry".
REGISTRY_FORBIDDEN = ('include',)
# Set with the module's own options, never in parameters.
OWN_OPTIONS = ('path',)

# Samba's boolean words (set_boolean, lib/util/util.c), compared case-insensitively.
TRUE_WORDS = ('yes', 'true', 'on', '1')
FALSE_WORDS = ('no', 'false', 'off', '0')
LIST_TYPES = ('P_LIST', 'P_CMDLIST')

_TABLE_LINE = re.compile(r'^(?P<name>[^=]+)=(?P<type>P_[A-Z]+),(?P<rest>.*?)(?: \((?P<note>[^()]*)\))?$')
_SYNONYM_OF = re.compile(r'^(?P<inverse>inverse )?synonym of (?P<target>.+)$')
_PARAM_LINE = re.compile(r'^\s+(?P<name>[^=]*?)\s*=\s?(?P<value>.*)$')
_CONTROL = re.compile(r'[\x00-\x1f\x7f]')
# Values net would refuse for numeric types (Samba's own checks are laxer for P_INTEGER: atoi takes "5x" as 5).
_NUMBER_FORMATS = {
    'P_INTEGER': (re.compile(r'^[+-]?[0-9]+$'), 'a whole number (for example 10)'),
    'P_OCTAL': (re.compile(r'^[0-7]+$'), "an octal number (for example '0644', quoted)"),
    'P_BYTES': (re.compile(r'^[0-9]+ ?[KMGTPkmgtp]?$'), 'a size in bytes (for example 65536 or 64K)'),
}


class ShareError(CtdbError):
    """A share or its parameters that cannot be managed as given; the message says how to fix it."""


class Param(NamedTuple):
    """One parameter of Samba's table (``testparm --show-all-parameters``)."""

    name: str               # as Samba spells it
    type: str               # P_BOOL, P_BOOLREV, P_STRING, P_ENUM, P_LIST, ...
    context: str            # 'local' (may be set in a share) or 'global'
    canonical: str          # the parameter a synonym stands for, else name
    inverse: bool           # an inverse synonym (writeable = not read only)
    enum: Tuple[str, ...]   # the values of a P_ENUM
    deprecated: bool


# {key(name): Param}
Table = Dict[str, Param]
# A share's parameters in the registry, in net's order: [(name as stored, value)]
Stored = List[Tuple[str, str]]


class Step(NamedTuple):
    """One ``net conf`` command of a plan: its arguments after ``net conf``, and what it does in words."""

    args: List[str]
    what: str


def key(name: str) -> str:
    """A parameter name as Samba compares it: lower case, no whitespace."""
    return re.sub(r'\s+', '', name).lower()


def parse_parameter_table(text: str) -> Table:
    """``testparm --show-all-parameters`` -> {key: Param}; ValueError on a line it does not understand.

    The output is a ``[local]`` section (parameters a share may set, also allowed in [global] as
    defaults) then ``[global]`` (global only); each line ``name=P_TYPE,[ENUM|VALUES,]FLAGS`` with an
    optional ``(synonyms: a, b[i])``, ``(synonym of X)`` or ``(inverse synonym of X)``.
    """
    table: Table = {}
    context = None
    for number, line in enumerate(text.splitlines(), 1):
        line = line.rstrip()
        if not line:
            continue
        if line in ('[local]', '[global]'):
            context = line[1:-1]
            continue
        match = _TABLE_LINE.match(line)
        if not match or context is None:
            raise ValueError('line %d of the parameter table is not "name=P_TYPE,...": %r' % (number, line))
        name, ptype, rest, note = match.group('name').strip(), match.group('type'), match.group('rest'), \
            match.group('note') or ''
        tokens = [token for token in rest.split(',') if token]
        flags = [token for token in tokens if token.startswith('FLAG_')]
        values = ','.join(token for token in tokens if not token.startswith('FLAG_'))
        canonical, inverse = name, False
        synonym = _SYNONYM_OF.match(note)
        if synonym:
            canonical, inverse = synonym.group('target').strip(), bool(synonym.group('inverse'))
        table[key(name)] = Param(name=name, type=ptype, context=context, canonical=canonical, inverse=inverse,
                                 enum=tuple(values.split('|')) if ptype == 'P_ENUM' and values else (),
                                 deprecated='FLAG_DEPRECATED' in flags)
    if not table:
        raise ValueError('the parameter table is empty')
    return table


def parse_listshares(text: str) -> List[str]:
    """``net conf listshares`` -> the section names, one a line (``global`` too when the registry has one)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def parse_showshare(text: str) -> Tuple[str, Stored]:
    """``net conf showshare NAME`` -> (the share's name as stored, [(parameter, value)]).

    ``[NAME]`` then one ``\\tname = value`` a line; a value keeps its inner spaces and may be empty.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or not lines[0].startswith('[') or not lines[0].rstrip().endswith(']'):
        raise ValueError('net conf showshare printed no [section] header: %r' % text[:200])
    name = lines[0].strip()[1:-1]
    stored: Stored = []
    for line in lines[1:]:
        match = _PARAM_LINE.match(line)
        if not match:
            raise ValueError('net conf showshare printed a line that is not "name = value": %r' % line)
        stored.append((match.group('name'), match.group('value')))
    return name, stored


def find_share(name: str, shares: Sequence[str]) -> Optional[str]:
    """The registry's spelling of share ``name`` (share names are case-insensitive), or None."""
    for share in shares:
        if share.lower() == name.lower():
            return share
    return None


def check_name(name: str) -> str:
    """A share name net and smb.conf accept, or ShareError."""
    fix = 'give a share name such as data or team_files'
    if not name or not name.strip():
        raise ShareError('name is empty: %s' % fix)
    if name != name.strip():
        raise ShareError('name=%r begins or ends with whitespace: %s, without it' % (name, fix))
    if name.lower() in RESERVED_SHARES:
        raise ShareError('name=%s is the [global] section, not a share: set global parameters in smb.conf '
                         '(or with net conf setparm global), and %s' % (name, fix))
    if _CONTROL.search(name):
        raise ShareError('name=%r has a control character: %s' % (name, fix))
    bad = sorted(set(char for char in name if char in INVALID_SHARE_CHARS))
    if bad:
        raise ShareError('name=%s has characters a share name cannot have (%s): %s' % (name, ' '.join(bad), fix))
    if len(name) > MAX_SHARE_NAME:
        raise ShareError('name=%s is %d characters long: give a share name of at most %d'
                         % (name, len(name), MAX_SHARE_NAME))
    return name


def is_parametric(name: str) -> bool:
    """``prefix:option`` (``fruit:metadata``, ``acl_xattr:ignore system acls``): Samba takes any of these."""
    prefix, colon, option = name.partition(':')
    return bool(colon and prefix.strip() and option.strip())


def _bool_word(value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ShareError('%s=%r is not a boolean: give yes or no (true/false)' % (what, value))


def render_value(param: Optional[Param], name: str, value: Any) -> str:
    """A value of ``parameters`` as smb.conf text: booleans yes/no, lists space-separated, numbers as such."""
    what = 'parameters[%s]' % name
    if value is None:
        raise ShareError('%s has no value: give one, or leave the parameter out (purge_parameters=true removes '
                         'parameters not listed)' % what)
    if isinstance(value, dict):
        raise ShareError('%s is a mapping: give a string, a number, a boolean or a list' % what)
    if isinstance(value, (list, tuple)):
        items = [str(item) for item in value]
        for item in items:
            if not item or re.search(r'[\s,]', item):
                raise ShareError('%s: list item %r is empty or has a space or a comma, which Samba would read as '
                                 'a separator: give one word per item' % (what, item))
        text = ' '.join(items)
    elif isinstance(value, bool):
        text = 'yes' if value else 'no'
    elif isinstance(value, int) and param is not None and param.type == 'P_OCTAL':
        text = '0%o' % value  # YAML 0644 arrives as the number 420
    else:
        text = str(value)
    if _CONTROL.search(text):
        raise ShareError('%s=%r has a control character (a newline, a tab): give the value on one line' % (what, text))
    if text != text.strip():
        raise ShareError('%s=%r begins or ends with whitespace, which smb.conf drops: give it without' % (what, text))
    if param is not None and param.type in ('P_BOOL', 'P_BOOLREV'):
        _bool_word(value, what)
    if param is not None and param.type in _NUMBER_FORMATS and not _NUMBER_FORMATS[param.type][0].match(text):
        wants = _NUMBER_FORMATS[param.type][1]
        raise ShareError('%s=%s is not %s, which Samba wants for %s' % (what, text, wants, param.name))
    if param is not None and param.enum and text.lower() not in [word.lower() for word in param.enum]:
        raise ShareError('%s=%s is not one of the values Samba accepts: %s' % (what, text, ', '.join(param.enum)))
    return text


def desired_parameters(parameters: Optional[Mapping[str, Any]], table: Table) -> Dict[str, Tuple[str, str]]:
    """``parameters`` checked against Samba's table -> {key: (canonical name, value)}.

    Synonyms become their canonical parameter (``browsable`` -> ``browseable``), an inverse synonym
    its negated value (``writeable: yes`` -> ``read only = no``), as net setparm itself stores them.
    """
    out: Dict[str, Tuple[str, str]] = {}
    given: Dict[str, str] = {}
    for name, value in (parameters or {}).items():
        name = str(name)
        if not name.strip() or _CONTROL.search(name) or '=' in name or '[' in name or ']' in name:
            raise ShareError('parameters: %r is not a parameter name: give names such as "read only" or '
                             '"vfs objects"' % (name,))
        if is_parametric(name):
            canonical, param = ' '.join(name.split()), None
        else:
            param = table.get(key(name))
            if param is None:
                raise ShareError('parameters[%s]: Samba has no such parameter (testparm --show-all-parameters lists '
                                 'them; a module option is written prefix:option): check the spelling' % name)
            main = table.get(key(param.canonical), param)
            if param.context == 'global' or main.context == 'global':
                raise ShareError('parameters[%s] is a global parameter, not a share one: set it in the [global] '
                                 'section of smb.conf' % name)
            if key(main.name) in OWN_OPTIONS:
                raise ShareError('parameters[%s]: give the share\'s directory with the path option, not in '
                                 'parameters' % name)
            if key(main.name) in REGISTRY_FORBIDDEN:
                raise ShareError('parameters[%s]: Samba does not allow %s in the registry configuration: put it in '
                                 'smb.conf' % (name, main.name))
            canonical = main.name
        text = render_value(param, name, value)
        if param is not None and param.inverse:
            text = 'no' if _bool_word(value, 'parameters[%s]' % name) else 'yes'
        if key(canonical) in given:
            raise ShareError('parameters: %s and %s are the same Samba parameter (%s): give it once'
                             % (given[key(canonical)], name, canonical))
        given[key(canonical)] = name
        out[key(canonical)] = (canonical, text)
    return out


def same_value(param: Optional[Param], current: str, wanted: str) -> bool:
    """Whether two values mean the same to Samba: booleans by meaning, enums case-insensitively."""
    if param is not None and param.type in ('P_BOOL', 'P_BOOLREV'):
        try:
            return _bool_word(current, '') == _bool_word(wanted, '')
        except ShareError:
            return current == wanted
    if param is not None and param.enum:
        return current.lower() == wanted.lower()
    return current == wanted


def _stored_param(table: Table, name: str) -> Tuple[str, Optional[Param]]:
    """(key, Param of the canonical parameter) of a name as the registry holds it."""
    param = table.get(key(name))
    if param is None:
        return key(name), None
    main = table.get(key(param.canonical), param)
    return key(main.name), main


def _set(share: Stored, name: str, value: str, table: Table) -> Stored:
    """``net conf setparm``: the parameter, under any spelling, removed, then appended (net's order)."""
    wanted = _stored_param(table, name)[0]
    return [(stored, old) for stored, old in share if _stored_param(table, stored)[0] != wanted] + [(name, value)]


class Plan(NamedTuple):
    steps: List[Step]
    after: Optional[Stored]   # the share after the steps, None when it is gone


def plan(name: str, current: Optional[Stored], state: str, table: Table, path: Optional[str] = None,
         wanted: Optional[Mapping[str, Tuple[str, str]]] = None, purge: bool = False) -> Plan:
    """The ``net conf`` commands from ``current`` (None: no such share) to what is wanted, and the share after.

    ``wanted`` is :func:`desired_parameters`' result. A new share is made with ``addshare NAME PATH
    writeable=y|N guest_ok=y|N``, which also sets ``read only`` and ``guest ok`` (from ``wanted``, else
    Samba's defaults); ``purge`` then removes them unless wanted, as any parameter not listed.
    """
    wanted = wanted or {}
    if state == 'absent':
        if current is None:
            return Plan([], None)
        return Plan([Step(['delshare', name], 'deleted share %s' % name)], None)
    steps: List[Step] = []
    if current is None:
        if not path:
            raise ShareError('share %s does not exist: give path (its directory) to create it' % name)
        share = _create(name, path, wanted, steps)
    else:
        share = list(current)
        if path and _values(share, table).get('path') != path:
            steps.append(Step(['setparm', name, 'path', path], 'set path'))
            share = _set(share, 'path', path, table)
    have = _values(share, table)
    for wanted_key, (canonical, value) in wanted.items():
        if wanted_key in have and same_value(table.get(wanted_key), have[wanted_key], value):
            continue
        steps.append(Step(['setparm', name, canonical, value], 'set %s' % canonical))
        share = _set(share, canonical, value, table)
    if purge:
        for stored, dummy in list(share):
            stored_key = _stored_param(table, stored)[0]
            if stored_key not in wanted and stored_key not in OWN_OPTIONS:
                steps.append(Step(['delparm', name, stored], 'removed %s' % stored))
                share = [(other, value) for other, value in share if other != stored]
    return Plan(steps, share)


def _values(share: Stored, table: Table) -> Dict[str, str]:
    """{key of the canonical parameter: value} of a share."""
    return dict((_stored_param(table, stored)[0], value) for stored, value in share)


def _create(name: str, path: str, wanted: Mapping[str, Tuple[str, str]], steps: List[Step]) -> Stored:
    """``net conf addshare``, with ``read only`` and ``guest ok`` as wanted (else Samba's defaults): the new share."""
    writeable = key('read only') in wanted and not _bool_word(wanted[key('read only')][1], 'read only')
    guest = key('guest ok') in wanted and _bool_word(wanted[key('guest ok')][1], 'guest ok')
    steps.append(Step(['addshare', name, path, 'writeable=%s' % ('y' if writeable else 'N'),
                       'guest_ok=%s' % ('y' if guest else 'N')], 'created share %s' % name))
    return [('path', path), ('guest ok', 'yes' if guest else 'no'), ('read only', 'no' if writeable else 'yes')]


def render_share(name: str, share: Optional[Stored]) -> str:
    """The share as smb.conf text (``net conf showshare``'s format), or '' for no share."""
    if share is None:
        return ''
    return '[%s]\n%s' % (name, ''.join('\t%s = %s\n' % (param, value) for param, value in share))


def check_share_path(path: str, path_real: str, dfs_path: str, dfs_real: str, is_dir: bool) -> None:
    """The share's directory: it exists, and is dfs_path or lies below it once links and .. are resolved."""
    if not is_dir:
        raise ShareError('path=%s does not exist or is not a directory: create it on the distributed filesystem '
                         'first (ansible.builtin.file state=directory, run once)' % path)
    if path_real != dfs_real and not path_real.startswith(dfs_real.rstrip('/') + '/'):
        where = path if path_real == path else '%s (really %s)' % (path, path_real)
        raise ShareError('path=%s is not on the distributed filesystem dfs_path=%s: every node must see the share\'s '
                         'files, so give a directory under %s' % (where, dfs_path, dfs_path))


def check_path_syntax(path: str) -> str:
    """An absolute path with no control character, normalised (``//a/./b/`` -> ``/a/b``)."""
    if not path.startswith('/'):
        raise ShareError('path=%s is a relative path: give the absolute path of the share\'s directory, under '
                         'dfs_path' % path)
    if _CONTROL.search(path):
        raise ShareError('path=%r has a control character: give the directory\'s path on one line' % path)
    parts: List[str] = []
    for part in path.split('/'):
        if part in ('', '.'):
            continue
        if part == '..':
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return '/' + '/'.join(parts)
