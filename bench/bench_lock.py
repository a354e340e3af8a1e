#!/usr/bin/env python
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark the etcd cluster-lock helper against Samba's own ctdb_etcd_lock.

    .venv/bin/python bench/bench_lock.py failover [--trials 10] [--helpers ours samba] [--apis v2 v3]
    .venv/bin/python bench/bench_lock.py resources [--seconds 60]
    .venv/bin/python bench/bench_lock.py pause [--trials 3]
    .venv/bin/python bench/bench_lock.py parentdeath [--trials 5] [--python PATH] [--helper PATH]

failover: for each trial a fresh etcd and a fresh 3-node sandbox (CTDB_SANDBOX_NAME /
CTDB_SANDBOX_SUBNET, default lock / 127.0.15) whose cluster lock is the helper; once
the leader holds the lock and a random 0-2 s have passed, every process of the leader
node is killed (SIGKILL).  The failover time is from the kill to the last "Recovery
mode set to NORMAL" logged by a survivor, counted only once both survivors agree on a
new leader in recovery mode NORMAL (checked with `ctdb status`); a trial that is not
there within --limit seconds is a failure.  Samba's helper speaks only the v2 API.

resources: the lock holder of a sandbox cluster is sampled for --seconds: resident
memory (VmRSS, VmHWM) and CPU time (utime+stime) as a share of one core.

pause: no ctdbd; each helper holds a lock on its own etcd, which is then paused
(SIGSTOP: requests hang); measured is the time until the holder closes stdout,
against the 9 s TTL after which another node could take the lock.

