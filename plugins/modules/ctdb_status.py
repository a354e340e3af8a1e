#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ctdb_status
short_description: Read the status of a CTDB cluster, optionally waiting until it is healthy
version_added: 0.1.0
description:
  - Runs C(ctdb status) on the managed node and returns its text (RV(raw)), the REST API's parsed shape
    (RV(parsed)) and a typed view of the cluster (RV(cluster)).
  - Reads the text of both Samba eras (C(Leader:) from Samba 4.16, C(Recovery master:) before).
  - The text carries every node flag that C(ctdb -X status) shows (ctdb prints C(PARTIALLYONLINE) only for a node
    with no other flag), so by default C(ctdb -X status) is run only when a node line of the text cannot be read;
    see O(machine_readable). Its columns are read by header name, because Samba 4.17 added the C(Unknown) column.
  - With O(wait_for_healthy=true) it polls until every node is OK and the recovery mode is NORMAL,
    and fails with the last status when O(timeout) passes first. With O(accept_admin_states=true) a node that an
    administrator took out of service (C(DISABLED), C(STOPPED)) does not count against that.
  - Reports each node's administrative state (RV(cluster.nodes[].admin_state)) apart from its faults
    (RV(cluster.nodes[].faults)). C(BANNED) counts as a fault, because ctdbd also bans a node by itself (one that
    keeps failing recoveries).
  - Never changes anything.
author:
  - Contributors to the ctdb.cluster collection (!UNKNOWN)
extends_documentation_fragment:
  - ctdb.cluster.ctdb
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same way in check mode.
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to diff.
  platform:
    support: full
    platforms: posix
    description: Runs the C(ctdb) tool of the managed node, which must run C(ctdbd).
options:
  wait_for_healthy:
    description:
      - Poll C(ctdb status) until the cluster is healthy; fail when O(timeout) passes first, returning the last status read.
      - Healthy means at least one node, every node shown (deleted nodes are never shown) with no flag (status C(OK)),
        and recovery mode C(NORMAL).
      - While waiting, a daemon that is not answering yet (for example just started) counts as not healthy instead of
        failing the task at once; a missing C(ctdb) tool or a permission error still fails at once.
    type: bool
    default: false
  accept_admin_states:
    description:
      - With O(wait_for_healthy=true), wait until every node that an administrator has not taken out of service is
        OK (RV(cluster.healthy_in_service)) instead of every node (RV(cluster.healthy)).
      - A node is out of service on purpose when it is C(DISABLED) or C(STOPPED) (C(ctdb disable), C(ctdb stop), or
        C(start as disabled|stopped) in C(ctdb.conf)) and has no other flag such as C(UNHEALTHY) or C(BANNED).
        At least one node must be in service.
    type: bool
    default: false
  timeout:
    description:
      - Seconds to wait for a healthy cluster with O(wait_for_healthy=true), from 0 to a year (31536000).
    type: int
    default: 120
  delay:
    description:
      - Seconds between two polls with O(wait_for_healthy=true), a finite number more than 0 and at most a year
        (V(nan) and V(inf) are refused).
    type: float
    default: 2.0
  machine_readable:
    description:
      - When to also run C(ctdb -X status) and take the node table from it.
      - V(auto) runs it only when the text has node lines or flag words this module cannot read.
      - V(always) runs it every time (one more ctdb call), which cross-checks the text; its nodes are returned.
      - V(never) uses the text alone.
    type: str
    choices: [auto, always, never]
    default: auto
notes:
  - C(ctdb status) asks the local daemon, so the answer is this node's view of the cluster.
seealso:
  - name: ctdb(1)
    description: The ctdb tool's manual page, with the status output explained.
    link: https://www.samba.org/samba/docs/current/man-html/ctdb.1.html
'''

EXAMPLES = r'''
- name: Read the cluster status
  ctdb.cluster.ctdb_status:
  register: ctdb

