# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``ctdb status`` / ``ctdb nodestatus`` output -> plain data, for every Samba era.

Pure functions only: text in, dicts and lists out; no AnsibleModule, no I/O.

Formats read (see ctdb/tools/ctdb.c, print_nodemap / print_status / print_nodemap_machine):

* text: ``Number of nodes:N [(including D deleted nodes)]``, ``pnn:N ADDR FLAGS [(THIS NODE)]``
  (``vnn:`` in the oldest releases), ``Generation:G|INVALID``, ``Size:S``, ``hash:H lmaster:L``,
  ``Recovery mode:NORMAL (0)|RECOVERY (1)``, ``Leader:N|UNKNOWN`` (Samba >= 4.16) or
  ``Recovery master:N`` (older). ``ctdb nodestatus`` prints the same node lines, with the
  header only for ``all``.
* machine readable (``-X``, or ``-Y`` / ``-x SEP``): a header row naming the columns, the
  separator being the row's first character. Columns are read by name because Samba 4.17
  added ``Unknown`` in the middle of the row.
* ``--json`` (Samba master after 4.24 only): no module asks for it yet; its reader is in
  tests/support/ctdbtest/reference.py.

The text and ``-X`` node tables carry the same information: ctdb prints ``PARTIALLYONLINE``
only for a node with no other flag set, and every ``-X`` column has a text flag word. So the
typed view can be built from the text alone; the table is a fallback for lines the text
parser cannot read.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
from typing import Any, Callable, Collection, Dict, Iterable, List, Optional, Sequence, Tuple, TypedDict, Union, cast

# Node flag bits (ctdb/protocol/protocol.h): the one place they are written down. UNKNOWN is
# the tool-side pseudo flag of 4.17+.
NODE_FLAGS_DISCONNECTED = 0x01
NODE_FLAGS_UNHEALTHY = 0x02
NODE_FLAGS_DISABLED = 0x04
NODE_FLAGS_BANNED = 0x08
NODE_FLAGS_DELETED = 0x10
NODE_FLAGS_STOPPED = 0x20
NODE_FLAGS_UNKNOWN = 0x40
# Flags an administrator sets on purpose (ctdb disable / stop / ban), as opposed to faults.
NODE_FLAGS_ADMINISTRATIVE = NODE_FLAGS_DISABLED | NODE_FLAGS_STOPPED | NODE_FLAGS_BANNED
# The administrative states a health judgement accepts: DISABLED and STOPPED are only ever set by
# an administrator (ctdb disable / stop, or "start as disabled|stopped"). BANNED is not among them:
# ctdbd also bans a node itself (a node that keeps failing recoveries), so a ban counts as a fault.
# Order: the state a node with several of these flags is reported in.
ADMIN_OUT_STATES = (('STOPPED', 'stopped'), ('DISABLED', 'disabled'))
FLAG_BITS = {
    'DISCONNECTED': NODE_FLAGS_DISCONNECTED,
    'UNHEALTHY': NODE_FLAGS_UNHEALTHY,
    'DISABLED': NODE_FLAGS_DISABLED,
    'BANNED': NODE_FLAGS_BANNED,
    'DELETED': NODE_FLAGS_DELETED,
    'STOPPED': NODE_FLAGS_STOPPED,
    'UNKNOWN': NODE_FLAGS_UNKNOWN,
}
# Words that carry no bit of their own: INACTIVE is derived, PARTIALLYONLINE is computed
# by the tool from the node's interfaces.
DERIVED_FLAGS = ('INACTIVE', 'PARTIALLYONLINE')
# The order ctdb prints flag words in.
FLAG_ORDER = ('DISCONNECTED', 'UNKNOWN', 'DISABLED', 'BANNED', 'UNHEALTHY', 'DELETED',
              'STOPPED', 'INACTIVE', 'PARTIALLYONLINE')
KNOWN_FLAGS = frozenset(FLAG_ORDER)

