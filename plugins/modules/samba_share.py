#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: samba_share
short_description: Manage one share in Samba's registry configuration (net conf)
version_added: 0.1.0
description:
  - Adds, changes or removes one share of Samba's registry configuration, the shares C(net conf) keeps in
    C(registry.tdb) and smbd reads when C(smb.conf) says C(include = registry) (or C(config backend = registry)).
  - In a CTDB cluster with C(clustering = yes), C(registry.tdb) is one of CTDB's persistent, replicated databases;
    a change made on one node is seen by every node. Run the task once for the whole cluster (C(run_once=true)).
  - The share's directory (O(path)) must be on the distributed filesystem mounted at O(dfs_path), so that every node
    serves the same files; it is checked after resolving symbolic links and C(..).
  - Parameter names and their context (share or global) are Samba's own, read from
    C(testparm --show-all-parameters) on the node; unknown names, global parameters and values Samba would refuse are
    errors, reported before anything changes.
  - Changes are made with C(net conf addshare), C(setparm), C(delparm) and C(delshare); the share is read with
    C(net conf listshares) and C(net conf showshare).
extends_documentation_fragment:
  - ctdb.cluster.attributes
attributes:
  check_mode:
    support: full
    details: Reads the registry, predicts the commands and the share they leave, and runs none of the changing ones.
  diff_mode:
    support: full
    details: Shows the share before and after as C(smb.conf) text (C([name]) then one C(parameter = value) a line).
  platform:
    details: Runs on one node of the cluster (C(run_once)); in a non-clustered Samba, on the server itself.
options:
  name:
    description:
      - The share's name. Share names are case-insensitive to Samba; an existing share keeps its spelling.
      - Not C(global), not empty, at most 80 characters, with no whitespace at either end, no control character and
        none of the characters C(%<>*?|/\+=;:",[]).
    type: str
    required: true
  state:
    description:
      - V(present) makes the share exist with O(path) and O(parameters); V(absent) deletes it (C(net conf delshare)).
    type: str
    choices: [present, absent]
    default: present
  path:
    description:
      - The share's directory, an absolute path, normalised (C(//srv/./data/) is C(/srv/data)).
      - It must exist, be a directory, and be O(dfs_path) or lie below it once symbolic links and C(..) are resolved.
      - Required to create the share; for an existing share, left as it is when not given.
    type: path
  dfs_path:
    description:
      - Where the distributed filesystem is mounted, as for M(ctdb.cluster.ctdb_link). Required with
        O(state=present).
    type: path
    aliases: [dfsPath]
  require_mount:
    description:
      - Fail unless O(dfs_path) is a mount point, and not of the filesystem that holds C(/), so that a share never
        points into an empty directory of the local disk.
    type: bool
    default: true
  parameters:
    description:
      - Share parameters, name to value, as in C(smb.conf) (C(read only), C(vfs objects), C(fruit:metadata)).
      - Names are compared as Samba compares them (case does not matter, nor whitespace). A synonym is stored as
        Samba stores it (C(browsable) as C(browseable), C(writeable=yes) as C(read only = no)).
      - Booleans are written C(yes)/C(no), lists space-separated, numbers as they are (an integer for an octal
        parameter such as C(create mask), which YAML reads from C(0644), is written C(0644) again).
      - Global parameters, unknown names (other than C(prefix:option) ones, which Samba takes from any module),
        C(include), and C(path) (use O(path)) are refused.
    type: dict
  purge_parameters:
    description:
      - Remove the share's parameters in the registry that O(parameters) does not list (C(path) stays).
      - A new share gets C(read only) and C(guest ok) from C(net conf addshare); with O(purge_parameters=true) they
        are removed again unless listed.
    type: bool
    default: false
  smb_conf:
    description:
      - The Samba configuration file, given to every Samba command (C(net --configfile=PATH), C(testparm -- PATH)). It
        must exist; net with a missing file falls back to built-in defaults, and would change another registry.
    type: path
    default: /etc/samba/smb.conf
requirements:
  - Samba's C(net) and C(testparm) (Debian and Ubuntu package C(samba-common-bin), Fedora and EL
    C(samba-common-tools)).
seealso:
  - module: ctdb.cluster.ctdb_link
  - module: ctdb.cluster.ctdb_event
notes:
  - In a cluster, run it as root on a node where ctdbd runs, since with C(clustering = yes) net opens C(registry.tdb) through
    ctdbd.
  - Only the registry changes. A running smbd picks the change up as it does a changed C(smb.conf), at its next
    configuration check (or at once with C(smbcontrol smbd reload-config)); nothing is started or reloaded.
  - Should a command fail half way (for example a parameter net refuses), the message says which commands were run
    before it and what net said; the share then stays as those commands left it.
author:
  - Contributors to the ctdb.cluster collection (!UNKNOWN)
