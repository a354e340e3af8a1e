# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A lab of real hosts on one machine: namespaced hosts reached over SSH.

Each host is a network + mount + UTS + PID namespace with its own hostname, its own
/etc/ctdb, /var/lib/ctdb, /run/ctdb, /var/log/ctdb, /etc/samba and Samba's state directories (bind mounts
over .lab/NAME/hostN/...), the lab's shared directory .lab/NAME/dfs at /srv/ctdblab-dfs (the distributed
filesystem), an eth0 on a bridge and its own sshd. The bridge lives in a hub
namespace of the lab's own, where the controller (ansible-playbook) runs. The lab's
addresses exist only inside these namespaces: the machine's own namespace has no
address or route to them. The first three hosts run a 3-member etcd cluster.

    PYTHONPATH=tests/support python3 -m ctdbtest.lab start [--name lab] [--hosts 3] [--subnet 10.213.0] [--no-etcd]
    PYTHONPATH=tests/support python3 -m ctdbtest.lab status|stop [--name lab]
    PYTHONPATH=tests/support python3 -m ctdbtest.lab [--name lab] run -- COMMAND...       (COMMAND in the hub)
    PYTHONPATH=tests/support python3 -m ctdbtest.lab [--name lab] exec HOST -- COMMAND... (COMMAND on a host, as root)

(``make lab``, ``make lab-stop`` and ``make lab-status`` do the same.) Each host's PID 1 is
lab_hostinit.py; lab_cluster.py runs Ansible in the hub and reads the cluster's state.

