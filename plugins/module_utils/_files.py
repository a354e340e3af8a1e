# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that looks at, reads and changes CTDB's files and links.

Check mode, diff, backups, atomic replacement, modes and durability are done here once,
so every module that manages a file behaves the same way. Every function takes what it
needs as arguments (no AnsibleModule) and raises :class:`CtdbError` with a message that
names the path and the fix; the module turns it into ``fail_json`` in one place.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import os
import shutil
import stat
import tempfile
import time
from typing import Any, Dict, List, Optional, Tuple, TypedDict

from ansible.module_utils.common.text.converters import to_bytes, to_native

from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError

DEFAULT_MODE = 0o644
EXEC_BITS = stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH
GROUP_OTHER = 0o077


class Observation(TypedDict):
    """What :func:`observe` sees at a path."""
    type: str
    link: Optional[str]
    realpath: Optional[str]
    target_type: Optional[str]
    mode: Optional[int]
    uid: Optional[int]
    gid: Optional[int]
    executable: bool


class Diff(TypedDict):
    """A text diff as Ansible shows it (``--diff``)."""
    before: str
    after: str
    before_header: str
    after_header: str


class WriteResult(TypedDict):
    """The write result: what :func:`write_file` returns and the modules report."""
    changed: bool
    diff: Diff
    backup_file: Optional[str]


# A file's (uid, gid).
Owner = Tuple[int, int]
# What :func:`snapshot` saw: ``path`` and ``type``, with ``link``, or ``data``, ``mode`` and ``owner``.
Snapshot = Dict[str, Any]


def _load_libselinux() -> Any:
    """libselinux's calls, as AnsibleModule reaches them: ansible-core's own wrapper (shipped with the
    module, it needs only libselinux.so.1), else libselinux's Python bindings; None without libselinux."""
    try:
        from ansible.module_utils.compat import selinux as wrapper
        return wrapper
    except ImportError:
        pass
    try:
        import selinux as bindings
        return bindings
    except ImportError:
        return None


class SELinux:
    """The SELinux calls of a write (a seam: unit tests pass a fake with the same methods).

    ``lib`` offers libselinux's ``is_selinux_enabled()``, ``lgetfilecon_raw(path)``,
    ``matchpathcon(path, mode)`` (both ``[rc, context]``) and ``lsetfilecon(path, context)``;
    the default is the library AnsibleModule itself uses, if the host has libselinux.
    Contexts are whole strings (``user:role:type:level``). Failures raise OSError.
    """

    def __init__(self, lib: Any = None) -> None:
        self.lib = _load_libselinux() if lib is None else lib
        self._enabled: Optional[bool] = None

    def is_enabled(self) -> bool:
        if self._enabled is None:
            self._enabled = self.lib is not None and self.lib.is_selinux_enabled() == 1
        return self._enabled

    def get_context(self, path: str) -> Optional[str]:
        """The context of ``path`` itself (a link's own, not its target's); None when it has none."""
        try:
            rc, context = self.lib.lgetfilecon_raw(to_bytes(path, errors='surrogate_or_strict'))
        except OSError as exc:
            if exc.errno in (errno.ENODATA, errno.ENOTSUP):
                return None
            raise
        return context if rc >= 0 else None

    def default_context(self, path: str, mode: int) -> Optional[str]:
        """The policy's context for a new file at ``path`` (what restorecon would set); None when it has none."""
        try:
            rc, context = self.lib.matchpathcon(to_bytes(path, errors='surrogate_or_strict'), mode)
        except OSError:
            return None
        return context if rc >= 0 else None

    def set_context(self, path: str, context: str) -> None:
        if self.lib.lsetfilecon(to_bytes(path, errors='surrogate_or_strict'), to_bytes(context)) != 0:
            raise OSError(errno.EPERM, 'cannot set the SELinux context %s' % context, path)


_SELINUX = []  # type: list[SELinux]


def default_selinux() -> SELinux:
    """The host's SELinux, looked up once per run."""
    if not _SELINUX:
        _SELINUX.append(SELinux())
    return _SELINUX[0]


def _kind(st_mode: int) -> str:
    if stat.S_ISLNK(st_mode):
        return 'link'
    if stat.S_ISREG(st_mode):
        return 'file'
    if stat.S_ISDIR(st_mode):
        return 'dir'
    return 'other'


