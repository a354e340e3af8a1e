#!/usr/bin/env python
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SMB availability on the lab while nodes fail or restart: clustered Samba (roles/samba) read through smbclient.

    PYTHONPATH=tests/support .venv/bin/python bench/bench_smb_availability.py [--rounds 3] [--out FILE]
        [--scenarios kill,graceful,plain] [--interval 0.2] [--leader-timeout N] [--keep] [--use-running]

A lab of its own (LAB_NAME / LAB_SUBNET, default smblab / 10.213.4) is started bare and
converged once with playbooks/site.yml and the lab's Samba demo variables over SSH: CTDB, the
etcd lock, smb.conf (clustering = yes, include = registry), smbd started by CTDB's 50.samba, the
share `demo` and its user (roles/samba with samba_share and samba_user, once for the cluster).

The client is Samba's own command-line client, smbclient (Debian 4.17, SMB3), run in the
lab's hub namespace, where it reaches every public address as a client on the LAN would.
Two kinds of probe read a small file through every public address every INTERVAL seconds:

* fresh: a new `smbclient //ADDR/demo -A AUTHFILE -m SMB3 -c 'get FILE -'` per probe and
  address (TCP connect, negotiate, session setup, tree connect, read; killed after --timeout);
  started every INTERVAL whatever the previous one does, so a hanging probe delays none;
* kept: one smbclient per address kept running, fed `get FILE -` on stdin every INTERVAL;
  a read that fails (or gets no answer within --stall) counts as the session lost: the
  process is killed and a new session started at once (what a client that reconnects does).

Scenarios, each from a healthy cluster with every address on one host:

* kill: kill -9 of the ctdbd of a host that serves an address and is not the leader; timed:
  the kill to the address on another host's eth0 (ip -n NS addr every 20 ms) and to the first
  successful read of each kind; then ctdbd started again and the cluster settled (the address
  moves back: part of the scenario);
* graceful: playbooks/rolling_restart.yml;
* plain: /etc/init.d/ctdb stop, wait, start, wait healthy, each host in turn.

