# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CTDB's nodes file: parse it into PNN slots, plan a change that keeps every PNN, render it.

Pure functions only (no AnsibleModule, no I/O), so the rules that keep a cluster's node
numbers stable are tested on the real samples in tests/fixtures/ctdb-samples.

The rules, read from ctdb/conf/node.c and ctdb/tools/ctdb.c (check_node_file_changes):

* One address per line, leading/trailing blanks ignored, blank lines skipped.
* The PNN of a node is its position among the non-blank lines.
* EVERY line starting with ``#`` is a deleted node that keeps its PNN slot, a plain
  comment included; so this module never writes a comment line of its own.
* A removed node becomes ``#ADDR`` (its slot stays), a returning node un-comments its own
  line, a new node is appended; a live PNN never changes address.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import re
from typing import Any, Collection, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, TypedDict, cast

from ansible.module_utils.six import text_type

from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError
from ansible_collections.ctdb.cluster.plugins.module_utils._status import (
    NODE_FLAGS_DELETED,
    NODE_FLAGS_DISCONNECTED,
    flags_mask,
)


class Slot(TypedDict):
    """A PNN slot of a nodes file (see :func:`parse_nodes`)."""
    pnn: int
    lineno: int
    line: str
    deleted: bool
    address: Optional[str]


class PnnAddress(TypedDict):
    pnn: int
    address: Optional[str]


# A node of a node map: {pnn, address, flags (bits)}, and more from nodemap_from_status.
MapNode = Dict[str, Any]
# (message, pnn, event, address): a line ctdb reloadnodes prints, with its data.
Note = Tuple[str, int, str, Optional[str]]
# What one step of check_nodes_file_changes() finds: (notes, refused, reload needed).
Change = Tuple[Sequence[Note], bool, bool]

STOP_FIRST_HINT = 'stop it first (ctdb -n {pnn} shutdown, or systemctl stop ctdb on that node)'


class NodesError(CtdbError, ValueError):
    """A nodes file or a desired node list that CTDB would refuse; the message says why and what to do."""


def _blank_strip(line: str) -> str:
    return line.strip(' \t\r')


def canonical_address(value: object) -> Optional[str]:
    """The address as CTDB reads and compares it; None when CTDB would not read it as an IP address.

    CTDB parses addresses with inet_pton() (ctdb/protocol/protocol_util.c, ip_from_string()):
    an IPv6 zone (``fe80::1%eth0``) is refused, and an IPv4-mapped IPv6 address
    (``::ffff:10.0.0.1``) is read again from its text after the last ``:`` as plain IPv4, so
    it is the same node as ``10.0.0.1`` (and ``::ffff:a00:1``, whose tail is not dotted, is refused).
    IPv6 comes back compressed and in lower case.
    """
    try:
        text = text_type(value)
        if '%' in text:
            return None
        address = ipaddress.ip_address(text)
        if address.version == 6 and address.ipv4_mapped is not None:
            return text_type(ipaddress.IPv4Address(text.rsplit(':', 1)[1]))
    except ValueError:
        return None
    return text_type(address)


def _why_not_address(value: str) -> str:
    """Why ``value`` is not a node address CTDB accepts, as a fix-it sentence."""
    if value == '':
        return 'an empty string is not a node address'
    if '\x00' in value:
        return 'a node address contains no NUL byte'
    if re.search(r'\s', value):
        return 'a node address contains no blanks or comments (CTDB has no inline comments)'
    if '/' in value:
        return 'a node address has no /MASK (masks belong to public addresses, not to the nodes file)'
    zone = re.match(r'^([0-9A-Fa-f:.]+)%(.*)$', value)
    if zone and canonical_address(zone.group(1)):
        return ('CTDB refuses an IPv6 zone ("%%%s"): give a global or unique local address, not a link-local '
                'one with its interface' % zone.group(2))
    mapped = _mapped_without_dots(value)
    if mapped:
        return mapped
    port = re.match(r'^\[([0-9A-Fa-f:.]+)\]:(\d+)$', value) or re.match(r'^([0-9.]+):(\d+)$', value)
    if port and canonical_address(port.group(1)):
        return ('a node address has no port: give %s without ":%s" (CTDB uses the port of '
                'ctdb.conf, 4379 by default)' % (port.group(1), port.group(2)))
    return 'not an IPv4 or IPv6 address (host names are not allowed in the nodes file)'


