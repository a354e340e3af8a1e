#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ctdb_info
short_description: Everything needed to adopt an existing CTDB node, shaped like the ctdb role's variables
version_added: 0.2.0
description:
  - Reads this node's C(ctdb.conf), C(nodes), C(public_addresses), enabled legacy event scripts and C(ctdb.tunables)
    in the CTDB configuration directory, and, when ctdbd runs, its version, PNN, node table, run-time tunables and the
    placement of the public addresses.
  - RV(role_vars) holds the same data under the names of the C(ctdb.cluster.ctdb) role's variables (C(ctdb_conf),
    C(ctdb_conf_host), C(ctdb_cluster_lock), C(ctdb_nodes), C(ctdb_public_addresses), C(ctdb_event_scripts_enabled),
    C(ctdb_tunables), ...), so it can be fed back to the role, and compared between nodes to find drift.
  - Never changes anything.
author:
  - Contributors to the ctdb.cluster collection (!UNKNOWN)
extends_documentation_fragment:
  - ctdb.cluster.ctdb
  - ctdb.cluster.attributes
  - ctdb.cluster.attributes.read_only
attributes:
  platform:
    details: Reads files in the CTDB configuration directory and runs the C(ctdb) tool when ctdbd runs.
options:
  host_options:
    description:
      - The C(ctdb.conf) options that belong to one node, as C(SECTION/KEY); they go to C(ctdb_conf_host) instead of
        C(ctdb_conf) in RV(role_vars), so that comparing C(ctdb_conf) between nodes shows only real drift.
    type: list
    elements: str
    default: [cluster/node address]
notes:
  - The enabled event scripts come from C(ctdb event script list legacy) when ctdbd runs and answers it; otherwise they
    are the executable C(NN.name.script) entries of C($CTDB_BASE/events/legacy).
  - A file that does not exist reads as empty. A file ctdbd could not load fails the task with the reason.
seealso:
  - module: ctdb.cluster.ctdb_status
  - module: ctdb.cluster.ctdb_tunables
'''

EXAMPLES = r'''
- name: Read what an existing cluster has
  ctdb.cluster.ctdb_info:
  register: info

- name: Feed it to the role (every value taken from the running node)
  ansible.builtin.include_role:
    name: ctdb.cluster.ctdb
  vars:
    ctdb_conf: "{{ info.role_vars.ctdb_conf }}"
    ctdb_conf_host: "{{ info.role_vars.ctdb_conf_host }}"
    ctdb_cluster_lock: "{{ info.role_vars.ctdb_cluster_lock }}"
    ctdb_public_addresses: "{{ info.role_vars.ctdb_public_addresses }}"
'''

RETURN = r'''
role_vars:
  description: The node's configuration under the names of the ctdb role's variables.
  returned: always
  type: dict
  contains:
    ctdb_base:
      description: The CTDB configuration directory.
      type: str
    ctdb_nodes:
      description: The live addresses of the nodes file, in PNN order (deleted nodes are in RV(nodes_file)).
      type: list
      elements: str
    ctdb_node_address:
      description: This node's address (C([cluster] node address), else the address ctdb status shows for this node).
      type: str
    ctdb_public_addresses:
      description: The public_addresses file as items with C(address) and C(interface_name) (or C(interfaces)).
      type: list
      elements: dict
    ctdb_cluster_lock:
      description: The cluster lock, empty when none is set.
      type: str
    ctdb_cluster_lock_key:
      description: The key it is written under, C(cluster lock) or C(recovery lock).
      type: str
    ctdb_conf:
      description: The other ctdb.conf settings, as C(section) to C(key) to C(value).
      type: dict
    ctdb_conf_host:
      description: The settings that belong to this node only (C([cluster] node address)).
      type: dict
    ctdb_event_scripts_enabled:
      description: The enabled legacy event scripts.
      type: list
      elements: str
    ctdb_tunables:
      description: The tunables the C(ctdb.tunables) file sets.
      type: dict
  sample: {"ctdb_nodes": ["10.0.0.1", "10.0.0.2"], "ctdb_cluster_lock": "", "ctdb_conf": {"logging": {"log level": "NOTICE"}}}
version:
  description: The CTDB version (C(ctdb version)), null when the tool cannot tell.
  returned: always
  type: str
  sample: 4.17.12-Debian
running:
  description: Whether ctdbd answers on this node.
  returned: always
  type: bool
pnn:
  description: This node's PNN, null when ctdbd is not running.
  returned: always
  type: int
nodes:
  description: The node table of ctdb status (C(pnn), C(address), C(flags), C(status)), empty when ctdbd is not running.
  returned: always
  type: list
  elements: dict
nodes_file:
  description: The nodes file's slots, each with C(pnn), C(address) and C(deleted).
  returned: always
  type: list
  elements: dict
addresses:
  description: Every public address and the PNN serving it (null = nobody); empty when ctdbd is not running.
  returned: always
  type: dict
