# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Harness of the lab tests: one bare lab for the session, Ansible run from its hub.

The lab's name and subnet come from LAB_NAME and LAB_SUBNET (make lab-test sets them
apart from the demo's lab). The lab is started bare (no CTDB configuration, no ctdbd)
once per session and stopped at the end, even when tests fail. Test files run in name
order and build on each other: test_lab_1_hosts, test_lab_2_site (converge with
site.yml), then test_lab_3_failover, whose tests need a converged cluster and leave it healthy.
The lab itself is ctdbtest.lab; Ansible runs and cluster reads are ctdbtest.lab_cluster.
"""
import os

import pytest

from ctdbtest.lab import Lab
from ctdbtest.lab_cluster import lab_settings


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
