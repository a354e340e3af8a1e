#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ctdb_ip
short_description: Show where CTDB's public addresses are served, move one to a node, or reallocate them
version_added: 0.2.0
description:
  - Returns every public address of the cluster with the node serving it (C(ctdb -X ip all)) and the nodes that could
    serve it, from each node's own list (C(ctdb -n PNN -X ip -v)) and its flags (C(ctdb status)).
  - With O(address) and O(pnn), moves that address to that node (C(ctdb moveip)) unless it is served there already, and
    with O(wait=true) returns once it is.
  - With O(reallocate=true), runs C(ctdb ipreallocate), which makes CTDB recompute the placement of every address.
  - Refuses a move of an address that is not public, and a move to a node that cannot host it (the address is not in its
    C(public_addresses), none of its interfaces is up, or the node is disabled, stopped, banned, unhealthy or
    disconnected), with the reason.
  - Bad arguments (an O(address) that is not an IP address, a negative O(pnn), an unusable O(timeout) or O(delay)) are
    refused before the cluster is read.
author:
  - Contributors to the ctdb.cluster collection (!UNKNOWN)
extends_documentation_fragment:
  - ctdb.cluster.ctdb
  - ctdb.cluster.attributes
attributes:
  check_mode:
    support: full
    details:
      - A move reports changed when the address is served by another node, and runs nothing.
      - O(reallocate=true) is not run; it reports changed when an address is unassigned while a node could serve it,
        the case C(ctdb ipreallocate) mends (CTDB's placement algorithm itself cannot be predicted).
  diff_mode:
    support: none
    details: No file is changed.
  platform:
    details: Runs the C(ctdb) tool of the managed node, which must run C(ctdbd).
options:
  address:
    description:
      - A public address (without mask) to move to O(pnn).
    type: str
  pnn:
    description:
      - The node O(address) must be served by.
    type: int
  reallocate:
    description:
      - Run C(ctdb ipreallocate) (after the move, if there is one). Changed when an address moved.
    type: bool
    default: false
  wait:
    description:
      - After a move, wait until O(address) is served by O(pnn), failing after O(timeout).
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for the move, from 0 to a year (31536000).
    type: int
    default: 60
  delay:
    description:
      - Seconds between two checks while waiting, a finite number more than 0 and at most a year.
    type: float
    default: 0.5
notes:
  - CTDB may move an address again on its own later (for example when a node comes back and addresses fail back, unless
    the tunable C(NoIPFailback) is 1).
seealso:
  - module: ctdb.cluster.ctdb_node
  - module: ctdb.cluster.ctdb_addresses
'''

EXAMPLES = r'''
- name: Where is every public address served, and where could it be?
  ctdb.cluster.ctdb_ip:
  register: placement

- name: Move 10.0.0.11 to node 2 and wait until node 2 serves it
  ctdb.cluster.ctdb_ip:
    address: 10.0.0.11
    pnn: 2
  run_once: true

- name: Let CTDB rebalance the addresses
  ctdb.cluster.ctdb_ip:
    reallocate: true
  run_once: true
'''

RETURN = r'''
addresses:
  description: Every public address of the cluster after the task (before it, in check mode).
  returned: always when the cluster was read
  type: list
  elements: dict
  contains:
    address:
      description: The address.
      type: str
    pnn:
      description: The node serving it; null when nobody does.
      type: int
    configured_on:
      description: The nodes whose public_addresses list it.
      type: list
      elements: int
    available_on:
      description: Those of them with one of its interfaces up.
      type: list
      elements: int
    can_host:
      description: Those CTDB would give it to now (no flag that keeps a node out of service).
      type: list
      elements: int
  sample: [{"address": "10.0.0.11", "pnn": 0, "configured_on": [0, 1, 2], "available_on": [0, 1, 2], "can_host": [0, 1, 2]}]
moved:
  description: Addresses whose serving node changed (C(from)/C(to) null = nobody); in check mode, the predicted move.
  returned: success
  type: list
  elements: dict
  sample: [{"address": "10.0.0.11", "from": 0, "to": 2}]
commands:
  description: The ctdb commands run (in check mode, that would be run).
  returned: success
  type: list
  elements: list
  sample: [[ctdb, moveip, 10.0.0.11, '2']]
'''

import ipaddress
from typing import Any, Iterable, List, Mapping, Optional, Tuple, cast

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.ctdb.cluster.plugins.module_utils import _ips
from ansible_collections.ctdb.cluster.plugins.module_utils._args import check_timing
from ansible_collections.ctdb.cluster.plugins.module_utils._cluster import (
    read_ips, read_placement, read_status, run_or_raise,
)
from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError, Result, run_module
from ansible_collections.ctdb.cluster.plugins.module_utils._ips import IpRow, Placement
from ansible_collections.ctdb.cluster.plugins.module_utils._node_state import moved
from ansible_collections.ctdb.cluster.plugins.module_utils._runner import CtdbRunner
from ansible_collections.ctdb.cluster.plugins.module_utils._status import ClusterView
from ansible_collections.ctdb.cluster.plugins.module_utils._wait import WaitTimeout, poll


ARGUMENT_SPEC = dict(
    address=dict(type='str'),
    pnn=dict(type='int'),
    reallocate=dict(type='bool', default=False),
    wait=dict(type='bool', default=True),
    timeout=dict(type='int', default=60),
    delay=dict(type='float', default=0.5),
    ctdb_base=dict(type='path'),
)


def canonical_ip(value: object) -> Optional[str]:
    try:
        return to_text(ipaddress.ip_address(to_text(value).strip()))
    except ValueError:
        return None


def find(places: Iterable[Placement], address: object) -> Optional[Placement]:
    wanted = canonical_ip(address)
    for place in places:
        if canonical_ip(place['address']) == wanted:
            return place
    return None


def wait_served(module: AnsibleModule, runner: CtdbRunner, address: str, pnn: int) -> List[IpRow]:
    """Poll until ``address`` is served by ``pnn`` -> the last address rows; CtdbError naming who serves it after the
    timeout."""
    def probe(dummy_remaining: float) -> Tuple[bool, List[IpRow]]:
        rows = read_ips(runner, timeout=10)
        return _ips.served_by(rows).get(address) == pnn, rows

    try:
        return poll(probe, module.params['timeout'], module.params['delay']).observation
    except WaitTimeout as exc:
        serving = _ips.served_by(exc.observation).get(address)
        raise CtdbError('%s is still served by %s, not node %d, after %d s'
                        % (address, 'nobody' if serving is None else 'node %d' % serving, pnn,
                           module.params['timeout']), addresses=_ips.served_by(exc.observation))


def check_args(params: Mapping[str, Any]) -> None:
    """Refuse bad arguments before anything is read from the cluster (CtdbError naming the value and the fix)."""
    if params['address'] is not None and canonical_ip(params['address']) is None:
        raise CtdbError('address=%r is not an IP address: give a public address without mask, as ctdb ip all '
                        'prints it' % params['address'])
    if params['pnn'] is not None and params['pnn'] < 0:
        raise CtdbError('pnn=%d: a PNN is 0 or more (ctdb listnodes shows them)' % params['pnn'])
    check_timing(params['timeout'], params['delay'])


def plan_move(params: Mapping[str, Any], cluster: ClusterView, places: List[Placement]) -> Optional[List[str]]:
    """The moveip command needed (or None), after checking the move is possible."""
    if params['address'] is None:
        return None
    place = find(places, params['address'])
    if place is not None and place['pnn'] == params['pnn']:
        return None
    reason = _ips.move_refusal(place, params['address'], params['pnn'], cluster['nodes'])
    if reason:
        raise CtdbError(reason, addresses=places)
    # move_refusal refuses an address that is not public, so it has a place
    return ['moveip', cast(Placement, place)['address'], str(params['pnn'])]


def unassigned_but_hostable(places: Iterable[Placement]) -> List[str]:
    return [place['address'] for place in places if place['pnn'] is None and place['can_host']]


def manage_ip(module: AnsibleModule) -> Result:
    params = module.params
    check_args(params)
    runner = CtdbRunner(module)
    cluster = read_status(runner)
    rows, places = read_placement(runner, cluster)
    move = plan_move(params, cluster, places)
    commands = ([move] if move else []) + ([['ipreallocate']] if params['reallocate'] else [])
    result = {'addresses': places, 'commands': [['ctdb'] + command for command in commands], 'moved': []}
    if module.check_mode:
        if move:
            result['moved'] = [{'address': move[1], 'from': cast(Placement, find(places, move[1]))['pnn'], 'to': params['pnn']}]
        result['changed'] = bool(move) or (params['reallocate'] and bool(unassigned_but_hostable(places)))
        return result
    after = rows
    if move:
        run_or_raise(runner, move)
        after = wait_served(module, runner, move[1], params['pnn']) if params['wait'] else read_ips(runner)
    if params['reallocate']:
        run_or_raise(runner, ['ipreallocate'])
        after = read_ips(runner)
    result['moved'] = moved(_ips.served_by(rows), _ips.served_by(after))
    result['changed'] = bool(result['moved'])
    if commands:
        result['addresses'] = read_placement(runner, read_status(runner))[1]
    return result


def main() -> None:
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        required_together=[('address', 'pnn')],
        supports_check_mode=True,
    )
    run_module(module, manage_ip)


if __name__ == '__main__':
    main()
