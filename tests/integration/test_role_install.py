# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles' package installs (ctdb tasks/install.yml, etcd_lock tasks/client.yml) on this machine.

Both read what is installed with dpkg-query first and run the package manager only where a
package is not installed. On this machine ctdb and python3-etcd3gw are installed (make setup):
the install is skipped. A package that is not installed (here one that does not exist) sends
the host to the package manager, which fails on it in check mode: proof that it ran.
"""
import pytest

from ctdbtest.playbook import run_playbook

PLAYBOOK = '''
- hosts: all
  gather_facts: false
  tasks:
    - name: Run the install tasks of the role
      ansible.builtin.include_role:
        name: ctdb.cluster.{role}
        tasks_from: {tasks}
'''
ROLES = {
    'ctdb': ('install', 'ctdb_packages', 'ctdb.cluster.ctdb : Install the CTDB packages'),
    'etcd_lock': ('client', 'etcd_lock_client_packages',
                  'ctdb.cluster.etcd_lock : Install the client packages of etcd API v3'),
}


def install(tmp_path, role, packages):
    tasks, variable, task = ROLES[role]
    value = {'v3': packages, 'v2': packages} if role == 'etcd_lock' else packages
    run = run_playbook(PLAYBOOK.format(role=role, tasks=tasks), 'localhost,', tmp_path, check=True,
                       extra_vars={variable: value, 'ansible_connection': 'local',
                                   'ansible_python_interpreter': '/usr/bin/python3'})
    return run, task


@pytest.mark.parametrize('role, packages', [('ctdb', ['ctdb']), ('etcd_lock', ['python3-etcd3gw'])])
def test_installed_packages_skip_the_package_manager(tmp_path, role, packages):
    run, task = install(tmp_path, role, packages)
    assert run.rc == 0, run
    assert run.result(task, 'localhost').get('skipped') is True, run


@pytest.mark.parametrize('role, packages', [('ctdb', ['ctdb', 'ctdb-no-such-package']),
                                            ('etcd_lock', ['ctdb-no-such-package'])])
def test_a_missing_package_goes_to_the_package_manager(tmp_path, role, packages):
    run, task = install(tmp_path, role, packages)
    assert run.rc != 0, run
    assert not run.result(task, 'localhost').get('skipped'), run
    assert "No package matching 'ctdb-no-such-package'" in run.stdout, run
