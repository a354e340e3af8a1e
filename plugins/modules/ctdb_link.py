#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ctdb_link
short_description: Link CTDB's files to the shared copies on the distributed filesystem
version_added: 0.1.0
description:
  - Makes C($CTDB_BASE/nodes) and C($CTDB_BASE/public_addresses) (or the files named in O(files), for example
    C(ctdb.conf) or the etcd lock helper's configuration) symbolic links to the copies kept on the distributed filesystem
    mounted at O(dfs_path), in C(<dfs_path>/.ctdb/) by default, as the REST API's C(/db/ctdb/link) did with C(dfsPath).
    Every node then reads the same files.
  - A regular file in the way is backed up first (O(backup)), or the module refuses unless O(force=true).
  - A missing shared copy, a shared copy that is not a regular file inside O(shared_dir) (a link leading out of it, a
    dangling link, a directory), a relative O(dfs_path) or O(shared_dir), a O(dfs_path) that is not a mount point (with
    O(require_mount=true)) or a link that would not resolve are errors, and then nothing is changed.
  - Should a change fail half way (one file linked, the next refused by the filesystem), every file already changed is
    put back as it was, and the backups made by the run are removed, before the task fails.
  - A file holding credentials (C(etcd), the etcd lock helper's configuration, or any local file that only its owner may
    read) is linked only to a shared copy that group and others cannot read.
  - O(state=absent) turns the links this module made back into regular files holding the shared content, with the shared
    copy's owner and mode (for C(etcd), never readable by group or others).
extends_documentation_fragment:
  - ctdb.cluster.ctdb
  - ctdb.cluster.attributes
attributes:
  check_mode:
    support: full
    details: Predicts every change and changes nothing.
  diff_mode:
    support: full
    details: Shows, per file, what C(CTDB_BASE) holds before and after (C(name -> target), C(name (file))).
  platform:
    details: Runs on each CTDB node.
options:
  dfs_path:
    description:
      - Where the distributed filesystem is mounted on the node, like the REST API's C(dfsPath).
      - It must be an absolute path, exist and be a directory.
    type: path
    required: true
    aliases: [dfsPath]
  shared_dir:
    description:
      - The directory holding the shared copies, an absolute path. Default C(<dfs_path>/.ctdb).
      - It must not be a symbolic link itself, and each shared copy in it must be a regular file (or a link to one
        inside O(shared_dir)).
    type: path
  files:
    description:
      - Names of the files in C(CTDB_BASE) to link, each to the file of the same name in O(shared_dir).
    type: list
    elements: str
    default: [nodes, public_addresses]
  state:
    description:
      - V(present) makes the links; V(absent) turns links to O(shared_dir) back into regular files (other links are left alone).
    type: str
    choices: [present, absent]
    default: present
  require_mount:
    description:
      - Fail unless O(dfs_path) is a mount point and O(shared_dir) lies under it on the same filesystem, so that links
        are never made into an empty directory of the local disk.
      - A O(dfs_path) on the filesystem that holds C(/) (C(/) itself, or a directory on the root filesystem) is refused
        too, as the root filesystem is never the cluster's.
    type: bool
    default: false
  backup:
    description:
      - Keep a copy (C(name.PID.DATE~)) of a regular file before it is replaced by a link.
    type: bool
    default: true
  force:
    description:
      - With O(backup=false), replace a regular file by a link without keeping a copy. Without it the module refuses.
    type: bool
    default: false
seealso:
  - module: ctdb.cluster.ctdb_event
notes:
  - The shared copies must exist; write them once (for example with the nodes or addresses modules on one node, with
    C(ctdb_base) pointing at O(shared_dir)) before linking every node.
  - Links are replaced atomically (a new link renamed over the old entry), and the directory is synced before the module
    reports success.
author:
  - Contributors to the ctdb.cluster collection (!UNKNOWN)
'''

EXAMPLES = r'''
- name: Share nodes and public_addresses from the cluster filesystem (REST API default)
  ctdb.cluster.ctdb_link:
    dfs_path: /lfsmnt/robin

- name: Also share ctdb.conf, and insist that the filesystem is mounted
  ctdb.cluster.ctdb_link:
    dfs_path: /lfsmnt/robin
    files: [nodes, public_addresses, ctdb.conf]
    require_mount: true

- name: Refuse to touch a node whose nodes file is a local file
  ctdb.cluster.ctdb_link:
    dfs_path: /lfsmnt/robin
    backup: false

- name: Go back to local files
  ctdb.cluster.ctdb_link:
    dfs_path: /lfsmnt/robin
    state: absent
'''

RETURN = r'''
links:
  description: One entry per file in O(files).
  returned: always
  type: list
  elements: dict
  contains:
    file:
      description: The file name.
      type: str
    path:
      description: The file in C(CTDB_BASE).
      type: str
    target:
      description: The shared copy it links to.
      type: str
    action:
      description:
        - What was (in check mode, would be) done. V(none); V(link) (created); V(relink) (a link elsewhere replaced);
          V(backup_link) (a regular file backed up then replaced); V(replace_link) (a regular file replaced, O(force));
          V(unlink_copy) (O(state=absent), the link replaced by a copy of the shared file).
      type: str
    backup_file:
      description: The backup made of a regular file, when there was one.
      type: str
  sample: [{file: nodes, path: /etc/ctdb/nodes, target: /lfsmnt/robin/.ctdb/nodes, action: link}]
shared_dir:
  description: The directory of the shared copies.
  returned: always
  type: str
  sample: /lfsmnt/robin/.ctdb
'''

import os
from typing import Any, Dict, Iterable, List, Mapping, Tuple

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.ctdb.cluster.plugins.module_utils import _files, _link
from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError, Result, run_module
from ansible_collections.ctdb.cluster.plugins.module_utils._files import Observation
from ansible_collections.ctdb.cluster.plugins.module_utils._link import LinkStep, Observed
from ansible_collections.ctdb.cluster.plugins.module_utils._runner import ctdb_base

ARGUMENT_SPEC = dict(
    dfs_path=dict(type='path', required=True, aliases=['dfsPath']),
    shared_dir=dict(type='path'),
    files=dict(type='list', elements='str', default=list(_link.DEFAULT_FILES)),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    require_mount=dict(type='bool', default=False),
    backup=dict(type='bool', default=True),
    force=dict(type='bool', default=False),
    ctdb_base=dict(type='path'),
)


def check_places(params: Mapping[str, Any], base: str) -> Tuple[str, str]:
    """``(dfs_path, shared_dir)`` once both and CTDB_BASE are fit to link between."""
    dfs_path, shared_dir = _link.paths(params['dfs_path'], params['shared_dir'])
    if not os.path.isdir(dfs_path):
        raise CtdbError('dfs_path=%s does not exist or is not a directory: mount the distributed filesystem there '
                        'or give its mount point' % dfs_path)
    if os.path.islink(shared_dir):
        raise CtdbError('shared_dir=%s is a link (to %s): give the directory itself, so that nobody who can write %s '
                        'can turn the links elsewhere' % (shared_dir, os.path.realpath(shared_dir),
                                                          os.path.dirname(shared_dir)))
    if params['require_mount']:
        _link.check_mount_point(dfs_path, os.path.realpath(dfs_path), os.path.ismount(dfs_path),
                                os.stat(dfs_path).st_dev, os.stat('/').st_dev)
        if not os.path.isdir(shared_dir):
            raise CtdbError('shared_dir=%s does not exist or is not a directory: create it on the distributed '
                            'filesystem and put the shared copies there' % shared_dir)
        _link.check_shared_dir(dfs_path, shared_dir, os.path.realpath(dfs_path), os.path.realpath(shared_dir),
                               os.stat(dfs_path).st_dev, os.stat(shared_dir).st_dev)
    if not os.path.isdir(base):
        raise CtdbError('CTDB_BASE %s does not exist or is not a directory: install ctdb or set ctdb_base' % base)
    return dfs_path, shared_dir


def read(files: Iterable[str], base: str, shared_dir: str) -> Dict[str, Dict[str, Observation]]:
    """What is in CTDB_BASE and in shared_dir for each file."""
    return dict((name, {'dest': _files.observe(os.path.join(base, name)),
                        'src': _files.observe(os.path.join(shared_dir, name))}) for name in files)


def apply_step(step: LinkStep, observed: Observed, undo: _files.Undo) -> None:
    """Carry one step out; raises CtdbError when the result is not what was planned."""
    action = step['action']
    undo.save(step['path'])
    if action == 'backup_link':
        step['backup_file'] = _files.backup(step['path'])
        undo.made(step['backup_file'])
    if action in _link.LINKING:
        _files.link(step['target'], step['path'])
        if not os.path.exists(step['path']) or \
                os.path.realpath(step['path']) != os.path.realpath(step['target']):
            raise CtdbError('%s -> %s does not resolve to the shared file after linking: check %s'
                            % (step['path'], step['target'], os.path.dirname(step['target'])))
    elif action == 'unlink_copy':
        mode, owner = _link.copy_back_attributes(step['file'], observed[step['file']]['src'])
        with open(step['target'], 'rb') as handle:
            data = handle.read()
        _files.atomic_write(step['path'], data, mode=mode, owner=owner)


def apply(steps: List[LinkStep], observed: Observed) -> None:
    """Carry the steps out; on any failure put every file back as it was, then raise CtdbError."""
    undo = _files.Undo()
    for step in steps:
        if step['action'] not in _link.CHANGING:
            continue
        try:
            apply_step(step, observed, undo)
        except (CtdbError, IOError, OSError) as exc:
            failed = undo.rollback()
            for done in steps:
                done.pop('backup_file', None)  # removed with the rest of the run
            reason = exc.msg if isinstance(exc, CtdbError) else 'cannot %s %s: %s' % (
                'copy back' if step['action'] == 'unlink_copy' else 'link', step['path'],
                to_native(getattr(exc, 'strerror', None) or exc))
            if failed:
                reason += '; could NOT put back %s: restore them by hand' % ', '.join(failed)
            else:
                reason += '; every file was put back as it was'
            raise CtdbError(reason, links=steps)


def manage_links(module: AnsibleModule) -> Result:
    params = module.params
    base = ctdb_base(module)
    dummy, shared_dir = check_places(params, base)
    files = _link.validate_files(params['files'])
    observed = read(files, base, shared_dir)
    steps = _link.plan(files, base, shared_dir, observed, params['state'], backup=params['backup'],
                       force=params['force'], shared_real=os.path.realpath(shared_dir))
    for warning in _link.warnings(files, base, shared_dir, observed):
        module.warn(warning)
    changed = any(step['action'] in _link.CHANGING for step in steps)
    if changed and not module.check_mode:
        apply(steps, observed)
    result = dict(changed=changed, links=steps, shared_dir=shared_dir)
    if module._diff:
        before, after = _link.describe(steps, observed)
        result['diff'] = {'before': before, 'after': after,
                          'before_header': '%s (links)' % base, 'after_header': '%s (links)' % base}
    return result


def main() -> None:
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True), manage_links)


if __name__ == '__main__':
    main()
