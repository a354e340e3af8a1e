# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A node's administrative state (enabled, disabled, stopped, banned): read it, plan the change, judge the wait.

Pure functions over the typed nodes of ``_status`` (``pnn``, ``address``, ``flags``) and the rows of
``_ips``. Checked against ctdbd 4.17: ``disable``/``stop``/``ban`` move the node's public addresses to
other nodes before the command returns, ``enable``/``continue``/``unban`` let it take addresses again.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from typing import Any, Collection, Iterable, List, Mapping, Optional, Sequence, Tuple, TypedDict, cast

from ansible_collections.ctdb.cluster.plugins.module_utils._ips import IpRow
from ansible_collections.ctdb.cluster.plugins.module_utils._status import Node

# A plan: the ctdb commands (argument lists, without -n) to run in order.
Plan = List[List[str]]
# An address whose serving node changed (None: unassigned); "from" is a keyword, hence the call syntax.
Move = TypedDict('Move', {'address': str, 'from': Optional[int], 'to': Optional[int]})

ADMIN_FLAGS = ('DISABLED', 'STOPPED', 'BANNED')
STATES = ('enabled', 'disabled', 'stopped', 'banned')
_STATE_FLAG = {'disabled': 'DISABLED', 'stopped': 'STOPPED', 'banned': 'BANNED'}
_SET = {'DISABLED': ['disable'], 'STOPPED': ['stop'], 'BANNED': ['ban']}
_CLEAR = {'DISABLED': ['enable'], 'STOPPED': ['continue'], 'BANNED': ['unban']}
# Flags under which a node serves no public address (INACTIVE = disconnected, banned or stopped).
OUT_OF_SERVICE = ('DISCONNECTED', 'UNKNOWN', 'BANNED', 'DISABLED', 'STOPPED', 'UNHEALTHY', 'INACTIVE')


def admin_state(flags: Collection[str]) -> str:
    """The administrative state a flag list shows: ``banned`` over ``stopped`` over ``disabled``, else ``enabled``."""
    for flag, state in (('BANNED', 'banned'), ('STOPPED', 'stopped'), ('DISABLED', 'disabled')):
        if flag in flags:
            return state
    return 'enabled'


def plan(flags: Collection[str], state: str, ban_time: Optional[int] = None) -> Plan:
    """ctdb commands (argument lists, without ``-n``) that bring a node with ``flags`` to ``state``.

    ``enabled`` clears every administrative flag; another state sets its flag and clears the other two.
    The flag is set before the others are cleared, so the node never serves addresses in between.
    A node that is already banned is not banned again (its remaining ban time cannot be read).
    """
    wanted = _STATE_FLAG.get(state)
    commands: Plan = []
    if wanted and wanted not in flags:
        command = list(_SET[wanted])
        if wanted == 'BANNED':
            command.append(str(int(cast(int, ban_time))))
        commands.append(command)
    for flag in ('BANNED', 'STOPPED', 'DISABLED'):
        if flag != wanted and flag in flags:
            commands.append(list(_CLEAR[flag]))
    return commands


def expected_flags(flags: Iterable[str], state: str) -> List[str]:
    """The administrative flags the node will have after :func:`plan` (other flags unchanged)."""
    kept = [flag for flag in flags if flag not in ADMIN_FLAGS and flag != 'INACTIVE']
    wanted = _STATE_FLAG.get(state)
    if wanted:
        kept.append(wanted)
    return kept


def in_service(flags: Iterable[str]) -> bool:
    return not set(flags) & set(OUT_OF_SERVICE)


def refusal(nodes: Sequence[Node], node_count: Optional[int], pnn: int, state: str) -> Optional[str]:
    """Why ``pnn`` cannot be put in ``state``, or None.

    ``nodes``: the typed status nodes (deleted nodes are never listed); ``node_count``: the header's
    count, deleted nodes included, so a PNN below it that is not listed is a deleted node.
    """
    listed = dict((node['pnn'], node) for node in nodes)
    if pnn not in listed:
        if node_count is not None and 0 <= pnn < node_count:
            return ('node %d is a deleted node (its line in the nodes file is commented out): it has no state '
                    'to change; pick one of the nodes %s' % (pnn, _pnns(listed)))
        return 'node %d does not exist: the cluster has the nodes %s' % (pnn, _pnns(listed))
    if state == 'enabled':
        return None
    others = [node for node in nodes if node['pnn'] != pnn and in_service(node['flags'])]
    if not others and in_service(listed[pnn]['flags']):
        states = ', '.join('%d %s' % (node['pnn'], node['status']) for node in nodes if node['pnn'] != pnn)
        return ('refusing to make node %d %s: it is the last node in service (the others: %s), so no node would '
                'serve the public addresses; bring another node back first' % (pnn, state, states or 'none'))
    return None


def default_min_serving(node_count: int) -> int:
    """The nodes that must keep serving while one restarts, by default: every other node (the node count minus
    one), so a restart never takes a node out while another is out already. A one-node cluster gets 0: its only
    node's restart is an outage whatever the setting (as it always was)."""
    return max(node_count - 1, 0)


