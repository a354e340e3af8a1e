# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the last 100 lines of a 1 GB CTDB log, ctdb_log against ``tail -n 100``.

Generates the log in a temporary directory (deleted at the end, whatever happens), then
measures, best of --repeat interleaved rounds:

* ``tail -n 100 LOG`` (wall time, peak RSS);
* the ctdb_log module run as Ansible runs it (a fresh Python process reading its
  arguments file) on the big log, and on a 100-line log: the latter is the module's fixed
  start-up (interpreter, ansible imports, JSON);
* the pure reader ``_log.tail_entries`` in-process on the big log and on a 10 MB log
  (time and tracemalloc peak), to show the cost does not depend on the file size.

Checks the module returns exactly the lines tail prints, and the targets of the issue:
peak memory < 64 MB and module time <= 2 x tail + fixed start-up, on the best times (the
least disturbed by other load). Medians, the median of the per-round difference between the
big and the 100-line log, and the load average are printed too: on a busy machine the
spread of one module run is far larger than anything the file size could add.

Usage: .venv/bin/python bench/bench_log.py [--size-mb 1024] [--lines 100] [--repeat 25] [--dir /tmp]
Writes bench/results/bench_log.json (not committed) and prints a summary.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(REPO, '.cache', 'collections')
MODULE = os.path.join(REPO, 'plugins', 'modules', 'ctdb_log.py')

TEMPLATES = (
    '{ts} node0 ctdb-recoverd[5035]: Node 1 has changed flags - now 0x0  was 0x2',
    '{ts} node0 ctdb-recoverd[5035]: Takeover run starting',
    '{ts} node0 ctdbd[4709]: Release of IP 192.168.6.85/24 on interface eth1  node:1',
    '{ts} node0 ctdb-recoverd[5035]: Takeover run completed successfully',
    '{ts} node0 ctdb-eventd[4711]: 05.system: WARNING: System memory utilization 80% >= threshold 80%',
    '{ts} node0 ctdbd[4709]: Takeover of IP 192.168.6.85/24 on interface eth1',
    '{ts} node0 ctdb-recoverd[5035]: Unable to take cluster lock - contention',
    '{ts} node0 ctdbd[4709]: ../../ctdb/server/ctdb_daemon.c:323 Registered message handler for srvid=17294104044079415297',
)


def link_collection():
    """The module imports ansible_collections.ctdb.cluster: make .cache/collections point here."""
    ns = os.path.join(COLLECTIONS, 'ansible_collections', 'ctdb')
    link = os.path.join(ns, 'cluster')
    if not (os.path.islink(link) and os.path.realpath(link) == REPO):
        os.makedirs(ns, exist_ok=True)
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(REPO, link)


def generate(path, size_bytes):
    """Write a CTDB log (RFC 5424 lines, one per 10 ms) of at least size_bytes."""
    start = time.mktime((2026, 1, 1, 0, 0, 0, 0, 0, -1))
    n = 0
    written = 0
    with open(path, 'w', encoding='ascii') as out:
        while written < size_bytes:
            lines = []
            for i in range(n, n + 20000):
                t = start + i / 100.0
                ts = time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(t)) + '.%06d+00:00' % int((t % 1) * 1e6)
                lines.append(TEMPLATES[i % len(TEMPLATES)].format(ts=ts))
            n += 20000
            chunk = '\n'.join(lines) + '\n'
            out.write(chunk)
            written += len(chunk)
    return n


GNU_TIME = '/usr/bin/time' if os.access('/usr/bin/time', os.X_OK) else None


def run_with_rusage(argv, env=None):
    """Run argv; return (wall seconds, peak RSS in KiB, stdout bytes).

    The peak RSS comes from GNU time (%M) when /usr/bin/time exists: it forks from a tiny
    process, so the figure is the command's own. Otherwise from os.wait4, which on Linux
    also counts the memory of this Python process at fork time (an upper bound).
    """
    rss_file = None
    if GNU_TIME:
        fd, rss_file = tempfile.mkstemp(prefix='bench-rss-')
        os.close(fd)
        argv = [GNU_TIME, '-f', '%M', '-o', rss_file] + list(argv)
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError('%s failed: %s' % (argv, err.decode()[-2000:]))
    rss = usage.ru_maxrss
    if rss_file:
        with open(rss_file) as handle:
            rss = int(handle.read().split()[-1])
        os.unlink(rss_file)
    return wall, rss, out


def best(results):
    return min(r[0] for r in results), max(r[1] for r in results), results[-1][2]


def median(values):
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2.0


def module_argv(tmpdir, log_path, lines):
    args_file = os.path.join(tmpdir, 'args-%d.json' % abs(hash(log_path)))
    with open(args_file, 'w') as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': {'path': log_path, 'lines': lines}}, handle)
    return [sys.executable, MODULE, args_file]