def _mapped_without_dots(value: str) -> Optional[str]:
    """A fix-it sentence for an IPv4-mapped address written in hex (``::ffff:a00:1``), else None."""
    try:
        address = ipaddress.ip_address(text_type(value))
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        return ('CTDB reads an IPv4-mapped address by its dotted tail and cannot read this one: write it as %s'
                % address.ipv4_mapped)
    return None


def validate_address(value: object) -> str:
    """``value`` with blanks stripped, if it is an IPv4/IPv6 address CTDB accepts; else NodesError."""
    if not isinstance(value, text_type):
        raise NodesError('node address %r is not a string: give each node as an IPv4 or IPv6 address' % (value,))
    stripped = value.strip()
    if canonical_address(stripped) is None:
        raise NodesError('invalid node address %r: %s' % (value, _why_not_address(stripped)))
    return stripped


def parse_nodes(text: Optional[str], path: Optional[str] = None) -> List[Slot]:
    """:func:`read_nodes`; a NodesError names ``path`` (``PATH: message``, ``path`` in its data) when given."""
    try:
        return read_nodes(text)
    except NodesError as exc:
        raise exc.located(path)


def read_nodes(text: Optional[str]) -> List[Slot]:
    """A nodes file -> list of PNN slots, in PNN order.

    Each slot is ``{pnn, lineno, line, address, deleted}``: ``line`` is the file's line
    unchanged, ``address`` the node's address as written (for a deleted slot, the
    address after ``#`` when there is one, else None). Raises NodesError on a line
    CTDB would reject.
    """
    slots: List[Slot] = []
    for index, raw in enumerate((text or '').split('\n')):
        stripped = _blank_strip(raw)
        if stripped == '':
            continue
        slot: Slot = {'pnn': len(slots), 'lineno': index + 1, 'line': raw, 'deleted': False, 'address': None}
        if stripped.startswith('#'):
            slot['deleted'] = True
            candidate = stripped[1:].strip()
            if canonical_address(candidate) is not None:
                slot['address'] = candidate
        else:
            if canonical_address(stripped) is None:
                raise NodesError('line %d of the nodes file is %r: %s; CTDB cannot load this file. Fix or '
                                 'delete that line by hand (a removed node is written as #ADDR)'
                                 % (index + 1, raw, _why_not_address(stripped)))
            slot['address'] = stripped
        slots.append(slot)
    seen: Dict[Optional[str], Slot] = {}
    for slot in slots:
        if slot['deleted']:
            continue
        key = canonical_address(slot['address'])
        if key in seen:
            raise NodesError('the nodes file lists %s twice (lines %d and %d): CTDB would start two nodes with '
                             'one address. Comment out the later line by hand (#%s) so that no PNN moves'
                             % (slot['address'], seen[key]['lineno'], slot['lineno'], slot['address']))
        seen[key] = slot
    return slots


def active_nodes(slots: Iterable[Slot]) -> List[Optional[str]]:
    """Addresses of the live (not deleted) nodes, in PNN order: the REST API's GET ``nodes``."""
    return [slot['address'] for slot in slots if not slot['deleted']]


def deleted_pnns(slots: Iterable[Slot]) -> List[int]:
    return [slot['pnn'] for slot in slots if slot['deleted']]


def validate_desired(nodes: Optional[Iterable[object]]) -> List[str]:
    """The desired addresses, stripped; NodesError on a bad or duplicate address or an empty list."""
    if not nodes:
        raise NodesError('nodes is empty: a cluster needs at least one node. To remove nodes, list the ones '
                         'that stay; to read the file, leave nodes out')
    result: List[str] = []
    seen: Dict[Optional[str], object] = {}
    for value in nodes:
        address = validate_address(value)
        key = canonical_address(address)
        if key in seen:
            raise NodesError('node address %s is listed twice in nodes (as %r and %r): list every node once'
                             % (key, seen[key], value))
        seen[key] = value
        result.append(address)
    return result


def split_lines(text: Optional[str]) -> Tuple[List[str], bool]:
    """``text`` -> (its lines without line ends, whether it ended with a newline); None or '' has no line."""
    if not text:
        return [], False
    lines = text.split('\n')
    trailing = text.endswith('\n')
    if trailing:
        lines.pop()
    return lines, trailing


