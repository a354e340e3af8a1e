# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test support shared by tests/integration, tests/unit and bench/.

Importable as ``ctdbtest`` because pytest.ini puts tests/support on the path (and the
Makefile's PYTHONPATH for scripts): ``ctdbtest.sandbox`` (the local cluster),
``ctdbtest.playbook`` (real ansible-playbook runs with JSON results), ``ctdbtest.bad_inputs``
(the bad-input tables as data), ``ctdbtest.etcd`` (etcd launchers, free ports, a stalling forwarder),
``ctdbtest.lock_helper`` (the etcd lock helper run as CTDB runs it), ``ctdbtest.lock_cluster``,
``ctdbtest.lab`` (namespaced hosts reached over SSH; ``lab_cluster``: Ansible in its hub and
the cluster's state; ``lab_demo``: make lab-demo; ``lab_hostinit``: a lab host's PID 1).
"""
import os
import time

SUPPORT = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(SUPPORT)))


# What a loaded 2-core machine (two busy loops and a writer that fsyncs beside the tests: `make
# timing-under-load`) may add to a bound that the mechanism sets (a TTL, a refresh period, CTDB's
# tunables): a slow Python start (0.3-1 s), etcd's commits waiting for fsync, scheduling delays.
# Bounds that are the product's own promise (CTDB's 5 s lock check) take none.
LOAD_MARGIN = 3.0


def now():
    """The etcd lock helper's clock (CLOCK_BOOTTIME), so that its logged times compare with ours."""
    return time.clock_gettime(time.CLOCK_BOOTTIME)
