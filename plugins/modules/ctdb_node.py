#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ctdb_node
short_description: Take a CTDB node out of service (disable, stop, ban) or bring it back, and wait until the addresses moved
version_added: 0.2.0
description:
  - Sets the administrative state of one node of a running CTDB cluster, this node by default or O(pnn).
  - Reads the node's flags first (C(ctdb status)) and runs only the commands that change what differs
    (C(ctdb disable), C(enable), C(stop), C(continue), C(ban), C(unban), each with C(-n PNN)).
  - With O(wait=true) it returns once the change has taken effect cluster-wide, as this node sees it; for
    V(disabled), V(stopped) and V(banned) the node shows the flag and serves no public address any more;
    for V(enabled) the node is C(OK) and, when it can host addresses and CTDB fails addresses back, serves one again.
  - Refuses a PNN that does not exist, a deleted node, and taking out the last node in service.
  - Bad arguments (a negative O(pnn), a O(ban_time) below 1, an unusable O(timeout) or O(delay)) are refused before
    the cluster is read, even with O(wait=false).
author:
  - Contributors to the ctdb.cluster collection (!UNKNOWN)
extends_documentation_fragment:
  - ctdb.cluster.ctdb
  - ctdb.cluster.attributes
attributes:
  check_mode:
    support: full
    details: Reads the flags and reports the commands it would run and the predicted flags; runs none of them.
  diff_mode:
    support: none
    details: No file is changed.
  platform:
    details: Runs the C(ctdb) tool of the managed node, which must run C(ctdbd).
options:
  pnn:
    description:
      - The PNN of the node to change. Default is the node the task runs on.
    type: int
  state:
    description:
      - V(enabled) is no administrative flag (not disabled, stopped or banned).
      - V(disabled) (C(ctdb disable)) keeps the node in the cluster's databases but gives it no public address; it stays
        disabled across a restart of ctdbd.
      - V(stopped) (C(ctdb stop)) also takes it out of the database cluster; it ends with a restart of ctdbd.
      - V(banned) (C(ctdb ban)) bans it for O(ban_time) seconds. A node that is already banned is not banned again.
      - Setting one state clears the other two flags, after setting its own, so the node never serves in between.
    type: str
    choices: [enabled, disabled, stopped, banned]
    required: true
  ban_time:
    description:
      - Seconds of the ban with O(state=banned). Required then.
    type: int
  wait:
    description:
      - Wait until the change has taken effect (see the description), failing after O(timeout) with what was seen.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait with O(wait=true), from 0 to a year (31536000).
    type: int
    default: 120
  delay:
    description:
      - Seconds between two checks while waiting, a finite number more than 0 and at most a year.
    type: float
    default: 1.0
notes:
  - The refusal to take out the last node in service counts as in service a node with no flag at all; an UNHEALTHY
    node serves no address either.
seealso:
  - module: ctdb.cluster.ctdb_ip
  - module: ctdb.cluster.ctdb_status
'''

EXAMPLES = r'''
- name: Take this node out of service for maintenance, once its addresses are served elsewhere
  ctdb.cluster.ctdb_node:
    state: disabled

- name: Bring it back and wait until it serves addresses again
  ctdb.cluster.ctdb_node:
    state: enabled
    timeout: 300

- name: Ban node 2 for ten minutes, from any node
  ctdb.cluster.ctdb_node:
    pnn: 2
    state: banned
    ban_time: 600
  run_once: true
'''

RETURN = r'''
pnn:
  description: The PNN of the node changed.
  returned: success
  type: int
  sample: 1
state:
  description: The node's administrative state after the task (predicted in check mode).
  returned: success
  type: str
  sample: disabled
state_before:
  description: Its administrative state before.
  returned: success
  type: str
  sample: enabled
flags_before:
  description: The node's flags before, as C(ctdb status) shows them.
  returned: always when the status was read
  type: list
  elements: str
  sample: []
flags_after:
  description: The node's flags after (predicted in check mode; on a wait timeout, the last ones seen).
  returned: always when the status was read
  type: list
  elements: str
  sample: [DISABLED]
commands:
  description: The ctdb commands run (in check mode, that would be run).
  returned: success
  type: list
  elements: list
  sample: [[ctdb, -n, '1', disable]]
moved:
  description: Public addresses whose serving node changed while the task ran (C(from)/C(to) null = nobody).
  returned: success
  type: list
  elements: dict
  sample: [{"address": "10.0.0.11", "from": 1, "to": 0}]
addresses:
  description: Every public address and the PNN serving it (null = nobody) after the task.
  returned: success
  type: dict
  sample: {"10.0.0.11": 0, "10.0.0.12": 2}
waited:
  description: Why the wait was not over at its last check; null once it was.
  returned: always when waiting
  type: str
  sample: null
elapsed:
  description: Seconds spent.
  returned: success
  type: float
  sample: 0.4
