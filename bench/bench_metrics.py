# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cost of one run of the ctdb_metrics collector on a lab host: wall time and CPU (the collector and the five
ctdb commands it runs), and the size of what it writes.

Needs a converged lab with the role deployed (see bench/README.md):
  PYTHONPATH=tests/support .venv/bin/python bench/bench_metrics.py --name metrics [--host metrics1] [--runs 30]
"""
import argparse
import json
import os

from ctdbtest.lab import Lab

DRIVER = r'''
import json, os, resource, statistics, subprocess, sys, time
argv = json.loads(sys.argv[1]); runs = int(sys.argv[2])
walls = []
for _ in range(runs):
    started = time.perf_counter()
    subprocess.run(argv, check=True)
    walls.append(time.perf_counter() - started)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"runs": runs, "wall_best": min(walls), "wall_median": statistics.median(walls),
                  "wall_max": max(walls), "cpu_per_run": (usage.ru_utime + usage.ru_stime) / runs,
                  "user_per_run": usage.ru_utime / runs, "sys_per_run": usage.ru_stime / runs,
                  "max_rss_kb": usage.ru_maxrss, "bytes": os.path.getsize(sys.argv[3]),
                  "load": os.getloadavg()[0]}))
'''


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--name', default='metrics')
    parser.add_argument('--host', default=None)
    parser.add_argument('--runs', type=int, default=30)
    parser.add_argument('--directory', default='/var/lib/ctdb/metrics')
    parser.add_argument('--collector', default='/usr/local/libexec/ctdb/ctdb_metrics_collector')
    options = parser.parse_args()
    lab = Lab.attach(options.name)
    host = options.host or lab.hostnames()[0]
    argv = ['/usr/bin/python3', options.collector, '--directory', options.directory]
    done = lab.on_host(host, ['/usr/bin/python3', '-c', DRIVER, json.dumps(argv), str(options.runs),
                              os.path.join(options.directory, 'ctdb.prom')])
    result = json.loads(done.stdout)
    result['host'] = host
    print(json.dumps(result, indent=1, sort_keys=True))


if __name__ == '__main__':
    main()