parentdeath: no ctdbd; a helper started by an intermediate parent holds a lock on
an etcd reached through two endpoints, the first a forwarder in front of etcd; the
forwarder stops forwarding, and once a refresh hangs on it the parent is killed
(SIGKILL, as a crash of ctdbd).  Measured is how long the lock outlives its parent:
from the kill to the key gone from etcd (polled every 20 ms).  --helper runs another
version of the helper (e.g. an older commit's, from `git show`).

Results go to stdout as a table and, with --out, as JSON lines.
"""
import argparse
import datetime
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time

# the bench's own sandbox unless told otherwise (etcd listens on <subnet>.200)
os.environ.setdefault('CTDB_SANDBOX_NAME', 'lock')
os.environ.setdefault('CTDB_SANDBOX_SUBNET', '127.0.15')
BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
sys.path.insert(0, os.path.join(REPO, 'tests', 'integration'))
sys.path.insert(0, os.path.join(REPO, 'tests', 'sandbox'))

from sandbox import Sandbox  # noqa: E402  pylint: disable=wrong-import-position
from test_etcd_lock import (  # noqa: E402  pylint: disable=wrong-import-position
    EtcdServer, HELPER, Helper, ParentedHelper, StallProxy, wait_key_gone, write_config)
from test_etcd_lock_ctdb import ancestors, cluster_view, lock_holder_node  # noqa: E402  pylint: disable=wrong-import-position

SAMBA_HELPER = '/usr/libexec/ctdb/ctdb_etcd_lock'
SYSTEM_PYTHON = '/usr/bin/python3'
VENV_PYTHON = os.path.join(REPO, '.venv', 'bin', 'python')
LOCK_NAME = 'BENCH'
LOG_TIME = re.compile(r'^(\S+) (\S+) ')


def sandbox_settings():
    return os.environ['CTDB_SANDBOX_NAME'], os.environ['CTDB_SANDBOX_SUBNET']


def lock_setting(kind, api, etcd, directory, python=None):
    """The `cluster lock` string for helper kind 'ours' or 'samba'; the configuration
    goes to a new file, so that concurrent runs never share one."""
    path = os.path.join(tempfile.mkdtemp(prefix='%s-%s-' % (kind, api), dir=directory), 'etcd')
    if kind == 'ours':
        write_config(path, api, etcd, name=LOCK_NAME, lock_ttl=9, refresh=2)
        # v2 runs with the system python3 and python3-etcd, as Samba's helper; v3
        # with the venv's etcd3gw 2.7 (the figures in bench/README.md were measured so)
        default = SYSTEM_PYTHON if api == 'v2' else VENV_PYTHON
        return '!%s %s -c %s' % (python or default, HELPER, path)
    # Samba's helper: its own config keys, lock name from testparm
    with open(path, 'w') as handle:
        handle.write('host = %s\nport = %d\nlock_ttl = 9\nlock_refresh = 2\n' % (etcd.host, etcd.client_port))
    return '!%s %s -c %s' % (python or SYSTEM_PYTHON, SAMBA_HELPER, path)


def start_cluster(lock):
    name, subnet = sandbox_settings()
    Sandbox.attach(name).stop()
    cluster = Sandbox(name, nodes=3, subnet=subnet, etcd=False, cluster_lock=lock)
    cluster.start(timeout=90)
    return cluster


def agreed_leader(cluster, nodes):
    view = cluster_view(cluster, nodes)
    leaders = {pair[0] for pair in view.values()}
    modes = {pair[1] for pair in view.values()}
    if len(leaders) == 1 and modes == {'NORMAL'}:
        leader = leaders.pop()
        if leader is not None:
            return leader
    return None


def log_events(cluster, index, since, pattern):
    """Wall-clock times (epoch) of log lines of node index matching pattern after since."""
    times = []
    try:
        with open(cluster.log_path(index), errors='replace') as handle:
            for line in handle:
                if pattern not in line:
                    continue
                match = LOG_TIME.match(line)
                if not match:
                    continue
                stamp = datetime.datetime.fromisoformat(match.group(1)).timestamp()
                if stamp >= since:
                    times.append(stamp)
    except OSError:
        pass
    return times


def failover_trial(kind, api, limit, tmpdir, rng):
    etcd = EtcdServer().start()
    cluster = None
    result = {'helper': kind, 'api': api, 'recovered': False}
    try:
        lock = lock_setting(kind, api, etcd, tmpdir)
        try:
            cluster = start_cluster(lock)
        except Exception as exc:  # pylint: disable=broad-except
            result['error'] = 'cluster did not start healthy: %s' % exc
            return result
        key = '/_locks/_ctdb/%s.lock' % LOCK_NAME
        deadline = time.monotonic() + 30
        leader = None
        while time.monotonic() < deadline:
            leader = agreed_leader(cluster, range(3))
            if leader is not None and (kind != 'ours' or lock_holder_node(cluster, etcd, api, key) == leader):
                break
            time.sleep(0.3)
        else:
            result['error'] = 'no leader holding the lock before the crash'
            return result
        time.sleep(rng.uniform(0, 2))
        survivors = [i for i in range(3) if i != leader]
        killed_at = time.time()
        cluster.kill_node(leader)
        start = time.monotonic()
        new_leader = None
        while time.monotonic() - start < limit:
            candidate = agreed_leader(cluster, survivors)
            if candidate in survivors:
                if kind != 'ours' or lock_holder_node(cluster, etcd, api, key) == candidate:
                    new_leader = candidate
                    break
            time.sleep(0.2)
        confirmed_at = time.time()
        contention = sum(len(log_events(cluster, i, killed_at, 'Unable to take cluster lock - contention'))
                         for i in survivors)
        result.update(old_leader=leader, contention_messages=contention)
        if new_leader is None:
            result['error'] = 'no new leader in NORMAL within %d s' % limit
            return result
        normal = [t for i in survivors for t in log_events(cluster, i, killed_at, 'Recovery mode set to NORMAL')
                  if t <= confirmed_at]
        result.update(recovered=True, new_leader=new_leader,
                      failover_s=round((max(normal) if normal else confirmed_at) - killed_at, 2),
                      confirmed_s=round(confirmed_at - killed_at, 2))
        return result
    finally:
        if cluster is not None:
            save_logs(cluster, tmpdir, result)
            cluster.stop()
        etcd.stop()


def save_logs(cluster, tmpdir, result):
    """Keep the nodes' logs of a trial for a later look (.cache/bench_lock/logs/)."""
    target = os.path.join(tmpdir, 'logs', '%s-%s-%s' % (result['helper'], result['api'],
                                                        time.strftime('%Y%m%dT%H%M%S')))
    os.makedirs(target, exist_ok=True)
    result['logs'] = os.path.relpath(target, REPO)
    for index in range(cluster.nodes):
        try:
            with open(cluster.log_path(index), 'rb') as source, \
                    open(os.path.join(target, 'node%d.log' % index), 'wb') as copy:
                copy.write(source.read())
        except OSError:
            pass


def summarize(rows, key='failover_s'):
    groups = {}
    for row in rows:
        groups.setdefault((row['helper'], row['api']), []).append(row)
    header = ('helper', 'api', 'trials', 'recovered', 'median', 'min', 'max', 'contention msgs (median)')
    lines = ['%-6s %-3s %7s %9s %8s %8s %8s %s' % header]
    for (kind, api), group in sorted(groups.items()):
        times = [r[key] for r in group if r.get('recovered')]
        contention = [r.get('contention_messages', 0) for r in group]
        lines.append('%-6s %-3s %7d %9d %8s %8s %8s %s' % (
            kind, api, len(group), len(times),
            '%.1f' % statistics.median(times) if times else '-',
            '%.1f' % min(times) if times else '-', '%.1f' % max(times) if times else '-',
            statistics.median(contention) if contention else '-'))
    return '\n'.join(lines)


def run_failover(args):
    rng = random.Random(args.seed)
    tmpdir = os.path.join(REPO, '.cache', 'bench_lock')
    os.makedirs(tmpdir, exist_ok=True)
    rows = []
    for trial in range(args.trials):
        for kind in args.helpers:
            for api in args.apis:
                if kind == 'samba' and api != 'v2':
                    continue
                row = failover_trial(kind, api, args.limit, tmpdir, rng)
                row['trial'] = trial + 1
                rows.append(row)
                print(json.dumps(row), flush=True)
                if args.out:
                    with open(args.out, 'a') as handle:
                        handle.write(json.dumps(row) + '\n')
    print(summarize(rows))


def proc_stat(pid):
    """(utime + stime in seconds, VmRSS kB, VmHWM kB) of pid."""
    with open('/proc/%d/stat' % pid) as handle:
        fields = handle.read().rsplit(')', 1)[1].split()
    ticks = os.sysconf('SC_CLK_TCK')
    cpu = (int(fields[11]) + int(fields[12])) / float(ticks)
    memory = {}
    with open('/proc/%d/status' % pid) as handle:
        for line in handle:
            if line.startswith(('VmRSS:', 'VmHWM:')):
                memory[line.split(':')[0]] = int(line.split()[1])
    return cpu, memory.get('VmRSS'), memory.get('VmHWM')


def holder_pid(cluster, leader, needle):
    """The helper process (cmdline contains needle) under the leader's ctdbd that
    has run longest: the one holding the lock."""
    ctdbd = cluster.ctdbd_pid(leader)
    best = None
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        pid = int(entry)
        try:
            with open('/proc/%d/cmdline' % pid, 'rb') as handle:
                cmdline = handle.read().replace(b'\0', b' ').decode(errors='replace')
            with open('/proc/%d/stat' % pid) as handle:
                started = int(handle.read().rsplit(')', 1)[1].split()[19])
        except OSError:
            continue
        if needle in cmdline and ctdbd in ancestors(pid)[1:]:
            if best is None or started < best[1]:
                best = (pid, started)
    return best[0] if best else None


def run_resources(args):
    tmpdir = os.path.join(REPO, '.cache', 'bench_lock')
    os.makedirs(tmpdir, exist_ok=True)
    cases = [('ours', 'v2', SYSTEM_PYTHON), ('samba', 'v2', SYSTEM_PYTHON),
             ('ours', 'v2', VENV_PYTHON), ('samba', 'v2', VENV_PYTHON), ('ours', 'v3', VENV_PYTHON)]
    rows = []
    for kind, api, python in cases:
        etcd = EtcdServer().start()
        cluster = None
        row = {'helper': kind, 'api': api, 'python': python}
        try:
            cluster = start_cluster(lock_setting(kind, api, etcd, tmpdir, python=python))
            leader = None
            deadline = time.monotonic() + 30
            while leader is None and time.monotonic() < deadline:
                leader = agreed_leader(cluster, range(3))
                time.sleep(0.5)
            time.sleep(3)
            pid = holder_pid(cluster, leader, HELPER if kind == 'ours' else SAMBA_HELPER)
            cpu0 = proc_stat(pid)[0]
            t0 = time.monotonic()
            rss = []
            while time.monotonic() - t0 < args.seconds:
                time.sleep(1)
                rss.append(proc_stat(pid)[1])
            cpu1, rss_end, hwm = proc_stat(pid)
            elapsed = time.monotonic() - t0
            row.update(pid=pid, seconds=round(elapsed, 1), rss_kb_median=int(statistics.median(rss)),
                       rss_kb_max=max(rss), hwm_kb=hwm, cpu_s=round(cpu1 - cpu0, 3),
                       cpu_percent=round(100.0 * (cpu1 - cpu0) / elapsed, 3))
        except Exception as exc:  # pylint: disable=broad-except
            row['error'] = str(exc)
        finally:
            if cluster is not None:
                cluster.stop()
            etcd.stop()
        rows.append(row)
        print(json.dumps(row), flush=True)
        if args.out:
            with open(args.out, 'a') as handle:
                handle.write(json.dumps(row) + '\n')
    print('%-6s %-3s %-28s %10s %10s %8s' % ('helper', 'api', 'python', 'RSS MiB', 'HWM MiB', 'CPU %'))
    for row in rows:
        if 'error' in row:
            print('%-6s %-3s %-28s error: %s' % (row['helper'], row['api'], row['python'], row['error']))
            continue
        print('%-6s %-3s %-28s %10.1f %10.1f %8.3f' % (
            row['helper'], row['api'], row['python'], row['rss_kb_median'] / 1024.0, row['hwm_kb'] / 1024.0,
            row['cpu_percent']))


def run_pause(args):
    """Each helper holds a lock on its own etcd; etcd is paused (SIGSTOP: requests hang);
    how long until the holder closes stdout, against the TTL?  Samba's helper needs
    `ctdb pnn`: a stand-in `ctdb` printing 0 is put first on its PATH."""
    tmpdir = os.path.join(REPO, '.cache', 'bench_lock')
    fake_bin = os.path.join(tmpdir, 'fake-bin')
    os.makedirs(fake_bin, exist_ok=True)
    with open(os.path.join(fake_bin, 'ctdb'), 'w') as handle:
        handle.write('#!/bin/sh\necho 0\n')
    os.chmod(os.path.join(fake_bin, 'ctdb'), 0o755)
    env = dict(os.environ, PATH=fake_bin + ':' + os.environ.get('PATH', ''))
    rows = []
    for trial in range(args.trials):
        for kind, api in (('ours', 'v2'), ('ours', 'v3'), ('samba', 'v2')):
            etcd = EtcdServer().start()
            helper = None
            row = {'helper': kind, 'api': api, 'trial': trial + 1, 'ttl': 9}
            try:
                setting = lock_setting(kind, api, etcd, tmpdir)[1:].split()
                helper = Helper(None, argv=setting, env=env).start()
                row['status'] = helper.read_status(10)
                time.sleep(3 + trial * 0.2)
                etcd.pause()
                paused = time.monotonic()
                eof = helper.wait_eof(args.limit)
                row['exit_after_pause_s'] = round(eof - paused, 2) if eof else None
                if eof is None:
                    row['error'] = 'still running %d s after etcd was paused' % args.limit
            finally:
                if helper is not None:
                    helper.stop()
                etcd.stop()
            rows.append(row)
            print(json.dumps(row), flush=True)
            if args.out:
                with open(args.out, 'a') as handle:
                    handle.write(json.dumps(row) + '\n')
    print('%-6s %-3s %7s %s' % ('helper', 'api', 'trials', 'seconds from etcd pause to stdout closed (TTL 9 s)'))
    for kind, api in (('ours', 'v2'), ('ours', 'v3'), ('samba', 'v2')):
        group = [r for r in rows if r['helper'] == kind and r['api'] == api]
        values = ['%s' % r['exit_after_pause_s'] if r['exit_after_pause_s'] is not None else '>%d' % args.limit
                  for r in group]
        print('%-6s %-3s %7d %s' % (kind, api, len(group), ' '.join(values)))


def run_parentdeath(args):
    rows = []
    etcd = EtcdServer().start()
    tmpdir = tempfile.mkdtemp(prefix='bench-parentdeath-')
    try:
        for trial in range(args.trials):
            for api in args.apis:
                proxy = StallProxy(etcd.host, etcd.client_port).start()
                name = 'PD%d%s' % (trial, api)
                config = write_config(os.path.join(tmpdir, name), api, name=name, lock_ttl=9, refresh=2,
                                      endpoints='%s, %s' % (proxy.url, etcd.url))
                child = ParentedHelper(config, python=args.python, helper=args.helper).start()
                row = {'api': api, 'trial': trial + 1, 'python': args.python, 'helper': args.helper}
                try:
                    row['status'] = child.read_status(10)
                    time.sleep(0.5 + trial * 0.3)
                    proxy.stall()
                    if not proxy.hung.wait(5):
                        row['error'] = 'no refresh hung'
                        continue
                    killed = child.kill_parent()
                    freed = wait_key_gone(etcd, api, '/_locks/_ctdb/%s.lock' % name, limit=30, interval=0.02)
                    row['lock_outlives_parent_s'] = round(freed - killed, 3) if freed else None
                finally:
                    child.stop()
                    proxy.stop()
                    rows.append(row)
                    print(json.dumps(row), flush=True)
                    if args.out:
                        with open(args.out, 'a') as handle:
                            handle.write(json.dumps(row) + '\n')
    finally:
        etcd.stop()
    print('%-3s %7s %8s %8s  %s' % ('api', 'trials', 'median', 'max', 'seconds the lock outlives its parent'))
    for api in args.apis:
        values = [r['lock_outlives_parent_s'] for r in rows if r['api'] == api and r.get('lock_outlives_parent_s')]
        median = '%.2f' % statistics.median(values) if values else '-'
        print('%-3s %7d %8s %8s' % (api, len(values), median, '%.2f' % max(values) if values else '-'))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest='command', required=True)
    failover = sub.add_parser('failover', help='failover time after the leader node crashes')
    failover.add_argument('--trials', type=int, default=10)
    failover.add_argument('--helpers', nargs='+', default=['ours', 'samba'], choices=['ours', 'samba'])
    failover.add_argument('--apis', nargs='+', default=['v2', 'v3'], choices=['v2', 'v3'])
    failover.add_argument('--limit', type=int, default=60, help='seconds before a trial counts as failed')
    failover.add_argument('--seed', type=int, default=1)
    failover.add_argument('--out', help='append JSON lines here')
    resources = sub.add_parser('resources', help='memory and CPU of the helper holding the lock')
    resources.add_argument('--seconds', type=int, default=60)
    resources.add_argument('--out', help='append JSON lines here')
    pause = sub.add_parser('pause', help='time from etcd freezing to the holder giving up')
    pause.add_argument('--trials', type=int, default=3)
    pause.add_argument('--limit', type=int, default=90)
    pause.add_argument('--out', help='append JSON lines here')
    parentdeath = sub.add_parser('parentdeath',
                                 help='how long the lock outlives a parent that dies while a refresh hangs')
    parentdeath.add_argument('--trials', type=int, default=5)
    parentdeath.add_argument('--apis', nargs='+', default=['v2', 'v3'], choices=['v2', 'v3'])
    parentdeath.add_argument('--python', default=VENV_PYTHON)
    parentdeath.add_argument('--helper', default=HELPER)
    parentdeath.add_argument('--out', help='append JSON lines here')
    args = parser.parse_args(argv)
    {'failover': run_failover, 'resources': run_resources, 'pause': run_pause,
     'parentdeath': run_parentdeath}[args.command](args)


if __name__ == '__main__':
    main()
