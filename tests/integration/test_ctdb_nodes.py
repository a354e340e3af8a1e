# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_nodes against a real 3-node cluster: read, add a 4th node, refuse then remove a node.

The tests run in file order on one sandbox (module scope): the cluster they leave is the one
the next test starts from.
"""
import json
import time

import pytest

# The tests are the steps of one story on one sandbox: each starts from what the one before left.
pytestmark = pytest.mark.steps

READ = '''
- hosts: ctdb_cluster
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - name: Read the nodes file
      ctdb.cluster.ctdb_nodes:
      register: read
    - name: It lists the three nodes in PNN order, none deleted
      ansible.builtin.assert:
        that:
          - read is not changed
          - read.nodes == groups['ctdb_cluster'] | map('extract', hostvars, 'ctdb_node_address') | list
          - read.slots | map(attribute='pnn') | list == [0, 1, 2]
          - read.deleted == []
          - read.path == ctdb_base ~ '/nodes'
'''

# Write on every node, then reload once. `wanted` is passed as an extra var.
WRITE_THEN_RELOAD = '''
- hosts: ctdb_cluster
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - name: Write the nodes file on every node
      ctdb.cluster.ctdb_nodes:
        nodes: "{{ wanted }}"
      register: written
    - name: The file lists exactly the wanted nodes
      ansible.builtin.assert:
        that:
          - written.nodes == wanted
    - name: Apply it to the running cluster, once
      ctdb.cluster.ctdb_nodes:
        reload: true
      run_once: true
      register: reloaded
'''


def _nodes_file(sandbox, index):
    with open('%s/nodes' % sandbox.node_base(index), 'rb') as handle:
        return handle.read()


def _reload_report(run):
    """What the reload task reported (run once), as JSON text."""
    (result,) = run.results('Apply it to the running cluster, once').values()
    return json.dumps(result['reload'])


def _wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def test_read_returns_the_api_shape(sandbox, run_playbook):
    run = run_playbook(READ)
    assert run.rc == 0, run
    assert sorted(run.recap) == ['node0', 'node1', 'node2']
    assert all(counts['changed'] == 0 and counts['failed'] == 0 for counts in run.recap.values()), run


def test_add_a_fourth_node(sandbox, run_playbook):
    new = sandbox.add_node()
    assert new == 3
    wanted = [sandbox.address(i) for i in range(4)]
    before = [_nodes_file(sandbox, i) for i in range(4)]

    # Check mode: predicts a change on the three running nodes, writes nothing, reloads nothing
    # (the reload task reads the file the check-mode write left untouched, so it predicts no change).
    run = run_playbook(WRITE_THEN_RELOAD, extra_vars={'wanted': wanted}, check=True, diff=True)
    assert run.rc == 0, run
    assert [run.recap['node%d' % i]['changed'] for i in range(4)] == [1, 1, 1, 0], run
    assert '+%s' % sandbox.address(3) in run.stdout
    assert '"changed": false' in _reload_report(run)
    assert [_nodes_file(sandbox, i) for i in range(4)] == before
    assert 'Number of nodes:3\n' in sandbox.ctdb(0, 'status').stdout

    run = run_playbook(WRITE_THEN_RELOAD, extra_vars={'wanted': wanted})
    assert run.rc == 0, run
    report = _reload_report(run)
    assert '"messages": ["Node 3 is NEW"]' in report, report
    assert [_nodes_file(sandbox, i) for i in range(4)] == [''.join('%s\n' % a for a in wanted).encode()] * 4

    sandbox.start_node(3)
    assert _wait_for(lambda: 'pnn:3 %-16s OK' % sandbox.address(3) in sandbox.ctdb(0, 'status').stdout), \
        sandbox.ctdb(0, 'status').stdout
    status = sandbox.wait_healthy(90)
    assert status.startswith('Number of nodes:4\n'), status
    assert 'pnn:3 %-16s OK' % sandbox.address(3) in status

    # Second run: nothing to do anywhere, and CTDB agrees ("No change in nodes file").
    run = run_playbook(WRITE_THEN_RELOAD, extra_vars={'wanted': wanted})
    assert run.rc == 0, run
    assert all(counts['changed'] == 0 for counts in run.recap.values()), run
    assert 'No change in nodes file, skipping unnecessary reload' in _reload_report(run)


REMOVE_WHILE_CONNECTED = '''
- hosts: node0
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - name: Delete a node that is still running
      ctdb.cluster.ctdb_nodes:
        nodes: "{{ wanted }}"
        reload: true
      register: refused
      ignore_errors: true
    - name: Refused before anything was written, with the way out
      ansible.builtin.assert:
        that:
          - refused is failed
          - refused.msg == expected
'''


def test_removing_a_connected_node_is_refused(sandbox, run_playbook):
    wanted = [sandbox.address(i) for i in (0, 1, 3)]
    before = _nodes_file(sandbox, 0)
    expected = ('refusing to reload the nodes file: CTDB only deletes a node that is DISCONNECTED; node %s (PNN 2) is '
                'still connected (OK): stop it first (ctdb -n 2 shutdown, or systemctl stop ctdb on that node). Then '
                'run this task again.' % sandbox.address(2))
    run = run_playbook(REMOVE_WHILE_CONNECTED, extra_vars={'wanted': wanted, 'expected': expected})
    assert run.rc == 0, run
    assert run.recap['node0']['failed'] == 0 and run.recap['node0']['ignored'] == 1, run
    assert _nodes_file(sandbox, 0) == before
    assert 'pnn:2 %-16s OK' % sandbox.address(2) in sandbox.ctdb(0, 'status').stdout


def test_ctdb_stop_is_not_enough(sandbox, run_playbook):
    """A STOPPED node is still connected: CTDB would refuse, so the module refuses first."""
    assert sandbox.ctdb(0, '-n', '2', 'stop').returncode == 0
    try:
        assert _wait_for(lambda: 'STOPPED' in sandbox.ctdb(0, 'status').stdout)
        wanted = [sandbox.address(i) for i in (0, 1, 3)]
        expected = ('refusing to reload the nodes file: CTDB only deletes a node that is DISCONNECTED; node %s (PNN 2) '
                    'is still connected (STOPPED|INACTIVE): stop it first (ctdb -n 2 shutdown, or systemctl stop ctdb '
                    'on that node). Then run this task again.' % sandbox.address(2))
        before = _nodes_file(sandbox, 0)
        run = run_playbook(REMOVE_WHILE_CONNECTED, extra_vars={'wanted': wanted, 'expected': expected})
        assert run.rc == 0 and run.recap['node0']['ignored'] == 1, run
        assert _nodes_file(sandbox, 0) == before
    finally:
        assert sandbox.ctdb(0, '-n', '2', 'continue').returncode == 0


def test_remove_a_stopped_node(sandbox, run_playbook):
    sandbox.stop_node(2)
    assert _wait_for(lambda: 'pnn:2 %-16s DISCONNECTED' % sandbox.address(2) in sandbox.ctdb(0, 'status').stdout)
    wanted = [sandbox.address(i) for i in (0, 1, 3)]

    run = run_playbook(WRITE_THEN_RELOAD, extra_vars={'wanted': wanted}, diff=True)
    assert run.rc == 0, run
    assert '-%s\n+#%s' % (sandbox.address(2), sandbox.address(2)) in run.stdout
    assert '"messages": ["Node 2 is DELETED"]' in _reload_report(run)
    expected = '%s\n%s\n#%s\n%s\n' % (sandbox.address(0), sandbox.address(1), sandbox.address(2), sandbox.address(3))
    assert [_nodes_file(sandbox, i) for i in range(4)] == [expected.encode()] * 4

    status = sandbox.ctdb(0, 'status').stdout
    assert status.startswith('Number of nodes:4 (including 1 deleted nodes)\n'), status
    assert 'pnn:2 ' not in status
    assert sandbox.ctdb(1, 'listnodes').stdout.split() == wanted

    run = run_playbook(WRITE_THEN_RELOAD, extra_vars={'wanted': wanted})
    assert run.rc == 0, run
    assert all(counts['changed'] == 0 for counts in run.recap.values()), run


@pytest.mark.parametrize('wanted_pnns, message_end', [
    ((3, 0, 1), 'List the nodes in PNN order instead: {0}, {1}, {3}'),
    ((0, 1, 3, 2), 'List the nodes in PNN order instead: {0}, {1}, {2}, {3}'),
])
def test_a_reorder_is_refused_and_nothing_changes(sandbox, run_playbook, wanted_pnns, message_end):
    wanted = [sandbox.address(i) for i in wanted_pnns]
    before = [_nodes_file(sandbox, i) for i in range(4)]
    run = run_playbook('''
- hosts: ctdb_cluster
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - ctdb.cluster.ctdb_nodes:
        nodes: "{{ wanted }}"
''', extra_vars={'wanted': wanted})
    assert run.rc != 0
    assert all(counts['failed'] == 1 for counts in run.recap.values()), run
    addresses = dict((i, sandbox.address(i)) for i in range(4))
    assert message_end.format(*[addresses[i] for i in range(4)]) in run.stdout, run
    assert [_nodes_file(sandbox, i) for i in range(4)] == before


def test_reload_on_every_host_is_safe_once_the_files_agree(sandbox, run_playbook):
    """The reload task without run_once: one host does the reload, the others find nothing left to do."""
    wanted = [sandbox.address(i) for i in range(4)]
    run = run_playbook('''
- hosts: ctdb_cluster
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - name: Bring node 2 back in every file (its own commented line)
      ctdb.cluster.ctdb_nodes:
        nodes: "{{ wanted }}"
      register: written
    - ansible.builtin.assert:
        that:
          - written.undeleted | map(attribute='pnn') | list == [2]
          - written.undeleted | map(attribute='address') | list == [wanted[2]]
          - written.added == []
    - name: Reload on every running host
      ctdb.cluster.ctdb_nodes:
        reload: true
      when: inventory_hostname != 'node2'
      register: reloaded
''', extra_vars={'wanted': wanted})
    assert run.rc == 0, run
    reports = [(host, result['reload']['messages'])
               for host, result in run.results('Reload on every running host').items() if 'reload' in result]
    assert len(reports) == 3, run
    assert any('Node 2 is UNDELETED' in messages for host, messages in reports), reports
    status = sandbox.ctdb(0, 'status').stdout
    assert status.startswith('Number of nodes:4\n'), status
    sandbox.start_node(2)
    status = sandbox.wait_healthy(90)
    assert 'pnn:2 %-16s OK' % sandbox.address(2) in status, status
