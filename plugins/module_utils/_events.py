# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CTDB legacy event scripts: names, the ``ctdb event script list`` output, and plans.

Pure code, no I/O. How CTDB 4.x decides (ctdb/event/event_tool.c, checked against
ctdb 4.17 in test mode):

* shipped scripts live in ``DATADIR/events/legacy/NN.name.script`` (``/usr/share/ctdb``,
  or ``$CTDB_BASE/share`` when ``CTDB_TEST_MODE`` is set);
* eventd runs ``$CTDB_BASE/events/legacy/NN.name.script`` when it is executable through
  ``stat()`` (so a dangling link is *not* enabled); ``enable`` makes a
  link to the shipped script, or adds the execute bits to a regular file there (a local
  script such as ``02.local``); ``disable`` removes the link, or clears the execute bits;
* ``ctdb event script list legacy`` prints every shipped script (``*`` when enabled),
  a blank line, then the scripts found only in ``$CTDB_BASE/events/legacy``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, TypedDict, cast

from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError

# The REST API's services and the script that serves each.
SERVICES = {
    'samba': '50.samba',
    'nfs': '60.nfs',
    'winbind': '49.winbind',
}


class EventsError(CtdbError):
    """An event script request or listing this module cannot use, with the fix in the message."""


class Script(TypedDict):
    """An entry of ``ctdb event script list legacy``: ``shipped`` False for a local script."""
    name: str
    enabled: bool
    shipped: bool


SCRIPT_SUFFIX = '.script'
# event_script.c: fnmatch("[0-9][0-9].*.script")
_FILE_RE = re.compile(r'^[0-9]{2}\..*\.script$', re.S)


def script_name(filename: str) -> Optional[str]:
    """``50.samba.script`` -> ``50.samba``; None for a file CTDB would not run as a script."""
    if not _FILE_RE.match(filename):
        return None
    return filename[:-len(SCRIPT_SUFFIX)]


def resolve(requested: Optional[str], available: Iterable[str]) -> str:
    """The script name for a service (``samba``), a script (``10.interface``,
    ``10.interface.script``) or an unambiguous bare name (``interface``).

    ``available`` is the list of script names that exist (shipped or local). Raises
    EventsError naming the value and listing the available names, with ``available`` in its data.
    """
    value = (requested or '').strip()
    listed = list(available)
    names = sorted(set(listed))
    key = value.lower()
    if key in SERVICES:
        name = SERVICES[key]
        if name in names:
            return name
        raise EventsError('service %r is the event script %s, which is not installed on this node; '
                          'available scripts: %s' % (requested, name, ', '.join(names) or 'none'), available=listed)
    if value.endswith(SCRIPT_SUFFIX):
        value = value[:-len(SCRIPT_SUFFIX)]
    if value in names:
        return value
    # a listed name without a dot (a local entry printed as is) has no bare part to match
    matches = [n for n in names if '.' in n and n.split('.', 1)[1] == value]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise EventsError('%r is ambiguous: it could be %s; give the full script name' % (requested, ' or '.join(matches)),
                          available=listed)
    raise EventsError('unknown event script %r: available scripts are %s (or the services %s)'
                      % (requested, ', '.join(names) or 'none', ', '.join(sorted(SERVICES))), available=listed)


def parse_script_list(text: str) -> List[Script]:
    """Parse ``ctdb event script list legacy``.

    Returns a list of dicts ``{name, enabled, shipped}`` in the order printed: shipped
    scripts first, then (after the blank line) the local ones. Lines that are neither are
    ignored. An empty text is an empty list (no shipped and no local scripts); a text
    with no script line at all raises CtdbError.
    """
    scripts: List[Script] = []
    shipped = True
    seen_any = False
    for line in text.splitlines():
        if not line.strip():
            if seen_any:
                shipped = False
            continue
        m = re.match(r'^([* ]) (\S+)\s*$', line)
        if not m:
            continue
        seen_any = True
        scripts.append({'name': m.group(2), 'enabled': m.group(1) == '*', 'shipped': shipped})
    if not scripts and text.strip():
        raise EventsError('no event scripts in the output of ctdb event script list: %r' % (text[:200],))
    return scripts


def scripts_from_files(data_dir: str, data_files: Iterable[str], etc_entries: Mapping[str, Mapping[str, Any]]) -> List[Script]:
    """The list ``ctdb event script list legacy`` prints, computed from the directories.

    data_dir: the real path of the shipped directory (ctdb compares link targets with it).
    data_files: file names in it.
    etc_entries: {file name: {'type': 'link'|'file'|'dir'|'other', 'link': readlink text or
    None, 'executable': stat() (following links) works and the owner execute bit is set}}
    for ``$CTDB_BASE/events/legacy``, as _files.observe_dir returns it.

    As in event_tool.c: a shipped script is enabled when the local entry of the same name
    is a link whose text is exactly ``data_dir/NAME.script``; every other local entry
    (a regular file, a link elsewhere, a dangling link) is listed after the shipped ones,
    enabled when executable. Returns the same shape as parse_script_list.
    """
    shipped = sorted(n for n in (script_name(f) for f in data_files) if n)
    local: Dict[str, Mapping[str, Any]] = {}
    info: Optional[Mapping[str, Any]]
    for filename, info in etc_entries.items():
        name = script_name(filename)
        if name:
            local[name] = info
    out: List[Script] = []
    matched = set()
    for name in shipped:
        info = local.get(name)
        enabled = bool(info and info.get('link') == '%s/%s%s' % (data_dir, name, SCRIPT_SUFFIX))
        if enabled:
            matched.add(name)
        out.append({'name': name, 'enabled': enabled, 'shipped': True})
    out.extend({'name': n, 'enabled': bool(local[n].get('executable')), 'shipped': False}
               for n in sorted(local) if n not in matched)
    return out


