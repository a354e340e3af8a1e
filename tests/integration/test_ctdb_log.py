# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_log reading the sandbox nodes' live logs after node 1 was disabled and enabled."""
import datetime
import json
import time

import pytest


def wait_flags(sandbox, pnn, word, present, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = sandbox.status_text(0)
        line = [ln for ln in text.splitlines() if ln.startswith('pnn:%d ' % pnn)]
        if line and (word in line[0]) == present:
            return
        time.sleep(0.3)
    raise AssertionError('node %d flag %s never became %s: %s' % (pnn, word, present, sandbox.status_text(0)))


@pytest.fixture(scope='module')
def flapped(sandbox):
    """Disable then enable node 1; return the time just before, as ISO 8601 with offset."""
    since = datetime.datetime.now(datetime.timezone.utc).isoformat()
    time.sleep(0.05)
    assert sandbox.ctdb(1, 'disable').returncode == 0
    wait_flags(sandbox, 1, 'DISABLED', True)
    assert sandbox.ctdb(1, 'enable').returncode == 0
    wait_flags(sandbox, 1, 'DISABLED', False)
    sandbox.wait_healthy(60)
    time.sleep(1.5)  # let the takeover run after enable reach the logs
    return since


def test_summary_of_disable_enable_on_every_node(sandbox, flapped, run_playbook):
    run = run_playbook('''
- hosts: ctdb_cluster
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - name: The log since just before node 1 was disabled
      ctdb.cluster.ctdb_log:
        since: "{{ since }}"
        lines: 1000
      register: log
    - name: Two flag changes seen by every node, read from the file ctdb.conf names
      ansible.builtin.assert:
        that:
          - log is not changed
          - log.source.type == 'file'
          - log.source.path == ctdb_base ~ '/log.ctdb'
          - log.source.location == 'file:' ~ ctdb_base ~ '/log.ctdb'
          - log.summary.node_flag_changes.count == 2
          - log.parsed | selectattr('parsed', 'equalto', false) | list | length == 0
          - log.parsed | map(attribute='format') | unique | list == ['rfc5424']
          - log.parsed | map(attribute='host') | unique | list == [inventory_hostname]
          - log.raw.splitlines() | length == log.parsed | length
''', extra_vars={'since': flapped})
    assert run.rc == 0, run
    assert all(c['failed'] == 0 and c['changed'] == 0 for c in run.recap.values()), run


def test_filters_on_the_live_log(sandbox, flapped, run_playbook, tmp_path):
    out = tmp_path / 'node0.json'
    run = run_playbook('''
- hosts: node0
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - name: ctdbd's flag change lines about node 1
      ctdb.cluster.ctdb_log:
        since: "{{ since }}"
        process: [ctdbd]
        contains: node 1 has changed FLAGS
      register: flags
    - ansible.builtin.assert:
        that:
          - flags.parsed | map(attribute='message') | list == ['Node 1 has changed flags - 0x0 -> 0x4', 'Node 1 has changed flags - 0x4 -> 0x0']
          - flags.parsed | map(attribute='process') | unique | list == ['ctdbd']
          - flags.summary.node_flag_changes.last_message == 'Node 1 has changed flags - 0x4 -> 0x0'
          - flags.complete == false
    - name: The last five lines
      ctdb.cluster.ctdb_log:
        lines: 5
        summary: false
      register: last5
    - ansible.builtin.copy:
        content: "{{ {'last5': last5} | to_json }}"
        dest: "{{ out }}"
      changed_when: false
''', extra_vars={'since': flapped, 'out': str(out)})
    assert run.rc == 0, run
    data = json.loads(out.read_text())
    last5 = data['last5']
    assert len(last5['parsed']) == 5 and 'summary' not in last5
    with open(sandbox.log_path(0)) as handle:
        lines = handle.read().splitlines()
    # the live log may have grown since: the five lines are consecutive lines of the file
    start = lines.index(last5['parsed'][0]['raw'])
    assert lines[start:start + 5] == [e['raw'] for e in last5['parsed']]
    assert last5['raw'] == ''.join(line + '\n' for line in lines[start:start + 5])


def test_leader_logs_the_takeover_runs(sandbox, flapped, run_playbook):
    """The leader's recovery daemon ran a takeover run for the disable and one for the enable."""
    leader = int(sandbox.ctdb(0, 'leader').stdout.strip())
    run = run_playbook('''
- hosts: "node{{ leader }}"
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - ctdb.cluster.ctdb_log:
        since: "{{ since }}"
        regex: '^\\S+ \\S+ ctdb-recoverd\\[\\d+\\]: Takeover run (starting|completed)'
      register: takeover
    - ansible.builtin.assert:
        that:
          - takeover.summary.takeover_runs.count >= 2
          - takeover.summary.takeover_runs.count == takeover.parsed | selectattr('message', 'equalto', 'Takeover run starting') | list | length
          - takeover.parsed | selectattr('message', 'equalto', 'Takeover run completed successfully') | list | length >= 2
          - takeover.parsed | map(attribute='process') | unique | list == ['ctdb-recoverd']
''', extra_vars={'since': flapped, 'leader': leader})
    assert run.rc == 0, run
    assert run.recap['node%d' % leader]['ok'] == 2, run


def test_disabled_node_logs_its_own_disable(sandbox, flapped, run_playbook):
    run = run_playbook('''
- hosts: node1
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - ctdb.cluster.ctdb_log:
        since: "{{ since }}"
        regex: '(Disable|Enable) node$'
      register: own
    - ansible.builtin.assert:
        that:
          - own.parsed | map(attribute='message') | list == ['Disable node', 'Enable node']
          - own.summary.node_flag_changes.count == 2
''', extra_vars={'since': flapped})
    assert run.rc == 0, run
