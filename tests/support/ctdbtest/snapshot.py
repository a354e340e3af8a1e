# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a directory tree holds, to compare before and after: "nothing on disk changed"."""
import os


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
            info = os.lstat(path)
            if os.path.islink(path):
                state[path] = ('link', os.readlink(path), info.st_mode, info.st_mtime_ns)
            elif os.path.isdir(path):
                state[path] = ('dir', None, info.st_mode, None)
            else:
                with open(path, 'rb') as handle:
                    state[path] = ('file', handle.read(), info.st_mode, info.st_mtime_ns)
    return state
