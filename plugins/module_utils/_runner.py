# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that runs the ctdb command line tools.

Every module runs ``ctdb`` through :class:`CtdbRunner`, so the locale, ``CTDB_BASE``
and the translation of the tool's failures into messages a person can act on are
right once, everywhere.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

DEFAULT_CTDB_BASE = '/etc/ctdb'

# ctdb prints these when it cannot reach the local daemon's socket.
_DAEMON_DOWN_MARKERS = (
    'connect() failed',
    'Is this node part of CTDB cluster?',
    'Failed to connect to CTDB daemon',
    'ctdb_client_init() failed',
)
# errno=13 (EACCES) is how ctdb reports a socket it may not open: "connect() failed, errno=13".
_PERMISSION_MARKERS = ('Permission denied', 'Operation not permitted', 'errno=13')


def ctdb_base(module):
    """CTDB's configuration directory, resolved the way the ctdb tools do.

    The module's ``ctdb_base`` option wins, then the ``CTDB_BASE`` environment
    variable (set with the task's ``environment:``), then ``/etc/ctdb``.
    """
    configured = module.params.get('ctdb_base')
    if configured:
        return configured
    return os.environ.get('CTDB_BASE') or DEFAULT_CTDB_BASE


def parse_version(text):
    """``4.17.12-Debian`` -> ``(4, 17, 12)``; None when no version is found."""
    match = re.search(r'(\d+)\.(\d+)(?:\.(\d+))?', text or '')
    if not match:
        return None
    return tuple(int(part) for part in match.groups(default='0'))


def explain_failure(stdout, stderr):
    """A sentence saying what went wrong and what to do, or None if not recognised."""
    text = '%s\n%s' % (stdout or '', stderr or '')
    # Permission first: ctdb prints "connect() failed" for a socket it may not open, too.
    if any(marker in text for marker in _PERMISSION_MARKERS):
        return 'permission denied talking to ctdbd: run the task as root (become: true)'
    if any(marker in text for marker in _DAEMON_DOWN_MARKERS):
        return ('ctdbd is not running on this node (or its socket is unreachable): '
                'start it (systemctl start ctdb) or check CTDB_BASE')
    return None


class CtdbRunner:
    """Runs ``ctdb`` (or another CTDB binary) as an argument list with a C locale."""

    def __init__(self, module, binary='ctdb'):
        self.module = module
        self.binary = binary
        self.base = ctdb_base(module)
        self._path = None

    def environ(self):
        return {'CTDB_BASE': self.base, 'LC_ALL': 'C', 'LANG': 'C'}

    def path(self):
        if self._path is None:
            found = self.module.get_bin_path(self.binary, opt_dirs=['/usr/libexec/ctdb'])
            if not found:
                self.module.fail_json(
                    msg='%s command not found: install the ctdb package on this node '
                        '(apt-get install ctdb, dnf install ctdb)' % self.binary)
            self._path = found
        return self._path

    def run(self, args, check_rc=True, timeout=None):
        """Run ``binary args...``; with check_rc, fail the module on a non-zero exit."""
        argv = [self.path()] + [str(arg) for arg in args]
        if timeout is not None and self.binary == 'ctdb':
            # ctdb's own per-request time limit, so a hung daemon cannot hang the task.
            argv = [argv[0], '--timelimit=%d' % int(timeout)] + argv[1:]
        rc, out, err = self.module.run_command(argv, environ_update=self.environ())
        if rc != 0 and check_rc:
            reason = explain_failure(out, err)
            command = ' '.join([self.binary] + [str(arg) for arg in args])
            if reason:
                msg = '%s failed: %s' % (command, reason)
            else:
                msg = '%s failed with exit code %d: %s' % (command, rc, (err or out).strip() or 'no output')
            self.module.fail_json(msg=msg, rc=rc, stdout=out, stderr=err, cmd=argv, ctdb_base=self.base)
        return rc, out, err

    def daemon_running(self):
        rc, dummy, dummy = self.run(['pnn'], check_rc=False)
        return rc == 0

    def version(self):
        rc, out, dummy = self.run(['version'], check_rc=False)
        if rc != 0:
            return None
        return parse_version(out)