def _known_slots(slots: Iterable[Slot]) -> Tuple[Dict[str, Slot], Dict[str, Slot]]:
    """-> ({address: live slot}, {address: first deleted slot}), addresses canonical."""
    live: Dict[str, Slot] = {}
    comeback: Dict[str, Slot] = {}
    for slot in slots:
        key = canonical_address(slot['address']) if slot['address'] else None
        if key is None:
            continue
        if slot['deleted']:
            comeback.setdefault(key, slot)
        else:
            live[key] = slot
    return live, comeback


def _delete_and_undelete(slots: Iterable[Slot], wanted: Collection[Optional[str]], live: Mapping[str, Slot],
                         comeback: Mapping[str, Slot], lines: List[str]) -> Tuple[List[Slot], List[PnnAddress],
                                                                                  List[PnnAddress]]:
    """Comment out the live nodes not wanted, un-comment wanted deleted ones (in ``lines``, in place).

    Returns ``(new slots, removed, undeleted)``.
    """
    new_slots: List[Slot] = []
    removed: List[PnnAddress] = []
    undeleted: List[PnnAddress] = []
    for slot in slots:
        key = canonical_address(slot['address']) if slot['address'] else None
        new = cast(Slot, dict(slot))
        if not slot['deleted'] and key not in wanted:
            new.update({'deleted': True, 'line': '#' + cast(str, slot['address'])})
            removed.append({'pnn': slot['pnn'], 'address': slot['address']})
        elif slot['deleted'] and key in wanted and key not in live and comeback.get(cast(str, key)) is slot:
            new.update({'deleted': False, 'line': cast(str, slot['address'])})
            undeleted.append({'pnn': slot['pnn'], 'address': slot['address']})
        lines[slot['lineno'] - 1] = new['line']
        new_slots.append(new)
    return new_slots, removed, undeleted


def plan_nodes(text: Optional[str], nodes: Optional[Iterable[object]], path: Optional[str] = None) -> Dict[str, Any]:
    """:func:`plan_nodes_file`; a NodesError names ``path`` when given, as in :func:`parse_nodes`."""
    try:
        return plan_nodes_file(text, nodes)
    except NodesError as exc:
        raise exc.located(path)


def plan_nodes_file(text: Optional[str], nodes: Optional[Iterable[object]]) -> Dict[str, Any]:
    """Plan the nodes file that holds exactly ``nodes`` as live nodes without moving any PNN.

    Returns ``{content, slots, added, removed, undeleted}`` where ``added``, ``removed``
    and ``undeleted`` are lists of ``{pnn, address}``. ``content`` equals ``text`` when
    nothing changes. Raises NodesError when the file is invalid, an address is bad, or
    the desired order would renumber nodes.
    """
    desired = validate_desired(nodes)
    slots = read_nodes(text)
    wanted = set(canonical_address(address) for address in desired)
    live, comeback = _known_slots(slots)
    lines, trailing_newline = split_lines(text)

    new_slots, removed, undeleted = _delete_and_undelete(slots, wanted, live, comeback, lines)
    added: List[PnnAddress] = []
    placed = set(live) | set(canonical_address(entry['address']) for entry in undeleted)
    for address in desired:
        if canonical_address(address) in placed:
            continue
        new_slots.append({'pnn': len(new_slots), 'lineno': len(lines) + 1, 'line': address, 'deleted': False,
                          'address': address})
        lines.append(address)
        added.append({'pnn': len(new_slots) - 1, 'address': address})
        placed.add(canonical_address(address))

    result_order = [slot['address'] for slot in new_slots if not slot['deleted']]
    if [canonical_address(a) for a in result_order] != [canonical_address(a) for a in desired]:
        raise NodesError(_reorder_message(desired, new_slots))
    content = '\n'.join(lines) + '\n' if lines else ''
    if text and not trailing_newline and not added and content[:-1] == text:
        content = text
    return {'content': content, 'slots': new_slots, 'added': added, 'removed': removed, 'undeleted': undeleted}


def _reorder_message(desired: Iterable[str], new_slots: Iterable[Slot]) -> str:
    pnn_of = dict((canonical_address(slot['address']), slot['pnn']) for slot in new_slots if not slot['deleted'])
    listed = ', '.join('%s (PNN %d)' % (address, pnn_of[canonical_address(address)]) for address in desired)
    fixed = [cast(str, slot['address']) for slot in new_slots if not slot['deleted']]
    return ('the order of nodes would renumber the cluster: CTDB numbers nodes by their line in the nodes file, '
            'and a node keeps its PNN for life (ctdb reloadnodes refuses a live PNN that changes address; a '
            'returning node takes back its own commented line, a new node goes at the end). You gave %s. List '
            'the nodes in PNN order instead: %s' % (listed, ', '.join(fixed)))