# -X column name -> flag word.
MACHINE_COLUMNS = {
    'Disconnected': 'DISCONNECTED',
    'Unknown': 'UNKNOWN',
    'Banned': 'BANNED',
    'Disabled': 'DISABLED',
    'Unhealthy': 'UNHEALTHY',
    'Deleted': 'DELETED',
    'Stopped': 'STOPPED',
    'Inactive': 'INACTIVE',
    'PartiallyOnline': 'PARTIALLYONLINE',
}

UNKNOWN_PNN = 0xFFFFFFFF

_RE_NUM_NODES = re.compile(r'^Number of nodes:\s*(\d+)(?:\s+\(including (\d+) deleted nodes?\))?$')
_RE_NODE = re.compile(r'^(?:pnn|vnn):(\d+)\s+(\S+)\s+([A-Za-z|_-]+)(\s+\(THIS NODE\))?$')
_RE_GENERATION = re.compile(r'^Generation:\s*(\d+|INVALID)$')
_RE_SIZE = re.compile(r'^Size:\s*(\d+)$')
_RE_HASH = re.compile(r'^hash:\s*(\d+)\s+lmaster:\s*(-?\d+)$')
_RE_RECMODE = re.compile(r'^Recovery mode:\s*([A-Z]+)\s+\((\d+)\)$')
_RE_LEADER = re.compile(r'^(Leader|Recovery master):\s*(-?\d+|UNKNOWN)$')
_RE_NODE_PREFIX = re.compile(r'^(?:pnn|vnn):')


class Node(TypedDict):
    """One node of the typed view: flags in ctdb's order, ``status`` the flag word (``OK`` for none)."""
    pnn: int
    address: str
    flags: List[str]
    status: str
    this_node: bool
    healthy: bool
    admin_state: str
    faults: List[str]


class VnnSlot(TypedDict):
    hash: int
    lmaster: int


class StatusFields(TypedDict):
    """What the parsers read from the output, before :func:`cluster_view` completes it."""
    node_count: Optional[int]
    deleted_nodes: int
    nodes: List[Node]
    generation: Optional[int]
    generation_valid: Optional[bool]
    vnn_map_size: Optional[int]
    vnn_map: List[VnnSlot]
    recovery_mode: Optional[str]
    recovery_mode_code: Optional[int]
    leader: Optional[int]
    leader_source: Optional[str]


class AdminOut(TypedDict):
    pnn: int
    address: str
    state: str


class ClusterView(StatusFields):
    """The typed cluster view (see :func:`cluster_view`): what _cluster.read_status returns and modules report."""
    pnn: Optional[int]
    problems: List[str]
    healthy: bool
    admin_out: List[AdminOut]
    faults: List[str]
    healthy_in_service: bool


class StatusParse(TypedDict):
    """What :func:`parse_status_text` returns: the REST API's shape (strings) and the typed view."""
    parsed: Dict[str, Any]
    cluster: ClusterView


class MachineStatus(TypedDict):
    """What :func:`parse_status_machine` returns."""
    columns: List[str]
    nodes: List[Node]
    unparsable: List[str]


# match.groups() of a line's regex: strings, None for an optional group that did not match.
Groups = Tuple[Any, ...]


def parse_version(text: Optional[str]) -> Optional[Tuple[int, ...]]:
    """``ctdb version`` output (``4.17.12-Debian``) -> ``(4, 17, 12)``; None when no version is found."""
    match = re.search(r'(\d+)\.(\d+)(?:\.(\d+))?', text or '')
    if not match:
        return None
    return tuple(int(part) for part in match.groups(default='0'))


def flag_names(mask: int) -> List[str]:
    """Node flag bits -> flag words in ctdb's order (the inverse of :func:`flags_mask`)."""
    return [name for name in FLAG_ORDER if name in FLAG_BITS and mask & FLAG_BITS[name]]