def render_script_list(scripts: Iterable[Script]) -> str:
    """Render a list exactly as ``ctdb event script list legacy`` prints it (4.17: no padding)."""
    shipped = ['%s %s' % ('*' if s['enabled'] else ' ', s['name']) for s in scripts if s['shipped']]
    local = ['%s %s' % ('*' if s['enabled'] else ' ', s['name']) for s in scripts if not s['shipped']]
    # the blank line only separates two non-empty lists, as in event_tool.c
    lines = shipped + ([''] if shipped and local else []) + local
    return ''.join(line + '\n' for line in lines)


def enabled_names(scripts: Iterable[Script]) -> List[str]:
    """Names of the scripts eventd runs (a name listed twice counts once), in list order."""
    out = []
    for s in scripts:
        if s['enabled'] and s['name'] not in out:
            out.append(s['name'])
    return out


def is_enabled(scripts: Iterable[Script], name: str) -> bool:
    return any(s['enabled'] for s in scripts if s['name'] == name)


def plan(scripts: Sequence[Script], requested: Iterable[str], state: str) -> Tuple[List[str], List[str]]:
    """Decide what to change.

    scripts: the current list (parse_script_list / scripts_from_files).
    requested: names as the user gave them (services, script names).
    state: 'enabled' or 'disabled'.
    Returns ``(names, changes)``: the resolved names (in order, no duplicates) and the
    list of names whose state must change. Raises EventsError for an unknown name or state, with
    ``available`` (every script name, once, in the order listed) in its data.
    """
    available = list(dict.fromkeys(s['name'] for s in scripts))
    if state not in ('enabled', 'disabled'):
        raise EventsError('state must be enabled or disabled, not %r' % (state,), available=available)
    names: List[str] = []
    for item in requested:
        name = resolve(item, available)
        if name not in names:
            names.append(name)
    want = state == 'enabled'
    changes = [n for n in names if is_enabled(scripts, n) != want]
    return names, changes


def file_action(name: str, state: str, currently_enabled: bool, etc_entry: Optional[Mapping[str, Any]],
                shipped: bool) -> str:
    """How to bring ``$CTDB_BASE/events/legacy/NAME.script`` to ``state`` by hand.

    currently_enabled: is_enabled() of the current list. etc_entry: the entry as in
    scripts_from_files, or None when missing. shipped: whether NAME.script is in the shipped
    directory. Returns one of ``none``, ``link`` (create the link to the shipped script),
    ``relink`` (replace a dangling or non-executable link by one to the shipped script),
    ``chmod+x``, ``chmod-x``, ``unlink``: what ``ctdb event script enable|disable`` does,
    except ``relink`` (ctdb leaves such a link in place and reports success).
    Raises CtdbError when it cannot be done.
    """
    want = state == 'enabled'
    if currently_enabled == want:
        return 'none'
    kind = etc_entry.get('type') if etc_entry else None
    if want:
        if kind is None:
            if not shipped:
                raise EventsError('event script %s is not shipped with CTDB and has no local file: nothing to enable' % name)
            return 'link'
        if kind == 'link':
            if not shipped:
                raise EventsError('%s%s is a link to nothing runnable and %s is not shipped with CTDB: fix or remove the link'
                                  % (name, SCRIPT_SUFFIX, name))
            return 'relink'
        if kind == 'file':
            return 'chmod+x'
    else:
        if kind == 'link':
            return 'unlink'
        if kind == 'file':
            return 'chmod-x'
    raise EventsError('%s%s is neither a file nor a link: remove it first' % (name, SCRIPT_SUFFIX))


def apply_plan(scripts: Iterable[Script], changes: Iterable[str], state: str) -> List[Script]:
    """The list as it will be after ``changes`` are brought to ``state`` (for check mode and diff)."""
    want = state == 'enabled'
    out = [cast(Script, dict(s)) for s in scripts]
    for name in changes:
        entries = [s for s in out if s['name'] == name]
        shipped = [s for s in entries if s['shipped']]
        if want and shipped:
            # the link to the shipped script replaces whatever local entry was there
            shipped[0]['enabled'] = True
            out = [s for s in out if s['name'] != name or s['shipped']]
        else:
            for s in entries:
                s['enabled'] = want
    return out