def in_process(log_path, lines, repeat):
    """Best time of the pure reader + summary in this process, and its peak allocation (tracemalloc, separate run)."""
    sys.path.insert(0, COLLECTIONS)
    from ansible_collections.ctdb.cluster.plugins.module_utils import _log

    def once():
        with open(log_path, 'rb') as handle:
            entries, dummy = _log.tail_entries(handle, lines)
            _log.summarize(entries)

    times = []
    for dummy in range(repeat):
        start = time.perf_counter()
        once()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    once()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return min(times), peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size-mb', type=int, default=1024)
    parser.add_argument('--lines', type=int, default=100)
    parser.add_argument('--repeat', type=int, default=25)
    parser.add_argument('--dir', default=None, help='where to create the temporary directory')
    opts = parser.parse_args()

    link_collection()
    env = dict(os.environ, PYTHONPATH=COLLECTIONS, LC_ALL='C')
    tail = shutil.which('tail')
    tmpdir = tempfile.mkdtemp(prefix='ctdb-bench-log-', dir=opts.dir)
    try:
        big = os.path.join(tmpdir, 'log.ctdb')
        t0 = time.perf_counter()
        nlines = generate(big, opts.size_mb * 1024 * 1024)
        gen_s = time.perf_counter() - t0
        size = os.path.getsize(big)
        tiny = os.path.join(tmpdir, 'tiny.ctdb')
        medium = os.path.join(tmpdir, 'medium.ctdb')
        generate(tiny, 1)  # one chunk: 20000 lines, ~2 MB
        with open(tiny) as src:
            head = [next(src) for dummy in range(opts.lines)]
        with open(tiny, 'w') as dst:
            dst.writelines(head)
        generate(medium, 10 * 1024 * 1024)

        # warm the page cache for both readers alike
        subprocess.run([tail, '-n', str(opts.lines), big], stdout=subprocess.DEVNULL, check=True)

        # interleaved rounds, best of each: the machine is shared, noise is tens of ms
        tail_runs, mod_big, mod_tiny = [], [], []
        for dummy in range(opts.repeat):
            tail_runs.append(run_with_rusage([tail, '-n', str(opts.lines), big], env))
            mod_big.append(run_with_rusage(module_argv(tmpdir, big, opts.lines), env))
            mod_tiny.append(run_with_rusage(module_argv(tmpdir, tiny, opts.lines), env))
        tail_s, tail_rss, tail_out = best(tail_runs)
        mod_s, mod_rss, mod_out = best(mod_big)
        start_s, start_rss, dummy = best(mod_tiny)
        ip_big_s, ip_big_peak = in_process(big, opts.lines, opts.repeat)
        ip_med_s, ip_med_peak = in_process(medium, opts.lines, opts.repeat)

        paired = [big[0] - small[0] for big, small in zip(mod_big, mod_tiny)]
        result = json.loads(mod_out)
        same = result['raw'].encode() == tail_out
        budget = 2 * tail_s + start_s
        report = {
            'log_bytes': size, 'log_lines': nlines, 'generate_seconds': round(gen_s, 1), 'lines': opts.lines,
            'repeat': opts.repeat, 'rss_from': 'GNU time %M' if GNU_TIME else 'wait4 (upper bound)',
            'tail_seconds': round(tail_s, 4), 'tail_peak_rss_mb': round(tail_rss / 1024.0, 1),
            'module_seconds': round(mod_s, 4), 'module_peak_rss_mb': round(mod_rss / 1024.0, 1),
            'module_startup_seconds_100_line_log': round(start_s, 4), 'module_startup_peak_rss_mb': round(start_rss / 1024.0, 1),
            'module_minus_startup_seconds': round(mod_s - start_s, 4),
            'median_tail_seconds': round(median([r[0] for r in tail_runs]), 4),
            'median_module_seconds': round(median([r[0] for r in mod_big]), 4),
            'median_module_startup_seconds': round(median([r[0] for r in mod_tiny]), 4),
            'median_paired_difference_big_minus_100_line_seconds': round(median(paired), 4),
            'load_average_1min_at_end': round(os.getloadavg()[0], 2),
            'time_budget_seconds': round(budget, 4),
            'in_process_seconds_big_log': round(ip_big_s, 5), 'in_process_peak_alloc_kb_big_log': round(ip_big_peak / 1024.0, 1),
            'in_process_seconds_10mb': round(ip_med_s, 5), 'in_process_peak_alloc_kb_10mb': round(ip_med_peak / 1024.0, 1),
            'module_output_equals_tail': same,
            'memory_target_met': mod_rss / 1024.0 < 64,
            'time_target_met': mod_s <= budget,
        }
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    os.makedirs(os.path.join(REPO, 'bench', 'results'), exist_ok=True)
    with open(os.path.join(REPO, 'bench', 'results', 'bench_log.json'), 'w') as handle:
        json.dump(report, handle, indent=2)
    for key, value in report.items():
        sys.stdout.write('%-40s %s\n' % (key, value))
    ok = report['module_output_equals_tail'] and report['memory_target_met'] and report['time_target_met']
    sys.stdout.write('RESULT: %s (temporary directory %s removed)\n' % ('PASS' if ok else 'FAIL', tmpdir))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
