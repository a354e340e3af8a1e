# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sandbox itself: real daemons, one per inventory host, each answering as its own PNN."""
import json
import urllib.request

from ctdbtest.sandbox import Sandbox, SandboxError, parse_health

import pytest


def test_every_host_reaches_its_own_daemon(sandbox, run_playbook):
    run = run_playbook('''
- hosts: ctdb_cluster
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - name: Ask the local daemon for its PNN
      ansible.builtin.command: ctdb pnn
      register: pnn
      changed_when: false
    - name: Each host is the node its inventory entry says
      ansible.builtin.assert:
        that: pnn.stdout | trim | int == ctdb_sandbox_pnn
''')
    assert run.rc == 0, run
    assert sorted(run.recap) == ['node0', 'node1', 'node2']
    assert all(counts['failed'] == 0 and counts['changed'] == 0 for counts in run.recap.values()), run


def test_cluster_is_healthy_with_public_addresses(sandbox):
    healthy, reason = parse_health(sandbox.status_text())
    assert healthy, reason
    ips = sandbox.ctdb(0, '-X', 'ip', 'all').stdout.splitlines()[1:]
    assert sorted(line.split('|')[1] for line in ips) == [sandbox.public_address(i) for i in range(3)]


def test_etcd_serves_v2_and_v3(sandbox):
    with urllib.request.urlopen(sandbox.etcd_url + '/v2/keys/') as answer:
        assert json.load(answer)['node']['dir'] is True
    request = urllib.request.Request(sandbox.etcd_url + '/v3/kv/range', data=b'{"key": "AA=="}', method='POST')
    with urllib.request.urlopen(request) as answer:
        assert 'header' in json.load(answer)


def test_a_busy_address_is_refused_with_a_clear_message(sandbox):
    other = Sandbox('test-clash', nodes=1, subnet=sandbox.subnet, etcd=False)
    with pytest.raises(SandboxError, match=r'already in use on port 4379 \(another ctdbd\?\)'):
        other.start()


def test_health_parser_sees_problems():
    assert parse_health('pnn:0 127.0.0.1 OK (THIS NODE)\nRecovery mode:NORMAL (0)\n') == (True, 'healthy')
    assert parse_health('pnn:0 127.0.0.1 DISABLED\nRecovery mode:NORMAL (0)\n')[0] is False
    assert parse_health('pnn:0 127.0.0.1 OK\nRecovery mode:RECOVERY (1)\n')[0] is False
