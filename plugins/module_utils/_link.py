# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Planning the links from CTDB_BASE to the copies of CTDB's files on the distributed filesystem.

Pure code: the caller observes the filesystem (with _files.observe) and carries the plan
out. The REST API's ``/db/ctdb/link`` made ``$CTDB_BASE/nodes`` and
``$CTDB_BASE/public_addresses`` links to ``<dfsPath>/.ctdb/``; this keeps that default.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import posixpath
from typing import Iterable, List, Mapping, Optional, Tuple, TypedDict, cast

from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError
from ansible_collections.ctdb.cluster.plugins.module_utils._files import Observation, Owner, is_under

DEFAULT_FILES = ('nodes', 'public_addresses')
DEFAULT_SUBDIR = '.ctdb'

# Actions, for state=present: none, link (nothing there yet), relink (a link elsewhere),
# backup_link (a regular file, backed up then replaced), replace_link (a regular file,
# replaced without backup: force). For state=absent: none, unlink_copy (the link becomes a
# regular file holding the shared copy's content).
CHANGING = ('link', 'relink', 'backup_link', 'replace_link', 'unlink_copy')
LINKING = ('link', 'relink', 'backup_link', 'replace_link')

# Files in CTDB_BASE that hold credentials: the etcd lock helper's configuration (its
# default path, $CTDB_BASE/etcd). A local file only its owner may read counts as one too.
SECRET_FILES = ('etcd',)
GROUP_OTHER = 0o077
GROUP_OTHER_READ = 0o044


class LinkError(CtdbError):
    """A ctdb_link argument or filesystem layout refused: the message names the value and the fix."""


class _PlannedStep(TypedDict):
    file: str
    path: str
    target: str
    action: str


class LinkStep(_PlannedStep, total=False):
    """One file of the plan: ``action`` one of CHANGING, or ``none``; ctdb_link adds ``backup_file``."""
    backup_file: str


# {file name: {'dest': what is in CTDB_BASE, 'src': the shared copy}}, as _files.observe sees them.
Observed = Mapping[str, Mapping[str, Observation]]


def validate_files(files: Iterable[str]) -> List[str]:
    """Refuse names that are not plain file names in CTDB_BASE; returns the list without duplicates."""
    out = []
    for name in files:
        if not name or name in ('.', '..') or '/' in name or '\0' in name:
            raise LinkError("files: %r is not a file name in CTDB_BASE (use names such as 'nodes', "
                            "'public_addresses', 'ctdb.conf', without a directory)" % (name,))
        if name not in out:
            out.append(name)
    if not out:
        raise LinkError('files is empty: name at least one file, e.g. nodes')
    return out


def paths(dfs_path: str, shared_dir: Optional[str]) -> Tuple[str, str]:
    """``(dfs_path, shared_dir)`` normalised; relative paths are refused.

    A relative path would make a relative link, resolved from CTDB_BASE instead of from
    where the task ran: a dangling nodes file for ctdbd.
    """
    if not dfs_path:
        raise LinkError('dfs_path is empty: give the absolute path of the mount point, e.g. /lfsmnt/robin')
    if not dfs_path.startswith('/'):
        raise LinkError('dfs_path=%s is a relative path: give the absolute path of the mount point, e.g. /lfsmnt/robin'
                        % dfs_path)
    dfs_path = posixpath.normpath(dfs_path)
    if shared_dir is None or shared_dir == '':
        return dfs_path, posixpath.join(dfs_path, DEFAULT_SUBDIR)
    if not shared_dir.startswith('/'):
        raise LinkError('shared_dir=%s is a relative path: give an absolute path, e.g. %s'
                        % (shared_dir, posixpath.join(dfs_path, DEFAULT_SUBDIR)))
    return dfs_path, posixpath.normpath(shared_dir)


def check_mount_point(dfs_path: str, dfs_real: str, is_mount: bool, dfs_dev: int, root_dev: int) -> None:
    """For require_mount: dfs_path is a mount point, and not of the filesystem that holds / (never the cluster's)."""
    if not is_mount:
        raise LinkError('dfs_path=%s is not a mount point: mount the distributed filesystem first '
                        '(or set require_mount=false)' % dfs_path)
    if dfs_real == '/' or dfs_dev == root_dev:
        raise LinkError('dfs_path=%s is on the root filesystem (the one that holds /), which is never the cluster\'s '
                        'filesystem: give the mount point of the distributed filesystem, e.g. /lfsmnt/robin (or set '
                        'require_mount=false)' % dfs_path)


def check_shared_dir(dfs_path: str, shared_dir: str, dfs_real: str, shared_real: str, dfs_dev: int,
                     shared_dev: int) -> None:
    """For require_mount: shared_dir lies under dfs_path, on the same filesystem."""
    if not is_under(shared_real, dfs_real):
        raise LinkError('shared_dir=%s is not under dfs_path=%s: with require_mount the shared copies must be on the '
                        'distributed filesystem (put them under %s)' % (shared_dir, dfs_path, dfs_path))
    if shared_dev != dfs_dev:
        raise LinkError('shared_dir=%s is on another filesystem than dfs_path=%s (a local directory or another mount '
                        'under it): with require_mount the shared copies must be on the distributed filesystem'
                        % (shared_dir, dfs_path))


def _readable_by_others(obs: Observation) -> bool:
    return obs.get('mode') is not None and bool(cast(int, obs['mode']) & GROUP_OTHER_READ)


def is_secret(name: str, dest: Observation) -> bool:
    """A file holding credentials: a known one, or a local file nobody but its owner may read."""
    return name in SECRET_FILES or (dest['type'] == 'file' and dest.get('mode') is not None
                                    and not cast(int, dest['mode']) & GROUP_OTHER)