- name: Show the unhealthy nodes
  ansible.builtin.debug:
    msg: "{{ ctdb.cluster.problems }}"
  when: not ctdb.cluster.healthy

- name: Wait up to 5 minutes for every node to be OK after a restart
  ctdb.cluster.ctdb_status:
    wait_for_healthy: true
    timeout: 300
    delay: 5

- name: Wait until every node an administrator has not disabled or stopped is OK
  ctdb.cluster.ctdb_status:
    wait_for_healthy: true
    accept_admin_states: true

- name: Status of a second local daemon whose configuration lives elsewhere
  ctdb.cluster.ctdb_status:
    ctdb_base: /srv/ctdb/node1
  environment:
    CTDB_TEST_MODE: "yes"
'''

RETURN = r'''
raw:
  description: The text printed by C(ctdb status) (the last one read when waiting).
  returned: always, and on a wait timeout when a status was read
  type: str
  sample: "Number of nodes:2\npnn:0 192.168.6.79     OK (THIS NODE)\npnn:1 192.168.6.77     UNHEALTHY\nGeneration:1919983054\n..."
raw_machine:
  description: The text printed by C(ctdb -X status), or null when it was not run (see O(machine_readable)).
  returned: always
  type: str
  sample: "|Node|IP|Disconnected|Unknown|Banned|Disabled|Unhealthy|Stopped|Inactive|PartiallyOnline|ThisNode|\n|0|10.0.0.1|0|0|0|0|0|0|0|0|Y|\n"
parsed:
  description:
    - The status in the shape of the REST API this collection replaces; every value is a string, as the API gave it.
    - A field whose line is missing from the output is null.
  returned: always, and on a wait timeout when a status was read
  type: dict
  contains:
    numOfNodes:
      description: The number of nodes, deleted nodes included.
      type: str
      sample: "2"
    nodes:
      description: The nodes shown.
      type: list
      elements: dict
      contains:
        pnn:
          description: The node's PNN.
          type: str
        address:
          description: The node's private address.
          type: str
        status:
          description: The flag word, such as C(OK), C(UNHEALTHY) or C(DISCONNECTED|INACTIVE), without C((THIS NODE)).
          type: str
      sample: [{"pnn": "0", "address": "192.168.6.79", "status": "OK"}]
    generation:
      description: The generation number, or C(INVALID).
      type: str
      sample: "1919983054"
    size:
      description: The size of the VNN map.
      type: str
      sample: "2"
    recoveryMode:
      description: The recovery mode's name and code.
      type: list
      elements: str
      sample: ["NORMAL", "0"]
    recoveryMaster:
      description: The leader's PNN, from C(Leader:) (Samba 4.16 and later) or C(Recovery master:) (older); may be C(UNKNOWN).
      type: str
      sample: "0"
    hash:
      description: The index of the last C(hash:) line of the VNN map.
      type: str
      sample: "1"
    unparsable:
      description: Lines of the output that were not understood.
      type: list
      elements: str
      sample: []