def observe(path: str) -> Observation:
    """What is at ``path``, without changing anything.

    ``{'type': 'missing'|'file'|'link'|'dir'|'other', 'link': readlink text or None,
    'realpath', 'target_type': kind of what a link resolves to ('missing' when dangling) or
    None, 'mode': permission bits of what the path resolves to or None, 'uid', 'gid',
    'executable': the owner execute bit of what it resolves to}``.
    """
    try:
        lst = os.lstat(path)
    except OSError:
        return {'type': 'missing', 'link': None, 'realpath': None, 'target_type': None, 'mode': None,
                'uid': None, 'gid': None, 'executable': False}
    kind = _kind(lst.st_mode)
    out: Observation = {'type': kind, 'link': os.readlink(path) if kind == 'link' else None, 'realpath': os.path.realpath(path),
                        'target_type': None, 'mode': None, 'uid': None, 'gid': None, 'executable': False}
    try:
        st = os.stat(path)
    except OSError:
        out['target_type'] = 'missing'
        return out
    if kind == 'link':
        out['target_type'] = _kind(st.st_mode)
    out.update({'mode': stat.S_IMODE(st.st_mode), 'uid': st.st_uid, 'gid': st.st_gid,
                'executable': bool(st.st_mode & stat.S_IXUSR)})
    return out


def observe_dir(directory: str) -> Dict[str, Observation]:
    """{entry name: observe(entry)} for every entry of ``directory``; a missing directory is empty."""
    try:
        names = os.listdir(directory)
    except OSError:
        return {}
    return dict((name, observe(os.path.join(directory, name))) for name in names)


def is_under(path: str, directory: str) -> bool:
    """Whether ``path`` is ``directory`` or inside it (both real paths; pure)."""
    directory = directory.rstrip('/') or '/'
    return directory == '/' or path == directory or path.startswith(directory + '/')


def read_file(path: str, missing_ok: bool = True) -> Optional[str]:
    """The UTF-8 text of ``path``; None when it does not exist and ``missing_ok``.

    Anything else that keeps the file from being read (a directory, no permission,
    bytes that are not UTF-8, a chain of links leading out, see link_target) raises
    CtdbError naming the path.
    """
    if os.path.isdir(path):
        raise CtdbError('%s is a directory, not a file: give the path of the file itself' % path, path=path)
    target = link_target(path, 'read')
    try:
        with open(target, 'rb') as handle:
            data = handle.read()
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT:
            if missing_ok:
                return None
            raise CtdbError('%s does not exist: create it first or give the right path' % path, path=path)
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise CtdbError('cannot read %s: permission denied (run the task as root with become: true)' % path,
                            path=path)
        raise CtdbError('cannot read %s: %s' % (path, to_native(exc)), path=path)
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError as exc:
        raise CtdbError('%s is not UTF-8 text (byte %d): fix or replace the file' % (path, exc.start), path=path)


def write_target(path: str) -> str:
    """The file a write to ``path`` must replace: the regular file a symlink leads to.

    ctdb_link keeps CTDB's files as links into the distributed filesystem; replacing the
    link itself with a file would silently unlink the node from it. But root must not be
    aimed elsewhere by whoever can write the link's directory: a link that dangles (the
    filesystem not mounted, the shared copy gone), whose chain leads out of the directory
    the link points into, or into a directory that is itself a link, is refused, so is one
    that ends in anything but a regular file.
    """
    return link_target(path, 'write')


