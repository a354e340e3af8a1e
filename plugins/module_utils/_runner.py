# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that runs the CTDB command line tools.

Every module runs ``ctdb`` (and ``ctdb-config``) through :class:`CtdbRunner`, so where the
binaries live, the locale, ``CTDB_BASE`` and the translation of the tools' failures into
messages a person can act on are right once, everywhere.

The runner takes what it needs explicitly: a ``run_command(argv, environ_update=...)``
callable returning ``(rc, stdout, stderr)`` and a ``bin_path(name)`` lookup. ``CtdbRunner(module)``
takes both from an AnsibleModule; tests pass their own. Failures raise
:class:`~._errors.CtdbError` carrying ``rc``, ``stdout``, ``stderr`` and ``cmd``; the module
turns it into ``fail_json`` once (``_errors.run_module``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import shutil
import tempfile
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Optional, Sequence, Tuple, cast

from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError
from ansible_collections.ctdb.cluster.plugins.module_utils._status import parse_version  # noqa: F401  (re-exported)

if TYPE_CHECKING:  # pragma: no cover
    from ansible.module_utils.basic import AnsibleModule

# What a command returns: (exit code, stdout, stderr), as AnsibleModule.run_command does.
CommandResult = Tuple[int, str, str]
# The command seam: run_command(argv, environ_update=None, ...) -> (rc, stdout, stderr), as
# AnsibleModule.run_command (tests pass their own). Keyword arguments, so Callable[..., ...].
RunCommand = Callable[..., CommandResult]
# bin_path(name) -> the binary's full path, or None when it is not installed.
BinPath = Callable[[str], Optional[str]]

DEFAULT_CTDB_BASE = '/etc/ctdb'

# Where CTDB's binaries live besides PATH: ctdb and ctdbd in /usr/bin or /usr/sbin, and the
# helpers (ctdb-config, ctdb_mutex_fcntl_helper, ctdb_etcd_lock, ...) in CTDB's helper directory,
# /usr/libexec/ctdb on Debian and Fedora, /usr/lib/ctdb or /usr/lib64/ctdb on older packages.
CTDB_BIN_DIRS = ('/usr/sbin', '/usr/bin', '/usr/libexec/ctdb', '/usr/lib/ctdb', '/usr/lib64/ctdb',
                 '/usr/local/libexec/ctdb')
CONFIG_TOOL = 'ctdb-config'

# ctdb's --timelimit is a C int.
_INT_MAX = 2147483647

# ctdb prints these when it cannot reach the local daemon's socket.
_DAEMON_DOWN_MARKERS = (
    'connect() failed',
    'Is this node part of CTDB cluster?',
    'Failed to connect to CTDB daemon',
    'ctdb_client_init() failed',
)
# errno=13 (EACCES) is how ctdb reports a socket it may not open: "connect() failed, errno=13".
_PERMISSION_MARKERS = ('Permission denied', 'Operation not permitted', 'errno=13')


def ctdb_base(module: 'AnsibleModule') -> str:
    """CTDB's configuration directory, resolved the way the ctdb tools do.

    The module's ``ctdb_base`` option wins, then the ``CTDB_BASE`` environment
    variable (set with the task's ``environment:``), then ``/etc/ctdb``.
    """
    configured = module.params.get('ctdb_base')
    if configured:
        return configured
    return os.environ.get('CTDB_BASE') or DEFAULT_CTDB_BASE


def module_bin_path(module: 'AnsibleModule') -> BinPath:
    """A ``bin_path(name)`` lookup for :class:`CtdbRunner`: :data:`CTDB_BIN_DIRS`, then PATH."""
    def bin_path(name: str) -> Optional[str]:
        return module.get_bin_path(name, opt_dirs=list(CTDB_BIN_DIRS))
    return bin_path


def explain_failure(stdout: Optional[str], stderr: Optional[str]) -> Optional[str]:
    """A sentence saying what went wrong and what to do, or None if not recognised."""
    text = '%s\n%s' % (stdout or '', stderr or '')
    # Permission first: ctdb prints "connect() failed" for a socket it may not open, too.
    if any(marker in text for marker in _PERMISSION_MARKERS):
        return 'permission denied talking to ctdbd: run the task as root (become: true)'
    if any(marker in text for marker in _DAEMON_DOWN_MARKERS):
        return ('ctdbd is not running on this node (or its socket is unreachable): '
                'start it (systemctl start ctdb) or check CTDB_BASE')
    return None


def failure_message(command: str, rc: int, stdout: Optional[str], stderr: Optional[str]) -> str:
    """``COMMAND failed: reason`` for a non-zero exit, explained when the cause is known."""
    reason = explain_failure(stdout, stderr)
    if reason:
        return '%s failed: %s' % (command, reason)
    return '%s failed with exit code %d: %s' % (command, rc, (stderr or stdout or '').strip() or 'no output')


class CtdbRunner:
    """Runs ``ctdb`` (or another CTDB binary) as an argument list with a C locale and ``CTDB_BASE``.

    ``CtdbRunner(module)`` takes ``run_command``, the binary lookup and ``CTDB_BASE`` from an
    AnsibleModule; any of them can be given instead (``run_command``, ``bin_path``, ``base``).
    ``environ`` adds variables (``CTDB_TEST_MODE`` for the validator).
    """

    def __init__(self, module: Optional['AnsibleModule'] = None, binary: str = 'ctdb',
                 run_command: Optional[RunCommand] = None, bin_path: Optional[BinPath] = None,
                 base: Optional[str] = None, environ: Optional[Dict[str, str]] = None) -> None:
        if module is not None:
            run_command = run_command or module.run_command
            bin_path = bin_path or module_bin_path(module)
            base = base or ctdb_base(module)
        if run_command is None or bin_path is None:
            raise TypeError('CtdbRunner needs a module, or run_command and bin_path')
        self.binary = binary
        self.base = base or os.environ.get('CTDB_BASE') or DEFAULT_CTDB_BASE
        self._run_command = run_command
        self._bin_path = bin_path
        self._extra_env = dict(environ or {})
        self._path: Optional[str] = None

    def environ(self) -> Dict[str, str]:
        env = {'CTDB_BASE': self.base, 'LC_ALL': 'C', 'LANG': 'C'}
        env.update(self._extra_env)
        return env

    def path(self) -> str:
        """The binary's full path; CtdbError when it is not installed."""
        if self._path is None:
            found = self._bin_path(self.binary)
            if not found:
                raise CtdbError('%s command not found: install the ctdb package on this node '
                                '(apt-get install ctdb, dnf install ctdb)' % self.binary)
            self._path = found
        return self._path

    def installed(self) -> bool:
        return bool(self._path or self._bin_path(self.binary))

    def run(self, args: Sequence[Any], check_rc: bool = True, timeout: Optional[float] = None) -> CommandResult:
        """Run ``binary args...`` -> ``(rc, stdout, stderr)``; with check_rc, CtdbError on a non-zero exit.

        ``timeout`` (seconds) becomes ctdb's own ``--timelimit``, so a hung daemon cannot hang the task.
        """
        argv = [self.path()] + [str(arg) for arg in args]
        if timeout is not None and self.binary == 'ctdb':
            argv = [argv[0], '--timelimit=%d' % min(max(int(timeout), 1), _INT_MAX)] + argv[1:]
        rc, out, err = self._run_command(argv, environ_update=self.environ())
        if rc != 0 and check_rc:
            command = ' '.join([self.binary] + [str(arg) for arg in args])
            raise CtdbError(failure_message(command, rc, out, err), rc=rc, stdout=out, stderr=err, cmd=argv,
                            ctdb_base=self.base)
        return rc, out, err

    def daemon_running(self) -> bool:
        rc, dummy, dummy = self.run(['pnn'], check_rc=False)
        return rc == 0

    def version(self) -> Optional[Tuple[int, ...]]:
        """The installed CTDB's version as a tuple (``(4, 17, 12)``), or None when ``ctdb version`` fails."""
        rc, out, dummy = self.run(['version'], check_rc=False)
        if rc != 0:
            return None
        return parse_version(out)


class ConfigValidator:
    """CTDB's own ``ctdb-config validate`` run on a candidate ctdb.conf before it is installed.

    ``ctdb-config`` reads only the installed file, or ``$CTDB_BASE/ctdb.conf`` in test mode; so
    the candidate is written into a fresh directory under ``tmpdir`` used as ``CTDB_BASE`` with
    ``CTDB_TEST_MODE=yes``. Scripts the file names relative to ``CTDB_BASE`` (``debug script``)
    are linked there from the real directory, since ctdb-config checks that they exist.
    """

    def __init__(self, tmpdir: str, module: Optional['AnsibleModule'] = None, run_command: Optional[RunCommand] = None,
                 bin_path: Optional[BinPath] = None) -> None:
        self.tmpdir = tmpdir
        # given, or taken from the module below
        self._run_command = cast(RunCommand, run_command)
        self._bin_path = cast(BinPath, bin_path)
        if module is not None:
            self._run_command = run_command or module.run_command
            self._bin_path = bin_path or module_bin_path(module)

    def available(self) -> bool:
        return bool(self._bin_path(CONFIG_TOOL))

    def validate(self, candidate: str, real_base: str, scripts: Iterable[str] = (), what: str = 'the new ctdb.conf',
                 keep: str = 'the file') -> None:
        """None when ctdb-config accepts ``candidate``; else CtdbError quoting ctdb-config.

        ``what`` and ``keep`` name the candidate and what stays untouched, for the message.
        """
        work = tempfile.mkdtemp(prefix='ctdb_conf.', dir=self.tmpdir)
        try:
            with open(os.path.join(work, 'ctdb.conf'), 'wb') as handle:
                handle.write(candidate.encode('utf-8'))
            for name in scripts:
                name = os.path.basename(name)
                if name and os.path.exists(os.path.join(real_base, name)):
                    os.symlink(os.path.join(real_base, name), os.path.join(work, name))
            runner = CtdbRunner(binary=CONFIG_TOOL, run_command=self._run_command, bin_path=self._bin_path,
                                base=work, environ={'CTDB_TEST_MODE': 'yes'})
            rc, out, err = runner.run(['validate'], check_rc=False)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if rc == 0:
            return None
        lines = [line.strip().replace(work, real_base) for line in (err + '\n' + out).splitlines()]
        lines = [line for line in lines if line and not line.startswith('Failed to load config file')]
        raise CtdbError('ctdb-config validate rejected %s, so %s was left unchanged: %s'
                        % (what, keep, '; '.join(lines) or 'exit code %d' % rc),
                        rc=rc, stdout=out, stderr=err, candidate=candidate)
