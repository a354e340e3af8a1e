# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb.cluster.ctdb_status against ``ansible.builtin.command: ctdb status``, same hosts, one run.

    .venv/bin/python bench/bench_status.py [--rounds 20] [--dephase] [--name bench] [--subnet 127.0.12] [--use-running]

Starts a 3-node sandbox (unless --use-running), then runs ONE ansible-playbook whose tasks
alternate the two ways of reading the status on all sandbox hosts, ROUNDS of each,
interleaved (A B, B A, A B, ...), so drift on the machine hits both alike. A small callback
(bench/bench_status_callback/) records each task's wall time (task start to its last host's
result). Printed: median and quartiles of each, their ratio, and the time each spent inside
ctdb (ctdb_status's ``elapsed``, command's ``delta``), which shows how much of a task is
Ansible and how much is ctdb itself. A JSON copy goes to bench/results/ (not committed).

Also measured, outside Ansible: ``ctdb status`` and ``ctdb -X status`` run directly, to show
what a second ctdb call would cost the module.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

from ctdbtest.sandbox import Sandbox

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


COLLECTIONS = os.path.join(REPO, '.cache', 'collections')
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')

TASKS = {
    'module': '''
    - name: "module {n}"
      ctdb.cluster.ctdb_status:
''',
    'command': '''
    - name: "command {n}"
      ansible.builtin.command: ctdb status
      changed_when: false
''',
}


def link_collection():
    """The checkout as .cache/collections/ansible_collections/ctdb/cluster (as tests/conftest.py does)."""
    namespace = os.path.join(COLLECTIONS, 'ansible_collections', 'ctdb')
    link = os.path.join(namespace, 'cluster')
    if not (os.path.islink(link) and os.path.realpath(link) == REPO):
        os.makedirs(namespace, exist_ok=True)
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(REPO, link)


DEPHASE = '''
    - name: "dephase {n} {kind}"
      ansible.builtin.command: sleep {seconds:.3f}
      changed_when: false
      run_once: true
'''


def playbook_text(rounds, dephase=False, seed=0):
    """ROUNDS of each task kind, interleaved A B, B A, ...

    With ``dephase``, a random 0-1 s sleep precedes every measured task, so its ctdb call
    starts at a random moment of ctdb's 1 s leader broadcast cycle instead of a fixed one.
    """
    chance = random.Random(seed)
    lines = ['- hosts: ctdb_cluster', '  gather_facts: false',
             '  environment: "{{ ctdb_environment | default({}) }}"', '  tasks:']
    body = ''
    for index in range(rounds):
        order = ('module', 'command') if index % 2 == 0 else ('command', 'module')
        for kind in order:
            if dephase:
                body += DEPHASE.format(n=index, kind=kind, seconds=chance.random())
            body += TASKS[kind].format(n=index)
    return '\n'.join(lines) + '\n' + body


def quartiles(values):
    ordered = sorted(values)
    if len(ordered) < 4:
        return ordered[0], ordered[-1]
    q = statistics.quantiles(ordered, n=4)
    return q[0], q[2]


def run_playbook(inventory, rounds, workdir, dephase=False):
    playbook = os.path.join(workdir, 'bench_status.yml')
    with open(playbook, 'w') as handle:
        handle.write(playbook_text(rounds, dephase))
    out = os.path.join(workdir, 'timings.json')
    env = dict(os.environ,
               ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'bench_status_callback'),
               ANSIBLE_CALLBACKS_ENABLED='bench_status_timer',
               ANSIBLE_STDOUT_CALLBACK='default',
               ANSIBLE_HOST_KEY_CHECKING='False',
               ANSIBLE_RETRY_FILES_ENABLED='False',
               ANSIBLE_NOCOLOR='1',
               BENCH_STATUS_OUT=out)
    started = time.monotonic()
    completed = subprocess.run([ANSIBLE_PLAYBOOK, '-i', inventory, playbook], env=env, capture_output=True,
                               text=True, cwd=REPO, check=False)
    wall = time.monotonic() - started
    if completed.returncode != 0:
        sys.exit('the benchmark playbook failed (rc %d):\n%s\n%s'
                 % (completed.returncode, completed.stdout[-4000:], completed.stderr[-2000:]))
    with open(out) as handle:
        return json.load(handle), wall


def direct_ctdb(sandbox, samples):
    """``ctdb status`` and ``ctdb -X status`` on node 0, outside Ansible, at random moments."""
    timings = {'status': [], '-X status': []}
    for dummy in range(samples):
        time.sleep(random.random())
        for args in (['status'], ['-X', 'status']):
            started = time.monotonic()
            result = sandbox.ctdb(0, *args)
            timings[' '.join(args)].append(time.monotonic() - started)
            if result.returncode != 0:
                sys.exit('ctdb %s failed: %s' % (' '.join(args), result.stderr))
    return timings