Measured per address and kind: the longest time between two successful reads while the
scenario ran (its start and end count as successes: every address answered before and after).
Results: a table on stdout and, with --out, JSON lines. Figures: bench/README.md.
"""
import argparse
import datetime
import json
import os
import queue
import subprocess
import sys
import threading
import time

import yaml

import bench_availability as ba  # longest_gaps, settle, graceful, plain (same directory)
import bench_lab_failover as blf  # restart after kill -9
from ctdbtest import lab_cluster as lt
from ctdbtest.lab import SAMBA_SHARE, TUNABLES, Lab

SHARE = SAMBA_SHARE
FILE = 'probe.txt'
MARKER = 'ctdb-cluster-smbbench-probe'
KINDS = ('fresh', 'kept')
SCENARIOS = ('kill', 'graceful', 'plain')


# --- the probe, run in the hub namespace ----------------------------------------------------
class Emitter:
    """One line 'TIME KIND ADDRESS EVENT [DETAIL]' on stdout per event, from many threads."""

    def __init__(self):
        self.lock = threading.Lock()

    def __call__(self, kind, address, event, detail=''):
        line = '%.3f %s %s %s %s' % (time.time(), kind, address, event, detail.replace('\n', ' ')[:200])
        with self.lock:
            sys.stdout.write(line.rstrip() + '\n')
            sys.stdout.flush()


def smbclient_argv(address, authfile, timeout):
    return ['smbclient', '//%s/%s' % (address, SHARE), '-A', authfile, '-m', 'SMB3', '-t', str(int(timeout))]


def fresh_once(address, conf, emit):
    argv = smbclient_argv(address, conf['authfile'], conf['timeout']) + ['-c', 'get %s -' % FILE]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=conf['timeout'], check=False)
    except subprocess.TimeoutExpired:
        return
    if done.returncode == 0 and MARKER in done.stdout:
        emit('fresh', address, 'ok')


def fresh_loop(address, conf, emit):
    """A new smbclient every interval; at most a few running at once per address."""
    running = []
    while True:
        started = time.time()
        running = [t for t in running if t.is_alive()]
        if len(running) < conf['timeout'] / conf['interval'] + 1:
            thread = threading.Thread(target=fresh_once, args=(address, conf, emit), daemon=True)
            thread.start()
            running.append(thread)
        time.sleep(max(0.0, conf['interval'] - (time.time() - started)))


def read_lines(stream, lines):
    for line in iter(stream.readline, ''):
        lines.put(line)
    lines.put(None)


def kept_session(address, conf, emit):
    """One smbclient session until a read fails; True when it had read at least once."""
    argv = ['stdbuf', '-oL'] + smbclient_argv(address, conf['authfile'], conf['stall'])
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,  # pylint: disable=consider-using-with
                            stderr=subprocess.STDOUT, text=True, bufsize=1)
    lines = queue.Queue()
    threading.Thread(target=read_lines, args=(proc.stdout, lines), daemon=True).start()
    reads, why = 0, ''
    try:
        while True:
            started = time.time()
            try:
                proc.stdin.write('get %s -\n' % FILE)
                proc.stdin.flush()
            except OSError as error:
                why = 'stdin: %s' % error
                break
            # The file's line is the success; a status line (NT_STATUS_...) the failure. (A second command
            # written with it, as an end mark, is run only some 0.2 s later: smbclient polls its stdin.)
            seen, deadline = False, started + conf['stall']
            while not seen:
                try:
                    line = lines.get(timeout=max(0.01, deadline - time.time()))
                except queue.Empty:
                    why = 'no answer within %.0f s' % conf['stall']
                    break
                if line is None:
                    why = 'smbclient exited'
                    break
                seen = MARKER in line
                if not seen and ('NT_STATUS' in line or 'rror' in line):
                    why = line.strip()
                    break
            if not seen:
                break
            reads += 1
            emit('kept', address, 'ok', 'first' if reads == 1 else '')
            time.sleep(max(0.0, conf['interval'] - (time.time() - started)))
    finally:
        proc.kill()
        proc.wait()
    if reads:
        emit('kept', address, 'lost', '%d reads; %s' % (reads, why))
    return reads > 0


def kept_loop(address, conf, emit):
    while True:
        started = time.time()
        if not kept_session(address, conf, emit):
            time.sleep(max(0.0, conf['interval'] - (time.time() - started)))


def probe(conf):
    emit = Emitter()
    for address in conf['addresses']:
        for loop in (fresh_loop, kept_loop):
            threading.Thread(target=loop, args=(address, conf, emit), daemon=True).start()
    while True:
        time.sleep(3600)


class Probe(ba.Probe):
    """bench_availability's probe process, running this file's SMB probe instead."""

    def __init__(self, lab, conf, tag):
        super().__init__(lab, conf['addresses'], conf['interval'])
        self.conf = conf
        self.path = os.path.join(lab.dir, 'smbprobe-%s.log' % tag)

    def __enter__(self):
        self.handle = open(self.path, 'w')  # pylint: disable=consider-using-with
        argv = [sys.executable, os.path.abspath(__file__), '--probe', json.dumps(self.conf)]
        self.process = subprocess.Popen(self.lab.hub_argv(argv), stdout=self.handle)  # pylint: disable=consider-using-with
        return self

    def events(self, kind=None, event=None):
        """[(time, kind, address, event, detail)] so far."""
        found = []
        for line in self.lines():
            parts = line.split(None, 4)
            if len(parts) < 4:
                continue
            item = (float(parts[0]), parts[1], parts[2], parts[3], parts[4] if len(parts) > 4 else '')
            if (kind is None or item[1] == kind) and (event is None or item[3] == event):
                found.append(item)
        return found

    def successes(self, kind):
        """Lines 'TIME ADDRESS' of the successful reads of KIND, as bench_availability.longest_gaps reads them."""
        return ['%.3f %s' % (stamp, address) for stamp, dummy, address, dummy2, dummy3 in self.events(kind, 'ok')]


# --- the share and the user --------------------------------------------------------------------
def share_and_user(lab):
    """Write the file the probes read into the demo share; returns smbclient's credentials file.

    The share (`demo` on the lab's distributed filesystem) and its user come from the collection:
    site.yml with the demo's variables (Lab.samba_demo_files: roles/samba, samba_share, samba_user).
    """
    share_dir = os.path.join(lab.dfs_dir, SHARE)  # DFS_PATH/demo inside every host
    with open(os.path.join(share_dir, FILE), 'w') as handle:
        handle.write(MARKER + '\n')
    os.chmod(os.path.join(share_dir, FILE), 0o644)
    return lab.smb_auth_path


# --- scenarios ----------------------------------------------------------------------------------
def first_after(running, kind, addresses, since, limit=60):
    """{address: seconds from SINCE to its first successful read of KIND after SINCE}.

    kept: the first read of a session started after SINCE (a read of the old session can still
    complete just after the kill, before that session is lost)."""
    found = {}
    deadline = time.time() + limit
    while time.time() < deadline and len(found) < len(addresses):
        for stamp, dummy, address, dummy2, detail in running.events(kind, 'ok'):
            if kind == 'kept' and detail != 'first':
                continue
            if address in addresses and address not in found and stamp > since:
                found[address] = round(stamp - since, 2)
        time.sleep(0.1)
    return found


def last_before(running, kind, addresses, until):
    """Seconds from the last successful read of KIND of any of ADDRESSES to UNTIL."""
    stamps = [e[0] for e in running.events(kind, 'ok') if e[2] in addresses and e[0] <= until]
    return round(until - max(stamps), 2) if stamps else None


# CTDB log lines that say where the time goes (ctdb 4.17's wording): (name, text).
EVENTS = (('shutdown', 'Received SHUTDOWN command'), ('dead', 'Tearing down connection to dead node'),
          ('starting', 'CTDB starting on node'), ('connected', ': connected to '),
          ('leader_timeout', 'Leader broadcast timeout'), ('lock_taken', 'Cluster lock taken successfully'),
          ('recovery_started', 'Recovery has started'), ('recovery_finished', 'Recovery has finished'),
          ('takeover_started', 'Takeover run starting'), ('releaseip', 'Release of IP '), ('takeip', 'Takeover of IP '),
          ('takeover_done', 'Takeover run completed successfully'), ('smbd_started', '50.samba: Starting Samba'),
          ('healthy', 'Node became HEALTHY'))
# After the kill, the first of these in the survivors' logs.
STEPS = ('dead', 'recovery_started', 'recovery_finished', 'takeover_started', 'takeip', 'takeover_done')


def log_events(lab, hosts, since, until):
    """[(time, host, event name, line)] of the EVENTS lines of HOSTS' /var/log/ctdb/log.ctdb in [since, until]."""
    found = []
    for host in hosts:
        with open(os.path.join(lab.host_dir(host), 'var/log/ctdb/log.ctdb'), errors='replace') as handle:
            for line in handle:
                try:
                    stamp = datetime.datetime.fromisoformat(line.split(' ', 1)[0]).timestamp()
                except ValueError:
                    continue
                if since <= stamp <= until:
                    found.extend((stamp, host, name, line.rstrip()) for name, text in EVENTS if text in line)
    return sorted(found)


def log_steps(lab, hosts, since):
    """{step: seconds after SINCE} of the first line of each STEPS kind in HOSTS' logs."""
    found = {}
    for stamp, dummy, name, dummy2 in log_events(lab, hosts, since, since + 60):
        found.setdefault(name, round(stamp - since, 3))
    return dict((step, found.get(step)) for step in STEPS)


def slow_windows(lines, addresses, start, end, threshold):
    """Gaps over THRESHOLD between successful reads, merged across addresses: [[from, to, {address: gap}]]."""
    gaps = []
    for address in addresses:
        stamps = [start] + sorted(float(l.split()[0]) for l in lines
                                  if l.split()[1] == address and start <= float(l.split()[0]) <= end) + [end]
        gaps.extend((a, b, address) for a, b in zip(stamps, stamps[1:]) if b - a > threshold)
    windows = []
    for a, b, address in sorted(gaps):
        if windows and a <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], b)
        else:
            windows.append([a, b, {}])
        windows[-1][2][address] = round(b - a, 2)
    return windows


