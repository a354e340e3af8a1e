# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's hosts behave as separate hosts, reached only over SSH from the hub."""
import json
import os
import subprocess

from ctdbtest.lab import Lab, USER, netns_list
from ctdbtest.lab_cluster import adhoc, adhoc_results


def alive(pid):
    """A process that exists and is not a zombie waiting for its parent to reap it."""
    try:
        with open('/proc/%d/stat' % pid) as handle:
            return handle.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return False


def test_machine_namespace_has_nothing_of_the_lab(lab):
    addresses = subprocess.run(['ip', '-4', '-o', 'addr'], capture_output=True, text=True, check=True).stdout
    routes = subprocess.run(['ip', '-4', 'route', 'show', 'table', 'all'], capture_output=True, text=True,
                            check=True).stdout
    assert lab.subnet + '.' not in addresses
    assert lab.subnet + '.' not in routes
    # the hosts' bind mounts exist only in their own mount namespaces
    with open('/proc/self/mountinfo') as handle:
        mounts = handle.read()
    assert ' /etc/ctdb ' not in mounts and ' /var/lib/ctdb ' not in mounts


def test_hosts_have_their_own_name_files_and_address(lab):
    for host in lab.hostnames():
        assert lab.on_host(host, ['hostname']).stdout.strip() == host
        assert lab.eth0_addresses(host) == [lab.address(host)]
        marker = '/etc/ctdb/lab-test-marker'
        lab.on_host(host, ['sh', '-c', 'echo %s > %s' % (host, marker)])
    for host in lab.hostnames():
        assert lab.on_host(host, ['cat', '/etc/ctdb/lab-test-marker']).stdout.strip() == host
        assert os.path.isfile(os.path.join(lab.host_dir(host), 'etc/ctdb/lab-test-marker'))
        lab.on_host(host, ['rm', '/etc/ctdb/lab-test-marker'])
    assert not os.path.exists('/etc/ctdb/lab-test-marker')
    # one PID namespace per host: an init script's "is ctdbd running?" sees only its own host
    ps = lab.on_host(lab.hostnames()[0], ['ps', '-e', '-o', 'pid=,comm=']).stdout.split('\n')
    assert ps[0].split()[0] == '1'


def test_hosts_reach_each_other_over_the_bridge(lab):
    first, last = lab.hostnames()[0], lab.hostnames()[-1]
    probe = 'import socket, sys; print(socket.create_connection((sys.argv[1], 22), 2).recv(7).decode())'
    done = lab.on_host(first, ['python3', '-c', probe, lab.address(last)], check=False)
    assert done.returncode == 0 and done.stdout.strip() == 'SSH-2.0', done.stdout + done.stderr


def test_ssh_with_become_and_pipelining(lab):
    run = adhoc(lab, 'ansible.builtin.command', 'id -un', become=False)
    assert run.rc == 0, run
    results = adhoc_results(run)
    assert sorted(results) == lab.hostnames()
    assert {r['stdout'] for r in results.values()} == {USER}
    run = adhoc(lab, 'ansible.builtin.command', 'id -un')
    assert run.rc == 0, run
    assert {r['stdout'] for r in adhoc_results(run).values()} == {'root'}
    # The SSH masters (ControlPersist) live in the lab's control path directory.
    assert os.listdir(os.path.join(lab.dir, 'cp'))


def test_etcd_is_a_healthy_three_member_cluster_with_both_apis(lab):
    endpoints = ','.join(lab.etcd_endpoints())
    members = lab.in_hub(['etcdctl', '--endpoints', endpoints, '-w', 'json', 'member', 'list'],
                         env=dict(os.environ, ETCDCTL_API='3')).stdout
    names = sorted(m['name'] for m in json.loads(members)['members'])
    assert names == lab.etcd_hosts()
    health = lab.in_hub(['etcdctl', '--endpoints', endpoints, 'endpoint', 'health'],
                        env=dict(os.environ, ETCDCTL_API='3'), check=False)
    assert health.returncode == 0 and (health.stdout + health.stderr).count(' is healthy') == 3, health.stdout + health.stderr
    v2 = lab.in_hub(['etcdctl', '--endpoints', endpoints, 'cluster-health'],
                    env=dict(os.environ, ETCDCTL_API='2'), check=False)
    assert v2.returncode == 0 and 'cluster is healthy' in v2.stdout, v2.stdout + v2.stderr


def test_stop_ends_everything_even_after_a_broken_start(lab):
    """A second small lab, broken on purpose (a host's PID 1 killed), is still stopped clean."""
    other = Lab('labstop', hosts=3, subnet='10.213.254')
    other.start(etcd=False)
    try:
        inits = [other.init_pid(h) for h in other.hostnames()]
        os.kill(inits[1], 9)
        extra = subprocess.Popen(other.hub_argv(['sleep', '300']))  # a process nobody recorded
    finally:
        other.stop()
    extra.wait(timeout=10)
    assert not [ns for ns in netns_list() if ns.startswith(other.prefix)]
    for pid in inits:
        assert not alive(pid)
    other.stop()  # idempotent
    assert lab.running() == lab.hostnames()  # the session's lab is untouched