def summarize(tasks):
    kinds = {'module': [], 'command': []}
    inner = {'module': [], 'command': []}
    outside = {'module': [], 'command': []}
    for entry in tasks:
        kind = entry['task'].split()[0]
        if kind not in kinds:
            continue
        if entry['failed']:
            sys.exit('task %r failed on a host: the cluster is not usable for the benchmark' % entry['task'])
        kinds[kind].append(entry['seconds'])
        for host in entry['hosts'].values():
            if host['ctdb_seconds'] is not None:
                inner[kind].append(host['ctdb_seconds'])
                # paired per host: from task start to this host's result, less its time in ctdb
                outside[kind].append(host['end'] - host['ctdb_seconds'])
    return kinds, inner, outside


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rounds', type=int, default=20, help='tasks of each kind (default 20)')
    parser.add_argument('--name', default=os.environ.get('CTDB_SANDBOX_NAME', 'bench'))
    parser.add_argument('--subnet', default=os.environ.get('CTDB_SANDBOX_SUBNET', '127.0.12'))
    parser.add_argument('--use-running', action='store_true', help='use the running sandbox NAME as it is')
    parser.add_argument('--dephase', action='store_true',
                        help='sleep a random 0-1 s before each measured task (breaks the lock-step with '
                             "ctdb's 1 s leader broadcast)")
    parser.add_argument('--direct-samples', type=int, default=20, help='direct ctdb calls of each kind (default 20)')
    args = parser.parse_args()

    link_collection()
    if args.use_running:
        sandbox = Sandbox.attach(args.name)
        sandbox.wait_healthy(60)
    else:
        Sandbox.attach(args.name).stop()
        sandbox = Sandbox(args.name, nodes=3, subnet=args.subnet).start(timeout=90)
    try:
        with tempfile.TemporaryDirectory() as workdir:
            tasks, wall = run_playbook(sandbox.inventory_path, args.rounds, workdir, args.dephase)
        direct = direct_ctdb(sandbox, args.direct_samples)
    finally:
        if not args.use_running:
            sandbox.stop()

    kinds, inner, outside = summarize(tasks)
    med = dict((kind, statistics.median(values)) for kind, values in kinds.items())
    ratio = med['module'] / med['command']
    report = {
        'rounds': args.rounds, 'dephase': args.dephase, 'hosts': sandbox.nodes, 'playbook_wall_seconds': round(wall, 2),
        'task_seconds': kinds, 'median_seconds': med, 'ratio_module_over_command': ratio,
        'ctdb_seconds_inside_task': inner, 'seconds_outside_ctdb_per_host': outside, 'direct_ctdb_seconds': direct,
    }
    os.makedirs(os.path.join(HERE, 'results'), exist_ok=True)
    out = os.path.join(HERE, 'results', 'bench_status-%s.json' % time.strftime('%Y%m%dT%H%M%S'))
    with open(out, 'w') as handle:
        json.dump(report, handle, indent=1)

    print('%d tasks of each kind on %d hosts, interleaved%s, one ansible-playbook run (%.1f s)'
          % (args.rounds, sandbox.nodes, ', dephased' if args.dephase else '', wall))
    print('| what | median | quartiles |')
    print('|---|---|---|')
    for kind, label in (('module', '`ctdb.cluster.ctdb_status` task'), ('command', '`ansible.builtin.command: ctdb status` task')):
        low, high = quartiles(kinds[kind])
        print('| %s | %.3f s | %.3f-%.3f s |' % (label, med[kind], low, high))
    for kind, label in (('module', 'time inside ctdb_status (its `elapsed`, per host)'),
                        ('command', 'time inside the command (its `delta`, per host)')):
        low, high = quartiles(inner[kind])
        print('| %s | %.3f s | %.3f-%.3f s |' % (label, statistics.median(inner[kind]), low, high))
    for kind, label in (('module', 'per host: task start to result, less time inside ctdb_status'),
                        ('command', 'per host: task start to result, less time inside the command')):
        low, high = quartiles(outside[kind])
        print('| %s | %.3f s | %.3f-%.3f s |' % (label, statistics.median(outside[kind]), low, high))
    for kind in ('status', '-X status'):
        low, high = quartiles(direct[kind])
        print('| `ctdb %s` run directly (node 0, %d random moments) | %.3f s | %.3f-%.3f s |'
              % (kind, len(direct[kind]), statistics.median(direct[kind]), low, high))
    print('ratio module / command (medians of task wall time): %.3f' % ratio)
    print('ratio of the Ansible-side time (per host, outside ctdb, medians): %.3f'
          % (statistics.median(outside['module']) / statistics.median(outside['command'])))
    print('details: %s' % os.path.relpath(out, REPO))
    return 0


if __name__ == '__main__':
    sys.exit(main())