def _pnn_or_none(value: Union[str, int, None]) -> Optional[int]:
    """A PNN printed by ctdb -> int, or None for UNKNOWN / -1 / CTDB_UNKNOWN_PNN."""
    if value is None or value == 'UNKNOWN':
        return None
    number = int(value)
    if number < 0 or number == UNKNOWN_PNN:
        return None
    return number


def flags_mask(flags: Iterable[str]) -> int:
    """Flag words -> the node flag bits they stand for (derived words add nothing).

    For ``ctdb nodestatus`` this is its exit status (OR over the nodes shown).
    """
    mask = 0
    for flag in flags:
        mask |= FLAG_BITS.get(flag, 0)
    return mask


def split_flag_word(word: str) -> List[str]:
    """``DISCONNECTED|INACTIVE`` -> ``['DISCONNECTED', 'INACTIVE']``; ``OK`` -> ``[]``."""
    if word == 'OK':
        return []
    return [part for part in word.split('|') if part]


def node_admin_state(flags: Collection[str]) -> str:
    """``stopped``, ``disabled`` (taken out of service by an administrator) or ``enabled``."""
    for flag, state in ADMIN_OUT_STATES:
        if flag in flags:
            return state
    return 'enabled'


def node_faults(flags: Iterable[str]) -> List[str]:
    """The flags of a node that are not an administrator's doing.

    INACTIVE is left out: ctdb derives it from STOPPED, BANNED or DISCONNECTED, which tell the cause.
    """
    admin = set(flag for flag, _state in ADMIN_OUT_STATES)
    return [flag for flag in flags if flag not in admin and flag != 'INACTIVE']


def _node(pnn: int, address: str, flags: Sequence[str], this_node: object) -> Node:
    return {
        'pnn': pnn,
        'address': address,
        'flags': list(flags),
        'status': '|'.join(flags) if flags else 'OK',
        'this_node': bool(this_node),
        'healthy': not flags,
        'admin_state': node_admin_state(flags),
        'faults': node_faults(flags),
    }


def _empty_status() -> Tuple[Dict[str, Any], StatusFields]:
    """The (API shape, typed view) of a status with no line read yet."""
    parsed: Dict[str, Any] = {'numOfNodes': None, 'nodes': [], 'generation': None, 'size': None, 'recoveryMode': None,
                              'recoveryMaster': None, 'hash': None, 'unparsable': []}
    typed: StatusFields = {'node_count': None, 'deleted_nodes': 0, 'nodes': [], 'generation': None, 'generation_valid': None,
                           'vnn_map_size': None, 'vnn_map': [], 'recovery_mode': None, 'recovery_mode_code': None,
                           'leader': None, 'leader_source': None}
    return parsed, typed


def _node_line(groups: Groups, parsed: Dict[str, Any], typed: StatusFields) -> None:
    pnn, address, word, this = groups
    parsed['nodes'].append({'pnn': pnn, 'address': address, 'status': word})
    typed['nodes'].append(_node(int(pnn), address, split_flag_word(word), this))


def _count_line(groups: Groups, parsed: Dict[str, Any], typed: StatusFields) -> None:
    parsed['numOfNodes'] = groups[0]
    typed['node_count'] = int(groups[0])
    typed['deleted_nodes'] = int(groups[1] or 0)


def _generation_line(groups: Groups, parsed: Dict[str, Any], typed: StatusFields) -> None:
    parsed['generation'] = groups[0]
    typed['generation_valid'] = groups[0] != 'INVALID'
    typed['generation'] = int(groups[0]) if typed['generation_valid'] else None


def _size_line(groups: Groups, parsed: Dict[str, Any], typed: StatusFields) -> None:
    parsed['size'] = groups[0]
    typed['vnn_map_size'] = int(groups[0])


def _hash_line(groups: Groups, parsed: Dict[str, Any], typed: StatusFields) -> None:
    parsed['hash'] = groups[0]
    typed['vnn_map'].append({'hash': int(groups[0]), 'lmaster': int(groups[1])})