# ---------------------------------------------------------------------------------------------
# The daemon's view and `ctdb reloadnodes`


def nodemap_from_status(cluster: Mapping[str, Any]) -> List[MapNode]:
    """The daemon's node map, deleted slots included, from a typed ``ctdb status`` view.

    ``cluster`` is ``_status.parse_status_text(text)['cluster']`` (keys ``node_count`` and
    ``nodes`` with ``pnn``, ``address``, ``flags`` as flag words). CTDB never prints a deleted
    node, so every PNN below ``node_count`` that is not listed is returned as deleted with
    address None. Returns one ``{pnn, address, flags, flag_names, this_node, deleted}`` per PNN.
    """
    listed: Dict[int, MapNode] = {}
    for node in cluster.get('nodes') or []:
        flags = flags_mask(node.get('flags') or [])
        listed[int(node['pnn'])] = {
            'pnn': int(node['pnn']), 'address': node['address'], 'flags': flags,
            'flag_names': list(node.get('flags') or []), 'this_node': bool(node.get('this_node')), 'deleted': False,
        }
    count = max([cluster.get('node_count') or 0] + [pnn + 1 for pnn in listed])
    nodes = []
    for pnn in range(count):
        nodes.append(listed.get(pnn) or {'pnn': pnn, 'address': None, 'flags': NODE_FLAGS_DELETED,
                                         'flag_names': ['DELETED'], 'this_node': False, 'deleted': True})
    return nodes


def file_nodemap(slots: Iterable[Slot]) -> List[MapNode]:
    """Slots of a parsed nodes file -> the node map CTDB builds from it (deleted slots are 0.0.0.0)."""
    return [{'pnn': slot['pnn'], 'address': '0.0.0.0' if slot['deleted'] else slot['address'],
             'flags': NODE_FLAGS_DELETED if slot['deleted'] else 0} for slot in slots]


def _same_ip(first: Optional[str], second: Optional[str]) -> bool:
    return canonical_address(first) == canonical_address(second)


# The steps of check_nodes_file_changes() return (notes, failed, reload): notes are
# (message, pnn, event, address), failed that ctdb refuses the reload, reload that it has one to do.
_NO_CHANGE = ((), False, False)


def _missing_node_change(node: MapNode) -> Change:
    """The daemon has a node the new file has no line for (a file shorter than the map)."""
    return ([('Node %d (%s) missing from nodes file' % (node['pnn'], node['address']), node['pnn'], 'MISSING',
              node['address'])], True, False)


def _live_node_change(node: MapNode, slot: MapNode) -> Change:
    """A node live in the map and in the file: the same address, or a refusal."""
    if not _same_ip(node['address'], slot['address']):
        return ([('Node %d has changed IP address (was %s, now %s)' % (node['pnn'], node['address'], slot['address']),
                  node['pnn'], 'CHANGED_ADDRESS', slot['address'])], True, False)
    if node['flags'] & NODE_FLAGS_DISCONNECTED:
        return ([('WARNING: Node %d is disconnected. You MUST fix this node manually!' % node['pnn'], node['pnn'],
                  'DISCONNECTED_WARNING', node['address'])], False, False)
    return _NO_CHANGE


def _deleted_node_change(node: MapNode) -> Change:
    """A live node whose line the new file deletes: only a DISCONNECTED node may go."""
    notes = [('Node %d is DELETED' % node['pnn'], node['pnn'], 'DELETED', node['address'])]
    if node['flags'] & NODE_FLAGS_DISCONNECTED:
        return notes, False, True
    notes.append(('ERROR: Node %d is still connected' % node['pnn'], node['pnn'], 'STILL_CONNECTED', node['address']))
    return notes, True, True


def _node_change(node: MapNode, slot: MapNode) -> Change:
    """One node of the daemon's map against its slot in the new file."""
    was_deleted = bool(node['flags'] & NODE_FLAGS_DELETED)
    now_deleted = bool(slot['flags'] & NODE_FLAGS_DELETED)
    if was_deleted and now_deleted:
        return _NO_CHANGE
    if not was_deleted and not now_deleted:
        return _live_node_change(node, slot)
    if now_deleted:
        return _deleted_node_change(node)
    return [('Node %d is UNDELETED' % node['pnn'], node['pnn'], 'UNDELETED', slot['address'])], False, True


