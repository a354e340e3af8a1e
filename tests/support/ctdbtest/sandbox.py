# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real CTDB cluster on one machine: N ctdbd "local daemons" plus one etcd.

Each node is a real ``ctdbd`` in CTDB test mode with its own CTDB_BASE directory,
listening on 127.0.K.(N+1):4379; the etcd serves both the v2 and the v3 API on a
free loopback port. An Ansible inventory is written whose hosts are the nodes, so a
playbook run against it behaves as against a real cluster.

    PYTHONPATH=tests/support python3 -m ctdbtest.sandbox start [--name NAME] [--nodes 3] [--subnet 127.0.0] [--no-etcd]
    PYTHONPATH=tests/support python3 -m ctdbtest.sandbox status|stop [--name NAME]

(``make sandbox``, ``make sandbox-stop`` and ``make sandbox-status`` do the same.)

Everything lives under .sandbox/NAME/ in the checkout; ``stop`` ends every process
that ``start`` began.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SANDBOX_ROOT = os.path.join(REPO, '.sandbox')
CTDB_PORT = 4379
MAX_NODES = 8
DEBIAN_PACKAGES = ('ctdb', 'etcd-server', 'etcd-client')
REQUIRED_COMMANDS = {'ctdbd': 'ctdb', 'ctdb': 'ctdb', 'etcd': 'etcd-server', 'etcdctl': 'etcd-client'}


def sandbox_settings():
    """(name, subnet) of the sandbox the tests use: CTDB_SANDBOX_NAME, CTDB_SANDBOX_SUBNET."""
    return (os.environ.get('CTDB_SANDBOX_NAME', 'test'), os.environ.get('CTDB_SANDBOX_SUBNET', '127.0.10'))


def worker_settings(name, subnet, worker=None):
    """(name, subnet) for one pytest-xdist worker: gw0 keeps the run's own, gwN gets NAME-gwN on the
    subnet N*10 above (127.0.10 -> 127.0.20 for gw1), so that workers never share a node address,
    a public address or etcd's (.200)."""
    index = int(worker[2:]) if worker and worker.startswith('gw') else 0
    if not index:
        return name, subnet
    prefix, third = subnet.rsplit('.', 1)
    if int(third) + 10 * index > 255:
        raise SandboxError('no subnet for worker %s above %s: use a lower CTDB_SANDBOX_SUBNET' % (worker, subnet))
    return '%s-%s' % (name, worker), '%s.%d' % (prefix, int(third) + 10 * index)


class SandboxError(Exception):
    """Something the person running the sandbox has to fix; the message says what."""


def ensure_packages(need_etcd=True):
    """Install the Debian packages the sandbox runs, or say which are missing."""
    wanted = {cmd: pkg for cmd, pkg in REQUIRED_COMMANDS.items() if need_etcd or pkg == 'ctdb'}
    missing = sorted({pkg for cmd, pkg in wanted.items() if not _which(cmd)})
    if not missing:
        return
    if os.geteuid() != 0:
        raise SandboxError('missing Debian packages: %s; install them as root: apt-get install %s'
                           % (', '.join(missing), ' '.join(missing)))
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    subprocess.run(['apt-get', 'update', '-qq'], check=True, env=env)
    subprocess.run(['apt-get', 'install', '-y', '-qq'] + missing, check=True, env=env)


def _which(command):
    return shutil.which(command, path=os.environ.get('PATH', '') + ':/usr/sbin:/sbin')


