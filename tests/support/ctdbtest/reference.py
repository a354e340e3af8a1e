# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reference code only the tests use, kept out of plugins/module_utils.

Each function was in the module_utils file named above it and had no caller in plugins/ or roles/:
the tests use them as models (``predict_reloadnodes`` models ``ctdb reloadnodes``, ``parse_status_json``
reads the ``--json`` status of Samba master) or as helpers to check what the modules return.
"""
import contextlib
import json
import os
import shutil
import tempfile
from typing import Any, BinaryIO, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Union, cast

from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.ctdb.cluster.plugins.module_utils._conf import OPTIONS, SECTIONS, Spec, Version, option_available
from ansible_collections.ctdb.cluster.plugins.module_utils._ips import IpRow, Placement, _row, parse_ip_machine
from ansible_collections.ctdb.cluster.plugins.module_utils._log import LogEntry, Predicate, iter_lines_reverse, parse_line, timestamp_epoch
from ansible_collections.ctdb.cluster.plugins.module_utils._nodes import (
    NODE_FLAGS_DELETED, NODE_FLAGS_DISCONNECTED, MapNode, Slot, _same_ip, canonical_address, check_nodes_file_changes,
    file_nodemap)
from ansible_collections.ctdb.cluster.plugins.module_utils._public_addresses import parse_ip_all
from ansible_collections.ctdb.cluster.plugins.module_utils._status import (
    FLAG_ORDER, KNOWN_FLAGS, ClusterView, Node, StatusFields, _node, _pnn_or_none, cluster_view, health_problems,
    parse_status_text)


# from _status.py
def parse_status_json(text: str) -> ClusterView:
    """Parse ``ctdb --json status`` (Samba master after 4.24) into the typed view.

    Raises ValueError when the text is not that JSON document.
    """
    try:
        doc = json.loads(text)
        node_status = doc['node_status']
        vnn = doc.get('vnn_status') or {}
        nodes: List[Node] = []
        for key in sorted(node_status['nodes'], key=int):
            entry = node_status['nodes'][key]
            set_flags = set(name.upper() for name, value in (entry.get('flags') or {}).items() if value)
            if entry.get('partially_online'):
                set_flags.add('PARTIALLYONLINE')
            if 'DELETED' in set_flags:
                continue  # ctdb never lists deleted nodes; the count is in deleted_node_count
            flags = [flag for flag in FLAG_ORDER if flag in set_flags]
            flags.extend(sorted(set_flags - KNOWN_FLAGS))
            nodes.append(_node(int(entry['pnn']), entry['address'], flags, entry.get('this_node')))
        generation = vnn.get('generation')
        mode = doc.get('recovery_mode')
        typed: StatusFields = {
            'node_count': int(node_status['node_count']),
            'deleted_nodes': int(node_status.get('deleted_node_count') or 0),
            'nodes': nodes,
            'generation': None if generation in (None, 'INVALID') else int(generation),
            'generation_valid': None if generation is None else generation != 'INVALID',
            'vnn_map_size': vnn.get('size'),
            'vnn_map': [{'hash': int(slot['hash']), 'lmaster': int(slot['lmaster'])}
                        for slot in vnn.get('vnn_map') or []],
            'recovery_mode': mode,
            'recovery_mode_code': doc.get('recovery_mode_raw'),
            'leader': _pnn_or_none(doc.get('leader')),
            'leader_source': 'leader' if 'leader' in doc else None,
        }
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError('not the JSON of ctdb --json status: %s' % exc)
    return cluster_view(typed)


# from _status.py
def is_healthy(cluster: Union[str, StatusFields]) -> bool:
    """True when every non-deleted node is OK and the recovery mode is NORMAL.

    ``cluster`` is a typed view (the ``cluster`` key returned by ctdb_status), or the
    text of ``ctdb status`` itself. Roles use this to decide "healthy".
    """
    if isinstance(cluster, str):
        cluster = parse_status_text(cluster)['cluster']
    return not health_problems(cluster)


# from _nodes.py
def nodemaps_identical(first: Sequence[MapNode], second: Sequence[MapNode]) -> bool:
    """ctdb's nodemap_identical(): same length, and per PNN the same flags and address."""
    if len(first) != len(second):
        return False
    for one, two in zip(first, second):
        if one['pnn'] != two['pnn'] or one['flags'] != two['flags'] or not _same_ip(one['address'], two['address']):
            return False
    return True