def _recmode_line(groups: Groups, parsed: Dict[str, Any], typed: StatusFields) -> None:
    parsed['recoveryMode'] = [groups[0], groups[1]]
    typed['recovery_mode'] = groups[0]
    typed['recovery_mode_code'] = int(groups[1])


def _leader_line(groups: Groups, parsed: Dict[str, Any], typed: StatusFields) -> None:
    parsed['recoveryMaster'] = groups[1]
    typed['leader'] = _pnn_or_none(groups[1])
    typed['leader_source'] = groups[0]


# Each line kind of the text and what reads it, most frequent first.
_TEXT_LINES: Tuple[Tuple['re.Pattern[str]', Callable[[Groups, Dict[str, Any], StatusFields], None]], ...] = (
    (_RE_NODE, _node_line),
    (_RE_NUM_NODES, _count_line),
    (_RE_GENERATION, _generation_line),
    (_RE_SIZE, _size_line),
    (_RE_HASH, _hash_line),
    (_RE_RECMODE, _recmode_line),
    (_RE_LEADER, _leader_line),
)


def parse_status_text(text: Optional[str]) -> StatusParse:
    """Parse the text of ``ctdb status`` (or ``ctdb nodestatus``).

    Returns ``{'parsed': API shape, 'cluster': typed view}``:

    * ``parsed`` keeps the REST API's response shape, every value a string as the API gave
      it: ``numOfNodes``, ``nodes`` (``pnn``, ``address``, ``status``), ``generation``,
      ``size``, ``recoveryMode`` (``[name, code]``), ``recoveryMaster`` (from ``Leader:`` or
      ``Recovery master:``), ``hash`` (the index of the last ``hash:`` line) and
      ``unparsable`` (lines not understood). A field whose line is absent is None.
    * ``cluster`` is the typed view, see :func:`cluster_view`.
    """
    parsed, typed = _empty_status()
    for raw_line in (text or '').splitlines():
        line = raw_line.strip()
        if not line:
            continue
        for regex, read_line in _TEXT_LINES:
            match = regex.match(line)
            if match:
                read_line(match.groups(), parsed, typed)
                break
        else:
            parsed['unparsable'].append(raw_line)
    return {'parsed': parsed, 'cluster': cluster_view(typed)}


def parse_status_machine(text: Optional[str]) -> MachineStatus:
    """Parse ``ctdb -X status`` / ``ctdb -X nodestatus`` (any separator, any column set).

    Returns ``{'columns': [...], 'nodes': [...], 'unparsable': [...]}``; each node has
    ``pnn`` (int), ``address``, ``flags`` (words in ctdb's order), ``status``,
    ``this_node`` and ``healthy``. Columns this parser does not know are listed in
    ``columns`` and otherwise ignored. A missing ``ThisNode`` column reads as False.
    """
    result: MachineStatus = {'columns': [], 'nodes': [], 'unparsable': []}
    lines = [line.strip() for line in (text or '').splitlines() if line.strip()]
    if not lines:
        return result
    header = lines[0]
    sep = header[0]
    if sep.isalnum() or not header.endswith(sep) or len(header) < 3:
        result['unparsable'] = list(lines)
        return result
    columns = header[1:-1].split(sep)
    result['columns'] = columns
    if 'Node' not in columns or 'IP' not in columns:
        result['unparsable'] = list(lines)
        return result
    for line in lines[1:]:
        values = line[1:-1].split(sep) if line[0] == sep and line.endswith(sep) else None
        if values is None or len(values) != len(columns) or not values[columns.index('Node')].isdigit():
            result['unparsable'].append(line)
            continue
        row = dict(zip(columns, values))
        present = set(MACHINE_COLUMNS[name] for name in columns
                      if name in MACHINE_COLUMNS and row[name] == '1')
        flags = [flag for flag in FLAG_ORDER if flag in present]
        result['nodes'].append(_node(int(row['Node']), row['IP'], flags, row.get('ThisNode') == 'Y'))
    return result


