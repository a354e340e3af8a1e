# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Public address placement: ``ctdb ip`` output -> plain data, and whether a node can host an address.

Pure functions only. Formats read (ctdb/tools/ctdb.c ``print_ip``):

* ``-X`` (or ``-Y``/``-x SEP``): ``|Public IP|Node|`` and, with ``-v``,
  ``|ActiveInterfaces|AvailableInterfaces|ConfiguredInterfaces|`` (the manual page spells the
  first ``ActiveInterface``); columns are read by name, the separator is the header's first character.
* text: ``ADDR PNN`` or, with ``-v``, ``ADDR node[PNN] active[..] available[..] configured[..]``.

Node ``-1`` means nobody serves the address. ``ctdb ip all`` lists every address of the
cluster with its serving node; ``ctdb -n N ip -v`` lists the addresses node N has in its own
``public_addresses`` with N's interfaces, which is what tells whether N can host one.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, TypedDict, Union

from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError
from ansible_collections.ctdb.cluster.plugins.module_utils._status import Node

_COLUMNS = {
    'Public IP': 'address',
    'Node': 'pnn',
    'ActiveInterfaces': 'active',
    'ActiveInterface': 'active',
    'AvailableInterfaces': 'available',
    'ConfiguredInterfaces': 'configured',
}
# Node flags under which CTDB gives a node no public address.
NOT_HOSTING_FLAGS = ('DISCONNECTED', 'UNKNOWN', 'BANNED', 'DISABLED', 'STOPPED', 'UNHEALTHY', 'DELETED', 'INACTIVE')


class IpsError(CtdbError):
    """Output of ``ctdb -X ip`` that is not the table it should be."""


class IpRow(TypedDict):
    """A row of ``ctdb ip``: ``pnn`` None when unassigned, interface lists None without ``-v``."""
    address: str
    pnn: Optional[int]
    active: Optional[List[str]]
    available: Optional[List[str]]
    configured: Optional[List[str]]


class Placement(TypedDict):
    """A public address with who serves it and who could (see :func:`placement`)."""
    address: str
    pnn: Optional[int]
    configured_on: List[int]
    available_on: List[int]
    can_host: List[int]


def _row(address: str, pnn: Union[int, str], active: Optional[List[str]] = None,
         available: Optional[List[str]] = None, configured: Optional[List[str]] = None) -> IpRow:
    pnn = int(pnn)
    return {'address': address, 'pnn': pnn if pnn >= 0 else None, 'active': active, 'available': available,
            'configured': configured}


def _split(value: str) -> List[str]:
    return [part for part in value.split(',') if part]


def parse_ip_machine(text: Optional[str]) -> List[IpRow]:
    """``ctdb -X ip [-v] [all]`` -> list of rows ``{address, pnn, active, available, configured}``.

    ``pnn`` is None for an unassigned address; interface lists are None without ``-v``.
    Raises IpsError when the text is not such a table.
    """
    lines = [line.strip() for line in (text or '').splitlines() if line.strip()]
    if not lines:
        return []
    header = lines[0]
    sep = header[0]
    if sep.isalnum() or not header.endswith(sep):
        raise IpsError('not a machine-readable ctdb ip table: %r' % header)
    columns = header[1:-1].split(sep)
    if 'Public IP' not in columns or 'Node' not in columns:
        raise IpsError('no Public IP and Node columns in %r' % header)
    rows = []
    for line in lines[1:]:
        values = line[1:-1].split(sep)
        if len(values) != len(columns):
            raise IpsError('row %r does not match the header %r' % (line, header))
        fields: Dict[str, Any] = {}
        for column, value in zip(columns, values):
            key = _COLUMNS.get(column)
            if key in ('active', 'available', 'configured'):
                fields[key] = _split(value)
            elif key:
                fields[key] = value
        rows.append(_row(**fields))
    return rows


def placement(all_rows: Iterable[IpRow], node_rows: Mapping[int, Iterable[IpRow]],
              nodes: Iterable[Node]) -> List[Placement]:
    """Every public address with who serves it and who could.

    ``all_rows``: rows of ``ctdb -X ip all``; ``node_rows``: ``{pnn: rows of ctdb -n PNN -X ip -v}`` for
    the nodes that answered; ``nodes``: typed nodes of ``ctdb status`` (``pnn``, ``flags``).
    Returns a list (in ``all_rows`` order) of ``{address, pnn, configured_on, available_on, can_host}``:
    ``configured_on`` the nodes whose public_addresses list it, ``available_on`` those with one of its
    interfaces up, ``can_host`` those of them CTDB would give it to now (no flag that keeps a node out).
    """
    flags = dict((node['pnn'], node['flags']) for node in nodes)
    result: List[Placement] = []
    for row in all_rows:
        configured: List[int] = []
        available: List[int] = []
        for pnn in sorted(node_rows):
            for own in node_rows[pnn]:
                if own['address'] == row['address']:
                    configured.append(pnn)
                    if own['available'] is None or own['available']:
                        available.append(pnn)
        can_host = [pnn for pnn in available if not set(flags.get(pnn, ['UNKNOWN'])) & set(NOT_HOSTING_FLAGS)]
        result.append({'address': row['address'], 'pnn': row['pnn'], 'configured_on': configured,
                       'available_on': available, 'can_host': can_host})
    return result


def served_by(rows: Iterable[IpRow]) -> Dict[str, Optional[int]]:
    """``{address: pnn or None}`` from rows."""
    return dict((row['address'], row['pnn']) for row in rows)


def move_refusal(place: Optional[Placement], address: str, target: int, nodes: Sequence[Node]) -> Optional[str]:
    """Why ``address`` cannot be moved to node ``target`` now, or None when it can.

    ``place`` is its placement entry (None when the address is not public); ``nodes`` the typed status nodes.
    """
    known = sorted(node['pnn'] for node in nodes)
    if target not in known:
        return 'node %s does not exist (the nodes are %s)' % (target, ', '.join(str(p) for p in known))
    if place is None:
        return ('%s is not a public address of this cluster (ctdb ip all lists none such): add it to the '
                'public_addresses of the nodes that should host it and run ctdb reloadips all' % address)
    if target not in place['configured_on']:
        return ('node %d cannot host %s: the address is not in that node\'s public_addresses (it is in those of '
                'node(s) %s); add it there and run ctdb reloadips all'
                % (target, address, ', '.join(str(p) for p in place['configured_on']) or 'none'))
    if target not in place['available_on']:
        return ('node %d cannot host %s: none of its interfaces for the address is up (ctdb -n %d ip -v shows '
                'no available interface)' % (target, address, target))
    node_flags = [node['flags'] for node in nodes if node['pnn'] == target][0]
    if target not in place['can_host']:
        return ('node %d cannot host %s: it is %s; bring it back first (ctdb_node state=enabled)'
                % (target, address, '|'.join(node_flags)))
    return None
