# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make lab-demo: the whole story on a bare lab, over SSH, as on real hosts.

Starts a bare lab (3 hosts unless LAB_HOSTS says otherwise), converges it with
playbooks/site.yml, prints the status report and each host's eth0, kills ctdbd on a
host with kill -9, shows its public addresses served by the others, converges again
and shows the host back; then deploys clustered Samba (share `demo` on the lab's distributed
filesystem, user `smbdemo`, credentials in .lab/NAME/smb.auth) and reads and writes through every
public address with smbclient from the hub. The lab is left running (make lab-stop ends it).
"""
import argparse
import os
import subprocess
import sys
import time

from ctdbtest import REPO
from ctdbtest.lab import Lab

BIN = os.path.dirname(sys.executable)


def banner(text):
    print('\n' + '=' * 78 + '\n== ' + text + '\n' + '=' * 78, flush=True)


def ansible_playbook(lab, playbook, *options):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, '.cache', 'collections'),
               ANSIBLE_ROLES_PATH=os.path.join(REPO, 'roles'), ANSIBLE_NOCOLOR='1', ANSIBLE_FORKS='10')
    argv = lab.hub_argv([os.path.join(BIN, 'ansible-playbook'), '-i', lab.inventory_path,
                         os.path.join(REPO, 'playbooks', playbook)] + list(options))
    print('$ ' + ' '.join(argv[4:]) + '   (in the hub namespace %s)' % lab.hub, flush=True)
    started = time.time()
    rc = subprocess.run(argv, env=env, cwd=REPO, check=False).returncode
    print('-> rc=%d in %.0f s' % (rc, time.time() - started), flush=True)
    if rc != 0:
        sys.exit(rc)


def show_addresses(lab):
    for host in lab.hostnames():
        running = 'ctdbd running' if lab.ctdbd_pid(host) else 'ctdbd NOT running'
        print('  %-10s eth0: %-45s (%s)' % (host, ' '.join(lab.eth0_addresses(host)), running))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--name', default=os.environ.get('LAB_NAME', 'lab'))
    parser.add_argument('--hosts', type=int, default=int(os.environ.get('LAB_HOSTS', '3')))
    parser.add_argument('--subnet', default=os.environ.get('LAB_SUBNET', '10.213.0'))
    args = parser.parse_args()

    banner('1. A bare lab: %d hosts (network + mount + UTS + PID namespaces), sshd on each' % args.hosts)
    lab = Lab(args.name, args.hosts, args.subnet)
    lab.start()
    print('inventory: %s' % lab.inventory_path)
    print('etcd cluster: %s' % ', '.join(lab.etcd_endpoints()))
    show_addresses(lab)

    banner('2. Converge with playbooks/site.yml over SSH (user ctdblab, become through sudo)')
    ansible_playbook(lab, 'site.yml')

    banner('3. The status report')
    ansible_playbook(lab, 'status.yml')
    print('Public addresses on each host (ip -n NETNS addr show eth0):')
    show_addresses(lab)

    leader = lab.ctdb(lab.hostnames()[0], 'leader').stdout.strip()
    victim = next(h for i, h in enumerate(lab.hostnames())
                  if str(i) != leader and len(lab.eth0_addresses(h)) > 1)
    moving = lab.eth0_addresses(victim)[1:]
    banner('4. kill -9 of ctdbd on %s (it serves %s)' % (victim, ', '.join(moving)))
    pid = lab.ctdbd_pid(victim)
    started = time.time()
    lab.on_host(victim, ['kill', '-9', str(pid)])
    others = [h for h in lab.hostnames() if h != victim]
    while time.time() - started < 60:
        served = {a for h in others for a in lab.eth0_addresses(h)}
        if all(a in served for a in moving):
            break
        time.sleep(0.02)
    print('%s served by the other hosts %.2f s after the kill:' % (', '.join(moving), time.time() - started))
    show_addresses(lab)
    print('(%s keeps its old address on eth0, as a crashed host would: its ctdbd is gone.)' % victim)

    banner('5. Converge again: the role starts ctdbd on %s and the cluster rebalances' % victim)
    ansible_playbook(lab, 'site.yml')
    deadline = time.time() + 60
    while time.time() < deadline and not all(len(lab.eth0_addresses(h)) == 2 for h in lab.hostnames()):
        time.sleep(0.5)
    show_addresses(lab)
    ansible_playbook(lab, 'status.yml')

    banner('6. Clustered Samba: playbooks/site.yml with the demo\'s variables (%s)' % lab.samba_vars_path)
    lab.samba_demo_files()
    ansible_playbook(lab, 'site.yml', '-e', '@' + lab.samba_vars_path)
    ansible_playbook(lab, 'status.yml')
    addresses = [lab.public_address(h) for h in lab.hostnames()]
    note = os.path.join(lab.dir, 'hello.txt')
    with open(note, 'w') as handle:
        handle.write('written through %s\n' % addresses[0])
    for index, address in enumerate(addresses):
        command = ('put %s hello.txt' % note) if index == 0 else 'get hello.txt -'
        print('$ smbclient //%s/demo -A %s -m SMB3 -c %r   (in the hub)' % (address, lab.smb_auth_path, command))
        done = lab.smbclient(address, command)
        print('  ' + (done.stdout.strip() or done.stderr.strip()).replace('\n', '\n  '))
        if done.returncode != 0:
            return done.returncode

    banner('The lab is still running. Try:')
    print('  ip netns exec %s %s all -i %s -m ctdb.cluster.ctdb_status' % (
        lab.hub, os.path.join(BIN, 'ansible'), lab.inventory_path))
    print('  PYTHONPATH=tests/support python3 -m ctdbtest.lab --name %s exec %s -- ctdb status' % (lab.name, lab.hostnames()[0]))
    print('  ip netns exec %s smbclient //%s/demo -A %s -m SMB3 -c ls' % (lab.hub, addresses[1], lab.smb_auth_path))
    print('  make lab-stop')
    return 0


if __name__ == '__main__':
    sys.exit(main())