``stop`` ends every process of the lab (by namespace, so also those nobody recorded)
and removes its namespaces, even after a failed ``start``.
"""
import argparse
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time

from ctdbtest import REPO, SUPPORT

LAB_ROOT = os.path.join(REPO, '.lab')
USER = 'ctdblab'
MIN_HOSTS, MAX_HOSTS = 3, 8
ETCD_MEMBERS = 3
HUB_HOST = 254
PUBLIC_BASE = 100
# CTDB tunables the lab gives the ctdb role (ctdb_tunables: set at run time and in
# ctdb.tunables). CTDB's defaults notice a lost node after KeepaliveInterval x KeepaliveLimit
# = 25 s and ban a node that cannot take the cluster lock for 300 s (measured in the lab: a
# new lock holder 38 s after the holder's network went, the cut-off node banned for 5 minutes
# after it came back). The lab keeps its failure tests within CI time with a faster
# keepalive and a short ban, as a cluster on a fast private network may be tuned.
# Bind-mounted in every host at DFS_PATH (lab_hostinit.py): one directory for all, the lab's distributed filesystem.
DFS_PATH = '/srv/ctdblab-dfs'
# Samba's state directories, each host its own.
SAMBA_DIRS = ('var/lib/samba', 'var/cache/samba', 'run/samba', 'var/log/samba')
# The Samba demo (make lab-demo, the lab tests): one share on the lab's distributed filesystem, one user.
SAMBA_SHARE = 'demo'
SAMBA_USER = 'smbdemo'
TUNABLES = {'KeepaliveInterval': 1, 'KeepaliveLimit': 3, 'RecoveryBanPeriod': 30}
REQUIRED_COMMANDS = {'/usr/sbin/iptables': 'iptables', '/usr/sbin/sshd': 'openssh-server', '/usr/bin/sudo': 'sudo', '/usr/sbin/ctdbd': 'ctdb',
                     '/usr/bin/etcd': 'etcd-server', '/usr/sbin/ip': 'iproute2',
                     '/usr/sbin/smbd': 'samba', '/usr/bin/smbclient': 'smbclient'}


class LabError(Exception):
    """Something the person running the lab has to fix; the message says what."""


def run(argv, check=True, **kwargs):
    kwargs.setdefault('capture_output', True)
    kwargs.setdefault('text', True)
    completed = subprocess.run(argv, check=False, **kwargs)
    if check and completed.returncode != 0:
        output = (completed.stderr or completed.stdout or '').strip()
        raise LabError('%s failed (rc=%d): %s' % (' '.join(argv), completed.returncode, output))
    return completed


def netns_list():
    out = run(['ip', 'netns', 'list'], check=False).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def netns_pids(netns):
    out = run(['ip', 'netns', 'pids', netns], check=False).stdout
    return [int(pid) for pid in out.split() if pid.isdigit()]


def kill_netns(netns, sig=signal.SIGKILL):
    for pid in netns_pids(netns):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


class Lab:
    def __init__(self, name='lab', hosts=3, subnet='10.213.0'):
        if not name.isalnum() or len(name) > 8:
            raise LabError('lab name %r: use up to 8 letters or digits' % name)
        if not MIN_HOSTS <= hosts <= MAX_HOSTS:
            raise LabError('LAB_HOSTS=%s: a lab has %d to %d hosts' % (hosts, MIN_HOSTS, MAX_HOSTS))
        parts = subnet.split('.')
        if len(parts) != 3 or not all(p.isdigit() and int(p) < 256 for p in parts):
            raise LabError('lab subnet %r: give the first three octets, e.g. 10.213.0' % subnet)
        self.name, self.hosts, self.subnet = name, hosts, subnet
        self.dir = os.path.join(LAB_ROOT, name)
        self.prefix = 'ctdb%s-' % name
        self.hub = self.prefix + 'hub'
        self.state_path = os.path.join(self.dir, 'state.json')
        self.inventory_path = os.path.join(self.dir, 'inventory.yml')
        self.key_path = os.path.join(self.dir, 'ssh', 'id_ed25519')
        self.known_hosts = os.path.join(self.dir, 'ssh', 'known_hosts')

    @classmethod
    def attach(cls, name='lab'):
        """The lab NAME as recorded by its last start (or a default one, to stop leftovers)."""
        lab = cls(name)
        try:
            with open(lab.state_path) as handle:
                state = json.load(handle)
            return cls(name, hosts=state['hosts'], subnet=state['subnet'])
        except (OSError, ValueError, KeyError):
            return lab

    # --- names and addresses ---------------------------------------------------------
    def hostnames(self):
        return ['%s%d' % (self.name, n) for n in range(1, self.hosts + 1)]

    def netns(self, host):
        return self.prefix + host[len(self.name):]

    def address(self, host):
        return '%s.%s' % (self.subnet, host[len(self.name):])

    def public_address(self, host):
        return '%s.%d' % (self.subnet, PUBLIC_BASE + int(host[len(self.name):]))

    def etcd_hosts(self):
        return self.hostnames()[:ETCD_MEMBERS]

    def etcd_endpoints(self):
        return ['http://%s:2379' % self.address(h) for h in self.etcd_hosts()]

    @property
    def dfs_dir(self):
        """The lab's directory that every host mounts at DFS_PATH."""
        return os.path.join(self.dir, 'dfs')

    def host_dir(self, host):
        return os.path.join(self.dir, host)

    def init_pid(self, host):
        """Outer PID of the host's PID 1 (lab_hostinit.py), the process nsenter enters."""
        try:
            with open(os.path.join(self.host_dir(host), 'init.pid')) as handle:
                pid = int(handle.read())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None

    # --- commands inside the lab -----------------------------------------------------
    def host_argv(self, host, argv):
        pid = self.init_pid(host)
        if pid is None:
            raise LabError('lab host %s is not running (make lab)' % host)
        return ['nsenter', '-t', str(pid), '-n', '-m', '-u', '-p'] + list(argv)

    def on_host(self, host, argv, check=True, **kwargs):
        return run(self.host_argv(host, argv), check=check, **kwargs)

    def hub_argv(self, argv):
        return ['ip', 'netns', 'exec', self.hub] + list(argv)

    def in_hub(self, argv, check=True, **kwargs):
        return run(self.hub_argv(argv), check=check, **kwargs)

    def eth0_addresses(self, host):
        """IPv4 addresses on HOST's eth0, without their masks (read from outside, ip -n)."""
        out = run(['ip', '-n', self.netns(host), '-4', '-o', 'addr', 'show', 'dev', 'eth0']).stdout
        return [line.split()[3].split('/')[0] for line in out.splitlines() if ' inet ' in line]

    # --- Samba -------------------------------------------------------------------------
    @property
    def samba_vars_path(self):
        """Extra variables for site.yml that deploy the Samba demo (written by samba_demo_files, mode 0600)."""
        return os.path.join(self.dir, 'samba.yml')

    @property
    def smb_auth_path(self):
        """smbclient's credentials file (-A) of the demo user (mode 0600)."""
        return os.path.join(self.dir, 'smb.auth')

    def samba_demo_files(self):
        """Write the demo's variables and credentials once (the same password on every later call)."""
        password = None
        if os.path.exists(self.smb_auth_path):
            with open(self.smb_auth_path) as handle:
                found = [line.split('=', 1)[1].strip() for line in handle if line.startswith('password')]
            password = found[0] if found else None
        password = password or secrets.token_urlsafe(12)
        demo_vars = {'samba_enabled': True,
                     'samba_users': [{'name': SAMBA_USER, 'password': password}],
                     'samba_shares': [{'name': SAMBA_SHARE, 'path': DFS_PATH + '/' + SAMBA_SHARE, 'owner': SAMBA_USER,
                                       'mode': '0770', 'parameters': {'read only': False, 'comment': 'the lab demo'}}]}
        for path, text in ((self.samba_vars_path, json.dumps(demo_vars, indent=1) + '\n'),
                           (self.smb_auth_path, 'username = %s\npassword = %s\n' % (SAMBA_USER, password))):
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(descriptor, 0o600)
            with os.fdopen(descriptor, 'w') as handle:
                handle.write(text)
        return demo_vars

    def smbclient(self, address, command, share=SAMBA_SHARE, timeout=20):
        """smbclient //ADDRESS/SHARE -A smb.auth -m SMB3 -c COMMAND, run in the hub (a fresh SMB3 connection)."""
        argv = self.hub_argv(['smbclient', '//%s/%s' % (address, share), '-A', self.smb_auth_path, '-m', 'SMB3',
                              '-c', command])
        try:
            return run(argv, check=False, timeout=timeout)
        except subprocess.TimeoutExpired as expired:
            return subprocess.CompletedProcess(argv, 124, expired.stdout or '', 'timed out after %s s' % timeout)

    def ctdb(self, host, *args, check=False, timeout=30):
        """Run the ctdb tool on HOST as root, as an administrator logged in there would."""
        return self.on_host(host, ['ctdb'] + list(args), check=check, timeout=timeout)

    def ctdbd_pid(self, host):
        """PID of HOST's ctdbd inside the host (from its PID file), or None."""
        done = self.on_host(host, ['sh', '-c', 'p=$(cat /run/ctdb/ctdbd.pid) && kill -0 "$p" && echo "$p"'],
                            check=False)
        return int(done.stdout) if done.returncode == 0 and done.stdout.strip().isdigit() else None

    # --- start -----------------------------------------------------------------------
    def start(self, etcd=True, timeout=60):
        ensure_packages()
        self.stop()
        os.makedirs(self.dir, exist_ok=True)
        with open(self.state_path, 'w') as handle:
            json.dump({'hosts': self.hosts, 'subnet': self.subnet}, handle)
        try:
            self._user_and_keys()
            self._network()
            # The stand-in for the distributed filesystem, empty at every start, mounted in every host.
            shutil.rmtree(self.dfs_dir, ignore_errors=True)
            os.makedirs(self.dfs_dir)
            for host in self.hostnames():
                self._host_files(host)
                self._start_host(host)
            self._wait_ssh(timeout)
            if etcd:
                self._start_etcd(timeout)
            self._write_inventory(etcd)
        except BaseException:
            self.stop()
            raise

    def _user_and_keys(self):
        try:
            pwd.getpwnam(USER)
        except KeyError:
            # Locked password, no sudo rights on the machine itself: NOPASSWD sudo exists
            # only inside the lab hosts (their own /etc/sudoers.d).
            run(['useradd', '--create-home', '--shell', '/bin/bash', '--comment', 'ctdb.cluster lab', USER])
        os.makedirs(os.path.dirname(self.key_path), mode=0o755, exist_ok=True)
        if not os.path.exists(self.key_path):
            run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'ctdb-lab-' + self.name, '-f', self.key_path])
        shutil.copy(self.key_path + '.pub', os.path.join(self.dir, 'ssh', 'authorized_keys'))
        os.chmod(os.path.join(self.dir, 'ssh', 'authorized_keys'), 0o644)

    def _network(self):
        hub = self.hub
        run(['ip', 'netns', 'add', hub])
        run(['ip', '-n', hub, 'link', 'set', 'lo', 'up'])
        run(['ip', '-n', hub, 'link', 'add', 'br0', 'type', 'bridge'])
        run(['ip', '-n', hub, 'addr', 'add', '%s.%d/24' % (self.subnet, HUB_HOST), 'dev', 'br0'])
        run(['ip', '-n', hub, 'link', 'set', 'br0', 'up'])
        for host in self.hostnames():
            netns, number = self.netns(host), host[len(self.name):]
            run(['ip', 'netns', 'add', netns])
            # Both ends are created in the hub: nothing of the lab ever exists in the
            # machine's own network namespace.
            run(['ip', '-n', hub, 'link', 'add', 'veth' + number, 'type', 'veth',
                 'peer', 'name', 'eth0', 'netns', netns])
            run(['ip', '-n', hub, 'link', 'set', 'veth' + number, 'master', 'br0', 'up'])
            run(['ip', '-n', netns, 'link', 'set', 'lo', 'up'])
            run(['ip', '-n', netns, 'addr', 'add', self.address(host) + '/24', 'dev', 'eth0'])
            run(['ip', '-n', netns, 'link', 'set', 'eth0', 'up'])

    def _host_files(self, host):
        hostdir = self.host_dir(host)
        shutil.rmtree(hostdir, ignore_errors=True)
        # A bare host: CTDB's and Samba's files as the Debian packages install them.
        shutil.copytree('/etc/ctdb', os.path.join(hostdir, 'etc/ctdb'), symlinks=True,
                        ignore=shutil.ignore_patterns('nodes', 'public_addresses', 'etcd*'))
        shutil.copytree('/etc/samba', os.path.join(hostdir, 'etc/samba'), symlinks=True)
        # Samba's state, each host its own (the directories as the package made them, no databases).
        for sub in SAMBA_DIRS:
            shutil.copytree('/' + sub, os.path.join(hostdir, sub), symlinks=True,
                            ignore=shutil.ignore_patterns('*.tdb', '*.ldb', '*.pid', 'log.*'))
        shutil.copytree('/etc/sudoers.d', os.path.join(hostdir, 'etc/sudoers.d'), symlinks=True)
        sudoers = os.path.join(hostdir, 'etc/sudoers.d', USER)
        with open(sudoers, 'w') as handle:
            handle.write('%s ALL=(ALL) NOPASSWD: ALL\n' % USER)
        os.chmod(sudoers, 0o440)
        for sub in ('var/lib/ctdb/volatile', 'var/lib/ctdb/persistent', 'var/lib/ctdb/state', 'run/ctdb',
                    'var/log/ctdb', 'usr/local/libexec/ctdb', 'etcd'):
            os.makedirs(os.path.join(hostdir, sub), exist_ok=True)
        for target in ('/var/lib/ctdb', '/run/ctdb', '/var/log/ctdb', '/usr/local/libexec/ctdb', DFS_PATH):
            os.makedirs(target, exist_ok=True)  # mount points (empty directories) on the machine
        with open(os.path.join(hostdir, 'etc/hosts'), 'w') as handle:
            handle.write('127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n')
            for other in self.hostnames():
                handle.write('%s\t%s\n' % (self.address(other), other))
        key = os.path.join(hostdir, 'ssh_host_ed25519_key')
        run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', host, '-f', key])
        with open(os.path.join(hostdir, 'sshd_config'), 'w') as handle:
            handle.write('\n'.join([
                'ListenAddress %s' % self.address(host),
                'Port 22',
                'HostKey %s' % key,
                'PidFile %s' % os.path.join(hostdir, 'sshd.pid'),
                'AuthorizedKeysFile %s' % os.path.join(self.dir, 'ssh', 'authorized_keys'),
                'AllowUsers %s' % USER,
                'PermitRootLogin no',
                'PasswordAuthentication no',
                # The keys live in the checkout (.lab/NAME/ssh), which may sit under a world-writable directory such
                # as /tmp: sshd's StrictModes would refuse them ("bad ownership or modes for directory /tmp").
                # Only this lab's sshd, inside the lab's namespaces, for the lab's own key.
                'StrictModes no',
                'KbdInteractiveAuthentication no',
                'UsePAM yes',
                'MaxSessions 50',
                'MaxStartups 50:30:100',
                'Subsystem sftp /usr/lib/openssh/sftp-server',
                '']))
        os.makedirs('/run/sshd', mode=0o755, exist_ok=True)  # sshd's privilege separation directory

    def _start_host(self, host):
        hostdir = self.host_dir(host)
        argv = ['ip', 'netns', 'exec', self.netns(host),
                'unshare', '--mount', '--uts', '--pid', '--fork', '--mount-proc', '--propagation', 'private',
                '/usr/bin/python3', os.path.join(SUPPORT, 'lab_hostinit.py'), hostdir, host]
        log = open(os.path.join(hostdir, 'init.log'), 'ab')  # pylint: disable=consider-using-with
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                start_new_session=True)
        deadline = time.time() + 30
        while not os.path.exists(os.path.join(hostdir, 'ready')):
            if proc.poll() is not None or time.time() > deadline:
                with open(os.path.join(hostdir, 'init.log')) as handle:
                    raise LabError('lab host %s did not start: %s' % (host, handle.read()[-2000:]))
            time.sleep(0.05)
        # unshare --fork: the host's PID 1 is the child of unshare. Its outer PID is the
        # one nsenter needs.
        children = run(['ps', '-o', 'pid=', '--ppid', str(proc.pid)]).stdout.split()
        with open(os.path.join(hostdir, 'init.pid'), 'w') as handle:
            handle.write(children[0])

    def ssh_argv(self, host, argv=()):
        return ['ssh', '-i', self.key_path, '-o', 'UserKnownHostsFile=' + self.known_hosts,
                '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5',
                '%s@%s' % (USER, self.address(host))] + list(argv)

    def _wait_ssh(self, timeout):
        with open(self.known_hosts, 'w') as handle:
            for host in self.hostnames():
                with open(os.path.join(self.host_dir(host), 'ssh_host_ed25519_key.pub')) as pub:
                    handle.write('%s %s\n' % (self.address(host), ' '.join(pub.read().split()[:2])))
        for host in self.hostnames():
            deadline = time.time() + timeout
            while True:
                done = self.in_hub(self.ssh_argv(host, ['sudo', '-n', 'hostname']), check=False)
                if done.returncode == 0 and done.stdout.strip() == host:
                    break
                if time.time() > deadline:
                    raise LabError('no SSH with sudo to %s: %s' % (host, done.stderr.strip()))
                time.sleep(0.2)

    def _start_etcd(self, timeout):
        cluster = ','.join('%s=http://%s:2380' % (h, self.address(h)) for h in self.etcd_hosts())
        for host in self.etcd_hosts():
            self.start_etcd_member(host, cluster, 'new')
        self.wait_etcd(timeout)

    def start_etcd_member(self, host, cluster=None, state='existing'):
        """Start (or restart) the etcd member of HOST, its data kept in .lab/NAME/HOST/etcd."""
        cluster = cluster or ','.join('%s=http://%s:2380' % (h, self.address(h)) for h in self.etcd_hosts())
        address, hostdir = self.address(host), self.host_dir(host)
        argv = ['etcd', '--name', host, '--data-dir', os.path.join(hostdir, 'etcd'),
                '--listen-client-urls', 'http://%s:2379,http://127.0.0.1:2379' % address,
                '--advertise-client-urls', 'http://%s:2379' % address,
                '--listen-peer-urls', 'http://%s:2380' % address,
                '--initial-advertise-peer-urls', 'http://%s:2380' % address,
                '--initial-cluster', cluster, '--initial-cluster-state', state,
                '--initial-cluster-token', 'ctdb-lab-' + self.name, '--enable-v2',
                '--heartbeat-interval', '100', '--election-timeout', '1000', '--log-level', 'warn']
        log = open(os.path.join(hostdir, 'etcd.log'), 'ab')  # pylint: disable=consider-using-with
        proc = subprocess.Popen(self.host_argv(host, argv), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                start_new_session=True)
        with open(os.path.join(hostdir, 'etcd.nsenter.pid'), 'w') as handle:
            handle.write(str(proc.pid))

    def etcd_pid(self, host):
        """Outer PID of HOST's etcd (the child of the nsenter that started it), or None."""
        try:
            with open(os.path.join(self.host_dir(host), 'etcd.nsenter.pid')) as handle:
                nsenter = handle.read().strip()
        except OSError:
            return None
        children = run(['ps', '-o', 'pid=', '--ppid', nsenter], check=False).stdout.split()
        return int(children[0]) if children else None

    def wait_etcd(self, timeout=60):
        deadline = time.time() + timeout
        argv = ['etcdctl', '--endpoints', ','.join(self.etcd_endpoints()), '--command-timeout', '2s',
                'endpoint', 'health']
        while True:
            done = self.in_hub(argv, check=False, env=dict(os.environ, ETCDCTL_API='3'))
            if done.returncode == 0:
                return
            if time.time() > deadline:
                raise LabError('etcd cluster not healthy: %s %s' % (done.stdout, done.stderr))
            time.sleep(0.3)

    def _write_inventory(self, etcd):
        lines = ['# The lab %s (ctdbtest.lab): %d hosts reached over SSH from the hub namespace.' % (
            self.name, self.hosts),
            '# Run Ansible inside the hub: ip netns exec %s ansible-playbook -i %s ...' % (
                self.hub, self.inventory_path),
            'all:', '  children:', '    ctdb_cluster:', '      hosts:']
        for host in self.hostnames():
            lines += ['        %s:' % host,
                      '          ansible_host: %s' % self.address(host),
                      '          ctdb_node_address: %s' % self.address(host),
                      '          ctdb_conf_host: {cluster: {node address: %s}}' % self.address(host)]
        publics = ', '.join('{address: %s/24, interface_name: eth0}' % self.public_address(h)
                            for h in self.hostnames())
        lines += ['      vars:',
                  '        ansible_user: %s' % USER,
                  '        ansible_become: true',
                  '        ansible_python_interpreter: /usr/bin/python3',
                  '        ansible_ssh_private_key_file: %s' % self.key_path,
                  '        ansible_ssh_common_args: -o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes' % (
                      self.known_hosts),
                  '        ansible_ssh_args: -o ControlMaster=auto -o ControlPersist=60s',
                  '        ansible_control_path_dir: %s' % os.path.join(self.dir, 'cp'),
                  '        ansible_ssh_pipelining: true',
                  '        ctdb_lab_name: %s' % self.name,
                  '        ctdb_service_manager: service',
                  '        ctdb_install_throttle: 1',
                  '        etcd_lock_client_install_throttle: 1',
                  '        ctdb_conf:',
                  '          logging:',
                  '            location: file:/var/log/ctdb/log.ctdb',
                  '            log level: NOTICE',
                  '        ctdb_public_addresses: [%s]' % publics,
                  # Samba (roles/samba): the lab's stand-in for the distributed filesystem is a bind mount of
                  # one directory of the machine's root filesystem, not a filesystem of its own.
                  '        samba_dfs_path: %s' % DFS_PATH,
                  '        samba_dfs_require_mount: false',
                  '        ctdb_tunables: {%s}' % ', '.join('%s: %d' % item for item in TUNABLES.items())]
        if etcd:
            lines += ['        etcd_lock_endpoints:'] + ['          - %s' % e for e in self.etcd_endpoints()]
        else:
            lines += ['        etcd_lock_enabled: false']
        with open(self.inventory_path, 'w') as handle:
            handle.write('\n'.join(lines) + '\n')

    # --- status and stop -------------------------------------------------------------
    def running(self):
        return [host for host in self.hostnames() if self.init_pid(host)]

    def status(self):
        return {'name': self.name, 'hub': self.hub, 'inventory': self.inventory_path,
                'hosts': {host: {'address': self.address(host), 'netns': self.netns(host),
                                 'running': bool(self.init_pid(host)),
                                 'etcd': host in self.etcd_hosts() and bool(self.etcd_pid(host))}
                          for host in self.hostnames()}}

    def stop(self):
        """End every process in the lab's namespaces, then remove the namespaces.

        Processes are found by namespace (``ip netns pids``), not only from recorded PIDs,
        so a failed or interrupted start leaves nothing behind either. The bind mounts live
        in the hosts' own mount namespaces and disappear with their last process.
        """
        mine = [ns for ns in netns_list() if ns.startswith(self.prefix)]
        for dummy in range(50):
            alive = [ns for ns in mine if netns_pids(ns)]
            if not alive:
                break
            for netns in alive:
                kill_netns(netns)
            time.sleep(0.1)
        for netns in mine:
            run(['ip', 'netns', 'delete', netns], check=False)
        left = [ns for ns in netns_list() if ns.startswith(self.prefix)]
        if left:
            raise LabError('could not remove the lab namespaces %s' % ', '.join(left))
        for host in os.listdir(self.dir) if os.path.isdir(self.dir) else ():
            for name in ('ready', 'init.pid', 'etcd.nsenter.pid'):
                path = os.path.join(self.dir, host, name)
                if os.path.exists(path):
                    os.unlink(path)


