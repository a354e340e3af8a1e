# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The etcd lock helper (roles/etcd_lock/files/ctdb_etcd_lock) run as CTDB runs it: a real process
whose stdout is a pipe; its configuration files written as the role writes them."""
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import uuid

from ctdbtest import REPO, now

HELPER = os.path.join(REPO, 'roles', 'etcd_lock', 'files', 'ctdb_etcd_lock')
PYTHON = sys.executable
# nodes run the helper so, with Debian's python3-etcd and python3-etcd3gw (as the etcd_lock role installs them)
SYSTEM_PYTHON = '/usr/bin/python3'
CLIENT_MODULES = {'v2': 'etcd', 'v3': 'etcd3gw'}
STATE_NAME = 'etcd_lock.state'  # the helper's own default name
_HAS_MODULE = {}


def python_has(python, module):
    if (python, module) not in _HAS_MODULE:
        probe = subprocess.run([python, '-c', 'import %s' % module], capture_output=True, check=False)
        _HAS_MODULE[(python, module)] = probe.returncode == 0
    return _HAS_MODULE[(python, module)]


def write_config(path, api, etcd=None, name=None, **extra):
    """Write a helper config file; returns its path.  Its state file is STATE_NAME beside it unless
    state_file is given (state_file='none' for none): never the machine's /run/ctdb."""
    extra.setdefault('state_file', state_file_of(path))
    lines = ['# written by the etcd lock tests', 'api = %s' % api]
    if etcd is not None and 'endpoints' not in extra:
        lines.append('endpoints = %s' % etcd.url)
    if name:
        lines.append('name = %s' % name)
    lines += ['%s = %s' % item for item in extra.items()]
    with open(path, 'w') as handle:
        handle.write('\n'.join(lines) + '\n')
    return path


def state_file_of(config):
    """The state file write_config() gives a helper: beside its configuration."""
    return os.path.join(os.path.dirname(os.path.abspath(config)), STATE_NAME)


def read_state(path):
    """The helper's state file as a dict, None while there is none."""
    try:
        with open(path) as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None


class Helper:
    """One helper process; stdout is a pipe as in CTDB, stderr goes to a file.  Without env, it runs
    with CTDB_BASE (the configuration's directory) and CTDB_TEST_MODE as in the sandbox, so that a
    configuration without state_file keeps its default state file there (CTDB_BASE/run, which the
    tests do not create), not in the machine's /run/ctdb."""

    def __init__(self, config, verbose=0, argv=None, python=PYTHON, helper=HELPER, env=None):
        self.argv = argv or [python, helper, '-c', config] + (['-' + 'v' * verbose] if verbose else [])
        if env is None and config is not None:
            env = dict(os.environ, CTDB_BASE=os.path.dirname(os.path.abspath(config)), CTDB_TEST_MODE='yes')
        self.env = env
        self.process = None
        self.status = None
        self.status_at = None
        self.eof_at = None
        self.started_at = None

    def start(self):
        self.stderr = tempfile.TemporaryFile()
        self.started_at = now()
        self.process = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=self.stderr,
                                        stdin=subprocess.DEVNULL, env=self.env)
        return self

    def read_status(self, timeout=15):
        """The first character written, or '' at EOF; None if nothing within timeout (15 s: a start
        of the helper on a loaded machine, far from CTDB's own 120 s for a first attempt)."""
        if not select.select([self.process.stdout], [], [], timeout)[0]:
            return None
        char = os.read(self.process.stdout.fileno(), 1).decode()
        self.status_at = now()
        if char == '':
            self.eof_at = self.status_at
        self.status = char
        return char

    def wait_eof(self, timeout):
        """Wait until stdout closes (what CTDB sees as the lock lost); returns the
        now() time (CLOCK_BOOTTIME) of EOF or None."""
        deadline = now() + timeout
        while self.eof_at is None:
            left = deadline - now()
            if left <= 0:
                return None
            ready = select.select([self.process.stdout], [], [], min(left, 0.02))[0]
            if ready and os.read(self.process.stdout.fileno(), 1) == b'':
                self.eof_at = now()
        return self.eof_at

    def wait(self, timeout=10):
        return self.process.wait(timeout)

    def errors(self):
        self.stderr.seek(0)
        return self.stderr.read().decode()

    def signal(self, signum):
        if self.process.poll() is None:
            os.kill(self.process.pid, signum)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process:
            self.process.stdout.close()


class ParentedHelper:
    """A helper started by an intermediate parent process (as ctdbd's recovery
    daemon starts it) with our pipe as its stdout; kill_parent() is CTDB's death."""

    def __init__(self, config, python=PYTHON, helper=HELPER, verbose=0):
        self.argv = [python, helper, '-c', config] + (['-' + 'v' * verbose] if verbose else [])
        self.parent = None
        self.pid = None
        self.read_end = None

    def start(self):
        self.read_end, write_end = os.pipe()
        self.parent = subprocess.Popen(
            [PYTHON, '-c', 'import subprocess, sys, time\n'
             'p = subprocess.Popen(sys.argv[2:], stdout=int(sys.argv[1]), pass_fds=[int(sys.argv[1])])\n'
             'print(p.pid, flush=True)\n'
             'time.sleep(600)\n', str(write_end)] + self.argv,
            stdout=subprocess.PIPE, pass_fds=[write_end])
        os.close(write_end)
        self.pid = int(self.parent.stdout.readline())
        return self

    def read_status(self, timeout=10):
        if not select.select([self.read_end], [], [], timeout)[0]:
            return None
        return os.read(self.read_end, 1).decode()

    def kill_parent(self):
        self.parent.kill()
        self.parent.wait()
        return now()

    def wait_eof(self, timeout):
        """The time the helper's stdout reached EOF, or None."""
        deadline = now() + timeout
        while now() < deadline:
            if select.select([self.read_end], [], [], max(0, min(0.02, deadline - now())))[0]:
                if os.read(self.read_end, 1) == b'':
                    return now()
        return None

    def stop(self):
        if self.read_end is not None:
            os.close(self.read_end)
            self.read_end = None
        if self.parent and self.parent.poll() is None:
            self.parent.kill()
            self.parent.wait()
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def take(config, timeout=10, **kwargs):
    """Run a helper and return (helper, first status character)."""
    helper = Helper(config, **kwargs).start()
    return helper, helper.read_status(timeout)


def unique_name():
    return 'T%s' % uuid.uuid4().hex[:12]