'''

EXAMPLES = r'''
- name: A share on the cluster filesystem, added once for the whole CTDB cluster
  ctdb.cluster.samba_share:
    name: data
    path: /lfsmnt/robin/shares/data
    dfs_path: /lfsmnt/robin
    parameters:
      comment: Team data
      read only: false
      vfs objects: [acl_xattr, fruit, streams_xattr]
      fruit:metadata: stream
      create mask: '0664'
  run_once: true
  become: true

- name: Exactly these parameters (any other is removed)
  ctdb.cluster.samba_share:
    name: data
    dfs_path: /lfsmnt/robin
    parameters:
      read only: false
      browseable: false
    purge_parameters: true
  run_once: true

- name: Remove the share
  ctdb.cluster.samba_share:
    name: data
    state: absent
  run_once: true

- name: A non-clustered server with its own configuration file, no mount required
  ctdb.cluster.samba_share:
    name: scratch
    path: /srv/scratch
    dfs_path: /srv
    require_mount: false
    smb_conf: /etc/samba/smb-registry.conf
'''

RETURN = r'''
share:
  description:
    - The share's parameters after the task, as the registry holds them (C(net conf showshare)), in its order; in
      check mode, as predicted. Empty when the share does not exist.
  returned: always
  type: dict
  sample: {path: /lfsmnt/robin/shares/data, guest ok: 'no', read only: 'no', comment: Team data}
name:
  description: The share's name, as the registry spells it when it exists.
  returned: always
  type: str
  sample: data
commands:
  description: The changing C(net) commands run, or in check mode that would run, as argument lists.
  returned: always
  type: list
  elements: list
  sample: [[net, --configfile=/etc/samba/smb.conf, '--', conf, addshare, data, /lfsmnt/robin/shares/data,
            writeable=N, guest_ok=N], [net, --configfile=/etc/samba/smb.conf, '--', conf, setparm, data, comment,
            Team data]]
diff:
  description: The share before and after as C(smb.conf) text.
  returned: with --diff
  type: dict
  sample: {before: '', after: "[data]\n\tpath = /lfsmnt/robin/shares/data\n\tguest ok = no\n\tread only = yes\n"}