def link_target(path: str, use: str) -> str:
    """What ``path`` leads to, for ``use`` 'read' or 'write' (see write_target).

    Reading refuses the same chains, so that no error message or diff shows a file the
    chain was aimed at; a dangling link reads as a missing file.
    """
    if not os.path.islink(path):
        return path
    first = os.path.normpath(os.path.join(os.path.dirname(path), os.readlink(path)))
    real = os.path.realpath(path)
    tree = os.path.realpath(os.path.dirname(first))
    if os.path.islink(os.path.dirname(first)):
        # the directory the link names was swapped for a link: the tree would follow it anywhere
        raise CtdbError('%s is a link into %s, which is itself a link (to %s): refusing to %s there; link to the '
                        'real directory instead' % (path, os.path.dirname(first), tree, use), path=path)
    if not os.path.lexists(real):
        if use == 'read':
            return real
        raise CtdbError('%s is a link to %s, which does not exist: refusing to create a file through a dangling link '
                        '(mount the distributed filesystem, put the shared copy there, or remove the link)'
                        % (path, first), path=path)
    if not is_under(real, tree):
        raise CtdbError('%s is a link whose chain leads out of %s (to %s): refusing to %s there; make %s a regular '
                        'file inside %s' % (path, tree, real, use, first, tree), path=path)
    if use == 'write' and (not os.path.isfile(real) or os.path.islink(real)):
        raise CtdbError('%s is a link to %s, which is not a regular file: refusing to write through it'
                        % (path, real), path=path)
    return real


def backup_name(path: str) -> str:
    """The name of a backup of ``path``, as AnsibleModule.backup_local names it."""
    return '%s.%s.%s~' % (path, os.getpid(), time.strftime('%Y-%m-%d@%H:%M:%S', time.localtime()))


def backup(path: str) -> str:
    """Copy ``path`` (content, mode, times) beside it; returns the copy's path."""
    dest = backup_name(path)
    try:
        shutil.copy2(path, dest)
    except (IOError, OSError) as exc:
        raise CtdbError('cannot back up %s to %s: %s' % (path, dest, to_native(exc)), path=path)
    return dest