def _shared_problem(name: str, src_path: str, src: Observation, shared_real: str) -> Optional[str]:
    """Why the shared copy cannot be linked to or copied back, or None."""
    src_kind = src['target_type'] if src['type'] == 'link' else src['type']
    if src['type'] == 'missing' or src_kind == 'missing':
        return ('%s does not exist on the distributed filesystem: put the shared %s there first '
                '(or check dfs_path/shared_dir)' % (src_path, name))
    if src_kind != 'file':
        return '%s is not a regular file (%s): the shared copy of %s must be a file' % (src_path, src_kind, name)
    if not is_under(src.get('realpath') or '', shared_real):
        return ('%s leads out of %s (to %s): the shared copy of %s must be a regular file inside %s, not a link to '
                'elsewhere' % (src_path, shared_real, src.get('realpath'), name, shared_real))
    return None


def _present(step: LinkStep, name: str, dest: Observation, src: Observation, points_to_src: bool, backup: bool,
             force: bool) -> Optional[str]:
    """The action for state=present, or the problem."""
    if points_to_src:
        return None
    if dest['type'] in ('missing', 'link') or (dest['type'] == 'file' and (backup or force)):
        if is_secret(name, dest) and _readable_by_others(src):
            return ('%s is readable by group or others (mode %04o) but %s holds credentials: chmod go-rwx %s first, '
                    'then link it' % (step['target'], cast(int, src['mode']), step['path'], step['target']))
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
            return ('%s is a regular file: set backup=true to keep a copy of it, or force=true to replace it, before '
                    'it becomes a link to %s' % (step['path'], step['target']))
    else:
        return '%s is a %s, not a file or a link: remove it first' % (step['path'], dest['type'])
    return None


def _points_to(dest: Observation, src: Observation) -> bool:
    return dest['type'] == 'link' and dest.get('realpath') is not None and src.get('realpath') is not None \
        and dest['realpath'] == src['realpath']


def plan(files: Iterable[str], base: str, shared_dir: str, observed: Observed, state: str = 'present',
         backup: bool = True, force: bool = False, shared_real: Optional[str] = None) -> List[LinkStep]:
    """Decide, for each file, what to do.

    files: names (validated). base: CTDB_BASE. shared_dir: the directory on the distributed
    filesystem holding the shared copies; shared_real: its real path (default shared_dir).
    observed: {name: {'dest': obs, 'src': obs}}, obs as _files.observe returns it.
    Returns a list of ``{'file', 'path', 'target', 'action'}``; raises CtdbError with every
    problem found (nothing is to be done when any file has a problem).
    """
    if state not in ('present', 'absent'):
        raise LinkError('state must be present or absent, not %r' % (state,))
    shared_real = shared_real or shared_dir
    steps: List[LinkStep] = []
    problems: List[str] = []
    for name in files:
        step: LinkStep = {'file': name, 'path': posixpath.join(base, name), 'target': posixpath.join(shared_dir, name),
                          'action': 'none'}
        steps.append(step)
        dest, src = observed[name]['dest'], observed[name]['src']
        points_to_src = _points_to(dest, src)
        if state == 'absent' and not points_to_src:
            # not a link, or a link this module did not make (it points elsewhere): leave it
            continue
        problem = _shared_problem(name, step['target'], src, shared_real)
        if problem and state == 'absent':
            problem = '%s links to %s, which is not a readable file: cannot turn it back into a file (%s)' % (
                step['path'], step['target'], problem)
        if not problem and state == 'present':
            problem = _present(step, name, dest, src, points_to_src, backup, force)
        elif not problem:
            step['action'] = 'unlink_copy'
        if problem:
            problems.append(problem)
    if problems:
        raise LinkError('; '.join(problems), shared_dir=shared_dir)
    return steps


def warnings(files: Iterable[str], base: str, shared_dir: str, observed: Observed) -> List[str]:
    """Warnings for links already in place to shared copies of secrets that group or others may read."""
    out = []
    for name in files:
        dest, src = observed[name]['dest'], observed[name]['src']
        if _points_to(dest, src) and name in SECRET_FILES and _readable_by_others(src):
            out.append('%s is readable by group or others (mode %04o) but %s holds credentials: chmod go-rwx %s'
                       % (posixpath.join(shared_dir, name), cast(int, src['mode']), posixpath.join(base, name),
                          posixpath.join(shared_dir, name)))
    return out


def copy_back_attributes(name: str, src: Observation) -> Tuple[int, Owner]:
    """``(mode, (uid, gid))`` for the regular file that replaces a link (state=absent).

    The shared copy's mode and owner, as ``cp -p`` would keep them; for a secret, never
    more than its owner may read (a 0600 file must not come back 0644).
    """
    # the shared copy is a regular file here (plan checked it), so it has all three
    mode = cast(int, src['mode'])
    if name in SECRET_FILES:
        mode &= ~GROUP_OTHER
    return mode, cast(Owner, (src['uid'], src['gid']))


def describe(steps: Iterable[LinkStep], observed: Observed) -> Tuple[str, str]:
    """Before/after text for diff mode: one line per file, ``name -> target`` or ``name (file)``."""
    def line(name: str, obs: Observation) -> str:
        if obs['type'] == 'link':
            return '%s -> %s' % (name, obs['link'])
        if obs['type'] == 'missing':
            return '%s (missing)' % name
        return '%s (%s)' % (name, obs['type'])

    before: List[str] = []
    after: List[str] = []
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