def _new_node_changes(new_slots: Iterable[MapNode]) -> List[Note]:
    """The slots past the end of the daemon's map: new nodes (a deleted one is new too, without an address)."""
    return [('Node %d is NEW' % slot['pnn'], slot['pnn'], 'NEW', None if slot['flags'] else slot['address'])
            for slot in new_slots]


def _verdict(notes: Iterable[Note], ok: bool, reload_needed: bool, closing: Optional[str] = None) -> Dict[str, Any]:
    messages = [note[0] for note in notes] + ([closing] if closing else [])
    events = [{'pnn': pnn, 'event': event, 'address': address} for dummy, pnn, event, address in notes]
    return {'ok': ok, 'reload': reload_needed, 'messages': messages, 'events': events}


def check_nodes_file_changes(current: Sequence[MapNode], new_slots: Iterable[Slot]) -> Dict[str, Any]:
    """What ``ctdb reloadnodes`` decides for the daemon's map ``current`` and a new nodes file.

    A model of check_node_file_changes() in ctdb/tools/ctdb.c, its cases in the same order:
    each node of the map against its line in the file (_node_change), then, unless one of
    them is refused, the new lines past the map's end. ``current`` is a list of ``{pnn,
    address, flags}`` (flags with the DELETED/DISCONNECTED bits, e.g. from
    nodemap_from_status); ``new_slots`` comes from parse_nodes(). Returns ``{ok, reload,
    messages, events}``: ``messages`` are the lines ctdb prints, ``events`` the same as data
    (``{pnn, event, address}`` with event NEW, DELETED, UNDELETED, STILL_CONNECTED,
    CHANGED_ADDRESS, MISSING, DISCONNECTED_WARNING).
    """
    new = file_nodemap(new_slots)
    notes: List[Note] = []
    failed, reload_needed = False, False
    for index, node in enumerate(current):
        step = _node_change(node, new[index]) if index < len(new) else _missing_node_change(node)
        notes.extend(step[0])
        failed = failed or step[1]
        reload_needed = reload_needed or step[2]
    if failed:
        return _verdict(notes, False, reload_needed, 'ERROR: Nodes will not be reloaded due to previous error')
    added = _new_node_changes(new[len(current):])
    return _verdict(notes + added, True, reload_needed or bool(added))


def deletion_blockers(current: Sequence[MapNode], new_slots: Iterable[Slot]) -> List[Dict[str, Any]]:
    """PNNs the new file deletes while the daemon still has them connected: [{pnn, address, flag_names}]."""
    blockers = []
    for event in check_nodes_file_changes(current, new_slots)['events']:
        if event['event'] == 'STILL_CONNECTED':
            node = current[event['pnn']]
            blockers.append({'pnn': node['pnn'], 'address': node['address'],
                             'flag_names': list(node.get('flag_names') or [])})
    return blockers


def blockers_message(blockers: Iterable[Mapping[str, Any]]) -> str:
    parts = []
    for blocker in blockers:
        state = '|'.join(blocker['flag_names']) or 'OK'
        parts.append('node %s (PNN %d) is still connected (%s): %s'
                     % (blocker['address'], blocker['pnn'], state, STOP_FIRST_HINT.format(pnn=blocker['pnn'])))
    return ('refusing to reload the nodes file: CTDB only deletes a node that is DISCONNECTED; '
            + '; '.join(parts) + '. Then run this task again.')


def parse_reloadnodes_output(text: Optional[str]) -> Dict[str, Any]:
    """``ctdb reloadnodes`` output -> ``{changed, events, messages}``."""
    messages = [line for line in (text or '').splitlines() if line.strip()]
    events: List[Dict[str, Any]] = []
    for line in messages:
        match = re.match(r'^Node (\d+) is (NEW|DELETED|UNDELETED)$', line)
        if match:
            events.append({'pnn': int(match.group(1)), 'event': match.group(2)})
            continue
        match = re.match(r'^ERROR: Node (\d+) is still connected$', line)
        if match:
            events.append({'pnn': int(match.group(1)), 'event': 'STILL_CONNECTED'})
            continue
        match = re.match(r'^Node (\d+) has changed IP address', line)
        if match:
            events.append({'pnn': int(match.group(1)), 'event': 'CHANGED_ADDRESS'})
    changed = any(event['event'] in ('NEW', 'DELETED', 'UNDELETED') for event in events) and not any(
        line.startswith('ERROR:') for line in messages)
    return {'changed': changed, 'events': events, 'messages': messages}
