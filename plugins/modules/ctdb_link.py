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
  - A missing shared copy, a O(dfs_path) that is not a mount point (with O(require_mount=true)) or a link that would not
    resolve are errors, and then nothing is changed.
  - O(state=absent) turns the links this module made back into regular files holding the shared content.
extends_documentation_fragment:
  - ctdb.cluster.ctdb
attributes:
  check_mode:
    support: full
    description: Predicts every change and changes nothing.
  diff_mode:
    support: full
    description: Shows, per file, what C(CTDB_BASE) holds before and after (C(name -> target), C(name (file))).
  platform:
    support: full
    platforms: posix
    description: Runs on each CTDB node.
options:
  dfs_path:
    description:
      - Where the distributed filesystem is mounted on the node, like the REST API's C(dfsPath).
      - It must exist and be a directory.
    type: path
    required: true
    aliases: [dfsPath]
  shared_dir:
    description:
      - The directory holding the shared copies. Default C(<dfs_path>/.ctdb).
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
      - Fail unless O(dfs_path) is a mount point, so that links are never made into an empty directory of the local disk.
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
  - Links are replaced atomically (a new link renamed over the old entry).
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
import shutil
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.ctdb.cluster.plugins.module_utils import _link
from ansible_collections.ctdb.cluster.plugins.module_utils._runner import ctdb_base


def _kind(st_mode):
    if stat.S_ISLNK(st_mode):
        return 'link'
    if stat.S_ISREG(st_mode):
        return 'file'
    if stat.S_ISDIR(st_mode):
        return 'dir'
    return 'other'


def observe(path):
    """What is at ``path``, in the shape _link.plan expects."""
    try:
        lst = os.lstat(path)
    except OSError:
        return {'type': 'missing', 'link': None, 'realpath': None, 'target_type': None}
    kind = _kind(lst.st_mode)
    link = os.readlink(path) if kind == 'link' else None
    target_type = None
    if kind == 'link':
        try:
            target_type = _kind(os.stat(path).st_mode)
        except OSError:
            target_type = 'missing'
    return {'type': kind, 'link': link, 'realpath': os.path.realpath(path), 'target_type': target_type}


def _tmp_name(path):
    return os.path.join(os.path.dirname(path), '.%s.ctdb_link.%d.tmp' % (os.path.basename(path), os.getpid()))


def make_link(target, path):
    """Point ``path`` at ``target`` atomically (new link renamed over whatever is there)."""
    tmp = _tmp_name(path)
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(target, tmp)
    try:
        os.rename(tmp, path)
    except OSError:
        os.unlink(tmp)
        raise


def link_to_file(path):
    """Replace the link ``path`` by a regular file with the content and mode of what it points to."""
    tmp = _tmp_name(path)
    shutil.copyfile(path, tmp)
    try:
        shutil.copymode(path, tmp)
        os.rename(tmp, path)
    except OSError:
        os.unlink(tmp)
        raise


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dfs_path=dict(type='path', required=True, aliases=['dfsPath']),
            shared_dir=dict(type='path'),
            files=dict(type='list', elements='str', default=list(_link.DEFAULT_FILES)),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            require_mount=dict(type='bool', default=False),
            backup=dict(type='bool', default=True),
            force=dict(type='bool', default=False),
            ctdb_base=dict(type='path'),
        ),
        supports_check_mode=True,
    )
    p = module.params
    dfs_path = p['dfs_path'].rstrip('/') or '/'
    if not os.path.isdir(dfs_path):
        module.fail_json(msg='dfs_path=%s does not exist or is not a directory: mount the distributed filesystem there '
                             'or give its mount point' % dfs_path)
    if p['require_mount'] and not os.path.ismount(dfs_path):
        module.fail_json(msg='dfs_path=%s is not a mount point: mount the distributed filesystem first '
                             '(or set require_mount=false)' % dfs_path)
    shared_dir = p['shared_dir'] or os.path.join(dfs_path, _link.DEFAULT_SUBDIR)
    base = ctdb_base(module)
    if not os.path.isdir(base):
        module.fail_json(msg='CTDB_BASE %s does not exist or is not a directory: install ctdb or set ctdb_base' % base)
    try:
        files = _link.validate_files(p['files'])
    except ValueError as exc:
        module.fail_json(msg=to_native(exc))

    observed = {}
    for name in files:
        observed[name] = {'dest': observe(os.path.join(base, name)), 'src': observe(os.path.join(shared_dir, name))}
    try:
        steps = _link.plan(files, base, shared_dir, observed, p['state'], backup=p['backup'], force=p['force'])
    except ValueError as exc:
        module.fail_json(msg=to_native(exc), shared_dir=shared_dir)

    changed = any(step['action'] in _link.CHANGING for step in steps)
    if changed and not module.check_mode:
        for step in steps:
            action = step['action']
            try:
                if action == 'backup_link':
                    step['backup_file'] = module.backup_local(step['path'])
                if action in ('link', 'relink', 'backup_link', 'replace_link'):
                    make_link(step['target'], step['path'])
                    if not os.path.exists(step['path']) or \
                            os.path.realpath(step['path']) != os.path.realpath(step['target']):
                        module.fail_json(msg='%s -> %s does not resolve to the shared file after linking: check %s'
                                             % (step['path'], step['target'], shared_dir), links=steps)
                elif action == 'unlink_copy':
                    link_to_file(step['path'])
            except (IOError, OSError) as exc:
                module.fail_json(msg='cannot %s %s: %s' % ('link' if action != 'unlink_copy' else 'copy back',
                                                           step['path'], to_native(exc)), links=steps)

    result = dict(changed=changed, links=steps, shared_dir=shared_dir)
    if module._diff:
        before, after = _link.describe(steps, observed)
        result['diff'] = {'before': before, 'after': after,
                          'before_header': '%s (links)' % base, 'after_header': '%s (links)' % base}
    module.exit_json(**result)


if __name__ == '__main__':
    main()
