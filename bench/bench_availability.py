#!/usr/bin/env python
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Service availability while every host of the lab (tests/lab) is restarted in turn.

    PYTHONPATH=tests/support .venv/bin/python bench/bench_availability.py [--rounds 1] [--interval 0.2] [--out FILE]

A lab of its own (LAB_NAME / LAB_SUBNET, default availab / 10.213.3) is started bare and
converged once with playbooks/site.yml over SSH. Every host then runs a small TCP listener
on a port of all its addresses, so whichever host carries a public address answers on it
(the listeners run inside the hosts' namespaces). A probe in the hub namespace connects to
every public address every INTERVAL seconds (timeout INTERVAL) and records when each
connection succeeded. Two ways of restarting all hosts, one after the other, side by side:

* graceful: playbooks/rolling_restart.yml (each host disabled, its addresses served by the
  others, restarted, the cluster waited for, enabled again);
* plain: /etc/init.d/ctdb stop, wait until ctdbd has exited, start, wait until the cluster
  is healthy, on each host in turn (what a restart without the role does).

Measured per address: the longest gap between two successful connections while the
scenario ran (its start and end count as successes, the address answered before and
after). The cluster is healthy with every address on one host before each scenario.
Needs the lab harness of the branch ``lab`` (tests/lab/lab.py, conftest.py). Figures: bench/README.md.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time

from ctdbtest import lab_cluster as lt
from ctdbtest.lab import Lab

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PORT = 7999

LISTENER = '''
import socket, sys
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("0.0.0.0", int(sys.argv[1])))
server.listen(64)
while True:
    conn, _ = server.accept()
    conn.close()
'''


def probe(addresses, port, interval):
    """Run in the hub: one line 'TIME ADDRESS' on stdout per successful connection, until killed."""
    while True:
        started = time.time()
        for address in addresses:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.settimeout(interval)
            try:
                sock.connect((address, port))
                print('%.3f %s' % (time.time(), address), flush=True)
            except OSError:
                pass
            finally:
                sock.close()
        time.sleep(max(0.0, interval - (time.time() - started)))


def longest_gaps(lines, addresses, start, end):
    """{address: longest gap in seconds between successes within [start, end]}."""
    seen = dict((address, [start]) for address in addresses)
    for line in lines:
        stamp, address = line.split()
        if address in seen and start <= float(stamp) <= end:
            seen[address].append(float(stamp))
    gaps = {}
    for address, stamps in seen.items():
        stamps.append(end)
        gaps[address] = round(max(b - a for a, b in zip(stamps, stamps[1:])), 2)
    return gaps


class Probe:
    def __init__(self, lab, addresses, interval):
        self.lab, self.addresses, self.interval = lab, addresses, interval
        self.path = os.path.join(lab.dir, 'probe.log')
        self.process = self.handle = None

    def __enter__(self):
        self.handle = open(self.path, 'w')  # pylint: disable=consider-using-with
        argv = [sys.executable, os.path.abspath(__file__), '--probe', str(self.interval)] + self.addresses
        self.process = subprocess.Popen(self.lab.hub_argv(argv), stdout=self.handle)  # pylint: disable=consider-using-with
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(10)
        self.handle.close()

    def lines(self):
        with open(self.path) as handle:
            return handle.read().splitlines()


def balanced(lab, lt):
    return lt.healthy(lab) and all(len(hosts) == 1 for hosts in lt.placement(lab).values())


def settle(lab, lt, timeout=180):
    if not lt.wait_until(lambda: balanced(lab, lt), timeout, interval=0.5)[0]:
        raise SystemExit('the cluster did not become healthy with every address on one host')


def graceful(lab, lt):
    run = lt.playbook(lab, 'playbooks/rolling_restart.yml')
    if run.rc != 0:
        raise SystemExit('rolling_restart.yml failed:\n%r' % run)


def plain(lab, lt):
    for host in lab.hostnames():
        lab.on_host(host, ['/etc/init.d/ctdb', 'stop'], check=False)
        if not lt.wait_until(lambda: lab.ctdbd_pid(host) is None, 60, interval=0.2)[0]:
            raise SystemExit('ctdbd did not exit on %s' % host)
        lab.on_host(host, ['/etc/init.d/ctdb', 'start'])
        if not lt.wait_healthy(lab, timeout=180):
            raise SystemExit('the cluster did not become healthy after restarting %s' % host)


def measure(lab, lt, name, action, addresses, interval):
    settle(lab, lt)
    before = dict((host, lab.ctdbd_pid(host)) for host in lab.hostnames())
    with Probe(lab, addresses, interval) as running:
        time.sleep(2)  # every address answered before the scenario starts
        start = time.time()
        action(lab, lt)
        end = time.time()
        time.sleep(2)
    after = dict((host, lab.ctdbd_pid(host)) for host in lab.hostnames())
    if any(after[host] in (None, before[host]) for host in before):
        raise SystemExit('%s: not every ctdbd was restarted (%r -> %r)' % (name, before, after))
    answered = set(line.split()[1] for line in running.lines() if float(line.split()[0]) < start)
    if answered != set(addresses):
        raise SystemExit('%s: %s did not answer before the scenario' % (name, sorted(set(addresses) - answered)))
    return {'scenario': name, 'seconds': round(end - start, 1),
            'longest_gap': longest_gaps(running.lines(), addresses, start, end)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--rounds', type=int, default=1, help='each round runs both scenarios')
    parser.add_argument('--interval', type=float, default=0.2)
    parser.add_argument('--hosts', type=int, default=3)
    parser.add_argument('--out')
    parser.add_argument('--keep', action='store_true', help='leave the lab running')
    parser.add_argument('--probe', type=float, help=argparse.SUPPRESS)
    parser.add_argument('addresses', nargs='*', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(args.addresses, PORT, args.probe)
        return
    lab = Lab(os.environ.get('LAB_NAME', 'availab'), args.hosts, os.environ.get('LAB_SUBNET', '10.213.3'))
    lab.start()
    listeners = []
    results = []
    try:
        run = lt.playbook(lab, 'playbooks/site.yml')
        if run.rc != 0:
            raise SystemExit('site.yml failed:\n%r' % run)
        print('site.yml on %d bare hosts: %.0f s' % (args.hosts, run.elapsed), flush=True)
        for host in lab.hostnames():
            argv = lab.host_argv(host, ['/usr/bin/python3', '-c', LISTENER, str(PORT)])
            listeners.append(subprocess.Popen(argv))  # pylint: disable=consider-using-with
        addresses = [lab.public_address(host) for host in lab.hostnames()]
        for number in range(1, args.rounds + 1):
            for name, action in (('graceful', graceful), ('plain', plain)):
                result = dict(measure(lab, lt, name, action, addresses, args.interval), round=number)
                results.append(result)
                print('round %d %-9s %5.1f s  longest gap per address: %s' % (
                    number, name, result['seconds'],
                    ', '.join('%s %.2f s' % item for item in sorted(result['longest_gap'].items()))), flush=True)
    finally:
        for listener in listeners:
            listener.terminate()
        if not args.keep:
            lab.stop()
    if args.out:
        with open(args.out, 'w') as handle:
            for result in results:
                handle.write(json.dumps(result) + '\n')
    for name in ('graceful', 'plain'):
        worst = [max(r['longest_gap'].values()) for r in results if r['scenario'] == name]
        print('%-9s worst gap over all addresses and rounds: %.2f s' % (name, max(worst)))


if __name__ == '__main__':
    main()
