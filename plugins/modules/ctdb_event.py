#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ctdb_event
short_description: Enable or disable CTDB event scripts
version_added: 0.1.0
description:
  - Enables or disables CTDB's legacy event scripts, by service (V(samba), V(nfs), V(winbind), as the REST API's
    C(/db/ctdb/event) does; they are the scripts C(50.samba), C(60.nfs) and C(49.winbind)) or by script name
    (V(10.interface), V(10.interface.script), or V(interface) when only one script has that name).
  - Reports C(changed) from the scripts' state before and after, not from the exit code of C(ctdb event script enable),
    which is 0 whether or not anything changed.
  - Works through C(ctdb event script enable|disable|list legacy) while ctdbd runs on the node, and on the files themselves
    when it does not (O(method)); both give the same result, as C(ctdb event script list legacy) would print it.
  - An enabled script is a link C($CTDB_BASE/events/legacy/NN.name.script) to the shipped
    C(/usr/share/ctdb/events/legacy/NN.name.script) (C($CTDB_BASE/share/events/legacy) when C(CTDB_TEST_MODE) is set, as
    for the ctdb tools), or a local executable script in C($CTDB_BASE/events/legacy).
  - Without O(state) or O(action) the module only reports the scripts.
extends_documentation_fragment:
  - ctdb.cluster.ctdb
  - ctdb.cluster.attributes
attributes:
  check_mode:
    support: full
    details: Predicts the change and the resulting list without touching any file.
  diff_mode:
    support: full
    details: Shows the script list (as C(ctdb event script list legacy) prints it) before and after.
  platform:
    details: Runs on each CTDB node; event scripts are enabled per node.
options:
  name:
    description:
      - Services (V(samba), V(nfs), V(winbind)) or event script names to enable or disable.
      - An unknown name fails the task with the list of available scripts, and nothing is changed.
      - Required with O(state) or O(action).
    type: list
    elements: str
    aliases: [service, script]
  state:
    description:
      - V(enabled) or V(disabled).
    type: str
    choices: [enabled, disabled]
  action:
    description:
      - The REST API's form of O(state), V(enable) or V(disable).
    type: str
    choices: [enable, disable]
  method:
    description:
      - V(ctdb) runs C(ctdb event script ...); V(files) reads and changes the links and files directly.
      - V(auto) uses V(ctdb) when ctdbd answers on this node and V(files) otherwise (also when the ctdb tool is not installed).
    type: str
    choices: [auto, ctdb, files]
    default: auto
  script_dir:
    description:
      - Directory of the shipped event scripts, for O(method=files). The ctdb tool always uses its own.
      - Default C(/usr/share/ctdb/events/legacy), or C($CTDB_BASE/share/events/legacy) when C(CTDB_TEST_MODE) is set.
    type: path
seealso:
  - module: ctdb.cluster.ctdb_log
notes:
  - A dangling link in C($CTDB_BASE/events/legacy) is not an enabled script. Enabling it replaces it by a link to the
    shipped script (C(ctdb event script enable) alone would leave it and report success).
  - Only the C(legacy) event component exists in CTDB 4.x.
author:
  - Contributors to the ctdb.cluster collection (!UNKNOWN)
'''

EXAMPLES = r'''
- name: Let CTDB manage Samba and winbind (REST API form)
  ctdb.cluster.ctdb_event:
    service: [samba, winbind]
    action: enable

- name: CTDB does not manage NFS here
  ctdb.cluster.ctdb_event:
    name: nfs
    state: disabled

- name: Interface monitoring on, by script name
  ctdb.cluster.ctdb_event:
    name: 10.interface
    state: enabled

- name: List the scripts only
  ctdb.cluster.ctdb_event:
  register: events

- name: Show the enabled ones
  ansible.builtin.debug:
    var: events.enabled
'''

RETURN = r'''
enabled:
  description: Names of the enabled scripts after the task (predicted in check mode), in C(ctdb event script list) order.
  returned: always
  type: list
  elements: str
  sample: ['00.ctdb', '01.reclock', '05.system', '10.interface', '49.winbind', '50.samba']
scripts:
  description: The scripts named in O(name), resolved, with their state after the task.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Script name.
      type: str
    enabled:
      description: Whether it is enabled.
      type: bool
  sample: [{name: 50.samba, enabled: true}]
