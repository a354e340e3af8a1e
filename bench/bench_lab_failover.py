#!/usr/bin/env python
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Failover on the lab (tests/lab): real hosts, ctdbd in normal mode, addresses on eth0.

    PYTHONPATH=tests/support .venv/bin/python bench/bench_lab_failover.py kill [--trials 5] [--leader] [--api v3]
    PYTHONPATH=tests/support .venv/bin/python bench/bench_lab_failover.py netloss [--trials 5] [--api v2|v3]

A lab of its own (LAB_NAME / LAB_SUBNET, default labbench / 10.213.2) is started bare
and converged once with playbooks/site.yml over SSH (-e etcd_lock_api=API).

kill: each trial kills ctdbd (SIGKILL) on a host that serves a public address and is
not the leader (--leader: the leader itself); measured is the time from the kill to the
moment every one of its addresses is on another host's eth0 (`ip -n NETNS addr`,
polled every 20 ms). The host is then started again with /etc/init.d/ctdb and the next
trial waits for a healthy, balanced cluster.

netloss: each trial takes the lock holder's veth down (on the hub's bridge side);
measured is the time until a survivor's helper holds the lock in etcd while the
survivors agree that it is the leader, and the time until the cut-off holder's helper
has exited. The veth then comes back and the next trial waits for a healthy cluster.

Results: a table on stdout and, with --out, JSON lines.
"""
import argparse
import json
import os
import statistics
import sys
import time

from ctdbtest import lab_cluster as lt
from ctdbtest.lab import Lab


def converge(lab, api):
    run = lt.playbook(lab, 'playbooks/site.yml', extra_vars={'etcd_lock_api': api})
    if run.rc != 0:
        raise SystemExit('site.yml failed:\n%r' % run)
    return run.elapsed


def settle(lab, api, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if (lt.healthy(lab) and all(len(h) == 1 for h in lt.placement(lab).values())
                and lt.lock_holder(lab, api) == lt.leader_host(lab)):
            return True
        time.sleep(0.5)
    return False


def trial_kill(lab, leader_too, limit):
    leader = lt.leader_host(lab)
    where = lt.placement(lab)
    candidates = [h for h in lab.hostnames() if (h == leader) == leader_too and any(v == [h] for v in where.values())]
    victim = candidates[0]
    moving = [a for a, hosts in where.items() if hosts == [victim]]
    others = [h for h in lab.hostnames() if h != victim]
    pid = lab.ctdbd_pid(victim)
    started = time.time()
    lab.on_host(victim, ['kill', '-9', str(pid)])
    elapsed = None
    while time.time() - started < limit:
        now = lt.placement(lab, others)
        if all(now[a] for a in moving):
            elapsed = time.time() - started
            break
        time.sleep(0.02)
    restart(lab, victim)
    return {'victim': victim, 'leader': leader, 'addresses': moving, 'seconds': elapsed}


def restart(lab, host, timeout=60):
    """Start ctdbd again on HOST once the killed daemon's ctdb-eventd has noticed and exited
    (it checks its parent once a second; a ctdbd started before fails to start its own)."""
    deadline = time.time() + timeout
    gone = 'for c in /proc/[0-9]*/comm; do grep -qx ctdb-eventd "$c" 2>/dev/null && exit 1; done; exit 0'
    while lab.on_host(host, ['sh', '-c', gone], check=False).returncode != 0:
        if time.time() > deadline:
            raise SystemExit('ctdb-eventd of the killed ctdbd on %s did not exit' % host)
        time.sleep(0.2)
    lab.on_host(host, ['/etc/init.d/ctdb', 'start'])
    while lab.ctdbd_pid(host) is None:
        if time.time() > deadline:
            raise SystemExit('ctdbd did not start again on %s' % host)
        time.sleep(0.2)


def trial_netloss(lab, api, limit):
    holder = lt.lock_holder(lab, api)
    value = lt.lock_value(lab, api)
    old_helper = int(value.split(':')[1])
    survivors = [h for h in lab.hostnames() if h != holder]
    veth = 'veth' + holder[len(lab.name):]
    started = time.time()
    lab.in_hub(['ip', 'link', 'set', veth, 'down'])
    gave_up = taken = new = key_seen = None
    overlap = False
    try:
        while time.time() - started < limit and taken is None:
            # the value first, then the old helper: a helper seen alive after the key named
            # a new holder is a real overlap, however long the read took
            current = lt.lock_value(lab, api, hosts=survivors)
            old_alive = old_helper in lt.helper_pids(lab, holder)
            if gave_up is None and not old_alive:
                gave_up = time.time() - started
            if current and current != value:
                overlap = overlap or old_alive
                if key_seen is None:
                    key_seen = time.time() - started
                who = lt.lock_holder(lab, api, hosts=survivors)
                if who in survivors and lt.leader_host(lab, survivors[0]) == who:
                    taken, new = time.time() - started, who
            time.sleep(0.05)
    finally:
        lab.in_hub(['ip', 'link', 'set', veth, 'up'])
    return {'holder': holder, 'new_holder': new, 'helper_exited': gave_up, 'seconds': taken, 'key_seconds': key_seen,
            'overlap': overlap}


def summary(name, values):
    ok = [v for v in values if v is not None]
    if not ok:
        return '%-40s failures: %d' % (name, len(values))
    return '%-40s n=%d median=%.2f s max=%.2f s min=%.2f s failures=%d' % (
        name, len(ok), statistics.median(ok), max(ok), min(ok), len(values) - len(ok))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('scenario', choices=['kill', 'netloss'])
    parser.add_argument('--trials', type=int, default=5)
    parser.add_argument('--api', choices=['v2', 'v3'], default='v3')
    parser.add_argument('--leader', action='store_true', help='kill: kill the leader instead of another host')
    parser.add_argument('--hosts', type=int, default=3)
    parser.add_argument('--limit', type=float, default=60)
    parser.add_argument('--out')
    parser.add_argument('--keep', action='store_true', help='leave the lab running')
    args = parser.parse_args()
    lab = Lab(os.environ.get('LAB_NAME', 'labbench'), args.hosts, os.environ.get('LAB_SUBNET', '10.213.2'))
    lab.start()
    results = []
    try:
        print('site.yml on %d bare hosts: %.0f s' % (args.hosts, converge(lab, args.api)), flush=True)
        for number in range(1, args.trials + 1):
            if not settle(lab, args.api):
                raise SystemExit('the cluster did not settle before trial %d' % number)
            if args.scenario == 'kill':
                result = trial_kill(lab, args.leader, args.limit)
            else:
                result = trial_netloss(lab, args.api, args.limit)
            result.update(trial=number, scenario=args.scenario, api=args.api, leader_killed=args.leader)
            print(json.dumps(result), flush=True)
            results.append(result)
    finally:
        if not args.keep:
            lab.stop()
    if args.out:
        with open(args.out, 'a') as handle:
            for result in results:
                handle.write(json.dumps(result) + '\n')
    label = {'kill': 'kill -9 %s -> addresses elsewhere' % ('leader' if args.leader else 'non-leader'),
             'netloss': 'netloss %s -> new holder' % args.api}[args.scenario]
    print(summary(label, [r['seconds'] for r in results]))
    if args.scenario == 'netloss':
        print(summary('netloss %s -> key names a survivor' % args.api, [r['key_seconds'] for r in results]))
        print(summary('netloss %s -> old helper exited' % args.api, [r['helper_exited'] for r in results]))
        print('netloss %s: trials in which the key named a new holder while the old helper ran: %d of %d'
              % (args.api, sum(1 for r in results if r['overlap']), len(results)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