def explain(lab, windows, start):
    """Each slow window with the CTDB events in it (the first of each kind per host), times from the scenario's start."""
    explained = []
    for a, b, gaps in windows:
        seen, events = set(), []
        for stamp, host, name, dummy in log_events(lab, lab.hostnames(), a - 0.5, b):
            if (host, name) not in seen:
                seen.add((host, name))
                events.append('%+.2f %s %s' % (stamp - a, host, name))
        explained.append({'from': round(a - start, 2), 'seconds': round(b - a, 2), 'gaps': gaps, 'events': events})
    return explained


def kill(lab, running):
    """kill -9 a non-leader's ctdbd that serves an address; time the takeover and the first reads."""
    leader = lt.leader_host(lab)
    where = lt.placement(lab)
    victim = [h for h in lab.hostnames() if h != leader and any(v == [h] for v in where.values())][0]
    moving = [a for a, hosts in where.items() if hosts == [victim]]
    others = [h for h in lab.hostnames() if h != victim]
    pid = lab.ctdbd_pid(victim)
    killed = time.time()
    lab.on_host(victim, ['kill', '-9', str(pid)])
    moved = None
    while time.time() - killed < 60:
        now = lt.placement(lab, others)
        if all(now[a] for a in moving):
            moved = round(time.time() - killed, 2)
            break
        time.sleep(0.02)
    detail = {'victim': victim, 'leader': leader, 'addresses': moving, 'killed': round(killed, 3), 'address_moved': moved,
              'first_read': dict((kind, first_after(running, kind, moving, killed)) for kind in KINDS),
              'last_read_before': dict((kind, last_before(running, kind, moving, killed)) for kind in KINDS)}
    detail['log'] = log_steps(lab, others, killed)
    blf.restart(lab, victim)
    ba.settle(lab, lt)
    return detail