cluster:
  description: A typed view of the status.
  returned: always, and on a wait timeout when a status was read
  type: dict
  contains:
    nodes:
      description: The nodes shown (deleted nodes are never shown).
      type: list
      elements: dict
      contains:
        pnn:
          description: The node's PNN.
          type: int
        address:
          description: The node's private address.
          type: str
        flags:
          description: The node's flag words in ctdb's order, empty when the node is OK.
          type: list
          elements: str
          sample: [DISCONNECTED, INACTIVE]
        status:
          description: The flag words joined by C(|), or C(OK).
          type: str
        this_node:
          description: Whether this is the node that answered.
          type: bool
        healthy:
          description: Whether the node has no flag.
          type: bool
        admin_state:
          description:
            - C(stopped) or C(disabled) when an administrator took the node out of service (C(STOPPED) wins when both
              flags are set), else C(enabled). A banned node is C(enabled) here, its ban is in RV(cluster.nodes[].faults).
          type: str
          sample: disabled
        faults:
          description: The node's flags that are not an administrator's doing (C(DISABLED), C(STOPPED) and the derived
            C(INACTIVE) left out); empty for a node that is OK or only out of service on purpose.
          type: list
          elements: str
          sample: [UNHEALTHY]
    node_count:
      description: The number of nodes, deleted nodes included.
      type: int
      sample: 3
    deleted_nodes:
      description: How many of them are deleted.
      type: int
      sample: 0
    generation:
      description: The generation number; null when C(INVALID) (during recovery).
      type: int
      sample: 1919983054
    generation_valid:
      description: False when the generation is C(INVALID).
      type: bool
    vnn_map_size:
      description: The size of the VNN map.
      type: int
    vnn_map:
      description: The VNN map.
      type: list
      elements: dict
      contains:
        hash:
          description: The slot.
          type: int
        lmaster:
          description: The PNN of the node that is location master for the slot.
          type: int
      sample: [{"hash": 0, "lmaster": 0}]
    recovery_mode:
      description: C(NORMAL) or C(RECOVERY).
      type: str
    recovery_mode_code:
      description: The recovery mode's code (0 NORMAL, 1 RECOVERY).
      type: int
    leader:
      description: The leader's (recovery master's) PNN; null when unknown.
      type: int
    leader_source:
      description: The label the leader was read from, C(Leader) or C(Recovery master).
      type: str
    pnn:
      description: The PNN of the node that answered (this node).
      type: int
    healthy:
      description: Whether every node is OK and the recovery mode is NORMAL.
      type: bool
    problems:
      description: Why the cluster is not healthy, one sentence each; empty when healthy.
      type: list
      elements: str
      sample: ["node 1 (10.0.0.2) is DISABLED"]
    admin_out:
      description: The nodes an administrator took out of service.
      type: list
      elements: dict
      contains:
        pnn:
          description: The node's PNN.
          type: int
        address:
          description: The node's private address.
          type: str
        state:
          description: C(disabled) or C(stopped).
          type: str
      sample: [{"pnn": 1, "address": "10.0.0.2", "state": "disabled"}]
    healthy_in_service:
      description: Whether every node not taken out of service by an administrator is OK, at least one node is in
        service and the recovery mode is NORMAL.
      type: bool
    faults:
      description: Why RV(cluster.healthy_in_service) is false, one sentence each; empty when it is true.
      type: list
      elements: str
      sample: ["node 2 (10.0.0.3) is DISCONNECTED|INACTIVE"]
attempts:
  description: How many times C(ctdb status) was run.
  returned: always
  type: int
  sample: 1
elapsed:
  description: Seconds spent, waiting included.
  returned: always
  type: float
  sample: 0.02
