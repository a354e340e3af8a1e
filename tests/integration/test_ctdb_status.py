# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb.cluster.ctdb_status against a real 3-node sandbox cluster, through ansible-playbook.

Each test puts the cluster in one state with the real ctdb tool (disable, stop, ban,
shutdown), checks what the module reports on every node (asserts in the playbook and
here), and the autouse fixture brings the cluster back to all-OK afterwards.
"""
import json
import os
import re
import select
import socket
import threading
import time

import pytest

HEADER = '''
- hosts: ctdb_cluster
  gather_facts: false
  environment: "{{ ctdb_environment | default({}) }}"
  tasks:
'''


def results(run):
    """host -> the ctdb_status result, from the run's JSON results."""
    return run.module_results('ctdb.cluster.ctdb_status')


def restore(sandbox):
    """Every node running and OK again, recovery mode NORMAL."""
    for index in range(sandbox.nodes):
        if not sandbox.ctdbd_pid(index):
            sandbox.start_node(index)
    for index in range(sandbox.nodes):
        for command in (['enable'], ['continue'], ['unban']):
            sandbox.ctdb(0, '-n', index, *command)
    sandbox.wait_healthy(90)


def wait_for_line(sandbox, index, pattern, timeout=30):
    """Poll node ``index``'s ``ctdb status`` until ``pattern`` matches; returns the text."""
    deadline = time.monotonic() + timeout
    text = ''
    while time.monotonic() < deadline:
        text = sandbox.ctdb(index, 'status').stdout
        if re.search(pattern, text, re.M):
            return text
        time.sleep(0.3)
    raise AssertionError('node %d never showed %r; last status:\n%s' % (index, pattern, text))


@pytest.fixture(autouse=True)
def healthy_again(sandbox):
    sandbox.wait_healthy(90)
    yield
    restore(sandbox)


def assert_all_ok(run, hosts):
    assert run.rc == 0, run
    for host in hosts:
        assert run.recap[host]['failed'] == 0, run
        assert run.recap[host]['changed'] == 0, run


def test_all_ok(sandbox, run_playbook):
    playbook = '''
- hosts: ctdb_cluster
  gather_facts: false
  environment:
    CTDB_TEST_MODE: "yes"
  tasks:
    - name: Read the status, cross-checked with ctdb -X status
      ctdb.cluster.ctdb_status:
        ctdb_base: "{{ ctdb_base }}"
        machine_readable: always
      register: st
    - name: Every node sees a healthy 3-node cluster and knows itself
      ansible.builtin.assert:
        that:
          - st is not changed
          - st.cluster.healthy
          - st.cluster.problems == []
          - st.cluster.nodes | length == 3
          - st.cluster.nodes | map(attribute='flags') | list == [[], [], []]
          - st.cluster.pnn == ctdb_sandbox_pnn
          - (st.cluster.nodes | selectattr('this_node') | map(attribute='pnn') | list) == [ctdb_sandbox_pnn]
          - st.cluster.nodes[ctdb_sandbox_pnn].address == ctdb_node_address
          - st.cluster.recovery_mode == 'NORMAL'
          - st.cluster.generation is integer
          - st.cluster.leader in [0, 1, 2]
          - st.cluster.leader_source == 'Leader'
          - st.cluster.deleted_nodes == 0
          - st.cluster.vnn_map | length == 3
          - st.parsed.numOfNodes == '3'
          - st.parsed.recoveryMode == ['NORMAL', '0']
          - st.parsed.recoveryMaster == (st.cluster.leader | string)
          - st.parsed.hash == '2'
          - st.parsed.unparsable == []
          - st.parsed.nodes | map(attribute='status') | list == ['OK', 'OK', 'OK']
          - "'(THIS NODE)' in st.raw"
          - "'|Node|IP|Disconnected|Unknown|' in st.raw_machine"
          - st.attempts == 1
'''
    run = run_playbook(playbook)
    assert_all_ok(run, ['node0', 'node1', 'node2'])
    found = results(run)
    assert sorted(found) == ['node0', 'node1', 'node2']
    leaders = set(result['cluster']['leader'] for result in found.values())
    assert len(leaders) == 1  # every node names the same leader
    for host, result in found.items():
        assert result['cluster']['pnn'] == int(host[-1])
        assert [node['status'] for node in result['parsed']['nodes']] == ['OK', 'OK', 'OK']
        assert result['raw'].startswith('Number of nodes:3\n')


def test_check_mode_and_default_text_only(sandbox, run_playbook):
    playbook = HEADER + '''
    - name: Read the status in check mode
      ctdb.cluster.ctdb_status:
      register: st
    - name: Check mode reads the same, running ctdb status only
      ansible.builtin.assert:
        that:
          - st is not changed
          - st.cluster.healthy
          - st.raw_machine is none
'''
    run = run_playbook(playbook, check=True)
    assert_all_ok(run, ['node0', 'node1', 'node2'])
    assert all(result['cluster']['healthy'] for result in results(run).values())


