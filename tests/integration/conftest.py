# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration harness: a real sandbox cluster and real ansible-playbook runs against it.

The sandbox's name and loopback subnet come from CTDB_SANDBOX_NAME and
CTDB_SANDBOX_SUBNET, so several test runs can share a machine. Each test module
gets a freshly started cluster, stopped again when the module is done, even when
tests fail.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests', 'sandbox'))

from sandbox import Sandbox  # noqa: E402  pylint: disable=wrong-import-position

COLLECTIONS = os.path.join(REPO, '.cache', 'collections')
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
RECAP_LINE = re.compile(r'^(\S+)\s+:\s+(.*)$')


def sandbox_settings():
    return (os.environ.get('CTDB_SANDBOX_NAME', 'test'), os.environ.get('CTDB_SANDBOX_SUBNET', '127.0.10'))


@pytest.fixture(scope='module')
def sandbox():
    name, subnet = sandbox_settings()
    Sandbox.attach(name).stop()
    cluster = Sandbox(name, nodes=3, subnet=subnet)
    cluster.start(timeout=90)
    try:
        yield cluster
    finally:
        cluster.stop()


class PlaybookRun:
    def __init__(self, completed):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.recap = parse_recap(completed.stdout)

    def changed_hosts(self):
        return sorted(host for host, counts in self.recap.items() if counts.get('changed'))

    def __repr__(self):
        return 'PlaybookRun(rc=%s)\n--- stdout ---\n%s\n--- stderr ---\n%s' % (
            self.rc, self.stdout[-6000:], self.stderr[-3000:])


def parse_recap(stdout):
    """PLAY RECAP -> {host: {'ok': int, 'changed': int, ...}}."""
    recap, in_recap = {}, False
    for line in stdout.splitlines():
        if line.startswith('PLAY RECAP'):
            in_recap = True
            continue
        if in_recap:
            match = RECAP_LINE.match(line.strip())
            if not match:
                continue
            counts = dict(re.findall(r'(\w+)=(\d+)', match.group(2)))
            recap[match.group(1)] = {key: int(value) for key, value in counts.items()}
    return recap


def ansible_env(extra=None):
    env = dict(os.environ)
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS,
        'ANSIBLE_ROLES_PATH': os.path.join(REPO, 'roles'),
        'ANSIBLE_HOST_KEY_CHECKING': 'False',
        'ANSIBLE_RETRY_FILES_ENABLED': 'False',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_STDOUT_CALLBACK': 'default',
        'ANSIBLE_LOCALHOST_WARNING': 'False',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'False',
        'PYTHONWARNINGS': 'ignore',
    })
    env.update(extra or {})
    return env


@pytest.fixture
def run_playbook(sandbox, tmp_path):
    """Run a playbook (a path, or YAML text) with real ansible-playbook against the sandbox."""

    def run(playbook, extra_vars=None, check=False, diff=False, limit=None, inventory=None, env=None, timeout=600):
        if '\n' in playbook or not os.path.exists(playbook):
            fd, path = tempfile.mkstemp(suffix='.yml', dir=str(tmp_path))
            with os.fdopen(fd, 'w') as handle:
                handle.write(playbook)
            playbook = path
        argv = [ANSIBLE_PLAYBOOK, '-i', inventory or sandbox.inventory_path, playbook]
        if extra_vars:
            argv += ['-e', json.dumps(extra_vars)]
        if check:
            argv.append('--check')
        if diff:
            argv.append('--diff')
        if limit:
            argv += ['--limit', limit]
        completed = subprocess.run(argv, capture_output=True, text=True, env=ansible_env(env), timeout=timeout,
                                   cwd=REPO, check=False)
        return PlaybookRun(completed)

    return run
