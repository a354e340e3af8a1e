# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Planning the links from CTDB_BASE to the copies of CTDB's files on the distributed filesystem.

Pure code: the caller observes the filesystem (plan() describes the shape it expects) and
carries the plan out. The REST API's ``/db/ctdb/link`` made ``$CTDB_BASE/nodes`` and
``$CTDB_BASE/public_addresses`` links to ``<dfsPath>/.ctdb/``; this keeps that default.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import posixpath

DEFAULT_FILES = ('nodes', 'public_addresses')
DEFAULT_SUBDIR = '.ctdb'

# Actions, for state=present: none, link (nothing there yet), relink (a link elsewhere),
# backup_link (a regular file, backed up then replaced), replace_link (a regular file,
# replaced without backup: force). For state=absent: none, unlink_copy (the link becomes a
# regular file holding the shared copy's content).
CHANGING = ('link', 'relink', 'backup_link', 'replace_link', 'unlink_copy')


def validate_files(files):
    """Refuse names that are not plain file names in CTDB_BASE; returns the list without duplicates."""
    out = []
    for name in files:
        if not name or name in ('.', '..') or '/' in name or '\0' in name:
            raise ValueError("files: %r is not a file name in CTDB_BASE (use names such as 'nodes', "
                             "'public_addresses', 'ctdb.conf', without a directory)" % (name,))
        if name not in out:
            out.append(name)
    if not out:
        raise ValueError('files is empty: name at least one file, e.g. nodes')
    return out


def plan(files, base, shared_dir, observed, state='present', backup=True, force=False):
    """Decide, for each file, what to do.

    files: names (validated). base: CTDB_BASE. shared_dir: the directory on the distributed
    filesystem holding the shared copies.
    observed: {name: {'dest': obs, 'src': obs}} where obs is
    ``{'type': 'missing'|'file'|'link'|'dir'|'other', 'link': readlink text or None,
    'realpath': real path or None, 'target_type': type of what a link resolves to or None}``.
    Returns a list of ``{'file', 'path', 'target', 'action'}``; raises ValueError with every
    problem found (nothing is to be done when any file has a problem).
    """
    steps = []
    problems = []
    for name in files:
        dest_path = posixpath.join(base, name)
        src_path = posixpath.join(shared_dir, name)
        dest = observed[name]['dest']
        src = observed[name]['src']
        step = {'file': name, 'path': dest_path, 'target': src_path, 'action': 'none'}
        steps.append(step)
        src_kind = src['target_type'] if src['type'] == 'link' else src['type']
        points_to_src = dest['type'] == 'link' and dest.get('realpath') is not None \
            and src.get('realpath') is not None and dest['realpath'] == src['realpath']
        if state == 'present':
            if src_kind != 'file':
                if src['type'] == 'missing' or src_kind == 'missing':
                    problems.append('%s does not exist on the distributed filesystem: put the shared %s there first '
                                    '(or check dfs_path/shared_dir)' % (src_path, name))
                else:
                    problems.append('%s is not a regular file (%s): the shared copy of %s must be a file'
                                    % (src_path, src_kind, name))
                continue
            if points_to_src:
                continue
            if dest['type'] == 'missing':
                step['action'] = 'link'
            elif dest['type'] == 'link':
                step['action'] = 'relink'
            elif dest['type'] == 'file':
                if backup:
                    step['action'] = 'backup_link'
                elif force:
                    step['action'] = 'replace_link'
                else:
                    problems.append('%s is a regular file: set backup=true to keep a copy of it, or force=true to '
                                    'replace it, before it becomes a link to %s' % (dest_path, src_path))
            else:
                problems.append('%s is a %s, not a file or a link: remove it first' % (dest_path, dest['type']))
        elif state == 'absent':
            if dest['type'] != 'link':
                continue
            if not points_to_src:
                # a link this module did not make (it points elsewhere): leave it
                continue
            if src_kind != 'file':
                problems.append('%s links to %s, which is not a readable file: cannot turn it back into a file'
                                % (dest_path, src_path))
                continue
            step['action'] = 'unlink_copy'
        else:
            raise ValueError('state must be present or absent, not %r' % (state,))
    if problems:
        raise ValueError('; '.join(problems))
    return steps


def describe(steps, observed):
    """Before/after text for diff mode: one line per file, ``name -> target`` or ``name (file)``."""
    def line(name, obs):
        if obs['type'] == 'link':
            return '%s -> %s' % (name, obs['link'])
        if obs['type'] == 'missing':
            return '%s (missing)' % name
        return '%s (%s)' % (name, obs['type'])

    before, after = [], []
    for step in steps:
        obs = observed[step['file']]['dest']
        before.append(line(step['file'], obs))
        if step['action'] in ('link', 'relink', 'backup_link', 'replace_link'):
            after.append('%s -> %s' % (step['file'], step['target']))
        elif step['action'] == 'unlink_copy':
            after.append('%s (file)' % step['file'])
        else:
            after.append(line(step['file'], obs))
    return '\n'.join(before) + '\n', '\n'.join(after) + '\n'
