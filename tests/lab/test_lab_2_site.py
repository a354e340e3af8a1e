# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/site.yml over SSH on three bare lab hosts, as a user deploys a real cluster.

ctdbd runs in normal mode, started by the ctdb role through Debian's /etc/init.d/ctdb
(ctdb_service_manager: service); the etcd lock helper runs on the Debian client
(/usr/bin/python3 with python3-etcd3gw) against the lab's 3-member etcd cluster.
"""
import pytest

from ctdbtest.lab_cluster import adhoc, healthy, leader_host, lock_holder, placement, playbook

SITE = 'playbooks/site.yml'


def ctdbd_pids(lab):
    return {host: lab.ctdbd_pid(host) for host in lab.hostnames()}


@pytest.fixture(scope='module')
def first_run(lab):
    return playbook(lab, SITE)


def test_site_converges_bare_hosts(lab, first_run):
    assert first_run.rc == 0, first_run
    assert first_run.changed_hosts() == lab.hostnames(), first_run
    pids = ctdbd_pids(lab)
    assert all(pids.values()), pids
    for host, pid in pids.items():
        environ = lab.on_host(host, ['cat', '/proc/%d/environ' % pid]).stdout
        assert 'CTDB_TEST_MODE' not in environ  # normal mode, as on a real host
    assert healthy(lab)
    where = placement(lab)
    assert all(len(hosts) == 1 for hosts in where.values()), where
    leader = leader_host(lab)
    assert leader is not None
    assert lock_holder(lab) == leader


def test_second_run_changes_nothing_and_restarts_nothing(lab, first_run):
    assert first_run.rc == 0, first_run
    before = ctdbd_pids(lab)
    again = playbook(lab, SITE)
    assert again.rc == 0, again
    assert again.changed_hosts() == [], again
    assert ctdbd_pids(lab) == before
    assert healthy(lab)


def test_check_mode_changes_nothing(lab, first_run):
    assert first_run.rc == 0, first_run
    before = ctdbd_pids(lab)
    check = playbook(lab, SITE, check=True)
    assert check.rc == 0, check
    assert check.changed_hosts() == [], check
    assert ctdbd_pids(lab) == before


def test_adhoc_status_works_as_on_real_hosts(lab, first_run):
    assert first_run.rc == 0, first_run
    run = adhoc(lab, 'ctdb.cluster.ctdb_status')
    assert run.rc == 0, run
    assert sorted(run.results) == lab.hostnames()
    for index, host in enumerate(lab.hostnames()):
        result = run.results[host]
        assert result['changed'] is False
        assert result['cluster']['healthy'] is True, result
        assert result['cluster']['pnn'] == index
        assert [n['address'] for n in result['cluster']['nodes']] == [lab.address(h) for h in lab.hostnames()]