def merge_machine_nodes(cluster: StatusFields, machine: MachineStatus) -> ClusterView:
    """Replace the typed nodes of ``cluster`` with those of a ``-X`` table.

    Used when the text's node lines could not all be read. Returns a new typed view.
    """
    typed = cast(StatusFields, dict(cluster))
    typed['nodes'] = [cast(Node, dict(node)) for node in machine['nodes']]
    return cluster_view(typed)


def cluster_view(typed: StatusFields) -> ClusterView:
    """Complete a typed status: this node's PNN, health and the list of problems.

    Keys: ``node_count`` (header count, deleted nodes included), ``deleted_nodes``,
    ``nodes`` (``pnn``, ``address``, ``flags``, ``status``, ``this_node``, ``healthy``),
    ``generation`` (None when INVALID), ``generation_valid``, ``vnn_map_size``, ``vnn_map``
    (``hash``, ``lmaster``), ``recovery_mode``, ``recovery_mode_code``, ``leader``,
    ``leader_source`` (``Leader`` or ``Recovery master``), ``pnn`` (this node),
    ``healthy`` and ``problems``.
    """
    view = cast(ClusterView, dict(typed))
    this = [node['pnn'] for node in view['nodes'] if node['this_node']]
    view['pnn'] = this[0] if this else None
    view['problems'] = health_problems(view)
    view['healthy'] = not view['problems']
    view['admin_out'] = [{'pnn': node['pnn'], 'address': node['address'], 'state': node['admin_state']}
                         for node in view['nodes'] if node['admin_state'] != 'enabled']
    view['faults'] = fault_problems(view)
    view['healthy_in_service'] = not view['faults']
    return view


def _recovery_mode_problems(cluster: StatusFields) -> List[str]:
    mode = cluster.get('recovery_mode')
    if mode is None:
        return ['recovery mode unknown']
    if mode != 'NORMAL':
        return ['recovery mode is %s' % mode]
    return []


def health_problems(cluster: StatusFields) -> List[str]:
    """Why a typed status is not healthy, as sentences; empty when it is healthy.

    Healthy means: at least one node, every (non-deleted) node OK, recovery mode NORMAL.
    Deleted nodes are never listed by ctdb, so they never count against health.
    """
    problems = []
    nodes = cluster.get('nodes') or []
    if not nodes:
        problems.append('no nodes in the status')
    for node in nodes:
        if node.get('flags'):
            problems.append('node %s (%s) is %s' % (node['pnn'], node['address'], '|'.join(node['flags'])))
    return problems + _recovery_mode_problems(cluster)


def fault_problems(cluster: StatusFields) -> List[str]:
    """Like :func:`health_problems`, but nodes an administrator disabled or stopped are accepted.

    Empty when every node the administrator has not taken out of service is OK, at least one node is
    in service and the recovery mode is NORMAL. A disabled or stopped node with another flag (for
    example DISABLED|UNHEALTHY) still counts, by that other flag.
    """
    problems = []
    nodes = cluster.get('nodes') or []
    if not nodes:
        problems.append('no nodes in the status')
    elif all(node_admin_state(node.get('flags') or []) != 'enabled' for node in nodes):
        problems.append('no node is in service (every node is disabled or stopped)')
    for node in nodes:
        faults = node_faults(node.get('flags') or [])
        if faults:
            problems.append('node %s (%s) is %s' % (node['pnn'], node['address'], '|'.join(node['flags'])))
    return problems + _recovery_mode_problems(cluster)


def needs_machine_readable(parse_result: StatusParse) -> bool:
    """True when the text left node lines unread or showed flag words this parser does not know."""
    if any(_RE_NODE_PREFIX.match(line.strip()) for line in parse_result['parsed']['unparsable']):
        return True
    return any(flag not in KNOWN_FLAGS for node in parse_result['cluster']['nodes'] for flag in node['flags'])