def _state_playbook(pnn, flags, extra_asserts=''):
    return HEADER + '''
    - name: Read the status
      ctdb.cluster.ctdb_status:
        machine_readable: always
      register: st
    - name: Node {pnn} is reported {flags} by text and table alike
      ansible.builtin.assert:
        that:
          - st is not changed
          - not st.cluster.healthy
          - st.cluster.nodes[{pnn}].flags == {flags}
          - st.parsed.nodes[{pnn}].status == '{word}'
          - st.cluster.nodes[{pnn}].status == '{word}'
          - not st.cluster.nodes[{pnn}].healthy
          - ("node {pnn} (" ~ st.cluster.nodes[{pnn}].address ~ ") is {word}") in st.cluster.problems
          - st.cluster.nodes | rejectattr('pnn', 'equalto', {pnn}) | map(attribute='flags') | list == [[], []]
{extra}'''.format(pnn=pnn, flags=json.dumps(flags), word='|'.join(flags), extra=extra_asserts)


def test_disabled_node(sandbox, run_playbook):
    assert sandbox.ctdb(0, '-n', '1', 'disable').returncode == 0
    wait_for_line(sandbox, 0, r'^pnn:1 .* DISABLED')
    for index in (1, 2):
        wait_for_line(sandbox, index, r'^pnn:1 .* DISABLED')
    run = run_playbook(_state_playbook(1, ['DISABLED']))
    assert_all_ok(run, ['node0', 'node1', 'node2'])
    for result in results(run).values():
        assert result['cluster']['problems'] == ['node 1 (%s) is DISABLED' % sandbox.address(1)]
        assert result['cluster']['recovery_mode'] == 'NORMAL'


def test_stopped_node(sandbox, run_playbook):
    assert sandbox.ctdb(0, '-n', '2', 'stop').returncode == 0
    for index in range(3):
        wait_for_line(sandbox, index, r'^pnn:2 .* STOPPED\|INACTIVE')
    run = run_playbook(_state_playbook(2, ['STOPPED', 'INACTIVE']), limit='node0,node1')
    assert_all_ok(run, ['node0', 'node1'])
    for result in results(run).values():
        # a stopped node leaves the VNN map
        assert [slot['lmaster'] for slot in result['cluster']['vnn_map']] == [0, 1]


def test_banned_node(sandbox, run_playbook):
    assert sandbox.ctdb(0, '-n', '1', 'ban', '600').returncode == 0
    for index in range(3):
        wait_for_line(sandbox, index, r'^pnn:1 .* BANNED\|INACTIVE')
    wait_for_line(sandbox, 1, r'^Recovery mode:RECOVERY \(1\)')
    run = run_playbook(_state_playbook(1, ['BANNED', 'INACTIVE'], extra_asserts='''
    - name: The banned node itself is in recovery with an invalid generation
      ansible.builtin.assert:
        that:
          - st.cluster.recovery_mode == 'RECOVERY'
          - st.parsed.recoveryMode == ['RECOVERY', '1']
          - st.cluster.generation is none
          - st.parsed.generation == 'INVALID'
          - "'recovery mode is RECOVERY' in st.cluster.problems"
      when: inventory_hostname == 'node1'
'''))
    assert_all_ok(run, ['node0', 'node1', 'node2'])
    found = results(run)
    assert found['node1']['cluster']['pnn'] == 1
    assert found['node1']['cluster']['generation'] is None
    assert found['node0']['cluster']['generation'] is not None


def test_shut_down_node(sandbox, run_playbook):
    sandbox.stop_node(2)
    for index in (0, 1):
        text = wait_for_line(sandbox, index, r'^pnn:2 .* DISCONNECTED\|')
    # ctdbd marks itself UNHEALTHY while shutting down; take the word the tool prints now
    word = re.search(r'^pnn:2 \S+\s+(\S+)', text, re.M).group(1)
    assert word.startswith('DISCONNECTED|') and word.endswith('|INACTIVE')
    run = run_playbook(_state_playbook(2, word.split('|')), limit='node0,node1')
    assert_all_ok(run, ['node0', 'node1'])

    # On the node whose daemon is down: a clear message, no traceback.
    down = run_playbook(HEADER + '''
    - name: Read the status where ctdbd is not running
      ctdb.cluster.ctdb_status:
      register: st
      ignore_errors: true
    - name: It fails with a message saying what to do
      ansible.builtin.assert:
        that:
          - st is failed
          - "'ctdbd is not running' in st.msg"
          - "'start it' in st.msg"
          - "'Traceback' not in (st.exception | default(''))"
          - "'errno=111' in st.stderr or 'errno=2' in st.stderr"
''', limit='node2')
    assert down.rc == 0, down
    assert down.recap['node2']['ignored'] == 1, down
    assert 'Traceback' not in down.stdout
    assert 'ctdbd is not running' in results(down)['node2']['msg']


