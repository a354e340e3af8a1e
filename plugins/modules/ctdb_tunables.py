#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ctdb_tunables
short_description: Read CTDB tunables, set them at run time and keep them in the ctdb.tunables file
version_added: 0.2.0
description:
  - Reads every tunable of the running daemon (C(ctdb listvars)) and the values kept in the tunables file.
  - With O(tunables), sets each one that differs at run time (C(ctdb setvar), on this node) and writes it to the file that
    ctdbd reads when it starts (C($CTDB_BASE/ctdb.tunables), checked against ctdbd 4.17), so the value survives a restart.
  - Names are checked against C(ctdb listvars) of the running daemon (case does not matter; the result uses CTDB's
    spelling); when ctdbd is not running and O(runtime=false), against the tunables of CTDB 4.17.
  - Values must be whole numbers from 0 to 4294967295 (ctdb itself accepts C(1x) or a larger number and silently
    truncates it), and C(IPAllocAlgorithm) 0 to 2.
  - Tunables apply to the node they are set on; run the task on every node to keep them identical, as
    ctdb-tunables(7) asks.
author:
  - Contributors to the ctdb.cluster collection (!UNKNOWN)
extends_documentation_fragment:
  - ctdb.cluster.ctdb
  - ctdb.cluster.attributes
attributes:
  check_mode:
    support: full
    details: Reports what would change (run time and file) and the file's diff; changes nothing.
  diff_mode:
    support: full
    details: The tunables file before and after.
  platform:
    details: Runs the C(ctdb) tool of the managed node.
options:
  tunables:
    description:
      - Tunables to set, name to value, for example C(MonitorInterval=20) and C(NoIPFailback=1). Tunables not named are left
        as they are, at run time and in the file.
      - Empty (the default) only reads.
    type: dict
    default: {}
  runtime:
    description:
      - Set the values in the running daemon with C(ctdb setvar). Needs ctdbd running.
    type: bool
    default: true
  persist:
    description:
      - Write the values to O(path), so that ctdbd takes them at its next start.
    type: bool
    default: true
  path:
    description:
      - The tunables file. Default C(ctdb.tunables) in the CTDB configuration directory (see O(ctdb_base)).
    type: path
  backup:
    description:
      - Keep a copy of the file before changing it.
    type: bool
    default: false
notes:
  - ctdbd logs and skips, at start, a line of the file with an unknown or obsolete name or a value that is not digits
    only (a trailing comment makes the value invalid); such lines are returned in RV(file_problems) and, when the
    module sets that tunable, replaced.
seealso:
  - name: ctdb-tunables(7)
    description: Every tunable, its default and meaning.
    link: https://www.samba.org/samba/docs/current/man-html/ctdb-tunables.7.html
'''

EXAMPLES = r'''
- name: Fail addresses back less eagerly and monitor less often, now and after restarts
  ctdb.cluster.ctdb_tunables:
    tunables:
      NoIPFailback: 1
      MonitorInterval: 20

- name: Read the tunables
  ctdb.cluster.ctdb_tunables:
  register: tunables

- name: Only write the file (ctdbd is stopped)
  ctdb.cluster.ctdb_tunables:
    tunables: {RecoveryBanPeriod: 600}
    runtime: false
'''

RETURN = r'''
tunables:
  description: Every tunable of the running daemon after the task (predicted in check mode); null when ctdbd is not running.
  returned: success
  type: dict
  sample: {"MonitorInterval": 20, "NoIPFailback": 1}
file:
  description: The tunables the file sets after the task (predicted in check mode), in CTDB's spelling.
  returned: success
  type: dict
  sample: {"MonitorInterval": 20}
file_problems:
  description: Lines of the file ctdbd would skip, one sentence each.
  returned: success
  type: list
  elements: str
  sample: ["line 3 'Foo=1': unknown or obsolete tunable Foo"]
changes:
  description: The tunables that changed, with C(runtime_before) and C(file_before) (null = not set in the file).
  returned: success
  type: list
  elements: dict
  sample: [{"name": "MonitorInterval", "value": 20, "runtime_before": 15, "file_before": null}]