def ensure_packages():
    missing = sorted({pkg for path, pkg in REQUIRED_COMMANDS.items() if not os.path.exists(path)})
    if missing:
        raise LabError('missing Debian packages: %s; install them as root: apt-get install %s (or make setup)'
                       % (', '.join(missing), ' '.join(missing)))
    if os.geteuid() != 0:
        raise LabError('the lab creates namespaces: run it as root')


def parse_args(argv):
    """(options, command after '--'). The options may come before or after the subcommand.

    (An argparse REMAINDER positional would swallow every option after the subcommand:
    ``start --name lab2`` started the lab called ``lab``.)
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    rest = []
    if '--' in argv:
        rest, argv = argv[argv.index('--') + 1:], argv[:argv.index('--')]
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('command', choices=['start', 'stop', 'status', 'run', 'exec'])
    parser.add_argument('host', nargs='?', help='exec: the host to run the command on')
    parser.add_argument('--name', default=os.environ.get('LAB_NAME', 'lab'))
    parser.add_argument('--hosts', type=int, default=int(os.environ.get('LAB_HOSTS', '3')))
    parser.add_argument('--subnet', default=os.environ.get('LAB_SUBNET', '10.213.0'))
    parser.add_argument('--no-etcd', action='store_true')
    args = parser.parse_args(argv)
    if args.command in ('run', 'exec') and not rest:
        parser.error('%s needs a command after --' % args.command)
    if (args.command == 'exec') != bool(args.host):
        parser.error('exec HOST -- COMMAND: only exec takes a host')
    return args, rest


def main(argv=None):
    args, rest = parse_args(argv)
    try:
        if args.command == 'start':
            lab = Lab(args.name, args.hosts, args.subnet)
            lab.start(etcd=not args.no_etcd)
            print(lab.inventory_path)
            return 0
        lab = Lab.attach(args.name)
        if args.command == 'stop':
            lab.stop()
        elif args.command == 'status':
            print(json.dumps(lab.status(), indent=2))
            return 0 if lab.running() else 1
        elif args.command == 'run':
            env = dict(os.environ)
            env.setdefault('ANSIBLE_COLLECTIONS_PATH', os.path.join(REPO, '.cache', 'collections'))
            env.setdefault('ANSIBLE_ROLES_PATH', os.path.join(REPO, 'roles'))
            return subprocess.run(lab.hub_argv(rest), check=False, env=env).returncode
        elif args.command == 'exec':
            return subprocess.run(lab.host_argv(args.host, rest), check=False).returncode
        return 0
    except LabError as error:
        print('lab: %s' % error, file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