'''

import math
from typing import Any, Callable, Dict, Optional, Tuple, cast

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ctdb.cluster.plugins.module_utils._args import check_timing
from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError, Result, run_module
from ansible_collections.ctdb.cluster.plugins.module_utils._runner import CtdbRunner, explain_failure
from ansible_collections.ctdb.cluster.plugins.module_utils._cluster import NO_NODE_LINE, read_status_outputs
from ansible_collections.ctdb.cluster.plugins.module_utils import _wait
from ansible_collections.ctdb.cluster.plugins.module_utils._wait import WaitTimeout, poll

PERMISSION_HINT = 'permission denied'

ARGUMENT_SPEC = dict(
    wait_for_healthy=dict(type='bool', default=False),
    accept_admin_states=dict(type='bool', default=False),
    timeout=dict(type='int', default=120),
    delay=dict(type='float', default=2.0),
    machine_readable=dict(type='str', default='auto', choices=['auto', 'always', 'never']),
    ctdb_base=dict(type='path'),
)


class StatusReader:
    """Reads the status through ``_cluster.read_status_outputs`` in one ``machine_readable`` mode; a tolerant
    read (the health wait's) turns a failure that waiting may cure into its reason."""

    def __init__(self, runner: CtdbRunner, mode: str) -> None:
        self.runner = runner
        self.mode = mode

    def read(self, tolerant: bool = False, timelimit: Optional[float] = None) -> Tuple[Optional[Dict[str, Any]], Optional[str]]:
        """-> (result dict, None) or, when tolerant and ctdb failed, (None, reason).

        ``timelimit`` (seconds) is handed to ctdb, so a hung daemon cannot outlast the wait.
        """
        try:
            return dict(read_status_outputs(self.runner, self.mode, timelimit)), None
        except CtdbError as exc:
            if not tolerant:
                raise
            return None, curable_reason(exc)


def curable_reason(exc: CtdbError) -> str:
    """Why a status read failed, when waiting may cure it; the error itself is raised again when it cannot
    (a permission problem, a machine-readable table that does not read)."""
    if exc.msg.startswith(NO_NODE_LINE):
        return NO_NODE_LINE
    if 'rc' not in exc.data:
        raise exc
    out, err = exc.data.get('stdout'), exc.data.get('stderr')
    reason = explain_failure(out, err) or 'exit code %d: %s' % (exc.data['rc'], (err or out or 'no output').strip())
    if PERMISSION_HINT in reason:
        raise exc
    return reason


# What a poll of the health saw: the last status read (NOT_READ before one was), and why it is not healthy.
Health = Tuple[Dict[str, Any], str]
NOT_READ: Dict[str, Any] = {'raw': None, 'raw_machine': None, 'parsed': None, 'cluster': None}


def health_probe(reader: StatusReader, accept_admin: bool) -> Callable[[float], Tuple[bool, Health]]:
    """A probe for _wait.poll: done when healthy; observes (the last status read, why it is not healthy).

    With ``accept_admin``, healthy means ``healthy_in_service`` (nodes disabled or stopped on purpose accepted).
    """
    healthy_key, problems_key = ('healthy_in_service', 'faults') if accept_admin else ('healthy', 'problems')
    seen: Dict[str, Dict[str, Any]] = {}

    def probe(remaining: float) -> Tuple[bool, Health]:
        # ctdb gets the time left as its limit, so a hung daemon cannot outlast the wait
        result, failure = reader.read(tolerant=True, timelimit=max(1, int(math.ceil(remaining))))
        if result is None:
            return False, (seen.get('last', NOT_READ), cast(str, failure))
        seen['last'] = result
        return result['cluster'][healthy_key], (result, '; '.join(result['cluster'][problems_key]))
    return probe


def wait_healthy(reader: StatusReader, timeout: int, delay: float, accept_admin: bool = False) -> Dict[str, Any]:
    """Poll until healthy -> result with ``attempts``; CtdbError with the last status after ``timeout`` s."""
    try:
        polled = poll(health_probe(reader, accept_admin), timeout, delay)
    except WaitTimeout as exc:
        last, reason = exc.observation
        raise CtdbError('CTDB cluster not healthy after %d s (%d attempts): %s' % (timeout, exc.attempts, reason),
                        attempts=exc.attempts, elapsed=exc.elapsed, **last)
    return dict(polled.observation[0], attempts=polled.attempts)


def read_status(module: AnsibleModule) -> Result:
    """Arguments, read (waiting if asked), report."""
    params = module.params
    check_timing(params['timeout'], params['delay'])
    reader = StatusReader(CtdbRunner(module), params['machine_readable'])
    started = _wait.now()
    if params['wait_for_healthy']:
        result = wait_healthy(reader, params['timeout'], params['delay'], params['accept_admin_states'])
    else:
        # not tolerant: a failure raised, so there is a result
        result = dict(cast(Dict[str, Any], reader.read()[0]), attempts=1)
    return dict(result, changed=False, elapsed=round(_wait.now() - started, 3))


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, read_status)


if __name__ == '__main__':
    main()