# from _nodes.py
def predict_reloadnodes(current: Sequence[MapNode], local_slots: Iterable[Slot], this_pnn: int,
                        remote_slots: Optional[Mapping[int, Optional[Iterable[Slot]]]] = None) -> Dict[str, Any]:
    """The whole of ``ctdb reloadnodes`` run on node ``this_pnn``: ``{rc, messages, reload, events}``.

    ``remote_slots`` maps the PNN of each other connected node to its parsed nodes file, or to
    None when it cannot be read; nodes left out are assumed to hold the same file.
    """
    local = file_nodemap(local_slots)
    for node in current:
        if node['flags'] & (NODE_FLAGS_DISCONNECTED | NODE_FLAGS_DELETED) or remote_slots is None:
            continue
        if node['pnn'] not in remote_slots:
            continue
        remote = remote_slots[node['pnn']]
        if remote is None:
            return {'rc': 1, 'reload': False, 'events': [],
                    'messages': ['Control GET_NODES_FILE failed, ret=-1',
                                 'ERROR: Failed to get nodes file from node %d' % node['pnn']]}
        if not nodemaps_identical(local, file_nodemap(remote)):
            return {'rc': 1, 'reload': False, 'events': [],
                    'messages': ['ERROR: Nodes file on node %d differs from current node (%d)' % (node['pnn'], this_pnn)]}
    result = check_nodes_file_changes(current, local_slots)
    if not result['ok']:
        return {'rc': 1, 'reload': result['reload'], 'messages': result['messages'], 'events': result['events']}
    if not result['reload']:
        return {'rc': 0, 'reload': False, 'events': result['events'],
                'messages': result['messages'] + ['No change in nodes file, skipping unnecessary reload']}
    return {'rc': 0, 'reload': True, 'messages': result['messages'], 'events': result['events']}


# from _nodes.py
def parse_listnodes(text: Optional[str]) -> List[str]:
    """``ctdb listnodes`` output -> list of addresses (deleted nodes are not listed)."""
    return [line.strip() for line in (text or '').splitlines() if canonical_address(line.strip())]


# from _ips.py
def parse_ip(text: Optional[str]) -> List[IpRow]:
    """Any ``ctdb ip`` output (``-X`` table or text, ``-v`` or not) -> list of rows, see :func:`parse_ip_machine`."""
    stripped = (text or '').strip()
    if stripped and not stripped[0].isalnum():
        return parse_ip_machine(stripped)
    return [_row(address, info['pnn'], info['active'], info['available'], info['configured'])
            for address, info in parse_ip_all(stripped).items()]


# from _ips.py
def find_address(places: Iterable[Placement], address: str) -> Optional[Placement]:
    """The placement entry of ``address`` (compared as written by ctdb), or None."""
    for place in places:
        if place['address'] == address:
            return place
    return None


# from _conf.py
def known_options(version: Optional[Version] = None) -> Dict[str, Dict[str, Spec]]:
    """{section: {key: spec}} of the options ``version`` (None = newest) reads, for modules and roles."""
    result: Dict[str, Dict[str, Spec]] = dict((section, {}) for section in SECTIONS)
    for spec in OPTIONS:
        if option_available(spec, version):
            result[spec['section']][spec['key']] = dict(spec)
    return result


# from _conf.py
def parse_getreclock(text: Optional[str]) -> Optional[str]:
    """``ctdb getreclock`` output -> the lock string, or None when no lock is set.

    Samba >= 4.5 prints the bare string (nothing without a lock); the old tool printed
    ``Reclock file:STRING``.
    """
    value = (text or '').strip()
    if value.startswith('Reclock file:'):
        value = value[len('Reclock file:'):].strip()
    return value or None


# from _log.py
def parse_text(text: str, default_year: Optional[int] = None) -> List[LogEntry]:
    """Parse a whole log text into a list of entries (one per line)."""
    return [parse_line(line, default_year) for line in text.splitlines()]


# from _log.py
def filter_entries(entries: Sequence[LogEntry], count: int, predicate: Optional[Predicate] = None,
                   since_epoch: Optional[float] = None) -> List[LogEntry]:
    """Same selection as tail_entries, over a list of entries already parsed (oldest first)."""
    out = []
    for entry in reversed(entries):
        if since_epoch is not None and entry['timestamp'] and \
                cast(float, timestamp_epoch(entry['timestamp'])) < since_epoch:
            break
        if predicate is None or predicate(entry):
            out.append(entry)
            if len(out) >= count:
                break
    out.reverse()
    return out


# from _log.py
def read_last_lines(fileobj: BinaryIO, count: int, block_size: int = 65536) -> List[str]:
    """The last ``count`` lines of a binary file object, oldest first, as text."""
    out: List[str] = []
    if count <= 0:
        return out
    for raw in iter_lines_reverse(fileobj, block_size):
        out.append(raw.decode('utf-8', 'replace'))
        if len(out) >= count:
            break
    out.reverse()
    return out


# from _files.py
@contextlib.contextmanager
def scratch_dir(parent: Optional[str] = None, prefix: str = 'ctdb.', files: Optional[Mapping[str, str]] = None,
                links: Optional[Mapping[str, str]] = None) -> Iterator[str]:
    """A private temporary directory holding ``files`` ({name: text}) and ``links``
    ({name: target}), removed afterwards whatever happens (e.g. a CTDB_BASE for
    ``ctdb-config validate`` in test mode)."""
    tmp = tempfile.mkdtemp(prefix=prefix, dir=parent)
    try:
        for name, text in (files or {}).items():
            with open(os.path.join(tmp, name), 'wb') as handle:
                handle.write(to_bytes(text, errors='surrogate_or_strict'))
        for name, target in (links or {}).items():
            os.symlink(target, os.path.join(tmp, name))
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