def graceful(lab, dummy):
    ba.graceful(lab, lt)


def plain(lab, dummy):
    ba.plain(lab, lt)


ACTIONS = {'kill': kill, 'graceful': graceful, 'plain': plain}


def measure(lab, name, conf, number):
    ba.settle(lab, lt)
    before = dict((host, lab.ctdbd_pid(host)) for host in lab.hostnames())
    with Probe(lab, conf, '%s-%d' % (name, number)) as running:
        time.sleep(3)  # every address read by both kinds before the scenario starts
        start = time.time()
        detail = ACTIONS[name](lab, running) or {}
        end = time.time()
        time.sleep(2)
    after = dict((host, lab.ctdbd_pid(host)) for host in lab.hostnames())
    restarted = sorted(host for host in before if after[host] not in (None, before[host]))
    expected = [detail['victim']] if name == 'kill' else sorted(before)
    if restarted != expected:
        raise SystemExit('%s: ctdbd restarted on %s, expected %s (%r -> %r)' % (name, restarted, expected, before, after))
    result = {'scenario': name, 'seconds': round(end - start, 1), 'detail': detail}
    for kind in KINDS:
        lines = running.successes(kind)
        answered = set(line.split()[1] for line in lines if float(line.split()[0]) < start)
        if answered != set(conf['addresses']):
            raise SystemExit('%s: %s not read (%s) before the scenario' % (
                name, sorted(set(conf['addresses']) - answered), kind))
        result['gap_' + kind] = ba.longest_gaps(lines, conf['addresses'], start, end)
    result['slow_fresh'] = explain(lab, slow_windows(running.successes('fresh'), conf['addresses'], start, end, 1.0), start)
    lost = [e for e in running.events('kept', 'lost') if start <= e[0] <= end]
    result['kept_lost'] = dict((a, sum(1 for e in lost if e[2] == a)) for a in conf['addresses'])
    result['kept_lost_why'] = sorted(set(e[4].split('; ', 1)[-1] for e in lost))
    return result


def converge(lab, leader_timeout=None):
    extra = dict(lab.samba_demo_files())
    if leader_timeout:
        # The inventory's ctdb_conf (the lab's logging) with [cluster] leader timeout added.
        with open(lab.inventory_path) as handle:
            conf = yaml.safe_load(handle)['all']['children']['ctdb_cluster']['vars'].get('ctdb_conf', {})
        extra['ctdb_conf'] = dict(conf, cluster=dict(conf.get('cluster', {}), **{'leader timeout': leader_timeout}))
    run = lt.playbook(lab, 'playbooks/site.yml', extra_vars=extra)
    if run.rc != 0:
        raise SystemExit('site.yml -e samba_enabled=true failed:\n%r' % run)
    return run.elapsed