'''

from typing import Any, List, Mapping, Optional, Tuple

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ctdb.cluster.plugins.module_utils import _node_state
from ansible_collections.ctdb.cluster.plugins.module_utils._args import check_timing
from ansible_collections.ctdb.cluster.plugins.module_utils._cluster import (
    read_ips, read_placement, read_status, read_tunables, run_or_raise,
)
from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError, Result, run_module
from ansible_collections.ctdb.cluster.plugins.module_utils._ips import IpRow, served_by
from ansible_collections.ctdb.cluster.plugins.module_utils._runner import CtdbRunner
from ansible_collections.ctdb.cluster.plugins.module_utils._status import ClusterView
from ansible_collections.ctdb.cluster.plugins.module_utils import _wait
from ansible_collections.ctdb.cluster.plugins.module_utils._wait import WaitTimeout, poll

# What a check of the wait saw: (why the wait is not over, or None; the status; the address rows).
Seen = Tuple[Optional[str], ClusterView, List[IpRow]]


ARGUMENT_SPEC = dict(
    pnn=dict(type='int'),
    state=dict(type='str', required=True, choices=list(_node_state.STATES)),
    ban_time=dict(type='int'),
    wait=dict(type='bool', default=True),
    timeout=dict(type='int', default=120),
    delay=dict(type='float', default=1.0),
    ctdb_base=dict(type='path'),
)


def node_flags(cluster: ClusterView, pnn: int) -> List[str]:
    return [node['flags'] for node in cluster['nodes'] if node['pnn'] == pnn][0]


def wait_reason(runner: CtdbRunner, pnn: int, state: str, hostable: int, failback: bool) -> Seen:
    """One check: (reason the wait is not over or None, cluster, rows)."""
    cluster = read_status(runner, timeout=10)
    rows = read_ips(runner, timeout=10)
    if state == 'enabled':
        reason = _node_state.enabled_reached(pnn, cluster['nodes'], rows, hostable, failback)
    else:
        reason = _node_state.out_of_service_reached(pnn, state, cluster['nodes'], rows)
    return reason, cluster, rows


def hosting(runner: CtdbRunner, pnn: int, state: str) -> Tuple[int, bool]:
    """(how many public addresses node ``pnn`` can host, whether CTDB fails addresses back); only enabling needs them."""
    if state != 'enabled':
        return 0, False
    dummy, places = read_placement(runner, read_status(runner))
    hostable = len([p for p in places if pnn in p['configured_on']])
    return hostable, read_tunables(runner).get('NoIPFailback', 0) == 0


def report_seen(result: Result, pnn: int, observation: Seen) -> None:
    """Put what a check saw (reason, cluster, rows) in ``result``: flags_after, addresses, waited."""
    reason, cluster, rows = observation
    result['flags_after'] = node_flags(cluster, pnn) if pnn in [n['pnn'] for n in cluster['nodes']] else None
    result['addresses'] = served_by(rows)
    result['waited'] = reason


def wait_until(module: AnsibleModule, runner: CtdbRunner, pnn: int, state: str, result: Result) -> List[IpRow]:
    """Poll until the change took effect -> the last address rows; CtdbError with the last observation after the
    timeout."""
    hostable, failback = hosting(runner, pnn, state)

    def probe(dummy_remaining: float) -> Tuple[bool, Seen]:
        observation = wait_reason(runner, pnn, state, hostable, failback)
        return observation[0] is None, observation

    try:
        polled = poll(probe, module.params['timeout'], module.params['delay'])
    except WaitTimeout as exc:
        report_seen(result, pnn, exc.observation)
        raise CtdbError('node %d did not reach state %s within %d s: %s'
                        % (pnn, state, module.params['timeout'], exc.observation[0]), **result)
    report_seen(result, pnn, polled.observation)
    return polled.observation[2]


def check_args(params: Mapping[str, Any]) -> None:
    """Refuse bad arguments before anything is read from the cluster (CtdbError naming the value and the fix)."""
    if params['ban_time'] is not None and params['ban_time'] <= 0:
        raise CtdbError('ban_time=%d: give the ban\'s length in seconds, 1 or more' % params['ban_time'])
    if params['pnn'] is not None and params['pnn'] < 0:
        raise CtdbError('pnn=%d: a PNN is 0 or more (ctdb listnodes shows them)' % params['pnn'])
    check_timing(params['timeout'], params['delay'])


def manage_node(module: AnsibleModule) -> Result:
    params = module.params
    check_args(params)
    started = _wait.now()
    runner = CtdbRunner(module)
    cluster = read_status(runner)
    pnn = params['pnn'] if params['pnn'] is not None else cluster['pnn']
    if pnn is None:
        raise CtdbError('ctdb status does not say which node this is: give pnn')
    reason = _node_state.refusal(cluster['nodes'], cluster['node_count'], pnn, params['state'])
    if reason:
        raise CtdbError(reason, pnn=pnn, nodes=cluster['nodes'])
    before = node_flags(cluster, pnn)
    commands = _node_state.plan(before, params['state'], params['ban_time'])
    result = {'changed': bool(commands), 'pnn': pnn, 'state_before': _node_state.admin_state(before),
              'state': params['state'], 'flags_before': before,
              'commands': [['ctdb', '-n', str(pnn)] + command for command in commands], 'moved': []}
    rows_before = read_ips(runner)
    result['addresses'] = served_by(rows_before)
    if module.check_mode or not commands:
        result['flags_after'] = _node_state.expected_flags(before, params['state']) if commands else before
        result['elapsed'] = round(_wait.now() - started, 3)
        return result
    for command in commands:
        run_or_raise(runner, ['-n', str(pnn)] + command)
    rows_after = wait_until(module, runner, pnn, params['state'], result) if params['wait'] else read_ips(runner)
    if not params['wait']:
        result['flags_after'] = node_flags(read_status(runner), pnn)
        result['addresses'] = served_by(rows_after)
    result['moved'] = _node_state.moved(served_by(rows_before), served_by(rows_after))
    result['elapsed'] = round(_wait.now() - started, 3)
    return result


def main() -> None:
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        required_if=[('state', 'banned', ['ban_time'])],
        supports_check_mode=True,
    )
    run_module(module, manage_node)


if __name__ == '__main__':
    main()