path:
  description: The tunables file.
  returned: success
  type: str
  sample: /etc/ctdb/ctdb.tunables
backup_file:
  description: The backup of the file, when one was made.
  returned: when backup=true and the file changed
  type: str
'''

import os
from typing import Dict, Optional, cast

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ctdb.cluster.plugins.module_utils import _tunables
from ansible_collections.ctdb.cluster.plugins.module_utils._cluster import read_tunables, run_or_raise
from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError, Result, run_module
from ansible_collections.ctdb.cluster.plugins.module_utils._files import read_file, write_file
from ansible_collections.ctdb.cluster.plugins.module_utils._runner import CtdbRunner


ARGUMENT_SPEC = dict(
    tunables=dict(type='dict', default={}),
    runtime=dict(type='bool', default=True),
    persist=dict(type='bool', default=True),
    path=dict(type='path'),
    backup=dict(type='bool', default=False),
    ctdb_base=dict(type='path'),
)


def running_values(module: AnsibleModule, runner: CtdbRunner) -> Optional[Dict[str, int]]:
    """Tunables of the running daemon, or None when it is down and run-time changes are not wanted."""
    if runner.daemon_running():
        return read_tunables(runner)
    if module.params['runtime'] and module.params['tunables']:
        raise CtdbError('ctdbd is not running on this node, so the tunables cannot be set at run time: start it, '
                        'or give runtime=false to only write %s' % tunables_path(module))
    return None


def tunables_path(module: AnsibleModule) -> str:
    return module.params['path'] or os.path.join(CtdbRunner(module).base, _tunables.TUNABLES_FILE)


def apply_runtime(module: AnsibleModule, runner: CtdbRunner, running: Optional[Dict[str, int]],
                  run_wanted: Dict[str, int], result: Result) -> Dict[str, int]:
    """setvar each tunable (nothing in check mode); the tunables after, checked against listvars."""
    if module.check_mode:
        return dict(cast(Dict[str, int], running), **run_wanted)  # run_wanted is empty without a daemon
    for name, value in sorted(run_wanted.items()):
        run_or_raise(runner, ['setvar', name, str(value)])
    running = read_tunables(runner)
    wrong = sorted(n for n, v in run_wanted.items() if running.get(n) != v)
    if wrong:
        raise CtdbError('ctdb setvar exited 0 but listvars shows %s' % ', '.join(
            '%s = %s, not %s' % (n, running.get(n), run_wanted[n]) for n in wrong), **result)
    return running


def manage_tunables(module: AnsibleModule) -> Result:
    params = module.params
    runner = CtdbRunner(module)
    path = tunables_path(module)
    running = running_values(module, runner)
    known = list(running) if running is not None else list(_tunables.KNOWN_417)
    wanted = _tunables.check_tunables(params['tunables'], known, path)
    text = read_file(path)
    entries = _tunables.parse_file(text)
    in_file = _tunables.file_values(entries, known)
    file_wanted = dict((n, v) for n, v in wanted.items() if in_file.get(n) != v) if params['persist'] else {}
    run_wanted = dict((n, v) for n, v in wanted.items() if running is not None and running.get(n) != v) \
        if params['runtime'] else {}
    result = {'changed': False, 'path': path, 'file_problems': _tunables.file_problems(entries, known),
              'changes': [{'name': n, 'value': v, 'runtime_before': running.get(n) if running else None,
                           'file_before': in_file.get(n)}
                          for n, v in sorted(wanted.items()) if n in file_wanted or n in run_wanted]}
    if file_wanted:
        new_text = _tunables.plan_file(text or '', file_wanted)
        written = write_file(path, new_text, check_mode=module.check_mode, backup_wanted=params['backup'])
        result['changed'] = written['changed']
        result['diff'] = written['diff']
        if written['backup_file']:
            result['backup_file'] = written['backup_file']
        in_file = _tunables.file_values(_tunables.parse_file(new_text), known)
    result['file'] = in_file
    if run_wanted:
        result['changed'] = True
        running = apply_runtime(module, runner, running, run_wanted, result)
    result['tunables'] = running
    return result


def main() -> None:
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
    )
    run_module(module, manage_tunables)


if __name__ == '__main__':
    main()
