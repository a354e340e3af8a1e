# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wall time of playbooks/site.yml on the sandbox, and how many ctdbd it restarts.

For each cluster size (default 3 and 8 nodes) on a freshly started sandbox:

1. converge: site.yml on the sandbox as sandbox.py leaves it (no cluster lock, ctdb.conf in the
   sandbox's own layout), so the run rewrites ctdb.conf everywhere and switches the lock to etcd
   (which restarts every node: CTDB refuses mixed locks);
2. no-op: site.yml again (target: changed=0 on every host, 0 ctdbd restarted);
3. one-line public_addresses change: site.yml with one more public address for every node
   (target: 0 ctdbd restarted, the address served after one "ctdb reloadips");
4. no-op again after it.

A restart is counted when a node's ctdbd PID differs before and after the run.

    .venv/bin/python bench/bench_site.py [--sizes 3,8] [--repeat 1] [--json bench/results/site.json]

Sandboxes: "roles" on 127.0.16 for 3 nodes, "roles8" on 127.0.17 for 8 (override with
--name/--subnet for one size); each is stopped at the end.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

from ctdbtest.sandbox import Sandbox, parse_health

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


SITE = os.path.join(REPO, 'playbooks', 'site.yml')
DEFAULT_SANDBOXES = {3: ('roles', '127.0.16'), 8: ('roles8', '127.0.17')}
RECAP = re.compile(r'^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.M)


def ansible_env():
    env = dict(os.environ)
    env.update({'ANSIBLE_COLLECTIONS_PATH': os.path.join(REPO, '.cache', 'collections'),
                'ANSIBLE_ROLES_PATH': os.path.join(REPO, 'roles'), 'ANSIBLE_NOCOLOR': '1',
                'ANSIBLE_STDOUT_CALLBACK': 'default', 'ANSIBLE_LOCALHOST_WARNING': 'False'})
    return env


def run_site(sandbox, extra_vars=None):
    argv = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', sandbox.inventory_path, SITE]
    if extra_vars:
        argv += ['-e', json.dumps(extra_vars)]
    before = {i: sandbox.ctdbd_pid(i) for i in range(sandbox.nodes)}
    start = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, env=ansible_env(), cwd=REPO, check=False)
    seconds = time.monotonic() - start
    after = {i: sandbox.ctdbd_pid(i) for i in range(sandbox.nodes)}
    recap = {m.group(1): {'ok': int(m.group(2)), 'changed': int(m.group(3)), 'failed': int(m.group(5))}
             for m in RECAP.finditer(done.stdout)}
    if done.returncode != 0:
        raise SystemExit('site.yml failed (rc %d):\n%s\n%s' % (done.returncode, done.stdout[-4000:], done.stderr[-2000:]))
    return {'seconds': round(seconds, 1), 'restarts': sum(1 for i in before if before[i] != after[i]),
            'changed_hosts': sorted(h for h, c in recap.items() if c['changed']),
            'changed_total': sum(c['changed'] for c in recap.values())}


def one_more_address(sandbox):
    addresses = [{'address': '%s/32' % sandbox.public_address(i), 'interface_name': 'lo'} for i in range(sandbox.nodes)]
    addresses.append({'address': '%s.200/32' % sandbox.subnet, 'interface_name': 'lo'})
    return {'ctdb_public_addresses': addresses}


def bench_size(nodes, name, subnet):
    Sandbox.attach(name).stop()
    sandbox = Sandbox(name, nodes=nodes, subnet=subnet)
    sandbox.start(timeout=120)
    try:
        result = {'nodes': nodes}
        result['converge'] = run_site(sandbox)
        result['noop'] = run_site(sandbox)
        change = one_more_address(sandbox)
        result['public_addresses_change'] = run_site(sandbox, change)
        served = sandbox.ctdb(0, '-X', 'ip', 'all').stdout
        result['public_addresses_change']['new_address_served'] = ('|%s.200|' % subnet) in served
        result['noop_after_change'] = run_site(sandbox, change)
        healthy, reason = parse_health(sandbox.wait_healthy(60))
        result['healthy_at_end'] = healthy
        return result
    finally:
        sandbox.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--sizes', default='3,8', help='comma-separated node counts (1-8)')
    parser.add_argument('--name', help='sandbox name (only with one size)')
    parser.add_argument('--subnet', help='sandbox subnet (only with one size)')
    parser.add_argument('--json', default=os.path.join(REPO, 'bench', 'results', 'site.json'))
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(',')]
    results = []
    for nodes in sizes:
        name, subnet = DEFAULT_SANDBOXES.get(nodes, ('roles%d' % nodes, '127.0.16'))
        if len(sizes) == 1:
            name, subnet = args.name or name, args.subnet or subnet
        print('site.yml on %d sandbox nodes (%s, %s)...' % (nodes, name, subnet), flush=True)
        results.append(bench_size(nodes, name, subnet))
        print(json.dumps(results[-1], indent=1), flush=True)
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, 'w') as handle:
        json.dump({'load_average': os.getloadavg(), 'results': results}, handle, indent=1)
    print('\n| nodes | run | wall time | ctdbd restarted | hosts changed |')
    print('|---|---|---|---|---|')
    for result in results:
        for key, label in (('converge', 'converge (fresh sandbox, lock none -> etcd)'), ('noop', 'no-op second run'),
                           ('public_addresses_change', 'one public address added on every node'),
                           ('noop_after_change', 'no-op after that')):
            run = result[key]
            print('| %d | %s | %.1f s | %d of %d | %d |' % (
                result['nodes'], label, run['seconds'], run['restarts'], result['nodes'], len(run['changed_hosts'])))
    return 0


if __name__ == '__main__':
    sys.exit(main())
