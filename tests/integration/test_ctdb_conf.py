# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_conf against a real 3-node sandbox: check mode, diff, backup, idempotence, and a cluster lock
set through the module that the restarted daemons really use (``ctdb getreclock``)."""
import glob
import os

import pytest

from ctdbtest.reference import parse_getreclock

# The tests are the steps of one story on one sandbox: each starts from what the one before left.
pytestmark = pytest.mark.steps

NODES = (0, 1, 2)


def lock_string(sandbox):
    # fcntl locks work between processes of one machine: the same local file for every node.
    return '!/usr/libexec/ctdb/ctdb_mutex_fcntl_helper %s' % os.path.join(sandbox.root, 'cluster.lock')


def conf_path(sandbox, index):
    return os.path.join(sandbox.node_base(index), 'ctdb.conf')


def snapshot(sandbox):
    result = {}
    for index in NODES:
        with open(conf_path(sandbox, index), 'rb') as handle:
            result[index] = (handle.read(), os.stat(conf_path(sandbox, index)).st_mtime_ns)
    return result


def backups(sandbox, index):
    return sorted(glob.glob(conf_path(sandbox, index) + '.*~'))


def restart_nodes(sandbox):
    for index in NODES:
        sandbox.stop_node(index)
    for index in NODES:
        sandbox.start_node(index)
    sandbox.wait_healthy(90)


def reclocks(sandbox):
    found = {}
    for index in NODES:
        answer = sandbox.ctdb(index, 'getreclock')
        assert answer.returncode == 0, answer.stderr
        found[index] = parse_getreclock(answer.stdout)
    return found


READ_PLAY = '''
- hosts: ctdb_cluster
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - name: Read ctdb.conf
      ctdb.cluster.ctdb_conf:
      register: conf
    - name: It is the node's own file, read as ctdbd reads it
      ansible.builtin.assert:
        that:
          - conf is not changed
          - conf.path == ctdb_base ~ '/ctdb.conf'
          - conf.parsed.cluster['node address'] == ctdb_node_address
          - conf.parsed.logging['log level'] == 'NOTICE'
          - conf.raw == lookup('ansible.builtin.file', ctdb_base ~ '/ctdb.conf') ~ '\\n'
          - conf.cluster_lock is none
          - conf.lock_key == 'cluster lock'
          - conf.unparsable == []
'''

SET_LOCK_PLAY = '''
- hosts: ctdb_cluster
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - name: Set the cluster lock
      ctdb.cluster.ctdb_conf:
        settings:
          cluster:
            cluster lock: "{{ lock }}"
        backup: true
      register: conf
    - name: The result shows the new lock
      ansible.builtin.assert:
        that:
          - conf.cluster_lock == lock
          - conf.parsed.cluster['cluster lock'] == lock
          - conf.parsed.cluster['node address'] == ctdb_node_address
          - conf.validated == (conf is changed)
'''


def test_read(sandbox, run_playbook):
    run = run_playbook(READ_PLAY)
    assert run.rc == 0, run
    assert sorted(run.recap) == ['node0', 'node1', 'node2']
    assert all(c['changed'] == 0 and c['failed'] == 0 for c in run.recap.values()), run


def test_check_mode_and_diff_change_nothing(sandbox, run_playbook):
    before = snapshot(sandbox)
    run = run_playbook(SET_LOCK_PLAY, extra_vars={'lock': lock_string(sandbox)}, check=True, diff=True)
    assert run.rc == 0, run
    assert run.changed_hosts() == ['node0', 'node1', 'node2'], run
    assert run.stdout.count('+\tcluster lock = %s' % lock_string(sandbox)) == 3, run
    assert snapshot(sandbox) == before
    assert all(backups(sandbox, i) == [] for i in NODES)


def test_apply_with_backup_then_idempotent(sandbox, run_playbook):
    before = snapshot(sandbox)
    run = run_playbook(SET_LOCK_PLAY, extra_vars={'lock': lock_string(sandbox)})
    assert run.rc == 0, run
    assert run.changed_hosts() == ['node0', 'node1', 'node2'], run
    for index in NODES:
        old = before[index][0].decode()
        with open(conf_path(sandbox, index)) as handle:
            new = handle.read()
        # Only one line is added, right after the node address, with the file's tab indentation.
        address_line = '\tnode address = %s\n' % sandbox.address(index)
        assert new == old.replace(address_line, address_line + '\tcluster lock = %s\n' % lock_string(sandbox))
        saved = backups(sandbox, index)
        assert len(saved) == 1
        with open(saved[0], 'rb') as handle:
            assert handle.read() == before[index][0]
    after = snapshot(sandbox)
    again = run_playbook(SET_LOCK_PLAY, extra_vars={'lock': lock_string(sandbox)})
    assert again.rc == 0, again
    assert again.changed_hosts() == [], again
    assert snapshot(sandbox) == after
    assert all(len(backups(sandbox, i)) == 1 for i in NODES)


def test_cluster_lock_is_used_by_ctdbd_after_restart(sandbox, run_playbook):
    # The daemons read ctdb.conf at start only: the lock set above is not in use yet.
    assert reclocks(sandbox) == {0: None, 1: None, 2: None}
    restart_nodes(sandbox)
    assert reclocks(sandbox) == {0: lock_string(sandbox), 1: lock_string(sandbox), 2: lock_string(sandbox)}
    assert os.path.exists(os.path.join(sandbox.root, 'cluster.lock')), 'the fcntl helper never took the lock'
    run = run_playbook('''
- hosts: ctdb_cluster
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - ctdb.cluster.ctdb_conf:
      register: conf
    - ansible.builtin.command: ctdb getreclock
      register: reclock
      changed_when: false
    - name: The daemon uses the lock the file names
      ansible.builtin.assert:
        that: reclock.stdout | trim == conf.cluster_lock
''')
    assert run.rc == 0, run


def test_deprecated_name_is_written_as_cluster_lock_with_a_warning(sandbox, run_playbook):
    before = snapshot(sandbox)
    run = run_playbook('''
- hosts: ctdb_cluster
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - name: Same lock, old name
      ctdb.cluster.ctdb_conf:
        section: cluster
        option: recovery lock
        value: "{{ lock }}"
      register: conf
    - ansible.builtin.assert:
        that:
          - conf is not changed
          - conf.cluster_lock == lock
''', extra_vars={'lock': lock_string(sandbox)})
    assert run.rc == 0, run
    assert run.changed_hosts() == [], run
    # ansible prints a warning once however many hosts raise it.
    assert ('[WARNING]: option: [cluster] "recovery lock" is deprecated since Samba 4.16; writing [cluster] '
            '"cluster lock" instead') in run.stdout + run.stderr, run
    assert snapshot(sandbox) == before


def test_an_option_of_a_newer_samba_is_written_for_that_release(sandbox, run_playbook):
    before = snapshot(sandbox)
    run = run_playbook('''
- hosts: node0
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - ctdb.cluster.ctdb_conf:
        settings:
          failover:
            shutdown failover timeout: 5
        ctdb_version: "4.23.1"
        validate: false
      register: conf
    - ansible.builtin.assert:
        that:
          - conf is changed
          - conf.parsed.failover['shutdown failover timeout'] == '5'
          - conf.changes == ['added [failover] "shutdown failover timeout" = 5 in a new section']
''', check=True)
    assert run.rc == 0, run
    assert snapshot(sandbox) == before


def test_remove_lock_again(sandbox, run_playbook):
    run = run_playbook('''
- hosts: ctdb_cluster
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - ctdb.cluster.ctdb_conf:
        section: cluster
        option: cluster lock
        state: absent
      register: conf
    - ansible.builtin.assert:
        that:
          - conf is changed
          - conf.cluster_lock is none
          - "'cluster lock' not in conf.parsed.cluster"
''')
    assert run.rc == 0, run
    for index in NODES:
        with open(backups(sandbox, index)[0]) as saved, open(conf_path(sandbox, index)) as current:
            assert current.read() == saved.read()
