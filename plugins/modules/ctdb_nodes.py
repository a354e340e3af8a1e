#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ctdb_nodes
short_description: Read or set the nodes of a CTDB cluster (the nodes file) without ever renumbering a node
description:
  - Without O(nodes), reads the CTDB nodes file and returns its live node addresses (the C(nodes) list of the
    REST API's GET), the PNN of every line and the deleted slots. Nothing is changed.
  - With O(nodes), makes the nodes file list exactly these live nodes while keeping every node number (PNN)
    stable. CTDB numbers nodes by their line in the file, and every line starting with C(#) is a deleted node
    that keeps its slot. So an existing node keeps its line, a removed node's line becomes C(#ADDR) (never
    deleted), a node that comes back un-comments its own line, a new node is appended, and no other comment line
    is ever written.
  - A desired order that would renumber a live node is refused, with the order that would work.
  - With O(reload=true), runs C(ctdb reloadnodes) so the running cluster applies the file, after checking that
    every node being deleted is already DISCONNECTED (CTDB refuses to delete a connected node).
  - The nodes file must be identical on every node. This module writes the file of the host it runs on, so run it
    on every node, then reload once (see O(reload) and the examples).
version_added: 0.1.0
author:
  - Contributors to the ctdb.cluster collection (!UNKNOWN)
extends_documentation_fragment:
  - ctdb.cluster.ctdb
  - ctdb.cluster.files
  - ctdb.cluster.attributes
options:
  nodes:
    description:
      - The private addresses of the nodes that must be live, in PNN order (IPv4 or IPv6, no port, no mask, no
        host names, each once). The REST API's POST calls this list C(addresses), accepted as an alias.
      - Addresses are read as CTDB reads them. An IPv6 zone (C(fe80::1%eth0)) is refused, as CTDB refuses it.
        An IPv4-mapped address (C(::ffff:10.0.0.1)) is the IPv4 node C(10.0.0.1) to CTDB, so it is refused
        beside that address as a duplicate (and refused when written in hex, C(::ffff:a00:1), which CTDB cannot read).
      - Existing nodes must be listed in their current PNN order and new nodes after them; a node that was
        deleted (C(#ADDR) line) and comes back takes its old PNN, so list it at that place.
      - An empty list is refused (a cluster needs a node). Leave it out to only read the file.
    type: list
    elements: str
    aliases: [addresses]
  path:
    description:
      - The nodes file. Defaults to C(nodes) in the CTDB configuration directory (O(ctdb_base), C(CTDB_BASE),
        C(/etc/ctdb)). When it is a symbolic link (for example into the cluster file system), the link's target
        is written and the link kept.
      - When C(ctdb.conf) sets C([cluster] nodes list) (Samba 4.22 and later), CTDB reads that file or command
        instead; point O(path) at that file.
    type: path
  reload:
    description:
      - After writing, run C(ctdb reloadnodes) on this host so that the whole running cluster applies the file.
        The local ctdbd must be running.
      - C(ctdb reloadnodes) acts on the whole cluster and fails when a connected node has a different nodes file.
        So write the file on every node first (one task without O(reload)), then reload in a second task with
        C(run_once=true), delegated to a node that stays in the cluster. If the reload task runs on every running
        host anyway (after the files were written by an earlier task), one reload does the work and the others find
        "No change in nodes file". Writing and reloading in the same task on every host races with the other hosts'
        writes and may fail with "Nodes file on node N differs".
      - Before reloading, the daemon's node map (C(ctdb status)) is compared with the file the way
        C(ctdb reloadnodes) does. A node to delete that is still connected is refused with the command to stop it
        (C(ctdb -n PNN shutdown) or C(systemctl stop ctdb) on that node; C(ctdb stop) is not enough, a stopped
        node is still connected). A live node whose address would change is refused too. Nothing is written then.
      - New nodes join when their ctdbd starts, after the reload.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details: Predicts the file change and, with O(reload), what C(ctdb reloadnodes) would do, from C(ctdb status).
  diff_mode:
    support: full
    details: Shows the change of the file, before and after.
  platform:
    details: Manages the file of the managed node; with O(reload), runs its C(ctdb) tool, which needs a running C(ctdbd).
notes:
  - The file format and the rules are those of ctdb/conf/node.c and C(ctdb reloadnodes) in ctdb/tools/ctdb.c.
seealso:
  - module: ctdb.cluster.ctdb_addresses
  - name: ctdb(7), section "Adding or removing nodes"
    description: CTDB's own procedure for adding and deleting nodes.
    link: https://www.samba.org/samba/docs/current/man-html/ctdb.7.html
'''

EXAMPLES = r'''
- name: Read the nodes file (the REST API's GET /db/ctdb/nodes)
  ctdb.cluster.ctdb_nodes:
  register: ctdb_nodes_now

- name: Add a fourth node - write the file on every node (the new one too)
  ctdb.cluster.ctdb_nodes:
    nodes: [192.168.6.79, 192.168.6.77, 192.168.6.78, 192.168.6.80]

- name: Apply it to the running cluster once, then start ctdb on the new node
  ctdb.cluster.ctdb_nodes:
    reload: true
  run_once: true
  delegate_to: "{{ groups['ctdb_cluster'][0] }}"

- name: Remove 192.168.6.78 - stop it first (it must be DISCONNECTED), then on every node
  ctdb.cluster.ctdb_nodes:
    nodes: [192.168.6.79, 192.168.6.77, 192.168.6.80]
    backup: true

- name: Reload from a node that stays
  ctdb.cluster.ctdb_nodes:
    nodes: [192.168.6.79, 192.168.6.77, 192.168.6.80]
    reload: true
  run_once: true
  delegate_to: "{{ groups['ctdb_cluster'][0] }}"

- name: The REST API's POST body works as is
  ctdb.cluster.ctdb_nodes:
    addresses: ["192.168.6.79", "192.168.6.77"]
    ctdb_base: /etc/ctdb
'''

RETURN = r'''
nodes:
  description: The live node addresses in PNN order, as written in the file (after the change).
  returned: always
  type: list
  elements: str
  sample: [192.168.6.79, 192.168.6.77]
slots:
  description: Every PNN slot of the file (after the change), deleted ones included.
  returned: always
  type: list
  elements: dict
  contains:
    pnn:
      description: The node number.
      type: int
    address:
      description: The address; for a deleted slot the address after C(#), or null for another comment.
      type: str
    deleted:
      description: Whether the line is a deleted slot (starts with C(#)).
      type: bool
    line:
      description: The line as written in the file.
      type: str
    lineno:
      description: The line number in the file.
      type: int
  sample: [{pnn: 0, address: 192.168.6.79, deleted: false, line: 192.168.6.79, lineno: 1}]
deleted:
  description: PNNs of the deleted slots.
  returned: always
  type: list
  elements: int
  sample: [2]
path:
  description: The nodes file.
  returned: always
  type: str
  sample: /etc/ctdb/nodes
raw:
  description: The content of the file (after the change).
  returned: always
  type: str
  sample: "192.168.6.79\n192.168.6.77\n"
added:
  description: Nodes appended to the file, with their new PNN.
  returned: when O(nodes) is given
  type: list
  elements: dict
  sample: [{pnn: 3, address: 192.168.6.80}]
removed:
  description: Nodes whose line became C(#ADDR).
  returned: when O(nodes) is given
  type: list
  elements: dict
  sample: [{pnn: 2, address: 192.168.6.78}]
undeleted:
  description: Deleted nodes whose own line was un-commented.
  returned: when O(nodes) is given
  type: list
  elements: dict
  sample: []
backup_file:
  description: The backup copy, when O(backup=true) and the file changed.
  returned: when a backup was made
  type: str
  sample: /etc/ctdb/nodes.12345.2026-11-22@02:00:00~
reload:
  description: What the reload did (or, in check mode, would do).
  returned: when O(reload=true)
  type: dict
  contains:
    changed:
      description: Whether the cluster's node map changed (or would change).
      type: bool
    messages:
      description: What C(ctdb reloadnodes) printed (in check mode, what it would print).
      type: list
      elements: str
    events:
      description: The messages as data, C({pnn, event}) with event NEW, DELETED, UNDELETED, ...
      type: list
      elements: dict
    rc:
      description: Exit status of C(ctdb reloadnodes); null in check mode.
      type: int
  sample: {changed: true, messages: ["Node 3 is NEW"], events: [{pnn: 3, event: NEW}], rc: 0}
'''

import os
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, cast

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ctdb.cluster.plugins.module_utils._cluster import read_status
from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError, Result, run_module
from ansible_collections.ctdb.cluster.plugins.module_utils._files import read_file, write_file
from ansible_collections.ctdb.cluster.plugins.module_utils._nodes import (
    MapNode, Slot, active_nodes, blockers_message, check_nodes_file_changes, deleted_pnns, deletion_blockers,
    nodemap_from_status, parse_nodes, parse_reloadnodes_output, plan_nodes)
from ansible_collections.ctdb.cluster.plugins.module_utils._runner import CtdbRunner, ctdb_base

ARGUMENT_SPEC = dict(
    nodes=dict(type='list', elements='str', aliases=['addresses']),
    path=dict(type='path'),
    backup=dict(type='bool', default=False),
    reload=dict(type='bool', default=False),
    ctdb_base=dict(type='path'),
)


def _public_slots(slots: Iterable[Slot]) -> List[Dict[str, Any]]:
    return [dict((key, slot[key]) for key in ('pnn', 'address', 'deleted', 'line', 'lineno')) for slot in slots]


def _daemon_map(runner: CtdbRunner) -> List[MapNode]:
    if not runner.daemon_running():
        raise CtdbError('reload: true needs the ctdbd of this host running, and it is not: run the reload task on '
                        'a node that is up and stays in the cluster (run_once: true with delegate_to)')
    return nodemap_from_status(read_status(runner))


def precheck_reload(current: Sequence[MapNode], slots: Iterable[Slot]) -> Dict[str, Any]:
    """Refuse, before anything is written, what ctdb reloadnodes would refuse; returns its prediction."""
    blockers = deletion_blockers(current, slots)
    if blockers:
        raise CtdbError(blockers_message(blockers), blockers=blockers)
    check = check_nodes_file_changes(current, slots)
    if not check['ok']:
        raise CtdbError('refusing to reload: ctdb reloadnodes would reject this nodes file (%s). The running '
                        'cluster does not match the file: compare ctdb status with the file and fix the file '
                        'by hand' % '; '.join(check['messages']), reload={'messages': check['messages']})
    return check


def reload_nodes(runner: CtdbRunner) -> Dict[str, Any]:
    rc, out, err = runner.run(['reloadnodes'], check_rc=False)
    text = '\n'.join(part for part in (out, err) if part)
    parsed = parse_reloadnodes_output(text)
    if rc != 0:
        hint = ''
        if 'differs from current node' in text or 'Failed to get nodes file' in text:
            hint = (' The nodes file must be identical on every connected node: write it on every node first (a task '
                    'without reload), then reload in a separate task with run_once: true.')
        raise CtdbError('ctdb reloadnodes failed (rc %d): %s.%s' % (rc, ' / '.join(parsed['messages']) or 'no output',
                                                                    hint),
                        rc=rc, stdout=out, stderr=err, reload=dict(parsed, rc=rc))
    return {'changed': parsed['changed'], 'messages': parsed['messages'], 'events': parsed['events'], 'rc': rc}


def read_and_plan(module: AnsibleModule, path: str,
                  desired: Optional[List[str]]) -> Tuple[List[Slot], str, Optional[Dict[str, Any]]]:
    """-> (slots, content, plan or None): the file as it is, or as it must become."""
    if desired is None:
        text = cast(str, read_file(path, missing_ok=False))  # a missing file raised
        return parse_nodes(text, path), text, None
    plan = plan_nodes(read_file(path, missing_ok=True), desired, path)
    return plan['slots'], plan['content'], plan


def manage_nodes(module: AnsibleModule) -> Result:
    """Arguments, read, plan, apply, report."""
    params = module.params
    path = params['path'] or os.path.join(ctdb_base(module), 'nodes')
    slots, content, plan = read_and_plan(module, path, params['nodes'])
    result: Dict[str, Any] = {'changed': False, 'path': path}
    if plan is not None:
        result.update(added=plan['added'], removed=plan['removed'], undeleted=plan['undeleted'])

    runner = CtdbRunner(module) if params['reload'] else None
    check = precheck_reload(_daemon_map(runner), slots) if runner else None

    if plan is not None:
        written = write_file(path, content, check_mode=module.check_mode, backup_wanted=params['backup'])
        result['changed'] = written['changed']
        if module._diff:
            result['diff'] = written['diff']
        if written['backup_file']:
            result['backup_file'] = written['backup_file']

    if runner is not None:
        if module.check_mode:
            check = cast(Dict[str, Any], check)  # read whenever there is a runner
            result['reload'] = dict(changed=check['reload'], messages=check['messages'], events=check['events'],
                                    rc=None)
        else:
            result['reload'] = reload_nodes(runner)
        result['changed'] = result['changed'] or result['reload']['changed']

    result.update(nodes=active_nodes(slots), slots=_public_slots(slots), deleted=deleted_pnns(slots), raw=content)
    return result


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, manage_nodes)


if __name__ == '__main__':
    main()
