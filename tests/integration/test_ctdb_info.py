# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb.cluster.ctdb_info against a real 3-node sandbox cluster, through ansible-playbook: what it reads,
drift between nodes reported node by node, and its role_vars fed back to the ctdb role (changed=0)."""
import json
import os
import sys

import yaml

from day2_helpers import restore, run_steps

HERE = os.path.dirname(os.path.abspath(__file__))
SITE = os.path.join(os.path.dirname(os.path.dirname(HERE)), 'playbooks', 'site.yml')
ROLE_VARS = ('ctdb_base', 'ctdb_nodes', 'ctdb_node_address', 'ctdb_public_addresses', 'ctdb_cluster_lock',
             'ctdb_cluster_lock_key', 'ctdb_conf', 'ctdb_conf_host', 'ctdb_event_scripts_enabled')

DRIFT = '''
- hosts: ctdb_cluster
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - name: Read every node (the sandbox's per-node paths are ctdb_conf_host)
      ctdb.cluster.ctdb_info:
        host_options:
          - cluster/node address
          - logging/location
          - database/volatile database directory
          - database/persistent database directory
          - database/state database directory
      register: info
    - name: Every node agrees with node0 on what must be identical
      ansible.builtin.assert:
        that:
          - info.role_vars[item] == hostvars['node0'].info.role_vars[item]
        fail_msg: "DRIFT {{ inventory_hostname }} {{ item }}"
      loop: [ctdb_nodes, ctdb_cluster_lock, ctdb_conf, ctdb_public_addresses, ctdb_tunables]
      ignore_errors: true
'''


def changed_tasks(run):
    found, task = [], None
    for line in run.stdout.splitlines():
        if line.startswith(('TASK [', 'RUNNING HANDLER [')):
            task = line.rstrip(' *')
        elif line.startswith('changed:'):
            found.append('%s: %s' % (task, line))
    return found


def info_all(run_playbook):
    found = {}
    for host in ('node0', 'node1', 'node2'):
        run, (result,) = run_steps(run_playbook, host, [('ctdb.cluster.ctdb_info', {}, False)])
        assert result['changed'] is False and not result.get('failed'), result
        found[host] = result
    return found


def test_reads_the_sandbox(sandbox, run_playbook):
    restore(sandbox)
    found = info_all(run_playbook)
    for host, result in found.items():
        index = int(host[-1])
        role = result['role_vars']
        assert result['running'] is True and result['pnn'] == index
        assert result['version'].startswith('4.')
        assert role['ctdb_base'] == sandbox.node_base(index)
        assert role['ctdb_nodes'] == [sandbox.address(i) for i in range(3)]
        assert role['ctdb_node_address'] == sandbox.address(index)
        assert role['ctdb_conf_host'] == {'cluster': {'node address': sandbox.address(index)}}
        assert role['ctdb_conf']['logging']['location'] == 'file:%s' % sandbox.log_path(index)
        assert role['ctdb_public_addresses'] == [
            {'address': '%s/32' % sandbox.public_address(i), 'interface_name': 'lo'} for i in range(3)]
        assert role['ctdb_cluster_lock'] == '' and role['ctdb_tunables'] == {}
        assert sorted(result['addresses']) == [sandbox.public_address(i) for i in range(3)]
        assert result['tunables']['MonitorInterval'] == 15
        assert [node['status'] for node in result['nodes']] == ['OK', 'OK', 'OK']
        assert result['problems'] == []


def test_drift_is_reported_node_by_node(sandbox, run_playbook):
    path = os.path.join(sandbox.node_base(2), 'ctdb.tunables')
    with open(path, 'w') as handle:
        handle.write('MonitorInterval=30\n')  # by hand, on node2 only
    try:
        run = run_playbook(DRIFT)
    finally:
        os.remove(path)
    assert run.rc == 0, run
    drift = sorted(line.split('DRIFT ')[1].split('"')[0] for line in run.stdout.splitlines() if 'DRIFT ' in line
                   and '"msg"' in line)
    assert drift == ['node2 ctdb_tunables'], run


def test_fed_back_to_the_role_changes_nothing(sandbox, run_playbook, tmp_path):
    # Converge the sandbox with the role first (its own variables), then adopt it from ctdb_info alone.
    converge = run_playbook(SITE, extra_vars={'etcd_lock_enabled': False})
    assert converge.rc == 0, converge
    restore(sandbox)
    found = info_all(run_playbook)
    hosts = {}
    for host, result in found.items():
        host_vars = dict((name, result['role_vars'][name]) for name in ROLE_VARS)
        host_vars.update({
            'ctdb_environment': {'CTDB_BASE': result['role_vars']['ctdb_base'], 'CTDB_TEST_MODE': 'yes'},
            'ctdb_sandbox_pnn': result['pnn'],
        })
        hosts[host] = host_vars
    inventory = {'all': {'children': {'ctdb_cluster': {'hosts': hosts, 'vars': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable, 'ansible_become': False,
        # Not the sandbox's vars file: everything comes from ctdb_info, except how to run ctdbd here.
        'ctdb_sandbox': False, 'ctdb_install_package': False, 'ctdb_service_manager': 'sandbox',
        'etcd_lock_enabled': False}}}}}
    path = tmp_path / 'adopted.yml'
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))  # ctdb.conf keeps its key order
    run = run_playbook(SITE, inventory=str(path))
    assert run.rc == 0, run
    assert run.recap and all(counts['changed'] == 0 for counts in run.recap.values()), changed_tasks(run)
    print(json.dumps(hosts['node0'], indent=1))
