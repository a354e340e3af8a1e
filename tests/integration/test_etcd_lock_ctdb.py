# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The etcd lock helper as the cluster lock of a real 3-node ctdbd sandbox.

For each API: the sandbox (CTDB_SANDBOX_NAME / CTDB_SANDBOX_SUBNET) starts with
``cluster lock = !<python> <helper> -c <config>`` pointing at an etcd started here;
the leader must hold the lock; then the leader node is killed (every process,
SIGKILL, as a crash) and the two others must elect a new leader that holds the
lock and return to recovery mode NORMAL.
"""
import os
import time

import pytest

from ctdbtest.etcd import EtcdServer
from ctdbtest.lock_cluster import cluster_view, lock_holder_node, parse_status
from ctdbtest.lock_helper import HELPER, PYTHON, unique_name, write_config
from ctdbtest.sandbox import Sandbox

LOCK_TTL = 9
REFRESH = 2
FAILOVER_LIMIT = 60


def wait_for_new_leader(cluster, etcd, api, key, survivors, old_leader, limit):
    """Poll until every survivor reports the same new leader, recovery NORMAL and
    that leader's helper holding the key; returns (seconds, leader) or (None, view)."""
    start = time.monotonic()
    view = None
    while time.monotonic() - start < limit:
        view = cluster_view(cluster, survivors)
        leaders = {pair[0] for pair in view.values()}
        modes = {pair[1] for pair in view.values()}
        if len(leaders) == 1 and modes == {'NORMAL'}:
            leader = leaders.pop()
            if leader in survivors and leader != old_leader and lock_holder_node(cluster, etcd, api, key) == leader:
                return time.monotonic() - start, leader
        time.sleep(0.2)
    return None, view


@pytest.fixture(scope='module', params=['v2', 'v3'])
def locked_cluster(request, tmp_path_factory):
    api = request.param
    name = os.environ.get('CTDB_SANDBOX_NAME', 'test')  # the defaults of conftest.sandbox_settings()
    subnet = os.environ.get('CTDB_SANDBOX_SUBNET', '127.0.10')
    etcd = EtcdServer().start()
    lock_name = unique_name()
    config = write_config(str(tmp_path_factory.mktemp('lock') / 'etcd'), api, etcd, name=lock_name,
                          lock_ttl=LOCK_TTL, refresh=REFRESH)
    lock = '!%s %s -c %s' % (PYTHON, HELPER, config)
    Sandbox.attach(name).stop()
    cluster = Sandbox(name, nodes=3, subnet=subnet, etcd=False, cluster_lock=lock)
    try:
        cluster.start(timeout=90)
        yield cluster, etcd, api, '/_locks/_ctdb/%s.lock' % lock_name, lock
    finally:
        cluster.stop()
        etcd.stop()


def test_leader_holds_the_lock(locked_cluster):
    cluster, etcd, api, key, lock = locked_cluster
    for index in range(3):
        result = cluster.ctdb(index, 'getreclock')
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == lock, result.stdout
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        view = cluster_view(cluster, range(3))
        leaders = {pair[0] for pair in view.values()}
        if len(leaders) == 1 and lock_holder_node(cluster, etcd, api, key) in leaders:
            break
        time.sleep(0.5)
    assert len(leaders) == 1, view
    assert lock_holder_node(cluster, etcd, api, key) == leaders.pop()
    assert {pair[1] for pair in view.values()} == {'NORMAL'}, view


@pytest.mark.timing
def test_leader_crash_fails_over(locked_cluster):
    cluster, etcd, api, key = locked_cluster[:4]
    old_leader = parse_status(cluster.ctdb(0, 'status').stdout)[0]
    assert lock_holder_node(cluster, etcd, api, key) == old_leader
    survivors = [i for i in range(3) if i != old_leader]
    cluster.kill_node(old_leader)
    elapsed, leader = wait_for_new_leader(cluster, etcd, api, key, survivors, old_leader, FAILOVER_LIMIT)
    assert elapsed is not None, 'no new leader holding the lock within %d s: %r' % (FAILOVER_LIMIT, leader)
    print('%s: failover after the leader crash took %.1f s' % (api, elapsed))
    # The target is TTL + 5 s (the stale key has to expire first, then CTDB's election); a whole
    # sandbox recovering on a loaded 2-core machine gets 5 s more (LOAD_MARGIN and a recovery).
    assert elapsed <= LOCK_TTL + 10, elapsed
