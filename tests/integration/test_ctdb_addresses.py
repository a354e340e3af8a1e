# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_addresses against a real 3-node cluster: `ctdb ip all` follows the files.

The tests run in file order on one sandbox (module scope). The sandbox starts with
SUBNET.101-103/32 on lo on every node.
"""
import os
import re
import time

import pytest

# The tests are the steps of one story on one sandbox: each starts from what the one before left.
pytestmark = pytest.mark.steps

READ = '''
- hosts: ctdb_cluster
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - name: Read the public addresses
      ctdb.cluster.ctdb_addresses:
      register: read
    - name: The REST API's GET shape
      ansible.builtin.assert:
        that:
          - read is not changed
          - read.exists
          - read.addresses | length == 3
          - read.addresses[0].raw == prefix ~ '.101/32 lo'
          - read.addresses[0].address == prefix ~ '.101/32'
          - read.addresses[0].interface_name == 'lo'
          - read.addresses[0] | list | sort == ['address', 'interface_name', 'raw']
'''

SET = '''
- hosts: "{{ target | default('ctdb_cluster') }}"
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - name: Set the public addresses of this node and apply them
      ctdb.cluster.ctdb_addresses:
        addresses: "{{ wanted }}"
        reload: true
      register: result
    - name: The file holds them
      ansible.builtin.assert:
        that:
          - result.addresses | map(attribute='address') | sort == wanted | map(attribute='address') | sort
          - result.reload.pnn == ctdb_sandbox_pnn
'''


def _file(sandbox, index):
    with open(os.path.join(sandbox.node_base(index), 'public_addresses'), 'rb') as handle:
        return handle.read()


def _ips(sandbox, node=0):
    """`ctdb ip all` as {address: pnn}."""
    result = {}
    for line in sandbox.ctdb(node, 'ip', 'all').stdout.splitlines()[1:]:
        address, pnn = line.split()
        result[address] = int(pnn)
    return result


def _wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def _wanted(sandbox, lasts, mask=32, interface='lo'):
    return [{'address': '%s.%d/%d' % (sandbox.subnet, last, mask), 'interface_name': interface} for last in lasts]


def test_read_returns_the_api_shape(sandbox, run_playbook):
    run = run_playbook(READ, extra_vars={'prefix': sandbox.subnet})
    assert run.rc == 0, run
    assert all(counts['changed'] == 0 for counts in run.recap.values()), run


def test_add_an_address(sandbox, run_playbook):
    wanted = _wanted(sandbox, (101, 102, 103, 110))
    new = '%s.110' % sandbox.subnet
    before = [_file(sandbox, i) for i in range(3)]

    run = run_playbook(SET, extra_vars={'wanted': wanted}, check=True, diff=True)
    assert run.rc == 0, run
    assert all(counts['changed'] == 1 for counts in run.recap.values()), run
    assert '+%s/32 lo' % new in run.stdout
    assert [_file(sandbox, i) for i in range(3)] == before
    assert new not in _ips(sandbox)

    run = run_playbook(SET, extra_vars={'wanted': wanted})
    assert run.rc == 0, run
    assert all(counts['changed'] == 1 for counts in run.recap.values()), run
    assert _wait_for(lambda: _ips(sandbox).get(new, -1) >= 0), _ips(sandbox)
    assert sorted(_ips(sandbox)) == sorted(w['address'].split('/')[0] for w in wanted)
    for index in range(3):
        assert _file(sandbox, index) == before[index] + ('%s/32 lo\n' % new).encode()

    run = run_playbook(SET, extra_vars={'wanted': wanted})
    assert run.rc == 0, run
    assert all(counts['changed'] == 0 for counts in run.recap.values()), run


def test_remove_an_address(sandbox, run_playbook):
    wanted = _wanted(sandbox, (102, 103, 110))
    gone = '%s.101' % sandbox.subnet
    run = run_playbook(SET, extra_vars={'wanted': wanted})
    assert run.rc == 0, run
    assert _wait_for(lambda: gone not in _ips(sandbox)), _ips(sandbox)
    assert sorted(_ips(sandbox)) == sorted(w['address'].split('/')[0] for w in wanted)
    assert sandbox.wait_healthy(60)

    run = run_playbook(SET, extra_vars={'wanted': wanted})
    assert run.rc == 0, run
    assert all(counts['changed'] == 0 for counts in run.recap.values()), run


def test_an_address_only_one_node_can_host(sandbox, run_playbook):
    """public_addresses may differ between nodes: an address only node1 lists ends up on node1."""
    wanted = _wanted(sandbox, (102, 103, 110, 120))
    only = '%s.120' % sandbox.subnet
    run = run_playbook(SET, extra_vars={'wanted': wanted, 'target': 'node1'})
    assert run.rc == 0, run
    assert run.recap['node1']['changed'] == 1 and sorted(run.recap) == ['node1'], run
    assert _wait_for(lambda: _ips(sandbox).get(only) == 1), _ips(sandbox)
    assert only.encode() not in _file(sandbox, 0)


def _other_interface():
    names = sorted(name for name in os.listdir('/sys/class/net') if name != 'lo')
    return names[0] if names else None


def _log_since(sandbox, index, offset):
    with open(sandbox.log_path(index)) as handle:
        handle.seek(offset)
        return handle.read()


def test_changing_mask_and_interface_takes_two_reloads(sandbox, run_playbook):
    other = _other_interface()
    if other is None:
        pytest.skip('this host has no network interface besides lo to move an address to')
    moved = '%s.110' % sandbox.subnet
    wanted = _wanted(sandbox, (102, 103, 120)) + [{'address': '%s/24' % moved, 'interfaces': ['lo', other]}]
    offsets = [os.path.getsize(sandbox.log_path(i)) for i in range(3)]
    run = run_playbook(SET, extra_vars={'wanted': wanted})
    assert run.rc == 0, run
    result = run.result('Set the public addresses of this node and apply them', 'node0')
    assert result['reload']['steps'] == ['ctdb reloadips 0', 'ctdb reloadips 0'], result
    assert ('%s/24 lo,%s\n' % (moved, other)).encode() in _file(sandbox, 0)
    # Each node deleted the address, then added it back with its new line: the two reloads.
    for index in range(3):
        log = _log_since(sandbox, index, offsets[index])
        deleted = log.find('IP %s no longer configured, deleting it' % moved)
        added = log.find('New IP %s configured, adding it' % moved)
        assert 0 <= deleted < added, log
    # ctdbd now knows the new interface list (after one reload it would have kept "lo")
    verbose = sandbox.ctdb(0, '-v', 'ip').stdout
    assert re.search(r'^%s node\[-?\d+\] active\[[^]]*\] available\[[^]]*\] configured\[(lo,%s|%s,lo)\]$'
                     % (re.escape(moved), other, other), verbose, re.M), verbose
    # and the node that hosts it now took it over with the new mask
    assert _wait_for(lambda: any('Takeover of IP %s/24' % moved in _log_since(sandbox, i, offsets[i])
                                 for i in range(3))), 'no takeover of %s/24 in the logs' % moved

    run = run_playbook(SET, extra_vars={'wanted': wanted})
    assert run.rc == 0, run
    assert all(counts['changed'] == 0 for counts in run.recap.values()), run


def test_missing_interface_is_a_warning(sandbox, run_playbook, tmp_path):
    path = tmp_path / 'public_addresses'
    run = run_playbook('''
- hosts: node0
  gather_facts: false
  tasks:
    - ctdb.cluster.ctdb_addresses:
        path: "{{ path }}"
        addresses:
          - {address: 10.9.9.9/24, interface_name: nosuch0}
      register: result
    - ansible.builtin.assert:
        that:
          - result is changed
          - result.missing_interfaces == ['nosuch0']
''', extra_vars={'path': str(path)})
    assert run.rc == 0, run
    assert 'interface nosuch0 named in %s does not exist on this host' % path in run.stdout + run.stderr
    assert path.read_bytes() == b'10.9.9.9/24 nosuch0\n'
