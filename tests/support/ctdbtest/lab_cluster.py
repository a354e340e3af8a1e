# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible run from the lab's hub namespace, and the cluster's state read from the lab's hosts.

Shared by the lab tests (tests/lab) and the lab benches (bench/bench_lab_*.py).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from ctdbtest import REPO

COLLECTIONS = os.path.join(REPO, '.cache', 'collections')
BIN = os.path.dirname(sys.executable)
RECAP_LINE = re.compile(r'^(\S+)\s+:\s+(.*)$')


def lab_settings():
    """(name, subnet) of the lab the tests use: LAB_NAME, LAB_SUBNET."""
    return os.environ.get('LAB_NAME', 'labtest'), os.environ.get('LAB_SUBNET', '10.213.1')


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


# --- what the cluster looks like, read from the hosts themselves -----------------------
LOCK_KEY = '/_locks/_ctdb/ctdb.lock'
# The API the lab's inventory gives the etcd_lock role (its default, v3).
LOCK_API = os.environ.get('LAB_LOCK_API', 'v3')


def healthy(lab_, hosts=None):
    """True when every given host's ctdbd says: all nodes OK, recovery mode NORMAL."""
    for host in hosts or lab_.hostnames():
        done = lab_.ctdb(host, '-t', '3', 'status', timeout=10)
        if done.returncode != 0 or 'Recovery mode:NORMAL' not in done.stdout:
            return False
        flags = re.findall(r'^pnn:\d+\s+\S+\s+(\S+)', done.stdout, re.M)
        if not flags or set(flags) != {'OK'}:
            return False
    return True


def wait_healthy(lab_, timeout=120, hosts=None):
    ok = wait_until(lambda: healthy(lab_, hosts), timeout, interval=0.5)[0]
    return bool(ok)


def placement(lab_, hosts=None):
    """{public address: [hosts whose eth0 carries it]}, every public address of the lab listed."""
    where = {lab_.public_address(h): [] for h in lab_.hostnames()}
    for host in hosts or lab_.hostnames():
        for address in lab_.eth0_addresses(host):
            if address in where:
                where[address].append(host)
    return where


def leader_host(lab_, host=None):
    """The host whose ctdbd is the leader, as HOST's ctdbd sees it (PNN = position in the lab)."""
    done = lab_.ctdb(host or lab_.hostnames()[0], '-t', '3', 'leader', timeout=10)
    if done.returncode != 0 or not done.stdout.strip().isdigit():
        return None
    return lab_.hostnames()[int(done.stdout)]


def lock_value(lab_, api=LOCK_API, hosts=None):
    """The lock key's value (the holder's token host:pid:uuid) in etcd, or '' when free.

    hosts: ask only the etcd members of these hosts (those still reachable in a test).
    Reads answer at once from the member asked (v2 --no-sync: no member-list sync first, which
    tried a cut-off member's address; v3 serializable: no wait for a leader while the survivors
    elect one), so a poll sees the new holder when it is written; a member may lag behind by
    the time it takes to apply an entry, which only ever makes the new holder seen later.
    """
    endpoints = ','.join('http://%s:2379' % lab_.address(h) for h in lab_.etcd_hosts()
                         if hosts is None or h in hosts)
    if api == 'v3':
        argv = ['etcdctl', '--endpoints', endpoints, '--dial-timeout', '1s', '--command-timeout', '3s', 'get',
                '--consistency=s', '--print-value-only', LOCK_KEY]
    else:
        argv = ['etcdctl', '--endpoints', endpoints, '--no-sync', '--timeout', '3s', 'get', LOCK_KEY]
    done = lab_.in_hub(argv, check=False, env=dict(os.environ, ETCDCTL_API='3' if api == 'v3' else '2'))
    return done.stdout.strip() if done.returncode == 0 else ''


def lock_holder(lab_, api=LOCK_API, hosts=None):
    """The host whose ctdbd runs the helper that holds the lock in etcd, or None.

    The token names the host and the helper's PID there; the helper must be a live
    ctdb_etcd_lock whose ancestors include that host's ctdbd.
    """
    value = lock_value(lab_, api, hosts)
    if value.count(':') < 2:
        return None
    host, pid = value.split(':')[:2]
    if host not in lab_.hostnames() or lab_.init_pid(host) is None:
        return None
    ctdbd = lab_.ctdbd_pid(host)
    script = ('p=%s; grep -q ctdb_etcd_lock /proc/$p/cmdline || exit 1; '
              'while [ "$p" -gt 1 ]; do p=$(awk \'/^PPid:/ {print $2}\' /proc/$p/status); echo $p; done') % pid
    done = lab_.on_host(host, ['sh', '-c', script], check=False)
    if done.returncode != 0 or not ctdbd or str(ctdbd) not in done.stdout.split():
        return None
    return host


def helper_pids(lab_, host):
    """PIDs, as HOST sees them, of the lock helpers running there. Read from this machine's
    /proc, matching the host's PID namespace: no command started inside the host at every
    poll (the grep used before matched its own command line and used up host PIDs)."""
    init = lab_.init_pid(host)
    if init is None:
        return set()
    namespace = os.readlink('/proc/%d/ns/pid' % init)
    found = set()
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            if os.readlink('/proc/%s/ns/pid' % entry) != namespace:
                continue
            with open('/proc/%s/cmdline' % entry, 'rb') as handle:
                argv = handle.read().split(b'\0')
            if not any(arg.endswith(b'/ctdb_etcd_lock') for arg in argv):
                continue
            with open('/proc/%s/status' % entry) as handle:
                nspid = next(line for line in handle if line.startswith('NSpid:')).split()[-1]
        except (OSError, StopIteration):
            continue  # gone meanwhile
        found.add(int(nspid))
    return found