class SocketWatch:
    """A relay on a Unix socket in front of a node's ctdbd.socket; ``ended`` is set once the first
    connection it carried has ended. The ctdb tool connects once per command, so a module whose
    commands are pointed here (CTDB_SOCKET) has then run its first command and had its answer."""

    def __init__(self, target, path):
        self.target = target
        self.path = str(path)
        self.ended = threading.Event()
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(8)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, dummy = self.server.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client):
        with client, socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as upstream:
            upstream.connect(self.target)
            other = {client: upstream, upstream: client}
            while True:
                readable, dummy, dummy = select.select(list(other), [], [])
                data = readable[0].recv(65536)
                if not data:
                    break
                other[readable[0]].sendall(data)
        self.ended.set()

    def close(self):
        self.server.close()
        os.unlink(self.path)


def test_wait_for_healthy_succeeds(sandbox, run_playbook, tmp_path):
    assert sandbox.ctdb(0, '-n', '1', 'disable').returncode == 0
    wait_for_line(sandbox, 0, r'^pnn:1 .* DISABLED')
    # Node 1 comes back only once the module's first poll (its first ctdb status) has answered with
    # node 1 DISABLED: however loaded the machine, the module must have waited. (With the default
    # machine_readable=auto, a DISABLED node needs no -X status, so that poll was that one command.)
    watch = SocketWatch(os.path.join(sandbox.node_base(0), 'run', 'ctdbd.socket'), tmp_path / 'watched.socket')
    enabled, done = [], threading.Event()

    def enable_after_first_poll():
        if watch.ended.wait(120) and not done.is_set():
            enabled.append(sandbox.ctdb(0, '-n', '1', 'enable').returncode)

    enabler = threading.Thread(target=enable_after_first_poll)
    enabler.start()
    try:
        run = run_playbook(HEADER + '''
    - name: Wait for the disabled node to come back
      ctdb.cluster.ctdb_status:
        wait_for_healthy: true
        timeout: 60
        delay: 1
      environment: "{{ ctdb_environment | combine({'CTDB_SOCKET': watched_socket}) }}"
      register: st
    - name: It waited, then saw a healthy cluster
      ansible.builtin.assert:
        that:
          - st is not changed
          - st.cluster.healthy
          - st.attempts > 1
          - st.elapsed > 1
''', limit='node0', extra_vars={'watched_socket': watch.path})
    finally:
        done.set()
        watch.ended.set()  # the thread ends even if the module never polled through the watch
        enabler.join()
        watch.close()
    assert enabled == [0], 'node 1 was not enabled after the first poll'
    assert_all_ok(run, ['node0'])
    result = results(run)['node0']
    assert result['attempts'] > 1
    assert result['cluster']['problems'] == []


@pytest.mark.timing
def test_wait_for_healthy_times_out(sandbox, run_playbook):
    assert sandbox.ctdb(0, '-n', '1', 'disable').returncode == 0
    wait_for_line(sandbox, 0, r'^pnn:1 .* DISABLED')
    started = time.monotonic()
    run = run_playbook(HEADER + '''
    - name: Wait for a node that stays disabled
      ctdb.cluster.ctdb_status:
        wait_for_healthy: true
        timeout: 4
        delay: 1
      register: st
      ignore_errors: true
    - name: It failed with the last status
      ansible.builtin.assert:
        that:
          - st is failed
          - st.msg.startswith('CTDB cluster not healthy after 4 s (')
          - "st.msg.endswith('): node 1 (' ~ st.cluster.nodes[1].address ~ ') is DISABLED')"
          # each text status waits up to ~1 s for the leader's broadcast, so 2 to 5 polls fit in 4 s
          - st.attempts >= 2
          - st.cluster.nodes[1].flags == ['DISABLED']
          - st.parsed.nodes[1].status == 'DISABLED'
          - "'DISABLED' in st.raw"
''', limit='node0')
    assert run.rc == 0, run
    assert run.recap['node0']['ignored'] == 1, run
    result = results(run)['node0']
    assert result['failed'] is True
    assert re.match(r'^CTDB cluster not healthy after 4 s \(\d+ attempts\): node 1 \(%s\) is DISABLED$'
                    % re.escape(sandbox.address(1)), result['msg']), result['msg']
    # at least the timeout; at most the timeout, one last status (~1 s) and 10 s for a loaded machine
    assert 4 <= result['elapsed'] < 15
    assert time.monotonic() - started >= 4
