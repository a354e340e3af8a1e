# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run module tasks through real ansible-playbook and hand their registered results to pytest."""
import json
import re
import time


def tasks_playbook(host, steps):
    """A playbook running ``steps`` (list of (module, args, check_mode)) on ``host``, none stopping the play."""
    lines = ['- hosts: %s' % host, '  gather_facts: false', '  environment: "{{ ctdb_environment }}"', '  tasks:']
    for index, (module, args, check) in enumerate(steps):
        lines += [
            '    - name: step %d' % index,
            '      %s: %s' % (module, json.dumps(args or {})),
            '      check_mode: %s' % ('true' if check else 'false'),
            '      diff: true',
            '      register: step%d' % index,
            '      ignore_errors: true',
            '    - name: hand step %d to pytest' % index,
            '      ansible.builtin.debug:',
            '        msg: "STEP %d {{ step%d | to_json }}"' % (index, index),
        ]
    return '\n'.join(lines) + '\n'


def run_steps(run_playbook, host, steps):
    """Run the steps; returns (PlaybookRun, [registered result of each step])."""
    run = run_playbook(tasks_playbook(host, steps))
    found = {}
    for match in re.finditer(r'"msg": "STEP (\d+) (.*)"\n', run.stdout):
        found[int(match.group(1))] = json.loads(json.loads('"%s"' % match.group(2)))
    assert sorted(found) == list(range(len(steps))), run
    return run, [found[index] for index in range(len(steps))]


def served(sandbox, index=0):
    """{address: pnn or None} as node ``index``'s ctdb -X ip all shows it."""
    out = sandbox.ctdb(index, '-X', 'ip', 'all').stdout
    rows = [line.strip('|').split('|') for line in out.splitlines()[1:] if line.strip()]
    return dict((row[0], int(row[1]) if int(row[1]) >= 0 else None) for row in rows)


def flags(sandbox, pnn, index=0):
    """Node ``pnn``'s flag word in node ``index``'s ctdb status."""
    for line in sandbox.ctdb(index, 'status').stdout.splitlines():
        match = re.match(r'^pnn:(\d+)\s+\S+\s+(\S+)', line)
        if match and int(match.group(1)) == pnn:
            return match.group(2)
    return None


def restore(sandbox):
    """Every node running, without administrative flag, healthy."""
    for index in range(sandbox.nodes):
        if not sandbox.ctdbd_pid(index):
            sandbox.start_node(index)
    for index in range(sandbox.nodes):
        for command in (['unban'], ['continue'], ['enable']):
            sandbox.ctdb(0, '-n', index, *command)
    sandbox.wait_healthy(90)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and None in served(sandbox).values():
        time.sleep(0.5)