available:
  description: Every script name known on the node, shipped ones first, then local ones.
  returned: always
  type: list
  elements: str
changed_scripts:
  description: The scripts whose state was (or in check mode would be) changed.
  returned: always
  type: list
  elements: str
method:
  description: How the scripts were read and changed, V(ctdb) or V(files).
  returned: always
  type: str
raw:
  description: The script list as C(ctdb event script list legacy) prints it, after the task.
  returned: always
  type: str
  sample: "  00.ctdb\n* 50.samba\n\n"
'''

import os
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Tuple, cast

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.ctdb.cluster.plugins.module_utils import _events, _files
from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError, Result, run_module
from ansible_collections.ctdb.cluster.plugins.module_utils._events import Script
from ansible_collections.ctdb.cluster.plugins.module_utils._runner import CtdbRunner, ctdb_base

COMPONENT = 'legacy'
DEFAULT_DATA_DIR = '/usr/share/ctdb/events/legacy'

ARGUMENT_SPEC = dict(
    name=dict(type='list', elements='str', aliases=['service', 'script']),
    state=dict(type='str', choices=['enabled', 'disabled']),
    action=dict(type='str', choices=['enable', 'disable']),
    method=dict(type='str', default='auto', choices=['auto', 'ctdb', 'files']),
    script_dir=dict(type='path'),
    ctdb_base=dict(type='path'),
)


def default_data_dir(base: str) -> str:
    """Where the ctdb tools look for the shipped scripts (ctdb/common/path.c)."""
    if os.environ.get('CTDB_TEST_MODE'):
        return os.path.join(base, 'share', 'events', COMPONENT)
    return DEFAULT_DATA_DIR


class Scripts:
    """Reads and changes the scripts of one node, by the ctdb tool or by the files."""

    def __init__(self, module: AnsibleModule, base: str, method: str, data_dir: str) -> None:
        self.method = method
        self.etc_dir = os.path.join(base, 'events', COMPONENT)
        self.data_dir = data_dir
        self.runner = CtdbRunner(module) if method == 'ctdb' else None

    def real_data_dir(self) -> str:
        if not os.path.isdir(self.data_dir):
            raise CtdbError('the shipped event script directory %s does not exist: install the ctdb package, '
                            'or give the directory with script_dir=' % self.data_dir)
        return os.path.realpath(self.data_dir)

    def listing(self) -> List[Script]:
        if self.method == 'ctdb':
            dummy, out, err = cast(CtdbRunner, self.runner).run(['event', 'script', 'list', COMPONENT])
            try:
                return _events.parse_script_list(out)
            except _events.EventsError as exc:
                raise CtdbError('cannot read the output of ctdb event script list %s: %s' % (COMPONENT, exc.msg),
                                stdout=out, stderr=err)
        data_dir = self.real_data_dir()
        return _events.scripts_from_files(data_dir, os.listdir(data_dir), _files.observe_dir(self.etc_dir))

    def action(self, name: str, state: str, scripts: Iterable[Script]) -> Tuple[str, Optional[str]]:
        """``(action, data_dir)`` for bringing ``name`` to ``state``; raises CtdbError when it cannot be done."""
        filename = name + _events.SCRIPT_SUFFIX
        data_dir = self.real_data_dir() if (self.method == 'files' or state == 'enabled') else None
        shipped = bool(data_dir) and os.path.isfile(os.path.join(cast(str, data_dir), filename))
        entry = _files.observe_dir(self.etc_dir).get(filename)
        return _events.file_action(name, state, _events.is_enabled(scripts, name), entry, shipped), data_dir

    def change(self, name: str, state: str, scripts: Iterable[Script]) -> None:
        path = os.path.join(self.etc_dir, name + _events.SCRIPT_SUFFIX)
        action, data_dir = self.action(name, state, scripts)
        try:
            self._carry_out(action, name, state, path, data_dir)
        except (IOError, OSError) as exc:
            raise CtdbError('cannot %s event script %s in %s: %s' % (
                'enable' if state == 'enabled' else 'disable', name, self.etc_dir, to_native(exc)))

    def _carry_out(self, action: str, name: str, state: str, path: str, data_dir: Optional[str]) -> None:
        if action == 'none':
            return
        if self.method == 'ctdb':
            if action == 'relink':
                # neither ctdb nor eventd can use a dangling link, and ctdb would leave it: remove it
                _files.unlink(path)
            cast(CtdbRunner, self.runner).run(['event', 'script', 'enable' if state == 'enabled' else 'disable', COMPONENT, name])
        elif action in ('link', 'relink'):
            if not os.path.isdir(self.etc_dir):
                os.makedirs(self.etc_dir)
            _files.link(os.path.join(cast(str, data_dir), name + _events.SCRIPT_SUFFIX), path)  # found when enabling
        elif action == 'unlink':
            _files.unlink(path)
        elif action in ('chmod+x', 'chmod-x'):
            _files.set_exec(path, action == 'chmod+x')


def choose_method(module: AnsibleModule, requested: str) -> str:
    if requested != 'auto':
        return requested
    if not module.get_bin_path('ctdb', opt_dirs=['/usr/sbin', '/usr/bin']):
        return 'files'
    return 'ctdb' if CtdbRunner(module).daemon_running() else 'files'


def wanted_state(params: Mapping[str, Any]) -> Optional[str]:
    """'enabled', 'disabled' or None (report only), from state or the REST API's action."""
    state = params['state'] or {'enable': 'enabled', 'disable': 'disabled'}.get(params['action'])
    if state and not params['name']:
        raise CtdbError('state/action=%s needs name: the services (samba, nfs, winbind) or event scripts to %s'
                        % (params['state'] or params['action'], 'enable' if state == 'enabled' else 'disable'))
    if params['name'] is not None and any(not (n or '').strip() for n in params['name']):
        raise CtdbError('name=%r holds an empty name: give services (samba, nfs, winbind) or script names'
                        % (params['name'],))
    return state


def plan(before: Sequence[Script], requested: Optional[List[str]],
         state: Optional[str]) -> Tuple[List[str], List[str], List[str]]:
    """``(names, changes, available)``: the resolved names, those to change, every known script."""
    available = []
    for script in before:
        if script['name'] not in available:
            available.append(script['name'])
    names: List[str] = []
    changes: List[str] = []
    if requested and state:
        names, changes = _events.plan(before, requested, state)
    elif requested:
        names = [_events.resolve(n, available) for n in requested]
    return names, changes, available


def apply(scripts_io: Scripts, before: List[Script], changes: Iterable[str], state: str, method: str) -> List[Script]:
    """Change the scripts; returns the list read back, checked against what was asked."""
    for name in changes:
        scripts_io.change(name, state, before)
    after = scripts_io.listing()
    wrong = [n for n in changes if _events.is_enabled(after, n) != (state == 'enabled')]
    if wrong:
        raise CtdbError('event script(s) %s still not %s after the change (method %s): check %s'
                        % (', '.join(wrong), state, method, scripts_io.etc_dir), enabled=_events.enabled_names(after))
    return after


def manage_events(module: AnsibleModule) -> Result:
    params = module.params
    state = wanted_state(params)
    base = ctdb_base(module)
    method = choose_method(module, params['method'])
    scripts_io = Scripts(module, base, method, params['script_dir'] or default_data_dir(base))
    before = scripts_io.listing()
    names, changes, available = plan(before, params['name'], state)
    after = before
    if changes:
        state = cast(str, state)  # there are changes only for a state
        if module.check_mode:
            for name in changes:
                scripts_io.action(name, state, before)  # refuses what the real run would refuse
            after = _events.apply_plan(before, changes, state)
        else:
            after = apply(scripts_io, before, changes, state, method)
    result = dict(changed=bool(changes), enabled=_events.enabled_names(after),
                  scripts=[{'name': n, 'enabled': _events.is_enabled(after, n)} for n in names],
                  available=available, changed_scripts=changes, method=method,
                  raw=_events.render_script_list(after))
    if module._diff:
        header = '%s (event scripts)' % scripts_io.etc_dir
        result['diff'] = {'before': _events.render_script_list(before), 'after': result['raw'],
                          'before_header': header, 'after_header': header}
    return result


def main() -> None:
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, mutually_exclusive=[('state', 'action')],
                             supports_check_mode=True), manage_events)


if __name__ == '__main__':
    main()