def port_in_use(address, port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError:
            return True
    return False


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def pid_alive(pid):
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open('/proc/%d/stat' % pid) as stat:
            return stat.read().split(')')[-1].split()[0] != 'Z'
    except OSError:
        return False


def process_tree(root_pid):
    """root_pid and all its descendants, read from /proc."""
    children = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as stat:
                ppid = int(stat.read().split(')')[-1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def parse_health(status_text):
    """(healthy, reason) from ``ctdb status`` text: every non-deleted node OK and recovery NORMAL."""
    nodes = [line.split() for line in status_text.splitlines() if line.startswith('pnn:')]
    if not nodes:
        return False, 'no node lines'
    bad = [' '.join(node[:3]) for node in nodes if node[2] != 'OK' and 'DELETED' not in node[2]]
    if bad:
        return False, 'not OK: ' + ', '.join(bad)
    if 'Recovery mode:NORMAL' not in status_text:
        return False, 'recovery mode is not NORMAL'
    return True, 'healthy'


class Sandbox:
    """One named local cluster under .sandbox/NAME."""

    def __init__(self, name='sandbox', nodes=3, subnet='127.0.0', etcd=True, cluster_lock=None, root=None):
        if not 1 <= int(nodes) <= MAX_NODES:
            raise SandboxError('--nodes must be between 1 and %d, not %s' % (MAX_NODES, nodes))
        parts = subnet.split('.')
        if len(parts) != 3 or parts[0] != '127' or not all(p.isdigit() and 0 <= int(p) <= 255 for p in parts):
            raise SandboxError('--subnet must be three loopback octets like 127.0.0, not %r' % subnet)
        self.name = name
        self.nodes = int(nodes)
        self.subnet = subnet
        self.use_etcd = etcd
        self.cluster_lock = cluster_lock
        self.root = root or os.path.join(SANDBOX_ROOT, name)
        self.state_path = os.path.join(self.root, 'state.json')
        self.inventory_path = os.path.join(self.root, 'inventory.yml')
        self.etcd_url = None

    @classmethod
    def attach(cls, name='sandbox', root=None):
        """The sandbox ``name`` as its last start left it (nodes, subnet, etcd URL)."""
        sandbox = cls(name, root=root)
        sandbox._load_state()
        return sandbox

    # -- paths and addresses -------------------------------------------------
    def address(self, index):
        return '%s.%d' % (self.subnet, index + 1)

    def public_address(self, index):
        return '%s.%d' % (self.subnet, 101 + index)

    def node_base(self, index):
        return os.path.join(self.root, 'node%d' % index)

    def env(self, index):
        return dict(os.environ, CTDB_BASE=self.node_base(index), CTDB_TEST_MODE='yes', LC_ALL='C')

    def log_path(self, index):
        return os.path.join(self.node_base(index), 'log.ctdb')

    # -- state ---------------------------------------------------------------
    def _load_state(self):
        try:
            with open(self.state_path) as handle:
                state = json.load(handle)
        except (OSError, ValueError):
            return
        self.nodes = state.get('nodes', self.nodes)
        self.subnet = state.get('subnet', self.subnet)
        self.etcd_url = state.get('etcd_url')
        self.cluster_lock = state.get('cluster_lock', self.cluster_lock)

    def _save_state(self, **extra):
        state = {'name': self.name, 'nodes': self.nodes, 'subnet': self.subnet, 'etcd_url': self.etcd_url,
                 'cluster_lock': self.cluster_lock, 'root': self.root}
        state.update(extra)
        with open(self.state_path, 'w') as handle:
            json.dump(state, handle, indent=1)

    def _state(self):
        try:
            with open(self.state_path) as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return {}

    # -- files ---------------------------------------------------------------
    def conf_text(self, index):
        base = self.node_base(index)
        lines = [
            '[logging]',
            '\tlocation = file:%s' % self.log_path(index),
            '\tlog level = NOTICE',
            '[cluster]',
            '\tnode address = %s' % self.address(index),
        ]
        if self.cluster_lock:
            lines.append('\tcluster lock = %s' % self.cluster_lock)
        lines += [
            '[database]',
            '\tvolatile database directory = %s/db/volatile' % base,
            '\tpersistent database directory = %s/db/persistent' % base,
            '\tstate database directory = %s/db/state' % base,
        ]
        return '\n'.join(lines) + '\n'

    def nodes_text(self):
        return ''.join('%s\n' % self.address(i) for i in range(self.nodes))

    def public_addresses_text(self):
        return ''.join('%s/32 lo\n' % self.public_address(i) for i in range(self.nodes))

    def write_node_files(self, index):
        base = self.node_base(index)
        for sub in ('events/legacy', 'db/volatile', 'db/persistent', 'db/state', 'run'):
            os.makedirs(os.path.join(base, sub), exist_ok=True)
        for filename, text in (('ctdb.conf', self.conf_text(index)), ('nodes', self.nodes_text()),
                               ('public_addresses', self.public_addresses_text())):
            with open(os.path.join(base, filename), 'w') as handle:
                handle.write(text)

    def write_inventory(self):
        lines = ['# Written by tests/support/ctdbtest/sandbox.py for the sandbox %r; rewritten on every start.' % self.name,
                 'all:', '  children:', '    ctdb_cluster:', '      hosts:']
        for index in range(self.nodes):
            base = self.node_base(index)
            lines += [
                '        node%d:' % index,
                '          ctdb_base: %s' % base,
                '          ctdb_environment: {CTDB_BASE: %s, CTDB_TEST_MODE: "yes"}' % base,
                '          ctdb_node_address: %s' % self.address(index),
                '          ctdb_sandbox_pnn: %d' % index,
            ]
        lines += [
            '      vars:',
            '        ansible_connection: local',
            '        ansible_python_interpreter: %s' % sys.executable,
            '        ctdb_sandbox: true',
            '        ctdb_sandbox_name: %s' % self.name,
            '        ctdb_sandbox_etcd_url: %s' % (self.etcd_url or "''"),
        ]
        with open(self.inventory_path, 'w') as handle:
            handle.write('\n'.join(lines) + '\n')

    # -- processes -----------------------------------------------------------
    def ctdb(self, index, *args, timeout=30):
        """Run ``ctdb ARGS`` as node ``index``'s tool; returns the CompletedProcess."""
        return subprocess.run(['ctdb'] + [str(a) for a in args], env=self.env(index), capture_output=True,
                              text=True, timeout=timeout, check=False)

    def ctdbd_pid(self, index):
        try:
            with open(os.path.join(self.node_base(index), 'run', 'ctdbd.pid')) as handle:
                pid = int(handle.read().strip())
        except (OSError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    def start_node(self, index):
        address = self.address(index)
        if self.ctdbd_pid(index):
            return
        if port_in_use(address, CTDB_PORT):
            raise SandboxError('%s:%d is already in use (another ctdbd?): stop it first, or give this sandbox '
                               'another --subnet' % (address, CTDB_PORT))
        result = subprocess.run(['ctdbd'], env=self.env(index), capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise SandboxError('ctdbd for node %d failed to start (rc %d): %s; see %s'
                               % (index, result.returncode, (result.stderr or result.stdout).strip(),
                                  self.log_path(index)))
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.ctdb(index, 'pnn').returncode == 0:
                return
            time.sleep(0.2)
        raise SandboxError('ctdbd for node %d did not answer within 15 s; see %s' % (index, self.log_path(index)))

    def stop_node(self, index, timeout=15):
        """Shut node ``index`` down cleanly (it shows as DISCONNECTED to the others)."""
        pid = self.ctdbd_pid(index)
        if not pid:
            return
        tree = process_tree(pid)
        self.ctdb(index, 'shutdown', timeout=timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(pid_alive(p) for p in tree):
            time.sleep(0.1)
        self._kill(tree)

    def kill_node(self, index):
        """SIGKILL every process of node ``index``: a node crash."""
        pid = self.ctdbd_pid(index)
        if pid:
            self._kill(process_tree(pid))

    def add_node(self, start=False):
        """Prepare one more node (the next index) for an "add a node" test; returns its index.

        Writes its CTDB_BASE (ctdb.conf, a nodes file listing every node including itself,
        public_addresses) and rewrites the inventory so it is a host; the running nodes'
        nodes files are left alone (adding the node there is the job of the code under test).
        With ``start`` it also starts its ctdbd.
        """
        if self.nodes >= MAX_NODES:
            raise SandboxError('the sandbox already has %d nodes, the most it supports' % MAX_NODES)
        index = self.nodes
        if port_in_use(self.address(index), CTDB_PORT):
            raise SandboxError('%s:%d is already in use (another ctdbd?): cannot add node %d'
                               % (self.address(index), CTDB_PORT, index))
        etcd_pid = self._state().get('etcd_pid')
        self.nodes += 1
        self.write_node_files(index)
        self.write_inventory()
        self._save_state(etcd_pid=etcd_pid)
        if start:
            self.start_node(index)
        return index

    @staticmethod
    def _kill(pids):
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(pid_alive(p) for p in pids):
            time.sleep(0.05)

    def start_etcd(self):
        client_port, peer_port = free_port(), free_port()
        data_dir = os.path.join(self.root, 'etcd')
        shutil.rmtree(data_dir, ignore_errors=True)
        os.makedirs(data_dir)
        client_url = 'http://127.0.0.1:%d' % client_port
        peer_url = 'http://127.0.0.1:%d' % peer_port
        log = open(os.path.join(self.root, 'etcd.log'), 'w')
        process = subprocess.Popen(
            ['etcd', '--name', 'sandbox', '--data-dir', data_dir,
             '--listen-client-urls', client_url, '--advertise-client-urls', client_url,
             '--listen-peer-urls', peer_url, '--initial-advertise-peer-urls', peer_url,
             '--initial-cluster', 'sandbox=%s' % peer_url, '--enable-v2'],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SandboxError('etcd exited at start (rc %s); see %s/etcd.log' % (process.returncode, self.root))
            try:
                with urllib.request.urlopen(client_url + '/health', timeout=1) as answer:
                    if b'true' in answer.read():
                        self.etcd_url = client_url
                        return process.pid
            except OSError:
                time.sleep(0.2)
        process.kill()
        raise SandboxError('etcd did not become healthy within 20 s; see %s/etcd.log' % self.root)

    # -- the whole cluster ---------------------------------------------------
    def start(self, wait=True, timeout=60):
        ensure_packages(need_etcd=self.use_etcd)
        if self.running():
            raise SandboxError('sandbox %r is already running: stop it first (make sandbox-stop SANDBOX_NAME=%s)'
                               % (self.name, self.name))
        busy = [self.address(i) for i in range(self.nodes) if port_in_use(self.address(i), CTDB_PORT)]
        if busy:
            raise SandboxError('%s already in use on port %d (another ctdbd?): stop it first, or give this sandbox '
                               'another --subnet' % (', '.join(busy), CTDB_PORT))
        shutil.rmtree(self.root, ignore_errors=True)
        os.makedirs(self.root)
        etcd_pid = self.start_etcd() if self.use_etcd else None
        self._save_state(etcd_pid=etcd_pid)
        try:
            for index in range(self.nodes):
                self.write_node_files(index)
            self.write_inventory()
            for index in range(self.nodes):
                self.start_node(index)
            if wait:
                self.wait_healthy(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def running(self):
        state = self._state()
        return bool(pid_alive(state.get('etcd_pid')) or any(self.ctdbd_pid(i) for i in range(self.nodes)))

    def stop(self):
        for index in range(MAX_NODES):
            if os.path.isdir(self.node_base(index)):
                self.stop_node(index, timeout=10)
        etcd_pid = self._state().get('etcd_pid')
        if etcd_pid and pid_alive(etcd_pid):
            self._kill(process_tree(etcd_pid))

    def status_text(self, index=None):
        for candidate in ([index] if index is not None else range(self.nodes)):
            if self.ctdbd_pid(candidate):
                result = self.ctdb(candidate, 'status')
                if result.returncode == 0:
                    return result.stdout
        return ''

    def wait_healthy(self, timeout=60, index=None):
        deadline = time.monotonic() + timeout
        reason = 'no node answered'
        while time.monotonic() < deadline:
            text = self.status_text(index)
            if text:
                healthy, reason = parse_health(text)
                if healthy:
                    return text
            time.sleep(0.5)
        raise SandboxError('sandbox %r not healthy after %d s (%s)' % (self.name, timeout, reason))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('action', choices=['start', 'stop', 'status', 'restart'])
    parser.add_argument('--name', default=os.environ.get('CTDB_SANDBOX_NAME', 'sandbox'))
    parser.add_argument('--nodes', type=int, default=int(os.environ.get('CTDB_SANDBOX_NODES', '3')))
    parser.add_argument('--subnet', default=os.environ.get('CTDB_SANDBOX_SUBNET', '127.0.0'))
    parser.add_argument('--no-etcd', dest='etcd', action='store_false', help='do not start etcd')
    parser.add_argument('--etcd', dest='etcd', action='store_true', help='start etcd (the default)')
    parser.add_argument('--cluster-lock', default=None, help='the [cluster] cluster lock setting for every node')
    parser.add_argument('--timeout', type=int, default=90, help='seconds to wait for a healthy cluster')
    parser.set_defaults(etcd=True)
    args = parser.parse_args(argv)
    try:
        sandbox = Sandbox.attach(args.name)
        if args.action in ('stop', 'restart'):
            sandbox.stop()
            print('sandbox %r stopped' % args.name)
        if args.action in ('start', 'restart'):
            sandbox = Sandbox(args.name, nodes=args.nodes, subnet=args.subnet, etcd=args.etcd,
                              cluster_lock=args.cluster_lock)
            sandbox.start(timeout=args.timeout)
            print(sandbox.status_text(), end='')
            print('sandbox %r: %d nodes on %s.1-%d, etcd %s'
                  % (args.name, sandbox.nodes, sandbox.subnet, sandbox.nodes, sandbox.etcd_url or 'not started'))
            print('inventory: %s' % sandbox.inventory_path)
        if args.action == 'status':
            if not sandbox.running():
                print('sandbox %r is not running' % args.name)
                return 3
            print(sandbox.status_text(), end='')
    except SandboxError as exc:
        print('sandbox: %s' % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
