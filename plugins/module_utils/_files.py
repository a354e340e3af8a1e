# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that reads and writes CTDB's files.

Check mode, diff, backups and atomic replacement are done here once, so every
module that manages a file behaves the same way.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import os
import tempfile

from ansible.module_utils.common.text.converters import to_bytes, to_native


def read_text(module, path, missing_ok=True):
    """The UTF-8 text of ``path``; None when it does not exist and ``missing_ok``.

    Anything else that keeps the file from being read (a directory, no permission,
    bytes that are not UTF-8) fails the module with a message that names the path.
    """
    if os.path.isdir(path):
        module.fail_json(msg='%s is a directory, not a file: give the path of the file itself' % path)
    try:
        with open(path, 'rb') as handle:
            data = handle.read()
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT:
            if missing_ok:
                return None
            module.fail_json(msg='%s does not exist: create it first or give the right path' % path)
        if exc.errno in (errno.EACCES, errno.EPERM):
            module.fail_json(msg='cannot read %s: permission denied (run the task as root with become: true)' % path)
        module.fail_json(msg='cannot read %s: %s' % (path, to_native(exc)))
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError as exc:
        module.fail_json(msg='%s is not UTF-8 text (byte %d): fix or replace the file' % (path, exc.start))


def write_target(path):
    """The file a write to ``path`` must replace: the target when ``path`` is a symlink.

    ctdb_link keeps CTDB's files as links into the distributed filesystem;
    replacing the link itself with a file would silently unlink the node from it.
    """
    return os.path.realpath(path) if os.path.islink(path) else path


def write_text(module, path, content, backup=False, mode=None):
    """Make ``path`` hold ``content``; returns ``{changed, diff, backup_file}``.

    Writes nothing in check mode but still reports ``changed`` and the diff.
    """
    target = write_target(path)
    before = read_text(module, target, missing_ok=True)
    result = {
        'changed': before != content,
        'diff': {
            'before': before or '',
            'after': content,
            'before_header': '%s (content)' % path if before is not None else '%s (absent)' % path,
            'after_header': '%s (content)' % path,
        },
        'backup_file': None,
    }
    file_args = _file_args(module, target, mode)
    if module.check_mode:
        if before is not None and file_args:
            result['changed'] = module.set_fs_attributes_if_different(file_args, result['changed'])
        return result
    if result['changed']:
        directory = os.path.dirname(target) or '.'
        if not os.path.isdir(directory):
            module.fail_json(msg='cannot write %s: directory %s does not exist' % (path, directory))
        if backup and before is not None:
            result['backup_file'] = module.backup_local(target)
        fd, tmp_path = tempfile.mkstemp(dir=module.tmpdir)
        try:
            with os.fdopen(fd, 'wb') as handle:
                handle.write(to_bytes(content, errors='surrogate_or_strict'))
        except (IOError, OSError) as exc:
            module.fail_json(msg='cannot write a temporary copy of %s: %s' % (path, to_native(exc)))
        if before is not None:
            # Keep the owner and mode the administrator gave the file.
            try:
                stat = os.stat(target)
                os.chmod(tmp_path, stat.st_mode & 0o7777)
                os.chown(tmp_path, stat.st_uid, stat.st_gid)
            except OSError:
                pass
        elif mode is None:
            os.chmod(tmp_path, 0o644)
        module.atomic_move(tmp_path, target, unsafe_writes=module.params.get('unsafe_writes', False))
    if file_args:
        result['changed'] = module.set_fs_attributes_if_different(file_args, result['changed'])
    return result


def _file_args(module, target, mode):
    """Ownership/mode wanted for ``target``: the module's file options if it has them, else ``mode``."""
    if 'owner' in module.argument_spec:
        file_args = module.load_file_common_arguments(module.params, path=target)
        if mode is not None and file_args.get('mode') is None:
            file_args['mode'] = mode
        return file_args
    if mode is None:
        return None
    return {'path': target, 'mode': mode, 'owner': None, 'group': None, 'seuser': None, 'serole': None,
            'selevel': None, 'setype': None, 'attributes': None}
