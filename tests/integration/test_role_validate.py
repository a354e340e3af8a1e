# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ctdb role's checks (tasks/validate.yml) on their own: real ansible-playbook, no cluster.

They run before anything changes, so they need no sandbox: two hosts of ctdb_cluster on a
local connection, and the role's validate tasks only.
"""
import os

import pytest
import yaml

from ctdbtest.playbook import run_playbook

VALIDATE = '''
- hosts: ctdb_cluster
  gather_facts: false
  tasks:
    - name: Run the checks of the ctdb role
      ansible.builtin.include_role:
        name: ctdb.cluster.ctdb
        tasks_from: validate
'''


def validate(tmp_path, group_vars):
    hosts = {'node%d' % n: {'ansible_connection': 'local', 'ansible_python_interpreter': 'auto_silent',
                            'ctdb_node_address': '10.1.1.1%d' % n} for n in (1, 2)}
    inventory = {'all': {'children': {'ctdb_cluster': {'hosts': hosts, 'vars': group_vars}}}}
    path = os.path.join(str(tmp_path), 'inventory.yml')
    with open(path, 'w') as handle:
        yaml.safe_dump(inventory, handle)
    return run_playbook(VALIDATE, path, tmp_path)


@pytest.mark.parametrize('ctdb_conf', [
    {'logging': {'location': 'file:/var/log/ctdb/log.ctdb', 'log level': 'NOTICE'}},
    {},
    {'cluster': {}},
    {'cluster': {'transport': 'tcp'}, 'database': {'volatile database directory': '/var/lib/ctdb/volatile'}},
], ids=['no-cluster-section', 'empty', 'cluster-section-empty', 'cluster-section-without-lock'])
def test_ctdb_conf_without_a_lock_passes(tmp_path, ctdb_conf):
    run = validate(tmp_path, {'ctdb_conf': ctdb_conf})
    assert run.rc == 0, run
    assert sorted(run.results('ctdb.cluster.ctdb : Check that ctdb.conf settings are sections of key/value pairs without the lock')) == [
        'node1', 'node2']


@pytest.mark.parametrize('ctdb_conf, message', [
    ({'logging': {'log level': 'NOTICE'}, 'cluster': {'cluster lock': '/mnt/lock'}},
     'they must not set cluster lock: set the lock once in ctdb_cluster_lock'),
    ({'cluster': {'recovery lock': '/mnt/lock'}}, 'they must not set recovery lock'),
    ({'logging': 'NOTICE'}, 'ctdb_conf and ctdb_conf_host are {section: {key: value}} dictionaries'),
    ({'cluster': None}, 'ctdb_conf and ctdb_conf_host are {section: {key: value}} dictionaries'),
], ids=['cluster-lock', 'recovery-lock', 'section-not-a-mapping', 'cluster-section-null'])
def test_ctdb_conf_with_a_lock_or_a_bad_section_fails(tmp_path, ctdb_conf, message):
    run = validate(tmp_path, {'ctdb_conf': ctdb_conf})
    assert run.rc != 0, run
    assert message in run.stdout, run
