#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ctdb_addresses
short_description: Read or set the public (floating) addresses of a CTDB node
description:
  - Without O(addresses), reads the node's C(public_addresses) file and returns its addresses in the REST API's
    GET shape (C(raw), C(address), C(interface_name)). Nothing is changed.
  - With O(addresses), makes the file hold exactly these addresses (the REST API's POST body). Lines of addresses
    that stay as they are, comments and blank lines are kept in place; removed addresses lose their line; new
    addresses are appended in the order given. The order of the list is otherwise not significant.
  - Addresses are validated as CTDB does (C(ADDR/MASK), an interface, no duplicate address); a warning names
    every interface that does not exist on the host (ctdbd refuses to load an address on a missing interface).
  - C(public_addresses) may differ between nodes (each node lists the addresses it can host), so this module
    manages the file of the host it runs on and, with O(reload=true), reloads that node only.
version_added: 0.1.0
author:
  - Contributors to the ctdb.cluster collection (!UNKNOWN)
extends_documentation_fragment:
  - ctdb.cluster.ctdb
  - ctdb.cluster.files
  - ctdb.cluster.attributes
options:
  addresses:
    description:
      - The public addresses this node can host. An empty list empties the file (comments stay).
      - Leave it out to only read the file.
    type: list
    elements: dict
    suboptions:
      address:
        description:
          - The address and its network mask length, C(ADDR/MASK) (IPv4 or IPv6), for example C(192.168.6.85/24).
          - An IPv6 zone (C(fe80::1%eth0/64)) is refused, as CTDB refuses it; an IPv4-mapped address
            (C(::ffff:10.0.0.1/24)) is the IPv4 address to CTDB, so it counts as a duplicate of C(10.0.0.1).
        type: str
        required: true
      interface_name:
        description:
          - The interface that carries the address, for example C(eth1). Several interfaces may be given
            comma-separated (C(eth2,eth3)), as in the file and in the REST API.
          - An interface name is what the Linux kernel accepts and CTDB reads back whole, 1 to 15 bytes in UTF-8
            (so fewer letters outside ASCII), not C(.) or C(..), without blanks, NUL, C(/), C(:), C(,) or C(#).
          - Give this or O(addresses[].interfaces), not both (checked by the module, so that the message names the
            address).
        type: str
      interfaces:
        description:
          - The interfaces that can carry the address, as a list.
          - Give this or O(addresses[].interface_name).
        type: list
        elements: str
  path:
    description:
      - The public addresses file. Defaults to C(public_addresses) in the CTDB configuration directory
        (O(ctdb_base), C(CTDB_BASE), C(/etc/ctdb)). A symbolic link is kept and its target written.
    type: path
  reload:
    description:
      - Make the running ctdbd of this host apply the file with C(ctdb reloadips PNN) (this node only, since the
        file is per node). The local ctdbd must be running.
      - The reload is run when this task changed the file or when the daemon's addresses or interfaces
        (C(ctdb -v ip)) differ from the file; otherwise nothing is run and the task is not changed.
      - C(ctdb reloadips) compares addresses only, so it ignores a new mask or interface list of an address the node
        already has. Such a change is done in the two steps CTDB requires; the file is first written without those
        addresses and reloaded (the addresses are released), then written with their new lines and reloaded again.
        Without O(reload), the new line is written and takes effect at the next restart of ctdbd.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details: Predicts the file change and whether a reload would run.
  diff_mode:
    support: full
    details: Shows the change of the file, before and after.
  platform:
    details: Manages the file of the managed node; with O(reload), runs its C(ctdb) tool, which needs a running C(ctdbd).
notes:
  - The rules are those of ctdb_set_public_addresses() and ctdb_add_public_address() in ctdb/server/ctdb_takeover.c.
  - A missing C(public_addresses) file is valid for CTDB (no public addresses); it is read as an empty list.
seealso:
  - module: ctdb.cluster.ctdb_nodes
'''

EXAMPLES = r'''
- name: Read the public addresses (the REST API's GET /db/ctdb/addresses)
  ctdb.cluster.ctdb_addresses:
  register: ctdb_public

- name: Set them and apply them on this node (the REST API's POST body)
  ctdb.cluster.ctdb_addresses:
    addresses:
      - address: 192.168.6.85/24
        interface_name: robin_ctdb0
      - address: 192.168.6.86/24
        interface_name: robin_ctdb0
    reload: true

- name: An address that can move between two interfaces
  ctdb.cluster.ctdb_addresses:
    addresses:
      - address: 10.1.2.1/24
        interfaces: [eth2, eth3]
    backup: true

- name: Per-node addresses from the inventory
  ctdb.cluster.ctdb_addresses:
    addresses: "{{ ctdb_public_addresses }}"
    reload: true
'''

RETURN = r'''
addresses:
  description:
    - The addresses of the file (after the change), in the REST API's GET shape.
    - C(interfaces) is added, as a list, for an address with several interfaces.
  returned: always
  type: list
  elements: dict
  contains:
    raw:
      description: The line of the file, without surrounding blanks.
      type: str
    address:
      description: C(ADDR/MASK) as written.
      type: str
    interface_name:
      description: The interface field as written (comma-separated when several).
      type: str
    interfaces:
      description: The interfaces, when there are several.
      type: list
      elements: str
      returned: when the address has several interfaces
  sample: [{raw: 192.168.6.84/24 mother_ctdb0, address: 192.168.6.84/24, interface_name: mother_ctdb0}]
path:
  description: The public addresses file.
  returned: always
  type: str
  sample: /etc/ctdb/public_addresses
exists:
  description: Whether the file existed before the task.
  returned: always
  type: bool
  sample: true
raw:
  description: The content of the file (after the change).
  returned: always
  type: str
  sample: "192.168.6.84/24 mother_ctdb0\n"
added:
  description: Addresses (C(ADDR/MASK)) appended.
  returned: when O(addresses) is given
  type: list
  elements: str
  sample: [192.168.6.86/24]
removed:
  description: Addresses whose line was removed.
  returned: when O(addresses) is given
  type: list
  elements: str
  sample: []
modified:
  description: Addresses whose mask or interfaces changed, with the line before and after.
  returned: when O(addresses) is given
  type: list
  elements: dict
  sample: [{address: 192.168.6.85/16, before: 192.168.6.85/24 eth1, after: 192.168.6.85/16 eth1}]
missing_interfaces:
  description: Interfaces named in the file that do not exist on this host.
  returned: always
  type: list
  elements: str
  sample: []
backup_file:
  description: The backup copy, when O(backup=true) and the file changed.
  returned: when a backup was made
  type: str
  sample: /etc/ctdb/public_addresses.12345.2026-11-22@02:00:00~
reload:
  description: What the reload did (or, in check mode, would do).
  returned: when O(reload=true)
  type: dict
  contains:
    changed:
      description: Whether C(ctdb reloadips) ran (or would run).
      type: bool
    pnn:
      description: The PNN of this node, which was reloaded.
      type: int
    steps:
      description: The commands run, two C(reloadips) when a mask or interface changed.
      type: list
      elements: str
    ips:
      description: C(ctdb ip all) after the reload, address -> PNN of the node hosting it (-1 unassigned).
      type: dict
  sample: {changed: true, pnn: 0, steps: [ctdb reloadips 0], ips: {192.168.6.85: 0}}
'''

import os
from typing import Any, Dict, Iterable, List, Optional, Tuple, cast

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError, Result, run_module
from ansible_collections.ctdb.cluster.plugins.module_utils._files import WriteResult, read_file, write_file
from ansible_collections.ctdb.cluster.plugins.module_utils._public_addresses import (
    Address, AddressLine, AddressPlan, Modified, api_view, missing_interfaces, parse_ip_all, parse_public_addresses, plan_addresses)
from ansible_collections.ctdb.cluster.plugins.module_utils._runner import CtdbRunner, ctdb_base

SYS_NET = '/sys/class/net'
# What read_and_plan returns: (entries, content, staged content, plan or None).
Planned = Tuple[List[AddressLine], str, str, Optional[AddressPlan]]

ARGUMENT_SPEC = dict(
    addresses=dict(type='list', elements='dict', options=dict(
        address=dict(type='str', required=True),
        interface_name=dict(type='str'),
        interfaces=dict(type='list', elements='str'),
    )),
    path=dict(type='path'),
    backup=dict(type='bool', default=False),
    reload=dict(type='bool', default=False),
    ctdb_base=dict(type='path'),
)


def _host_interfaces() -> Optional[List[str]]:
    try:
        return os.listdir(SYS_NET)
    except OSError:
        return None


def _daemon_differs(runner: CtdbRunner, entries: Iterable[Address]) -> bool:
    """True when this node's ctdbd knows other addresses or interfaces than ``entries``."""
    dummy: object  # the exit code, then stderr
    dummy, out, dummy = runner.run(['-v', 'ip'])
    known = parse_ip_all(out)
    wanted = dict((entry['ip'], entry['interfaces']) for entry in entries)
    if set(known) != set(wanted):
        return True
    return any(info['configured'] is not None and sorted(info['configured']) != sorted(wanted[address])
               for address, info in known.items())


def read_and_plan(path: str, text: Optional[str], desired: Optional[List[Dict[str, Any]]]) -> Planned:
    """-> (entries, content, staged content, plan or None): the file as it is, or as it must become."""
    if desired is None:
        return parse_public_addresses(text, path), text or '', text or '', None
    plan = plan_addresses(text, [dict((k, v) for k, v in item.items() if v is not None) for item in desired], path)
    return plan['entries'], plan['content'], plan['staged_content'], plan


def local_pnn(runner: CtdbRunner) -> int:
    if not runner.daemon_running():
        raise CtdbError('reload: true needs the ctdbd of this host running, and it is not: start it '
                        '(systemctl start ctdb), or leave reload out (the file is read when ctdbd starts)')
    dummy: object  # the exit code, then stderr
    dummy, out, dummy = runner.run(['pnn'])
    return int(out.strip().split(':')[-1])


def write_in_two_steps(module: AnsibleModule, runner: CtdbRunner, pnn: int, path: str, text: Optional[str],
                       staged: str, content: str, modified: Iterable[Modified]) -> WriteResult:
    """Write ``staged`` and reload (the modified addresses are released), then write ``content``."""
    written = write_file(path, staged, check_mode=module.check_mode, backup_wanted=module.params['backup'])
    rc, out, err = runner.run(['reloadips', str(pnn)], check_rc=False)
    if rc != 0:
        # Put the file back as it was, so that a new run plans the same two steps again.
        # the file had the modified addresses, so it existed
        write_file(path, cast(str, text), check_mode=module.check_mode)
        raise CtdbError('ctdb reloadips %d failed (rc %d) in the first of the two steps of changing %s (%s); the '
                        'file was restored: fix the cause and run the task again'
                        % (pnn, rc, ', '.join(item['address'] for item in modified), (err or out).strip() or
                           'no output'), rc=rc, stdout=out, stderr=err)
    final = write_file(path, content, check_mode=module.check_mode)
    written['diff']['after'] = final['diff']['after']
    written['changed'] = True
    return written


def reload_ips(module: AnsibleModule, runner: CtdbRunner, pnn: int, entries: Iterable[Address],
               written: Optional[WriteResult], two_steps: bool) -> Dict[str, Any]:
    """Run ``ctdb reloadips PNN`` when the file changed or the daemon differs from it."""
    steps = ['ctdb reloadips %d' % pnn] * (2 if two_steps else 1)
    needed = bool(written and written['changed']) or _daemon_differs(runner, entries)
    reload = {'changed': needed, 'pnn': pnn, 'steps': steps if needed else []}
    if needed and not module.check_mode:
        runner.run(['reloadips', str(pnn)])
        dummy: object  # the exit code, then stderr
        dummy, out, dummy = runner.run(['ip', 'all'])
        reload['ips'] = dict((address, info['pnn']) for address, info in parse_ip_all(out).items())
    return reload


def manage_addresses(module: AnsibleModule) -> Result:
    """Arguments, read, plan, apply, report."""
    params = module.params
    path = params['path'] or os.path.join(ctdb_base(module), 'public_addresses')
    text = read_file(path, missing_ok=True)
    entries, content, staged, plan = read_and_plan(path, text, params['addresses'])
    result: Dict[str, Any] = {'changed': False, 'path': path, 'exists': text is not None}
    if plan is not None:
        result.update(added=plan['added'], removed=plan['removed'], modified=plan['modified'])
    present = _host_interfaces()
    result['missing_interfaces'] = missing_interfaces(entries, present) if present is not None else []
    for name in result['missing_interfaces']:
        module.warn('interface %s named in %s does not exist on this host: ctdbd will refuse to load the file '
                    '("Unknown interface %s for public address") until it does' % (name, path, name))

    runner = CtdbRunner(module) if params['reload'] else None
    pnn = local_pnn(runner) if runner else None
    two_steps = plan is not None and staged != content and runner is not None
    written = None
    if plan is not None:
        if two_steps and not module.check_mode:
            # two steps only with a runner, so the PNN was read
            written = write_in_two_steps(module, cast(CtdbRunner, runner), cast(int, pnn), path, text, staged, content,
                                         plan['modified'])
        else:
            written = write_file(path, content, check_mode=module.check_mode, backup_wanted=params['backup'])
        result['changed'] = written['changed']
        if module._diff:
            result['diff'] = written['diff']
        if written['backup_file']:
            result['backup_file'] = written['backup_file']
    if runner is not None:
        result['reload'] = reload_ips(module, runner, cast(int, pnn), entries, written, two_steps)
        result['changed'] = result['changed'] or result['reload']['changed']
    result.update(addresses=api_view(entries), raw=content)
    return result


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, manage_addresses)


if __name__ == '__main__':
    main()