'''

import os
from typing import Any, Dict, List, Optional, Tuple

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ctdb.cluster.plugins.module_utils import _link, _smbconf
from ansible_collections.ctdb.cluster.plugins.module_utils._errors import Result, run_module
from ansible_collections.ctdb.cluster.plugins.module_utils._smbconf import ShareError, Stored

ARGUMENT_SPEC = dict(
    name=dict(type='str', required=True),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    path=dict(type='path'),
    dfs_path=dict(type='path', aliases=['dfsPath']),
    require_mount=dict(type='bool', default=True),
    parameters=dict(type='dict'),
    purge_parameters=dict(type='bool', default=False),
    smb_conf=dict(type='path', default='/etc/samba/smb.conf'),
)
REQUIRED_IF = [('state', 'present', ('dfs_path',))]
SAMBA_DIRS = ['/usr/bin', '/usr/sbin', '/usr/local/samba/bin']
ENVIRON = {'LC_ALL': 'C', 'LANG': 'C'}


class Samba:
    """Runs net and testparm as argument lists, C locale, always with the configuration file."""

    def __init__(self, module: AnsibleModule, smb_conf: str) -> None:
        self.module = module
        self.smb_conf = smb_conf
        self._paths: Dict[str, str] = {}

    def _binary(self, name: str) -> str:
        if name not in self._paths:
            found = self.module.get_bin_path(name, opt_dirs=SAMBA_DIRS)
            if not found:
                raise ShareError('%s command not found: install Samba\'s tools on this node (apt-get install '
                                 'samba-common-bin, dnf install samba-common-tools)' % name)
            self._paths[name] = found
        return self._paths[name]

    def argv(self, args: List[str]) -> List[str]:
        """``net --configfile=SMB_CONF -- conf ARGS``, named as reported in ``commands``.

        ``--`` ends net's options, so a share name or a value beginning with ``-`` is never one.
        """
        return ['net', '--configfile=%s' % self.smb_conf, '--', 'conf'] + list(args)

    def run(self, argv: List[str]) -> Tuple[int, str, str]:
        rc, out, err = self.module.run_command([self._binary(argv[0])] + argv[1:], environ_update=dict(ENVIRON))
        return rc, out, err

    def read(self, args: List[str]) -> str:
        argv = self.argv(args)
        rc, out, err = self.run(argv)
        problem = _load_problem(err)
        if rc != 0 or problem:
            raise ShareError('%s failed%s: %s' % (' '.join(argv), '' if rc == 0 else ' with exit code %d' % rc,
                                                  problem or (err or out).strip() or 'no output'),
                             rc=rc, stdout=out, stderr=err, cmd=argv)
        return out

    def parameter_table(self) -> _smbconf.Table:
        argv = ['testparm', '--suppress-prompt', '--show-all-parameters', '--', self.smb_conf]
        rc, out, err = self.run(argv)
        if rc != 0:
            raise ShareError('%s failed with exit code %d: %s' % (' '.join(argv), rc, (err or out).strip()),
                             rc=rc, stdout=out, stderr=err, cmd=argv)
        try:
            return _smbconf.parse_parameter_table(out)
        except ValueError as exc:
            raise ShareError('cannot read Samba\'s parameter table from %s: %s' % (' '.join(argv), exc), stdout=out)


def _load_problem(err: str) -> Optional[str]:
    """net prints "Can't load FILE" and goes on with built-in defaults (exit code 0)."""
    for line in (err or '').splitlines():
        if line.startswith("Can't load "):
            return line.strip()
    return None


def check_args(params: Dict[str, Any]) -> Tuple[str, Optional[str]]:
    """(name, path normalised) once the arguments and the filesystem are fit; ShareError (or _link's) if not."""
    name = _smbconf.check_name(params['name'])
    if not os.path.isfile(params['smb_conf']):
        raise ShareError('smb_conf=%s does not exist or is not a file: give the Samba configuration file '
                         '(net would fall back to built-in defaults and change another registry)' % params['smb_conf'])
    if params['state'] == 'absent':
        return name, None
    dfs_path = _link.paths(params['dfs_path'], None)[0]
    if not os.path.isdir(dfs_path):
        raise ShareError('dfs_path=%s does not exist or is not a directory: mount the distributed filesystem there '
                         'or give its mount point' % dfs_path)
    if params['require_mount']:
        _link.check_mount_point(dfs_path, os.path.realpath(dfs_path), os.path.ismount(dfs_path),
                                os.stat(dfs_path).st_dev, os.stat('/').st_dev)
    path = params['path']
    if path is not None:
        normal = _smbconf.check_path_syntax(path)
        _smbconf.check_share_path(path, os.path.realpath(normal), dfs_path, os.path.realpath(dfs_path),
                                  os.path.isdir(normal))
        path = normal
    return name, path


def read_share(samba: Samba, name: str) -> Tuple[str, Optional[Stored]]:
    """(the name as the registry spells it, its parameters), or (name, None) when there is no such share."""
    found = _smbconf.find_share(name, _smbconf.parse_listshares(samba.read(['listshares'])))
    if found is None:
        return name, None
    try:
        stored_name, stored = _smbconf.parse_showshare(samba.read(['showshare', found]))
    except ValueError as exc:
        raise ShareError('cannot read share %s: %s' % (found, exc))
    return stored_name, stored


def apply(samba: Samba, name: str, steps: List[_smbconf.Step]) -> None:
    """Run the steps; at the first failure, ShareError saying what was done and what net said."""
    for index, step in enumerate(steps):
        argv = samba.argv(step.args)
        rc, out, err = samba.run(argv)
        if rc != 0:
            done = [done.what for done in steps[:index]]
            raise ShareError('%s failed with exit code %d: %s; %s; the share is now as net conf showshare %s '
                             'shows' % (' '.join(argv), rc, (err or out).strip() or 'no output',
                                        'done before it: %s' % ', '.join(done) if done else 'nothing was changed',
                                        name),
                             rc=rc, stdout=out, stderr=err, cmd=argv,
                             commands=[samba.argv(done.args) for done in steps[:index]])


def manage_share(module: AnsibleModule) -> Result:
    params = module.params
    name, path = check_args(params)
    samba = Samba(module, params['smb_conf'])
    state = params['state']
    table: _smbconf.Table = {}
    wanted: Dict[str, Tuple[str, str]] = {}
    if state == 'present':
        table = samba.parameter_table()
        wanted = _smbconf.desired_parameters(params['parameters'], table)
    name, current = read_share(samba, name)
    planned = _smbconf.plan(name, current, state, table, path=path, wanted=wanted, purge=params['purge_parameters'])
    changed = bool(planned.steps)
    after = planned.after
    if changed and not module.check_mode:
        apply(samba, name, planned.steps)
        name, after = read_share(samba, name)
    result: Result = dict(changed=changed, name=name, share=dict(after or []),
                          commands=[samba.argv(step.args) for step in planned.steps])
    if module._diff:
        header = 'share %s (net conf, %s)' % (name, params['smb_conf'])
        result['diff'] = {'before': _smbconf.render_share(name, current), 'after': _smbconf.render_share(name, after),
                          'before_header': header, 'after_header': header}
    return result


def main() -> None:
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, required_if=REQUIRED_IF, supports_check_mode=True), manage_share)


if __name__ == '__main__':
    main()