def print_result(number, result, addresses):
    for kind in KINDS:
        gaps = result['gap_' + kind]
        print('round %d %-8s %6.1f s  %-5s longest gap: %s  worst %.2f s%s' % (
            number, result['scenario'], result['seconds'], kind,
            ', '.join('%s %.2f' % (a, gaps[a]) for a in addresses), max(gaps.values()),
            ('  sessions lost %s' % sum(result['kept_lost'].values())) if kind == 'kept' else ''), flush=True)
    if result['scenario'] == 'kill':
        detail = result['detail']
        print('         kill -9 ctdbd on %s (leader %s): %s on another eth0 after %s s; first read fresh %s, kept %s' % (
            detail['victim'], detail['leader'], ', '.join(detail['addresses']), detail['address_moved'],
            detail['first_read']['fresh'], detail['first_read']['kept']), flush=True)
        print('         survivors\' logs, s after the kill: %s' % ', '.join('%s %s' % item for item in detail['log'].items()),
              flush=True)
    for window in result['slow_fresh']:
        print('         fresh reads missing over %.2f s from +%.1f s (longest gaps %s); CTDB, s from its start: %s' % (
            window['seconds'], window['from'], ', '.join('%s %.2f' % item for item in sorted(window['gaps'].items())),
            '; '.join(window['events'])), flush=True)
    if result['kept_lost_why']:
        print('         kept sessions lost because: %s' % ' || '.join(result['kept_lost_why']), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--rounds', type=int, default=3, help='each round runs every scenario')
    parser.add_argument('--scenarios', default=','.join(SCENARIOS), help='comma-separated, of %s' % ', '.join(SCENARIOS))
    parser.add_argument('--interval', type=float, default=0.2)
    parser.add_argument('--timeout', type=float, default=3.0, help='a fresh probe is killed after this many seconds')
    parser.add_argument('--stall', type=float, default=10.0, help='a kept session with no answer for this long is lost')
    parser.add_argument('--hosts', type=int, default=3)
    parser.add_argument('--out')
    parser.add_argument('--keep', action='store_true', help='leave the lab running')
    parser.add_argument('--use-running', action='store_true', help='use the lab as it runs (converged already)')
    parser.add_argument('--leader-timeout', type=int, help='converge with this ctdb.conf [cluster] leader timeout '
                        '(CTDB default 5 s); with --use-running, converge the running lab again first')
    parser.add_argument('--probe', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(json.loads(args.probe))
        return
    names = [n for n in args.scenarios.split(',') if n]
    if not names or set(names) - set(SCENARIOS):
        parser.error('--scenarios: pick among %s' % ', '.join(SCENARIOS))
    lab = Lab(os.environ.get('LAB_NAME', 'smblab'), args.hosts, os.environ.get('LAB_SUBNET', '10.213.4'))
    print('failure detection the lab\'s tunables promise: KeepaliveInterval %d s x KeepaliveLimit %d = %d s '
          '(a host that goes silent); a killed ctdbd closes its connections at once' % (
              TUNABLES['KeepaliveInterval'], TUNABLES['KeepaliveLimit'],
              TUNABLES['KeepaliveInterval'] * TUNABLES['KeepaliveLimit']), flush=True)
    results = []
    try:
        if not args.use_running:
            lab.start()
            print('site.yml -e samba_enabled=true on %d bare hosts: %.0f s' % (
                args.hosts, converge(lab, args.leader_timeout)), flush=True)
        elif args.leader_timeout:
            print('site.yml with leader timeout %d s: %.0f s' % (args.leader_timeout, converge(lab, args.leader_timeout)),
                  flush=True)
        conf = {'addresses': [lab.public_address(host) for host in lab.hostnames()], 'authfile': share_and_user(lab),
                'interval': args.interval, 'timeout': args.timeout, 'stall': args.stall}
        print('client: smbclient (Samba %s) in the hub namespace %s, SMB3, share //ADDR/%s, file %s' % (
            subprocess.run(['smbclient', '--version'], capture_output=True, text=True, check=False).stdout.split()[-1],
            lab.hub, SHARE, FILE), flush=True)
        for number in range(1, args.rounds + 1):
            for name in names:
                result = dict(measure(lab, name, conf, number), round=number)
                results.append(result)
                print_result(number, result, conf['addresses'])
                if args.out:
                    with open(args.out, 'a') as handle:
                        handle.write(json.dumps(result) + '\n')
    finally:
        if not args.keep:
            lab.stop()
    print('\nworst longest gap over all addresses and rounds:')
    for name in names:
        mine = [r for r in results if r['scenario'] == name]
        if mine:
            print('  %-8s fresh %.2f s, kept %.2f s, kept sessions lost %d' % (
                name, max(max(r['gap_fresh'].values()) for r in mine), max(max(r['gap_kept'].values()) for r in mine),
                sum(sum(r['kept_lost'].values()) for r in mine)))


if __name__ == '__main__':
    main()
