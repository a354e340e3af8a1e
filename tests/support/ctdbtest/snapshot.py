# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a directory tree holds, to compare before and after ("nothing on disk changed"), and to put
it back (a test that must start from the state the sandbox began with)."""
import os
import shutil
import stat


def tree_snapshot(root, skip=()):
    """{path: (kind, content or link target, mode, mtime_ns)} for everything under ``root``.

    ``skip`` names entries directly under ``root`` to leave out (a daemon's own files).
    """
    state = {}
    for directory, dirs, files in os.walk(root):
        if directory == root:
            dirs[:] = [name for name in dirs if name not in skip]
            files = [name for name in files if name not in skip]
        for name in dirs + files:
            path = os.path.join(directory, name)
            state[path] = tree_snapshot_entry(path)
    return state


def restore_tree(root, state):
    """Put ``root`` back as ``tree_snapshot(root)`` (taken without ``skip``) found it: entries added
    since are removed, changed or removed ones written again with their content, mode and mtime."""
    current = tree_snapshot(root)
    for path in sorted(current, reverse=True):  # children before their directory
        want, have = state.get(path), current[path]
        if want == have or (want and want[0] == have[0] == 'dir'):
            continue
        if have[0] == 'dir':
            shutil.rmtree(path)
        else:
            os.unlink(path)
    for path in sorted(state):  # a directory before its children
        kind, content, mode, mtime_ns = state[path]
        if kind == 'dir':
            os.makedirs(path, exist_ok=True)
            os.chmod(path, stat.S_IMODE(mode))
            continue
        if os.path.lexists(path):
            continue  # unchanged
        if kind == 'link':
            os.symlink(content, path)
        else:
            with open(path, 'wb') as handle:
                handle.write(content)
            os.chmod(path, stat.S_IMODE(mode))
        os.utime(path, ns=(mtime_ns, mtime_ns), follow_symlinks=False)


def tree_snapshot_entry(path):
    info = os.lstat(path)
    if os.path.islink(path):
        return ('link', os.readlink(path), info.st_mode, info.st_mtime_ns)
    if os.path.isdir(path):
        return ('dir', None, info.st_mode, None)
    with open(path, 'rb') as handle:
        return ('file', handle.read(), info.st_mode, info.st_mtime_ns)
