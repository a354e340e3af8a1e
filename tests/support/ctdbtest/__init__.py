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


# An address moves by being released on one node, then taken on another, so a graceful restart
# leaves it on no node for the length of one such move (0.46 s at worst on the lab, bench/README.md);
# a plain restart leaves it on no node for 6-8 s. The bound: 2 s for the move, LOAD_MARGIN more.
ADDRESS_GAP_BOUND = 2.0 + LOAD_MARGIN


def longest_gaps(samples):
    """{address: the longest time it was seen served by no node} from time-ordered samples.

    Each sample is (time, {address: served}); a gap runs from the first sample that saw the address
    unserved to the last one before it was seen served again.
    """
    longest, since = {}, {}
    for stamp, served in samples:
        for address, is_served in served.items():
            longest.setdefault(address, 0.0)
            if is_served:
                since.pop(address, None)
            else:
                start = since.setdefault(address, stamp)
                longest[address] = max(longest[address], stamp - start)
    return longest