tunables:
  description: Every run-time tunable (C(ctdb listvars)); null when ctdbd is not running.
  returned: always
  type: dict
problems:
  description: What ctdbd would not read in the files (unparsable ctdb.conf lines, skipped tunables lines).
  returned: always
  type: list
  elements: str
'''

import os
from typing import Any, Dict, List, Optional, Tuple, cast

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ctdb.cluster.plugins.module_utils import _conf, _events, _info, _nodes, _tunables
from ansible_collections.ctdb.cluster.plugins.module_utils._cluster import read_ips, read_status, read_tunables
from ansible_collections.ctdb.cluster.plugins.module_utils._conf import Parsed
from ansible_collections.ctdb.cluster.plugins.module_utils._errors import Result, run_module
from ansible_collections.ctdb.cluster.plugins.module_utils._files import read_file
from ansible_collections.ctdb.cluster.plugins.module_utils._ips import served_by
from ansible_collections.ctdb.cluster.plugins.module_utils._public_addresses import (
    AddressLine, parse_public_addresses,
)
from ansible_collections.ctdb.cluster.plugins.module_utils._nodes import Slot
from ansible_collections.ctdb.cluster.plugins.module_utils._runner import CtdbRunner
from ansible_collections.ctdb.cluster.plugins.module_utils._tunables import TunableLine

COMPONENT = 'legacy'


ARGUMENT_SPEC = dict(
    host_options=dict(type='list', elements='str', default=['cluster/node address']),
    ctdb_base=dict(type='path'),
)


def local_scripts(base: str) -> List[str]:
    """Enabled scripts from the directory: executable NN.name.script entries (what eventd runs)."""
    directory = os.path.join(base, 'events', COMPONENT)
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    enabled = []
    for filename in names:
        name = _events.script_name(filename)
        if name and os.access(os.path.join(directory, filename), os.X_OK):
            enabled.append(name)
    return enabled


def event_scripts(runner: CtdbRunner, running: bool, base: str) -> List[str]:
    if running:
        rc, out, dummy = runner.run(['event', 'script', 'list', COMPONENT], check_rc=False)
        if rc == 0:
            try:
                return _events.enabled_names(_events.parse_script_list(out))
            except ValueError:
                pass
    return local_scripts(base)


def read_files(module: AnsibleModule, base: str) -> Tuple[Parsed, List[Slot], List[AddressLine], List[TunableLine], List[str]]:
    """(conf parsed, nodes slots, public entries, tunables entries, problems) of the files in ``base``."""
    conf = _conf.read(read_file(os.path.join(base, _conf.CONF_FILE)) or '')
    nodes_path = conf['parsed'].get('cluster', {}).get('nodes list') or os.path.join(base, 'nodes')
    slots = _nodes.parse_nodes(read_file(nodes_path) or '') if not nodes_path.startswith('!') else []
    public = parse_public_addresses(read_file(os.path.join(base, 'public_addresses')) or '')
    tunables = _tunables.parse_file(read_file(os.path.join(base, _tunables.TUNABLES_FILE)))
    problems = ['ctdb.conf: ctdbd does not read %r' % line for line in conf['unparsable']]
    return conf['parsed'], slots, public, tunables, problems


def read_info(module: AnsibleModule) -> Result:
    host_options = _info.parse_host_options(module.params['host_options'])
    runner = CtdbRunner(module)
    base = runner.base
    conf, slots, public, tunable_entries, problems = read_files(module, base)
    running = runner.daemon_running()
    result: Dict[str, Any] = {'changed': False, 'running': running, 'pnn': None, 'nodes': [], 'addresses': {}, 'tunables': None}
    version = runner.run(['version'], check_rc=False)
    result['version'] = version[1].strip() if version[0] == 0 else None
    address = None
    if running:
        cluster = read_status(runner)
        result['pnn'] = cluster['pnn']
        result['nodes'] = [dict((k, n[k]) for k in ('pnn', 'address', 'flags', 'status')) for n in cluster['nodes']]
        address = (cast(List[Optional[str]], [n['address'] for n in cluster['nodes'] if n['this_node']]) or [None])[0]
        result['addresses'] = served_by(read_ips(runner))
        result['tunables'] = read_tunables(runner)
    known = list(result['tunables'] or _tunables.KNOWN_417)
    problems += ['ctdb.tunables: %s' % p for p in _tunables.file_problems(tunable_entries, known)]
    result['problems'] = problems
    result['nodes_file'] = [{'pnn': s['pnn'], 'address': s['address'], 'deleted': s['deleted']} for s in slots]
    result['role_vars'] = _info.role_vars(base, conf, slots, public, event_scripts(runner, running, base),
                                          _tunables.file_values(tunable_entries, known), address, host_options)
    return result


def main() -> None:
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
    )
    run_module(module, read_info)


if __name__ == '__main__':
    main()
