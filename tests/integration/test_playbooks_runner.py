# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The playbooks as `make demo` and AWX run them: demo.yml with ansible-playbook, then the
same demo again through ansible-runner (the engine AWX runs jobs with), on a fresh sandbox.

The second demo must converge nothing (changed=0 on every host of its site.yml plays) and
restart no ctdbd (same PIDs), and status.yml must print a readable report.
"""
import os
import sys

import ansible_runner

from ctdbtest.sandbox import parse_health

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(REPO, '.cache', 'collections')
DEMO = os.path.join(REPO, 'playbooks', 'demo.yml')


def run_with_runner(sandbox, tmp_path, playbook):
    private = tmp_path / 'runner'
    private.mkdir(exist_ok=True)
    venv_bin = os.path.dirname(sys.executable)
    envvars = {
        'PATH': venv_bin + os.pathsep + os.environ.get('PATH', ''),
        'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS,
        'ANSIBLE_ROLES_PATH': os.path.join(REPO, 'roles'),
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_STDOUT_CALLBACK': 'default',
        'ANSIBLE_LOCALHOST_WARNING': 'False',
    }
    return ansible_runner.run(private_data_dir=str(private), project_dir=REPO, playbook=playbook,
                              inventory=sandbox.inventory_path, envvars=envvars, quiet=True, timeout=900)


def test_demo_twice_second_time_through_ansible_runner(sandbox, run_playbook, tmp_path):
    first = run_playbook(DEMO)
    assert first.rc == 0, first
    assert 'Cluster seen from node0: HEALTHY' in first.stdout, first
    healthy, reason = parse_health(sandbox.wait_healthy(60))
    assert healthy, reason
    lock = sandbox.ctdb(0, 'getreclock').stdout.strip()
    assert lock == '!%s/bin/ctdb_etcd_lock' % sandbox.root
    running = {index: sandbox.ctdbd_pid(index) for index in range(3)}

    second = run_with_runner(sandbox, tmp_path, 'playbooks/demo.yml')
    output = second.stdout.read()
    assert second.status == 'successful' and second.rc == 0, output[-5000:]
    assert sorted(second.stats['ok']) == ['node0', 'node1', 'node2'], second.stats
    assert not second.stats['changed'], second.stats
    assert not second.stats['failures'], second.stats
    assert {index: sandbox.ctdbd_pid(index) for index in range(3)} == running

    # The report: nodes with flags, the leader, public address placement, log events.
    for text in ('Cluster seen from node0: HEALTHY', 'pnn 0  %s  OK' % sandbox.address(0), '<- leader',
                 'Public addresses (address -> PNN', sandbox.public_address(2), 'Last log events of node2:'):
        assert text in output, (text, output[-5000:])