def _min_serving(value: object, node_count: int) -> Tuple[Optional[int], str]:
    """(the minimum, '') from a role variable: None for the default, or a whole number of nodes; else (None, why)."""
    if value is None or value == '':
        return default_min_serving(node_count), ''
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit():
        return None, ('ctdb_restart_min_serving=%r is not a number of nodes: give a whole number, 0 or more (the '
                      'nodes that must keep serving while one restarts), or leave it unset for every other node'
                      % (value,))
    return int(text), ''


def _node_words(node: Node, names: Mapping[Optional[str], str]) -> str:
    name = names.get(node.get('address'))
    return 'node %d (%s%s)' % (node['pnn'], node.get('address'), ', %s' % name if name else '')


def restart_refusal(cluster: Optional[Mapping[str, Any]], min_serving: object = None,
                    names: Optional[Mapping[Optional[str], str]] = None) -> str:
    """Why a graceful restart of this node (``this_node`` of ``cluster``, a typed ctdb status) must not start now,
    or '' when it may.

    It may unless the node serves now and taking it out would leave fewer than ``min_serving`` nodes
    serving (None: :func:`default_min_serving`). Serving: no flag of OUT_OF_SERVICE (a PARTIALLYONLINE
    node serves). A node that serves nothing already (an administrator took it out, or its daemon does not
    answer: no ``cluster``) restarts without taking anything more out. ``names``: {address: host name}.
    """
    nodes = [node for node in (cluster or {}).get('nodes') or [] if 'DELETED' not in node['flags']]
    minimum, problem = _min_serving(min_serving, len(nodes))
    this = [node for node in nodes if node.get('this_node')]
    if problem or not this or not in_service(this[0]['flags']):
        return problem
    minimum = cast(int, minimum)  # a number whenever there is no problem
    left = len([node for node in nodes if in_service(node['flags'])]) - 1
    if left >= minimum:
        return ''
    names = names or {}
    out = [node for node in nodes if not in_service(node['flags'])]
    head = ('refusing to restart %s: taking it out of service would leave %d of the %d nodes serving, fewer than '
            'ctdb_restart_min_serving=%d' % (_node_words(this[0], names), left, len(nodes), minimum))
    if not out:
        return ('%s, which leaves no room for a restart in a cluster of %d nodes: lower ctdb_restart_min_serving to '
                '%d at most' % (head, len(nodes), max(len(nodes) - 1, 0)))
    return ('%s. Out of service now: %s. Bring them back first (a node an administrator took out: ctdb enable, '
            'ctdb continue or ctdb unban on it, or playbooks/maintenance.yml with ctdb_maintenance_state=enabled; '
            'an UNHEALTHY or DISCONNECTED node: repair it), or lower ctdb_restart_min_serving (for example '
            '-e ctdb_restart_min_serving=%d) to accept fewer nodes serving during the restart'
            % (head, ', '.join('%s %s' % (_node_words(node, names), node['status']) for node in out), max(left, 0)))


def _pnns(listed: Iterable[int]) -> str:
    return ', '.join(str(p) for p in sorted(listed)) or 'none'


def out_of_service_reached(pnn: int, state: str, nodes: Sequence[Node], rows: Iterable[IpRow]) -> Optional[str]:
    """Why the wait for ``pnn`` to be out of service is not over yet (a sentence), or None when it is.

    Over when ctdb status shows the node's flag and no public address is served by it.
    """
    node = [n for n in nodes if n['pnn'] == pnn]
    if not node:
        return 'node %d is not in ctdb status' % pnn
    wanted = _STATE_FLAG[state]
    if wanted not in node[0]['flags']:
        return 'node %d is %s, not yet %s' % (pnn, node[0]['status'], wanted)
    still = sorted(row['address'] for row in rows if row['pnn'] == pnn)
    if still:
        return 'node %d still serves %s' % (pnn, ', '.join(still))
    return None


def enabled_reached(pnn: int, nodes: Sequence[Node], rows: Sequence[IpRow], hostable: int,
                    failback: bool) -> Optional[str]:
    """Why the wait for ``pnn`` to be back in service is not over yet, or None when it is.

    Over when the node is OK; and, when it can host addresses (``hostable``: how many public addresses it
    could serve), CTDB fails addresses back (``failback``: NoIPFailback is 0) and there are at least as many
    addresses as healthy nodes, when it serves one again.
    """
    node = [n for n in nodes if n['pnn'] == pnn]
    if not node:
        return 'node %d is not in ctdb status' % pnn
    if node[0]['flags']:
        return 'node %d is %s, not yet OK' % (pnn, node[0]['status'])
    healthy = len([n for n in nodes if not n['flags']])
    if hostable and failback and len(rows) >= healthy and not any(row['pnn'] == pnn for row in rows):
        return 'node %d is OK but serves no public address yet' % pnn
    return None


def moved(before: Mapping[str, Optional[int]], after: Mapping[str, Optional[int]]) -> List[Move]:
    """Addresses whose serving node changed: list of ``{address, from, to}`` (None = unassigned)."""
    out: List[Move] = []
    for address in sorted(set(before) | set(after)):
        if before.get(address) != after.get(address):
            out.append({'address': address, 'from': before.get(address), 'to': after.get(address)})
    return out
