# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Harness of the lab tests: one bare lab for the session, Ansible run from its hub.

The lab's name and subnet come from LAB_NAME and LAB_SUBNET (make lab-test sets them
apart from the demo's lab). The lab is started bare (no CTDB configuration, no ctdbd)
once per session and stopped at the end, even when tests fail. Test files run in name
order and build on each other: test_lab_1_hosts, test_lab_2_site (converge with
site.yml), then the files whose tests need a converged cluster (the `converged` fixture) and
leave it healthy; test_lab_6_api last, as it leaves the lab on the v2 API.
The lab itself is ctdbtest.lab; Ansible runs and cluster reads are ctdbtest.lab_cluster.
"""
import os

import pytest

from ctdbtest.lab import Lab
from ctdbtest.lab_cluster import healthy, lab_settings, placement, playbook, wait_healthy, wait_until


@pytest.fixture(scope='session')
def lab():
    name, subnet = lab_settings()
    if os.environ.get('LAB_REUSE') == '1':
        # development only: run against the lab NAME already running, and leave it running
        yield Lab.attach(name)
        return
    Lab.attach(name).stop()
    started = Lab(name, hosts=int(os.environ.get('LAB_HOSTS', '3')), subnet=subnet)
    started.start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def converged(lab):
    """The lab converged with site.yml (once, if it is not healthy), healthy, each address on one host.

    Afterwards every host is given back to service (unban, continue, enable: each a no-op where
    it does not apply) and the cluster is healthy again.
    """
    if not healthy(lab):
        run = playbook(lab, 'playbooks/site.yml')
        assert run.rc == 0, run
    assert wait_healthy(lab, timeout=120)
    assert wait_until(lambda: all(len(hosts) == 1 for hosts in placement(lab).values()), 60)[0]
    yield lab
    for host in lab.hostnames():
        for command in ('unban', 'continue', 'enable'):
            lab.ctdb(host, command)
    assert wait_healthy(lab, timeout=120)
