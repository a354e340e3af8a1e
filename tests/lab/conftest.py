# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Harness of the lab tests: one bare lab for the session, Ansible run from its hub.

The lab's name and subnet come from LAB_NAME and LAB_SUBNET (make lab-test sets them
apart from the demo's lab). The lab is started bare (no CTDB configuration, no ctdbd)
once per session and stopped at the end, even when tests fail. Test files run in name
order and build on each other: test_lab (the hosts), test_lab_site (converge with
site.yml), then the failure tests, which need a converged cluster and leave it healthy.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from lab import Lab  # noqa: E402  pylint: disable=wrong-import-position

COLLECTIONS = os.path.join(REPO, '.cache', 'collections')
BIN = os.path.dirname(sys.executable)
RECAP_LINE = re.compile(r'^(\S+)\s+:\s+(.*)$')


def lab_settings():
    return os.environ.get('LAB_NAME', 'labtest'), os.environ.get('LAB_SUBNET', '10.213.1')


@pytest.fixture(scope='session')
def lab():
    name, subnet = lab_settings()
    Lab.attach(name).stop()
    started = Lab(name, hosts=int(os.environ.get('LAB_HOSTS', '3')), subnet=subnet)
    started.start()
    try:
        yield started
    finally:
        started.stop()


class AnsibleRun:
    def __init__(self, completed, elapsed):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.elapsed = elapsed
        self.recap = parse_recap(completed.stdout)

    def changed_hosts(self):
        return sorted(host for host, counts in self.recap.items() if counts.get('changed'))

    def __repr__(self):
        return 'AnsibleRun(rc=%s, %.1f s)\n--- stdout ---\n%s\n--- stderr ---\n%s' % (
            self.rc, self.elapsed, self.stdout[-8000:], self.stderr[-3000:])


def parse_recap(stdout):
    """PLAY RECAP -> {host: {'ok': int, 'changed': int, ...}}."""
    recap, in_recap = {}, False
    for line in stdout.splitlines():
        if line.startswith('PLAY RECAP'):
            in_recap = True
            continue
        if in_recap:
            match = RECAP_LINE.match(line.strip())
            if match:
                counts = dict(re.findall(r'(\w+)=(\d+)', match.group(2)))
                recap[match.group(1)] = {key: int(value) for key, value in counts.items()}
    return recap


def ansible_env(extra=None):
    env = dict(os.environ)
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS,
        'ANSIBLE_ROLES_PATH': os.path.join(REPO, 'roles'),
        'ANSIBLE_RETRY_FILES_ENABLED': 'False',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_STDOUT_CALLBACK': 'default',
        'ANSIBLE_FORKS': '10',
        'PYTHONWARNINGS': 'ignore',
    })
    env.update(extra or {})
    return env


def run_in_hub(lab_, argv, timeout=900, env=None):
    """Run an Ansible command in the lab's hub namespace, where the controller lives."""
    started = time.time()
    completed = subprocess.run(lab_.hub_argv(argv), capture_output=True, text=True, env=ansible_env(env),
                               timeout=timeout, cwd=REPO, check=False)
    return AnsibleRun(completed, time.time() - started)


def playbook(lab_, path, check=False, extra_vars=None, timeout=900):
    argv = [os.path.join(BIN, 'ansible-playbook'), '-i', lab_.inventory_path, os.path.join(REPO, path)]
    if check:
        argv += ['--check', '--diff']
    if extra_vars:
        argv += ['-e', json.dumps(extra_vars)]
    return run_in_hub(lab_, argv, timeout=timeout)


def adhoc(lab_, module, args=None, become=True, pattern='all', timeout=300):
    argv = [os.path.join(BIN, 'ansible'), pattern, '-i', lab_.inventory_path, '-m', module]
    if args:
        argv += ['-a', args]
    if not become:
        argv += ['-e', 'ansible_become=false']
    tree = tempfile.mkdtemp(prefix='adhoc-', dir=lab_.dir)
    try:
        run = run_in_hub(lab_, argv + ['--tree', tree], timeout=timeout)
        run.results = {}
        for host in os.listdir(tree):
            with open(os.path.join(tree, host)) as handle:
                run.results[host] = json.load(handle)
    finally:
        shutil.rmtree(tree, ignore_errors=True)
    return run


def adhoc_results(run):
    """{host: result} of an ad-hoc run (each host's result as --tree wrote it)."""
    return run.results


def wait_until(predicate, timeout, interval=0.1):
    """Poll predicate() until it returns a true value; (value, seconds) or (None, timeout)."""
    started = time.time()
    while True:
        value = predicate()
        if value:
            return value, time.time() - started
        if time.time() - started > timeout:
            return None, time.time() - started
        time.sleep(interval)