def fsync_dir(directory: str) -> None:
    """Make a rename or unlink in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(target: str, data: bytes, mode: Optional[int] = None, owner: Optional[Owner] = None, selinux: Optional[SELinux] = None) -> None:
    """Replace ``target`` by a file holding ``data`` (bytes), atomically and durably.

    The temporary file is made in the target's directory (the rename cannot cross a
    filesystem), given its final mode, owner and SELinux context while still private (so the
    umask never shows: mkstemp makes it 0600 whatever the umask, and rename keeps what fchmod
    set), fsynced, renamed over the target, and the directory fsynced, before this returns.
    mode: permission bits; None keeps the existing file's, or DEFAULT_MODE for a new file.
    owner: (uid, gid); None keeps the existing file's (a new file belongs to the caller).
    selinux: a SELinux (default: the host's). Where it is enabled, the file keeps the context of
    the file it replaces, as AnsibleModule.atomic_move does (the temporary file got its
    directory's); a new file gets the policy's default context for its path.
    """
    directory = os.path.dirname(target) or '.'
    try:
        current = os.stat(target)
    except OSError:
        current = None
    if mode is None:
        mode = stat.S_IMODE(current.st_mode) if current else DEFAULT_MODE
    if owner is None and current is not None:
        owner = (current.st_uid, current.st_gid)
    selinux = default_selinux() if selinux is None else selinux
    context = _wanted_context(selinux, target, current, mode)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.%s.' % os.path.basename(target), suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(data)
            handle.flush()
            if owner is not None:
                _fchown(handle.fileno(), owner)
            os.fchmod(handle.fileno(), mode)
            if context is not None and selinux.get_context(tmp) != context:
                selinux.set_context(tmp, context)
            os.fsync(handle.fileno())
        os.rename(tmp, target)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    fsync_dir(directory)


def _wanted_context(selinux: SELinux, target: str, current: Optional[os.stat_result], mode: int) -> Optional[str]:
    """The SELinux context the new file must have, or None (SELinux off, or no context to keep)."""
    if not selinux.is_enabled():
        return None
    if current is not None:
        return selinux.get_context(target)
    return selinux.default_context(target, stat.S_IFREG | mode)


def _fchown(fd: int, owner: Owner) -> None:
    try:
        os.fchown(fd, owner[0], owner[1])
    except OSError as exc:
        # not root: the file stays the caller's, which is all a non-root user can have
        if exc.errno != errno.EPERM:
            raise


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def text_diff(path: str, before: Optional[str], after: str) -> Diff:
    return {
        'before': before or '',
        'after': after,
        'before_header': '%s (content)' % path if before is not None else '%s (absent)' % path,
        'after_header': '%s (content)' % path,
    }


def write_file(path: str, content: str, check_mode: bool = False, backup_wanted: bool = False,
               mode: Optional[int] = None) -> WriteResult:
    """Make ``path`` hold ``content``; returns ``{changed, diff, backup_file}``.

    Through a link, the file it leads to is written (see write_target). Writes nothing in
    check mode but still reports ``changed`` and the diff. ``mode`` (an int) is set when
    given; otherwise an existing file keeps its mode and owner, and a new one is 0644.
    """
    target = write_target(path)
    before = read_file(target, missing_ok=True)
    current_mode = observe(target)['mode']
    result: WriteResult = {'changed': before != content or (mode is not None and current_mode != mode),
                           'diff': text_diff(path, before, content), 'backup_file': None}
    if not result['changed']:
        return result
    # Checked before check mode returns: check mode refuses what the real run would refuse.
    directory = os.path.dirname(target) or '.'
    if not os.path.isdir(directory):
        raise CtdbError('cannot write %s: directory %s does not exist' % (path, directory), path=path)
    if check_mode:
        return result
    if backup_wanted and before is not None:
        result['backup_file'] = backup(target)
    try:
        atomic_write(target, to_bytes(content, errors='surrogate_or_strict'), mode=mode)
    except (IOError, OSError) as exc:
        raise CtdbError('cannot write %s: %s' % (path, to_native(exc)), path=path)
    return result


def link(target: str, path: str) -> None:
    """Point ``path`` at ``target`` atomically (a new link renamed over whatever is there), durably."""
    directory = os.path.dirname(path) or '.'
    tmp = os.path.join(directory, '.%s.%d.link.tmp' % (os.path.basename(path), os.getpid()))
    _unlink_quietly(tmp)
    os.symlink(target, tmp)
    try:
        os.rename(tmp, path)
    except OSError:
        _unlink_quietly(tmp)
        raise
    fsync_dir(directory)


def unlink(path: str) -> None:
    """Remove ``path`` (a file or a link), durably."""
    os.unlink(path)
    fsync_dir(os.path.dirname(path) or '.')


def set_exec(path: str, on: bool) -> bool:
    """Add (``on``) or clear the execute bits of ``path``; returns whether the mode changed."""
    mode = stat.S_IMODE(os.stat(path).st_mode)
    wanted = (mode | EXEC_BITS) if on else (mode & ~EXEC_BITS)
    if wanted != mode:
        os.chmod(path, wanted)
    return wanted != mode


def snapshot(path: str) -> Snapshot:
    """What :func:`restore` needs to put ``path`` back as it is now (a link, a file's bytes and mode, or nothing)."""
    obs = observe(path)
    if obs['type'] == 'link':
        return {'path': path, 'type': 'link', 'link': obs['link']}
    if obs['type'] == 'file':
        with open(path, 'rb') as handle:
            data = handle.read()
        return {'path': path, 'type': 'file', 'data': data, 'mode': obs['mode'], 'owner': (obs['uid'], obs['gid'])}
    return {'path': path, 'type': obs['type']}


def restore(snap: Snapshot) -> None:
    """Put back what :func:`snapshot` saw (only links, files and absence can be put back).

    A path that is still as it was is left alone (the step that failed may not have touched it).
    """
    path = snap['path']
    if snapshot(path) == snap:
        return
    if snap['type'] == 'link':
        link(snap['link'], path)
    elif snap['type'] == 'file':
        atomic_write(path, snap['data'], mode=snap['mode'], owner=snap['owner'])
    elif snap['type'] == 'missing' and os.path.lexists(path):
        unlink(path)


class Undo:
    """What a run changed, to put it back when a later step fails.

    ``save(path)`` before changing ``path``; ``made(path)`` for a file the run created
    beside (a backup); ``rollback()`` restores the saved paths, last first, removes the
    made files, and returns the paths it could not put back (empty: all as before).
    """

    def __init__(self) -> None:
        self.saved: List[Snapshot] = []
        self.created: List[str] = []

    def save(self, path: str) -> None:
        self.saved.append(snapshot(path))

    def made(self, path: str) -> None:
        self.created.append(path)

    def rollback(self) -> List[str]:
        failed = []
        for snap in reversed(self.saved):
            try:
                restore(snap)
            except (IOError, OSError) as exc:
                failed.append('%s (%s)' % (snap['path'], to_native(exc)))
        for path in self.created:
            _unlink_quietly(path)
        return failed
