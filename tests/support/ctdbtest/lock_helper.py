# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The etcd lock helper (roles/etcd_lock/files/ctdb_etcd_lock) run as CTDB runs it: a real process
whose stdout is a pipe; its configuration files written as the role writes them."""
import os
import select
import subprocess
import sys
import tempfile
import time
import uuid

from ctdbtest import REPO

HELPER = os.path.join(REPO, 'roles', 'etcd_lock', 'files', 'ctdb_etcd_lock')
PYTHON = sys.executable


def write_config(path, api, etcd=None, name=None, **extra):
    """Write a helper config file; returns its path."""
    lines = ['# written by the etcd lock tests', 'api = %s' % api]
    if etcd is not None and 'endpoints' not in extra:
        lines.append('endpoints = %s' % etcd.url)
    if name:
        lines.append('name = %s' % name)
    lines += ['%s = %s' % item for item in extra.items()]
    with open(path, 'w') as handle:
        handle.write('\n'.join(lines) + '\n')
    return path


class Helper:
    """One helper process; stdout is a pipe as in CTDB, stderr goes to a file."""

    def __init__(self, config, verbose=0, argv=None, python=PYTHON, helper=HELPER, env=None):
        self.argv = argv or [python, helper, '-c', config] + (['-' + 'v' * verbose] if verbose else [])
        self.env = env
        self.process = None
        self.status = None
        self.eof_at = None
        self.started_at = None

    def start(self):
        self.stderr = tempfile.TemporaryFile()
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=self.stderr,
                                        stdin=subprocess.DEVNULL, env=self.env)
        return self

    def read_status(self, timeout=10):
        """The first character written, or '' at EOF; None if nothing within timeout."""
        if not select.select([self.process.stdout], [], [], timeout)[0]:
            return None
        char = os.read(self.process.stdout.fileno(), 1).decode()
        if char == '':
            self.eof_at = time.monotonic()
        self.status = char
        return char

    def wait_eof(self, timeout):
        """Wait until stdout closes (what CTDB sees as the lock lost); returns the
        monotonic time of EOF or None."""
        deadline = time.monotonic() + timeout
        while self.eof_at is None:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready = select.select([self.process.stdout], [], [], min(left, 0.02))[0]
            if ready and os.read(self.process.stdout.fileno(), 1) == b'':
                self.eof_at = time.monotonic()
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


def take(config, timeout=10, **kwargs):
    """Run a helper and return (helper, first status character)."""
    helper = Helper(config, **kwargs).start()
    return helper, helper.read_status(timeout)


def unique_name():
    return 'T%s' % uuid.uuid4().hex[:12]
