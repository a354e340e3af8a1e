#!/usr/bin/env python
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/site.yml over SSH on the lab (tests/lab): converge and no-op on 3 and 8 hosts.

For each size a bare lab of its own (LAB_NAME / LAB_SUBNET, default labsite / 10.213.3):
  1. converge: site.yml on the bare hosts;
  2. no-op: site.yml again (target: changed=0, no ctdbd restarted);
  3. no-op without SSH pipelining (-e ansible_ssh_pipelining=false), to show what it saves;
with the wall time of each run, its slowest tasks (bench/bench_status_callback's timer), the
tasks that reported a change, and where the CPU went: the machine's busy CPU seconds
(/proc/stat), of which the controller's (ansible-playbook, its workers and their ssh clients;
their rusage) and the rest (the hosts: sshd, sudo, the modules' Python, the daemons).  On one
machine the hosts share its cores, so per-host work adds up instead of running side by side.

    PYTHONPATH=tests/support .venv/bin/python bench/bench_lab_site.py [--sizes 3,8] [--top 6] [--json FILE] [--skip-no-pipelining]
"""
import argparse
import json
import os
import resource
import sys
import tempfile

from ctdbtest import lab_cluster as lt
from ctdbtest.lab import Lab

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def busy_cpu_seconds():
    """CPU seconds the whole machine has spent busy since boot (all cores)."""
    with open('/proc/stat') as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf('SC_CLK_TCK')


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(lab, top, extra_vars=None):
    fd, out = tempfile.mkstemp(suffix='.json', dir=lab.dir)
    os.close(fd)
    argv = [os.path.join(lt.BIN, 'ansible-playbook'), '-i', lab.inventory_path,
            os.path.join(REPO, 'playbooks', 'site.yml')]
    if extra_vars:
        argv += ['-e', json.dumps(extra_vars)]
    busy, controller = busy_cpu_seconds(), children_cpu_seconds()
    run = lt.run_in_hub(lab, argv, env={
        'ANSIBLE_CALLBACK_PLUGINS': os.path.join(HERE, 'bench_status_callback'),
        'ANSIBLE_CALLBACKS_ENABLED': 'bench_status_timer', 'BENCH_STATUS_OUT': out})
    busy, controller = busy_cpu_seconds() - busy, children_cpu_seconds() - controller
    if run.rc != 0:
        raise SystemExit('site.yml failed:\n%r' % run)
    with open(out) as handle:
        tasks = json.load(handle)
    os.unlink(out)
    slowest = sorted((t for t in tasks if t['seconds'] is not None), key=lambda t: t['seconds'], reverse=True)[:top]
    changed = [(t['task'], sorted(h for h, v in t['hosts'].items() if v.get('changed'))) for t in tasks]
    return {'seconds': round(run.elapsed, 1), 'changed_hosts': len(run.changed_hosts()),
            'cpu_seconds': {'machine_busy': round(busy, 1), 'controller': round(controller, 1),
                            'rest_hosts': round(busy - controller, 1), 'cores': os.cpu_count()},
            'tasks': len(tasks),
            'changed_tasks': [(task, hosts) for task, hosts in changed if hosts],
            'slowest': [(t['task'], round(t['seconds'], 1)) for t in slowest]}


def bench_size(size, top, no_pipelining=True):
    lab = Lab(os.environ.get('LAB_NAME', 'labsite'), size, os.environ.get('LAB_SUBNET', '10.213.3'))
    lab.start()
    try:
        result = {'hosts': size, 'converge': timed_run(lab, top)}
        pids = {h: lab.ctdbd_pid(h) for h in lab.hostnames()}
        result['noop'] = timed_run(lab, top)
        if no_pipelining:
            result['noop_no_pipelining'] = timed_run(lab, top, {'ansible_ssh_pipelining': False})
        result['ctdbd_restarted_by_noops'] = sum(1 for h in lab.hostnames() if lab.ctdbd_pid(h) != pids[h])
        return result
    finally:
        lab.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--sizes', default='3,8')
    parser.add_argument('--top', type=int, default=6)
    parser.add_argument('--json')
    parser.add_argument('--skip-no-pipelining', action='store_true', help='leave out run 3')
    args = parser.parse_args()
    results = []
    for size in [int(s) for s in args.sizes.split(',')]:
        result = bench_size(size, args.top, not args.skip_no_pipelining)
        results.append(result)
        print(json.dumps(result, indent=1), flush=True)
    print('%-6s %-12s %-10s %-22s %-9s %-30s' % ('hosts', 'converge s', 'no-op s', 'no-op, no pipelining s',
                                                 'restarts', 'no-op CPU s: busy/controller/rest'))
    for r in results:
        cpu = r['noop']['cpu_seconds']
        row = (r['hosts'], r['converge']['seconds'], r['noop']['seconds'], r.get('noop_no_pipelining', {}).get('seconds', '-'),
               r['ctdbd_restarted_by_noops'], '%s / %s / %s' % (cpu['machine_busy'], cpu['controller'], cpu['rest_hosts']))
        print('%-6d %-12s %-10s %-22s %-9d %s' % row)
        if r['noop']['changed_hosts']:
            print('  the no-op changed: %s' % r['noop']['changed_tasks'])
    if len(results) == 2:
        print('no-op ratio %d/%d hosts: %.2f' % (results[1]['hosts'], results[0]['hosts'],
                                                 results[1]['noop']['seconds'] / results[0]['noop']['seconds']))
    if args.json:
        with open(args.json, 'w') as handle:
            json.dump(results, handle, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
