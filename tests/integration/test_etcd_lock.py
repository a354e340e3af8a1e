# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The etcd cluster-lock helper against a real etcd, as CTDB runs it.

Every test runs for the v2 API (python-etcd) and the v3 API (etcd3gw), and the
helper runs under two Pythons: the venv's (clients from PyPI: etcd3gw 2.7) and
/usr/bin/python3 with Debian's python3-etcd and python3-etcd3gw (2.0.0), as the
etcd_lock role installs them on nodes (skipped where those packages are missing:
`make packages` installs them).  The etcd servers are started here on free ports of the sandbox subnet (CTDB_SANDBOX_SUBNET,
address .200) and stopped again by their fixtures.  The helper runs as a real
process whose stdout is a pipe, exactly as CTDB reads it.

EtcdServer, StallProxy (ctdbtest.etcd) and Helper, ParentedHelper, write_config
(ctdbtest.lock_helper) are shared with test_etcd_lock_ctdb.py and bench/bench_lock.py.
"""
import os
import re
import shutil
import signal
import subprocess
import time

import pytest

from ctdbtest import LOAD_MARGIN, now
from ctdbtest.etcd import EtcdServer, KeyWatch, StallProxy, b64, etcd_host, free_port, wait_key_gone
from ctdbtest.lock_helper import (
    CLIENT_MODULES, HELPER, PYTHON, SYSTEM_PYTHON, Helper, ParentedHelper, python_has, read_state, state_file_of,
    unique_name, write_config)

APIS = ('v2', 'v3')


@pytest.fixture(params=['venv', 'debian'])
def python(request):
    """The interpreter the helper runs under: the venv's, or /usr/bin/python3 with
    Debian's clients.  A test that names an api gets that api's client checked."""
    if request.param == 'venv':
        return PYTHON
    api = request.node.callspec.params.get('api') if hasattr(request.node, 'callspec') else None
    for module in ([CLIENT_MODULES[api]] if api else CLIENT_MODULES.values()):
        if not python_has(SYSTEM_PYTHON, module):
            pytest.skip('%s cannot import %s (Debian: python3-etcd, python3-etcd3gw)' % (SYSTEM_PYTHON, module))
    return SYSTEM_PYTHON


@pytest.fixture(scope='module')
def etcd():
    server = EtcdServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_etcd():
    """An etcd for a test that stops or pauses it."""
    server = EtcdServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def helpers(python):
    """Collects Helper objects (run under the python fixture's interpreter); kills
    whatever is still running at the end."""
    started = []

    def run(config, **kwargs):
        kwargs.setdefault('python', python)
        helper = Helper(config, **kwargs).start()
        started.append(helper)
        return helper
    yield run
    for helper in started:
        helper.stop()


def poll_until_taken(helpers, config, limit, interval=0.2):
    """Start helpers one after another until one prints 0; returns (elapsed, helper)."""
    start = now()
    while now() - start < limit:
        helper = helpers(config)
        status = helper.read_status(5)
        if status == '0':
            return now() - start, helper
        assert status == '1', (status, helper.errors())
        helper.wait(5)
        time.sleep(interval)
    return None, None


REFRESH_RE = re.compile(r'refreshed at (\d+\.\d+)')


def assert_taken_after_the_old_holder(etcd, api, key, old_value, holder, contender, watch):
    """The safety property of a hand-over, whatever the machine's speed: a contender that answered 0
    took the lock only after the old holder had closed its stdout (CTDB's "lock lost") and after the
    old key had gone (no read of the watch sent at or after the answer found the old value)."""
    assert holder.eof_at is not None and contender.status_at > holder.eof_at, (
        'taken %.2f s before the old holder let go' % (holder.eof_at - contender.status_at))
    last_old = watch.last_seen(old_value)
    assert last_old is None or last_old < contender.status_at, (
        'the old key was still there %.2f s after the contender said 0' % (last_old - contender.status_at))
    now_held = etcd.holder(api, key)
    assert now_held is not None and now_held[0] != old_value, now_held


def assert_contended_while_the_old_key_lived(etcd, api, key, old_value, contender):
    """A contender that answered 1 saw the old key live (more time left than a stale one): it is still
    there, with the old holder's value, right after the answer."""
    found = etcd.holder(api, key)
    assert found is not None and found[0] == old_value and (found[1] is None or found[1] > 0), (
        found, contender.errors())


# -- mutual exclusion -------------------------------------------------------------

@pytest.mark.timing
@pytest.mark.parametrize('api', APIS)
def test_one_holder_other_contends_quietly(api, etcd, helpers, tmp_path):
    config = write_config(str(tmp_path / 'etcd'), api, etcd, name=unique_name())
    first = helpers(config)
    assert first.read_status() == '0', first.errors()
    second = helpers(config)
    assert second.read_status() == '1', second.errors()
    # at once: the holder refreshes, so there is no expiry to wait for.  The bound is CTDB's own
    # check of the lock during a recovery, which gives the helper 5 s from its start (a wait for
    # the key's expiry would take 7-9 s): no load margin, this is what the product must meet.
    assert now() - second.started_at < 5.0, now() - second.started_at
    assert second.wait(5) == 0
    time.sleep(0.3)
    assert first.process.poll() is None, 'the holder must keep running'
    # quiet on success and on contention
    assert first.errors() == ''
    assert second.errors() == ''


@pytest.mark.parametrize('api', APIS)
def test_contention_leaves_nothing_behind(api, etcd, helpers, tmp_path):
    name = unique_name()
    config = write_config(str(tmp_path / 'etcd'), api, etcd, name=name, lock_ttl=9, refresh=2)
    holder = helpers(config)
    assert holder.read_status() == '0'
    leases_before = set(etcd.v3_leases())
    for attempt in range(5):
        contender = helpers(config)
        assert contender.read_status() == '1', attempt
        contender.wait(5)
    # exactly one key: no queue entries as Samba's helper leaves
    keys = etcd.tree(api, '/_locks/_ctdb/')
    assert [key for key in keys if name in key] == ['/_locks/_ctdb/%s.lock' % name], keys
    if api == 'v3':
        # leases of earlier tests' killed holders may expire meanwhile: what matters is
        # that no new one is left
        assert set(etcd.v3_leases()) - leases_before == set(), 'contenders must revoke their leases'
    # and the next attempt after the holder goes is not delayed by anything
    holder.signal(signal.SIGTERM)
    assert holder.wait_eof(2) is not None
    follower = helpers(config)
    assert follower.read_status() == '0', follower.errors()


def test_v2_and_v3_locks_do_not_see_each_other(etcd, helpers, tmp_path):
    """Documented limitation: all nodes must use the same API."""
    name = unique_name()
    v2 = helpers(write_config(str(tmp_path / 'v2'), 'v2', etcd, name=name))
    v3 = helpers(write_config(str(tmp_path / 'v3'), 'v3', etcd, name=name))
    assert v2.read_status() == '0'
    assert v3.read_status() == '0'


# -- releasing -----------------------------------------------------------------------

@pytest.mark.timing
@pytest.mark.parametrize('api', APIS)
@pytest.mark.parametrize('signum', [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_signal_releases_at_once(api, signum, etcd, helpers, tmp_path):
    name = unique_name()
    config = write_config(str(tmp_path / 'etcd'), api, etcd, name=name)
    holder = helpers(config)
    assert holder.read_status() == '0'
    time.sleep(0.2)
    key = '/_locks/_ctdb/%s.lock' % name
    sent = now()
    holder.signal(signum)
    # the key is deleted at once (well within a second on a quiet machine; LOAD_MARGIN for a busy one,
    # where etcd's own commit waits for fsync), not left to expire (lock_ttl 9 s), so a new helper gets
    # 0 on its first attempt (its own start-up time is not the holder's doing)
    freed = wait_key_gone(etcd, api, key, limit=9)
    assert freed is not None and freed - sent < 1.0 + LOAD_MARGIN, freed and freed - sent
    assert holder.wait_eof(2) is not None
    follower = helpers(config)
    assert follower.read_status(5) == '0', follower.errors()
    assert holder.wait(2) == 0
    assert holder.errors() == ''


@pytest.mark.parametrize('api', APIS)
def test_release_leaves_no_key_and_no_lease(api, etcd, helpers, tmp_path):
    name = unique_name()
    config = write_config(str(tmp_path / 'etcd'), api, etcd, name=name)
    leases_before = set(etcd.v3_leases())
    holder = helpers(config)
    assert holder.read_status() == '0'
    key = '/_locks/_ctdb/%s.lock' % name
    assert key in etcd.tree(api, '/_locks/_ctdb/')
    if api == 'v3':
        assert len(set(etcd.v3_leases()) - leases_before) == 1
    holder.signal(signal.SIGTERM)
    holder.wait(5)
    assert key not in etcd.tree(api, '/_locks/_ctdb/')
    # leases of earlier tests may expire meanwhile; what matters is that ours is gone
    assert set(etcd.v3_leases()) - leases_before == set()


@pytest.mark.timing
@pytest.mark.parametrize('api', APIS)
def test_holder_killed_lock_expires_within_ttl_plus_refresh(api, etcd, helpers, tmp_path):
    ttl, refresh = 5, 1
    name = unique_name()
    key = '/_locks/_ctdb/%s.lock' % name
    config = write_config(str(tmp_path / 'etcd'), api, etcd, name=name, lock_ttl=ttl, refresh=refresh)
    holder = helpers(config)
    assert holder.read_status() == '0'
    old_value = etcd.holder(api, key)[0]
    time.sleep(1.5)
    holder.signal(signal.SIGKILL)
    killed = now()
    holder.wait_eof(5)
    # Right after the crash nobody may take the lock from the live key.  A contender that starts
    # while the key still looks refreshed answers 1; one slow enough (a busy machine) to find it
    # about to expire waits and takes it after it expired: both are checked for what they mean.
    status, contender = contend_and_check_the_answer(etcd, api, key, old_value, holder, lambda: helpers(config),
                                                     ttl + 2 + LOAD_MARGIN)
    # the key expires by itself: within its TTL of the last refresh before the crash, plus etcd's
    # sweep (up to ~1 s late) and LOAD_MARGIN; then a new helper takes the lock (the contender that
    # answered 0 took it, so the old key had gone by its answer)
    freed = contender.status_at if status == '0' else wait_key_gone(etcd, api, key, limit=ttl + 1 + LOAD_MARGIN)
    assert freed is not None, 'lock never became free again'
    assert freed - killed <= ttl + 1 + LOAD_MARGIN, freed - killed
    if status != '0':
        follower = poll_until_taken(helpers, config, limit=5 + LOAD_MARGIN)[1]
        assert follower is not None, 'lock free in etcd but not taken'


def stage_stale_key(etcd, api, key, stale_below, ttl=9):
    """A key as a holder with lock_ttl `ttl` leaves it when it stops refreshing, once it has
    less time left than stale_below.  Returns a function that refreshes it (the holder
    coming back: a v3 keep-alive gives the lease its full TTL again)."""
    if api == 'v2':
        etcd.v2_put(key, 'stale-holder', ttl=ttl)
    else:
        lease = etcd.v3_put(key, 'stale-holder', ttl=ttl)

    def refresh():
        if api == 'v2':
            etcd.v2_put(key, 'stale-holder', ttl=ttl, prev_exist=True)
        else:
            etcd.v3_keepalive(lease)
    time.sleep(ttl - stale_below + 1.2)  # etcd v2 rounds the time left up, v3 down
    return refresh


@pytest.mark.timing
@pytest.mark.parametrize('api', APIS)
def test_contender_waits_for_a_stale_key_and_takes_it_when_it_expires(api, etcd, helpers, tmp_path):
    """The holder stopped refreshing (its node lost its network): instead of answering
    contention, which makes CTDB try again only a leader timeout later, the contender
    waits for the key to expire and takes the lock then."""
    name = unique_name()
    key = '/_locks/_ctdb/%s.lock' % name
    config = write_config(str(tmp_path / 'etcd'), api, etcd, name=name, lock_ttl=9, refresh=2)
    staged = now()
    stage_stale_key(etcd, api, key, stale_below=9 - 2 - 2)  # a refreshing holder never leaves less
    contender = helpers(config)
    assert contender.read_status(15 + LOAD_MARGIN) == '0', contender.errors()
    taken = now() - staged
    # never before the key expired (load only delays); soon after: etcd sweeps expired keys up to
    # ~1 s late, the helper looks every 0.2 s, and a busy machine adds LOAD_MARGIN
    assert 8.5 <= taken <= 9 + 2.5 + LOAD_MARGIN, taken
    assert etcd.tree(api, '/_locks/_ctdb/')[key] not in ('', 'stale-holder')
    assert contender.errors() == ''  # quiet on success
    assert contender.process.poll() is None, 'it holds the lock now'


@pytest.mark.timing
@pytest.mark.parametrize('api', APIS)
def test_contender_waiting_on_a_stale_key_gives_way_when_the_holder_refreshes(api, etcd, helpers, tmp_path):
    """lock_ttl 20: the staged key has ~14 s left when the contender starts, room for a slow start
    (LOAD_MARGIN) before the refresh, which must come while the key still exists."""
    name = unique_name()
    key = '/_locks/_ctdb/%s.lock' % name
    config = write_config(str(tmp_path / 'etcd'), api, etcd, name=name, lock_ttl=20, refresh=2)
    refresh = stage_stale_key(etcd, api, key, stale_below=20 - 2 - 2, ttl=20)
    contender = helpers(config, verbose=1)
    deadline = now() + 3.0 + LOAD_MARGIN
    while 'waiting for it to expire' not in contender.errors() and now() < deadline:
        time.sleep(0.05)
    assert 'waiting for it to expire' in contender.errors(), contender.errors()
    refresh()
    assert contender.read_status(10) == '1', contender.errors()
    assert contender.wait(5) == 0
    assert etcd.tree(api, '/_locks/_ctdb/')[key] == 'stale-holder'


@pytest.mark.timing
@pytest.mark.parametrize('api', APIS)
def test_parent_gone_releases_at_once(api, etcd, python, helpers, tmp_path):
    """The watchdog looks at the parent every 0.1 s (its period is a unit test's: test_watchdog_*);
    here the real process releases well before the key could expire (lock_ttl 5): within 0.6 s on a
    quiet machine, LOAD_MARGIN more on a busy one."""
    name = unique_name()
    config = write_config(str(tmp_path / 'etcd'), api, etcd, name=name, lock_ttl=5, refresh=1)
    child = ParentedHelper(config, python=python).start()
    try:
        assert child.read_status(10) == '0'
        killed = child.kill_parent()
        freed = wait_key_gone(etcd, api, '/_locks/_ctdb/%s.lock' % name, limit=5, interval=0.02)
        assert freed is not None and freed - killed < 0.6 + LOAD_MARGIN, freed and freed - killed
        # the helper releases and exits: its stdout (our pipe) reaches EOF
        assert child.wait_eof(2) is not None
        follower = helpers(config)
        assert follower.read_status(5 + LOAD_MARGIN) == '0', follower.errors()
    finally:
        child.stop()


@pytest.mark.timing
@pytest.mark.parametrize('api', APIS)
def test_parent_gone_while_a_refresh_hangs(api, etcd, python, tmp_path):
    """Issue 10 item 14: CTDB dies while a refresh hangs (its etcd endpoint stopped
    answering).  The lock is released through the other endpoint at once, not
    after the hanging request's timeout (before the watchdog watched the parent, the
    release came after it).  The request timeout is 5 s here (at most one refresh: lock_ttl 20,
    refresh 5), so the bound, 0.8 s plus LOAD_MARGIN for a busy machine, stays below it."""
    proxy = StallProxy(etcd.host, etcd.client_port).start()
    name = unique_name()
    key = '/_locks/_ctdb/%s.lock' % name
    config = write_config(str(tmp_path / 'etcd'), api, name=name, lock_ttl=20, refresh=5, timeout=5,
                          endpoints='%s, %s' % (proxy.url, etcd.url))
    child = ParentedHelper(config, python=python).start()
    try:
        assert child.read_status(10) == '0'
        proxy.stall()
        assert proxy.hung.wait(5 + LOAD_MARGIN), 'no refresh went to the stalled endpoint'
        killed = child.kill_parent()
        freed = wait_key_gone(etcd, api, key, limit=10, interval=0.02)
        assert freed is not None, 'never released'
        assert freed - killed < 0.8 + LOAD_MARGIN, freed - killed
        assert child.wait_eof(2) is not None
    finally:
        child.stop()
        proxy.stop()


@pytest.mark.timing
@pytest.mark.parametrize('api', APIS)
def test_hanging_endpoint_costs_one_timeout_and_the_lock_is_kept(api, etcd, helpers, tmp_path):
    """One of two endpoints stops answering (requests hang): a refresh costs one
    request timeout there, then goes to the other endpoint, and the lock is kept.
    lock_ttl 4, refresh 1: the holder gives up 3 s after a good refresh, so a
    refresh has 2 s; the timeout is 0.75 s (python-etcd's urllib3 used to retry a
    timed-out PUT three times: 3 s, and the lock was lost)."""
    proxy = StallProxy(etcd.host, etcd.client_port).start()
    try:
        config = write_config(str(tmp_path / 'etcd'), api, name=unique_name(), lock_ttl=4, refresh=1,
                              endpoints='%s, %s' % (proxy.url, etcd.url))
        holder = helpers(config, verbose=1)
        assert holder.read_status() == '0', holder.errors()
        proxy.stall()
        assert proxy.hung.wait(3), 'no refresh went to the stalled endpoint'
        assert holder.wait_eof(6) is None, holder.errors()
        assert 'lock lost' not in holder.errors()
        contender = helpers(config)
        assert contender.read_status() == '1', contender.errors()
    finally:
        proxy.stop()


# -- losing the lock -----------------------------------------------------------------

@pytest.mark.timing
@pytest.mark.parametrize('api', APIS)
def test_key_deleted_holder_exits(api, etcd, helpers, tmp_path):
    """The next refresh finds the key gone: EOF within one refresh (+ one request, + LOAD_MARGIN on a
    busy machine), before the TTL (5 s) a holder that did not notice would have taken."""
    name = unique_name()
    refresh = 1
    config = write_config(str(tmp_path / 'etcd'), api, etcd, name=name, lock_ttl=5, refresh=refresh)
    holder = helpers(config)
    assert holder.read_status() == '0'
    etcd.delete(api, '/_locks/_ctdb/%s.lock' % name)
    deleted = now()
    assert holder.wait_eof(refresh + 2 + LOAD_MARGIN) is not None
    assert holder.eof_at - deleted <= refresh + 0.5 + LOAD_MARGIN
    assert 'lock lost' in holder.errors()
    assert len(holder.errors().strip().splitlines()) == 1, holder.errors()


@pytest.mark.timing
def test_key_taken_over_holder_exits(etcd, helpers, tmp_path):
    name = unique_name()
    config = write_config(str(tmp_path / 'etcd'), 'v2', etcd, name=name, lock_ttl=5, refresh=1)
    holder = helpers(config)
    assert holder.read_status() == '0'
    etcd.v2_put('/_locks/_ctdb/%s.lock' % name, 'intruder')
    assert holder.wait_eof(3 + LOAD_MARGIN) is not None
    assert 'taken by someone else' in holder.errors()


def contend_and_check_the_answer(etcd, api, key, old_value, holder, start_contender, timeout):
    """Start a contender while a KeyWatch reads the key, and check its answer for what it must mean
    (0: taken after the old holder and its key; 1: the old key lived).  Returns (status, contender)."""
    watch = KeyWatch(etcd, api, key).start()
    try:
        contender = start_contender()
        status = contender.read_status(timeout)
    finally:
        watch.stop()
    if status == '0':
        assert_taken_after_the_old_holder(etcd, api, key, old_value, holder, contender, watch)
    else:
        assert status == '1', (status, contender.errors())
        assert_contended_while_the_old_key_lived(etcd, api, key, old_value, contender)
    return status, contender


def hold_then_lose_etcd(api, etcd, helpers, tmp_path, lose, endpoints=None, ttl=9, refresh=2):
    """A holder (verbose) whose etcd goes away by lose(); returns (config, name, key, the key's value,
    holder).  The holder's own checks come first: it closes stdout before its key could expire
    (its last successful refresh + TTL) and not much earlier than planned (TTL - margin)."""
    name = unique_name()
    key = '/_locks/_ctdb/%s.lock' % name
    config = write_config(str(tmp_path / 'etcd'), api, etcd, name=name, lock_ttl=ttl, refresh=refresh,
                          **({'endpoints': endpoints} if endpoints else {}))
    holder = helpers(config, verbose=2)
    assert holder.read_status() == '0', holder.errors()
    old_value = etcd.holder(api, key)[0]
    time.sleep(2.5)
    lose()
    gone = now()
    assert holder.wait_eof(ttl + LOAD_MARGIN) is not None, holder.errors()
    refreshes = [float(x) for x in REFRESH_RE.findall(holder.errors())]
    assert refreshes, holder.errors()
    last_ok = max(t for t in refreshes + [holder.started_at] if t <= gone)
    margin = min(refresh, (ttl - refresh) / 2.0)
    # Planned at last_ok + ttl - margin (the watchdog's 0.1 s precision is a unit test's); a loaded
    # machine may delay the exit and our sight of it, but never past the key's expiry: that bound is
    # the safety of the lock and takes no margin.  Never earlier than planned either (load only delays).
    assert holder.eof_at < last_ok + ttl, (holder.eof_at - last_ok, holder.errors())
    assert holder.eof_at >= last_ok + ttl - margin - 0.1, (holder.eof_at - last_ok, holder.errors())
    assert 'lock lost' in holder.errors()
    return config, name, key, old_value, holder


@pytest.mark.timing
@pytest.mark.parametrize('api', APIS)
@pytest.mark.parametrize('how', ['paused', 'killed'])
def test_etcd_gone_holder_exits_before_ttl(api, how, own_etcd, helpers, tmp_path):
    """etcd stops answering (paused: requests hang; killed: connections refused).
    The holder must close stdout before the key could expire, i.e. before its last
    successful refresh + TTL, and not long before ttl - margin.

    Paused, then resumed: whether the contender finds the old key live or stale depends on whether
    etcd applies the refreshes the holder sent during the pause (it usually does, renewing the key for
    a full TTL: contention) and on how fast the machine is (issue 22: under load it finds the key about
    to expire, waits and takes it).  Both answers are right; each is checked for what it must mean.
    Two tests below reach each answer on purpose."""
    lose = own_etcd.pause if how == 'paused' else own_etcd.kill
    config, _name, key, old_value, holder = hold_then_lose_etcd(api, own_etcd, helpers, tmp_path, lose)
    if how == 'paused':
        own_etcd.resume()
        contend_and_check_the_answer(own_etcd, api, key, old_value, holder, lambda: helpers(config, verbose=1),
                                     9 + LOAD_MARGIN)


@pytest.mark.timing
@pytest.mark.parametrize('api', APIS)
def test_holder_cut_off_from_etcd_contender_takes_the_lock_once_its_key_expired(api, etcd, helpers, tmp_path):
    """The holder's only path to etcd hangs (nothing it sends arrives: its refreshes are lost, unlike a
    paused etcd's), everyone else reaches etcd: the contender started when the holder let go finds the
    key about to expire, waits for it and takes the lock: 0, after the old holder's EOF and the old
    key's expiry, and within the key's remaining time + the helper's slack (2 s) + LOAD_MARGIN."""
    proxy = StallProxy(etcd.host, etcd.client_port).start()
    try:
        _config, name, key, old_value, holder = hold_then_lose_etcd(api, etcd, helpers, tmp_path, proxy.stall,
                                                                    endpoints=proxy.url)
        contender_config = write_config(str(tmp_path / 'direct'), api, etcd, name=name, lock_ttl=9, refresh=2)
        # (it waits for the key, or, started late on a busy machine, finds it gone: both are fine)
        status, contender = contend_and_check_the_answer(etcd, api, key, old_value, holder,
                                                         lambda: helpers(contender_config, verbose=1), 9 + LOAD_MARGIN)
        assert status == '0', contender.errors()
        margin = min(2, (9 - 2) / 2.0)
        assert contender.status_at - holder.eof_at <= margin + 2 + LOAD_MARGIN, contender.status_at - holder.eof_at
    finally:
        proxy.stop()


@pytest.mark.timing
@pytest.mark.parametrize('api', APIS)
def test_a_key_still_live_after_its_holder_let_go_is_contention(api, own_etcd, helpers, tmp_path):
    """etcd paused, the holder lets go, etcd comes back and applies a refresh sent before the pause
    (what etcd usually does by itself; done here on purpose, with the old holder's value and a TTL of
    60 s so that a slow start of the contender cannot meet it about to expire).  The key is live: the
    contender answers 1 and the old key is the one still there.  The cost of a late refresh is a
    hand-over one TTL later, never two holders."""
    config, _name, key, old_value, holder = hold_then_lose_etcd(api, own_etcd, helpers, tmp_path, own_etcd.pause)
    own_etcd.resume()
    if api == 'v2':
        own_etcd.v2_put(key, old_value, ttl=60)
    else:
        own_etcd.v3_put(key, old_value, ttl=60)
    contender = helpers(config, verbose=1)
    assert contender.read_status(5 + LOAD_MARGIN) == '1', contender.errors()
    assert 'waiting for it to expire' not in contender.errors(), contender.errors()
    assert_contended_while_the_old_key_lived(own_etcd, api, key, old_value, contender)


# -- the state file (what the ctdb_metrics collector exports) ------------------------

def recorded(path, helper, limit=2.0):
    """The state file once the helper has recorded its answer (it answers CTDB first, then writes the
    file: a few milliseconds later; LOAD_MARGIN for a busy machine)."""
    deadline = now() + limit + LOAD_MARGIN
    while True:
        found = read_state(path)
        if (found and found['pid'] == helper.process.pid) or now() > deadline:
            return found
        time.sleep(0.02)


def node_config(tmp_path, node, api, etcd, name):
    """One node's helper configuration, in a directory of its own (its own state file)."""
    directory = tmp_path / node
    directory.mkdir()
    config = write_config(str(directory / 'etcd'), api, etcd, name=name, lock_ttl=9, refresh=2)
    return config, state_file_of(config)


@pytest.mark.timing
@pytest.mark.parametrize('api', APIS)
def test_state_file_holding_contending_lost_unreachable(api, own_etcd, helpers, tmp_path):
    """Each helper records what it told CTDB: the holder `holding` (its pid, the endpoint), a contender
    `contending`; etcd paused: the holder records `lost` when it lets go (before the key could expire,
    as the other tests check), the next helper `unreachable` (status 3, the request timed out), and,
    etcd killed, the one after that too (connection refused) with the same `since`: the time in the
    state runs across CTDB's attempts."""
    name = unique_name()
    key = '/_locks/_ctdb/%s.lock' % name
    holder_config, holder_state = node_config(tmp_path, 'node0', api, own_etcd, name)
    other_config, other_state = node_config(tmp_path, 'node1', api, own_etcd, name)
    holder = helpers(holder_config)
    assert holder.read_status() == '0', holder.errors()
    found = recorded(holder_state, holder)
    assert {k: found[k] for k in ('state', 'pid', 'endpoint', 'api', 'key', 'error')} == {
        'state': 'holding', 'pid': holder.process.pid, 'endpoint': own_etcd.url, 'api': api, 'key': key,
        'error': None}
    contender = helpers(other_config)
    assert contender.read_status() == '1' and contender.wait(5) == 0
    assert recorded(other_state, contender)['state'] == 'contending'
    assert read_state(holder_state)['state'] == 'holding'
    own_etcd.pause()
    assert holder.wait_eof(9 + LOAD_MARGIN) is not None
    lost = read_state(holder_state)
    assert lost['state'] == 'lost' and 'no successful refresh' in lost['error'], lost
    first = helpers(other_config)
    assert first.read_status() == '3' and first.wait(5) == 3
    unreachable = recorded(other_state, first)
    assert unreachable['state'] == 'unreachable' and unreachable['endpoint'] == own_etcd.url, unreachable
    assert 'timed out' in unreachable['error'], unreachable
    own_etcd.kill()
    second = helpers(other_config)
    assert second.read_status() == '3' and second.wait(5) == 3
    again = recorded(other_state, second)
    assert again['state'] == 'unreachable' and again['pid'] == second.process.pid
    assert again['since'] == unreachable['since'] and again['updated'] > unreachable['updated'], again
    assert 'refused' in again['error'], again


# -- errors --------------------------------------------------------------------------

@pytest.mark.timing
@pytest.mark.parametrize('api', APIS)
def test_unreachable_etcd_is_an_error(api, helpers, tmp_path):
    port = free_port(etcd_host())
    config = write_config(str(tmp_path / 'etcd'), api, name='x', endpoints='http://%s:%d' % (etcd_host(), port))
    started = now()
    helper = helpers(config)
    assert helper.read_status() == '3'
    helper.wait(5)
    assert now() - started < 5  # CTDB's own budget for the helper's answer: no load margin
    lines = helper.errors().strip().splitlines()
    assert len(lines) == 1 and 'cannot take the lock: etcd at' in lines[0], lines


@pytest.mark.parametrize('api', APIS)
def test_second_endpoint_used_when_first_is_down(api, etcd, helpers, tmp_path):
    dead = 'http://%s:%d' % (etcd_host(), free_port(etcd_host()))
    config = write_config(str(tmp_path / 'etcd'), api, name=unique_name(), endpoints='%s, %s' % (dead, etcd.url))
    helper = helpers(config)
    assert helper.read_status() == '0', helper.errors()
    assert helper.errors() == ''


@pytest.mark.parametrize('text, word', [
    ('lock_ttl = 9\nrefresh = 9\n', 'refresh'),
    ('locktime = 3\n', "'locktime'"),
    ('lock_ttl = nine\n', 'lock_ttl'),
    ('api = v4\n', 'api'),
    ('lock_ttl = 2\nrefresh = 1.9\n', 'leaves no room for one request'),
])
def test_bad_config_prints_3_and_one_line(text, word, helpers, tmp_path):
    path = tmp_path / 'etcd'
    path.write_text(text)
    helper = helpers(str(path))
    assert helper.read_status() == '3'
    helper.wait(5)
    lines = helper.errors().strip().splitlines()
    assert len(lines) == 1 and word in lines[0] and str(path) in lines[0], lines


@pytest.mark.parametrize('text, words', [
    ('lock_ttl = 2\nrefresh = 1.9\n', ['refresh (line 2)', 'leaves no room for one request']),
    ('refresh = 0.001\n', ['line 1: refresh', 'too short']),
    # --check never contacts etcd: the address is only parsed
    ('endpoints = http://10.0.0.1:2379\nusername = u\npassword = "s3cr3t-pw"\n',
     ['username (line 2)', 'unencrypted to http://10.0.0.1:2379', 'allow_insecure_auth']),
    ('username = u\npassword = "s3cr3t\n-pw"\n', ['line 2: password', 'not closed']),
])
def test_check_refuses_what_cannot_work(text, words, python, tmp_path):
    """The role validates the configuration with --check: the same rules as at start,
    one line, never a secret."""
    path = tmp_path / 'etcd'
    path.write_text(text)
    result = subprocess.run([python, HELPER, '--check', '-c', str(path)], capture_output=True, text=True,
                            timeout=30, check=False)
    assert result.returncode == 1 and result.stdout == ''
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    for word in words:
        assert word in lines[0], lines[0]
    assert 's3cr3t' not in result.stderr


def test_unreadable_config_is_an_error(helpers, tmp_path):
    path = tmp_path / 'etcd'
    path.mkdir()
    helper = helpers(str(path))
    assert helper.read_status() == '3'
    assert 'cannot read' in helper.errors()


def test_samba_helper_config_works_unchanged(etcd, helpers, tmp_path):
    """A config as written for Samba's ctdb_etcd_lock (python-etcd keys, lock_refresh)."""
    locks_dir = unique_name()
    path = tmp_path / 'etcd'
    path.write_text('host = %s\nport = %d\nlock_ttl = 9\nlock_refresh = 2\nlocks_dir = %s\n'
                    % (etcd.host, etcd.client_port, locks_dir))
    helper = helpers(str(path))
    assert helper.read_status() == '0', helper.errors()
    keys = etcd.v2_tree('/_locks/%s/' % locks_dir)
    assert len(keys) == 1, keys


# -- TLS and authentication ----------------------------------------------------------

def make_pki(directory, host):
    """A CA, a server certificate for host and a client certificate, with openssl.
    etcd 3.4's gateway dials its own port with the server certificate, so that one
    needs clientAuth as well under --client-cert-auth."""
    def run(*argv):
        subprocess.run(['openssl'] + list(argv), cwd=directory, check=True, capture_output=True)
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem',
        '-days', '2', '-subj', '/CN=test-ca')
    for name, ext in (('server', 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth,clientAuth' % host),
                      ('client', 'extendedKeyUsage=clientAuth')):
        run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', name + '.key', '-out', name + '.csr',
            '-subj', '/CN=%s' % name)
        with open(os.path.join(directory, name + '.ext'), 'w') as handle:
            handle.write(ext + '\n')
        run('x509', '-req', '-in', name + '.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
            '-out', name + '.pem', '-days', '2', '-extfile', name + '.ext')
    return {'ca': os.path.join(directory, 'ca.pem'),
            'cert': os.path.join(directory, 'server.pem'), 'key': os.path.join(directory, 'server.key'),
            'client_cert': os.path.join(directory, 'client.pem'),
            'client_key': os.path.join(directory, 'client.key')}


@pytest.fixture(scope='module')
def tls_etcd(tmp_path_factory):
    if not shutil.which('openssl'):
        pytest.skip('openssl is needed to make test certificates')
    pki = make_pki(str(tmp_path_factory.mktemp('pki')), etcd_host())
    server = EtcdServer(tls=pki).start()
    try:
        yield server, pki
    finally:
        server.stop()


@pytest.mark.parametrize('api', APIS)
def test_tls_with_client_certificate(api, tls_etcd, helpers, tmp_path):
    server, pki = tls_etcd
    config = write_config(str(tmp_path / 'etcd'), api, server, name=unique_name(), ca_cert=pki['ca'],
                          cert=pki['client_cert'], cert_key=pki['client_key'])
    holder = helpers(config)
    assert holder.read_status() == '0', holder.errors()
    contender = helpers(config)
    assert contender.read_status() == '1', contender.errors()
    holder.signal(signal.SIGTERM)
    holder.wait_eof(2)
    follower = helpers(config)
    assert follower.read_status() == '0', follower.errors()


@pytest.mark.parametrize('api', APIS)
def test_tls_without_client_certificate_is_an_error(api, tls_etcd, helpers, tmp_path):
    server, pki = tls_etcd
    config = write_config(str(tmp_path / 'etcd'), api, server, name=unique_name(), ca_cert=pki['ca'])
    helper = helpers(config)
    assert helper.read_status() == '3'
    assert 'cannot take the lock: etcd at' in helper.errors()


@pytest.fixture(scope='module')
def auth_etcd():
    """etcd with authentication on for both APIs: user root (password rootpw) and
    user ctdb (password ctdbpw) allowed to read and write /_locks/."""
    server = EtcdServer().start()
    try:
        # v3: users and roles through the gateway, then auth on
        for path, payload in (
                ('/v3/auth/user/add', {'name': 'root', 'password': 'rootpw'}),
                ('/v3/auth/user/grant', {'user': 'root', 'role': 'root'}),
                ('/v3/auth/user/add', {'name': 'ctdb', 'password': 'ctdbpw'}),
                ('/v3/auth/role/add', {'name': 'locks'}),
                ('/v3/auth/role/grant', {'name': 'locks', 'perm': {
                    'permType': 'READWRITE', 'key': b64('/_locks/'), 'range_end': b64('/_locks0')}}),
                ('/v3/auth/user/grant', {'user': 'ctdb', 'role': 'locks'}),
                ('/v3/auth/enable', {})):
            answer = server._request(path, payload)
            assert 'error' not in answer, (path, answer)
        # v2: its own users and roles
        for path, payload in (
                ('/v2/auth/users/root', {'user': 'root', 'password': 'rootpw'}),
                ('/v2/auth/roles/locks', {'role': 'locks', 'permissions': {'kv': {
                    'read': ['/_locks/*'], 'write': ['/_locks/*']}}}),
                ('/v2/auth/users/ctdb', {'user': 'ctdb', 'password': 'ctdbpw', 'roles': ['locks']})):
            server._request(path, payload, method='PUT')
        server._request('/v2/auth/enable', {}, method='PUT')
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize('api', APIS)
def test_username_and_password(api, auth_etcd, helpers, tmp_path):
    config = write_config(str(tmp_path / 'etcd'), api, auth_etcd, name=unique_name(),
                          username='ctdb', password='ctdbpw')
    holder = helpers(config)
    assert holder.read_status() == '0', holder.errors()
    time.sleep(2.5)  # at least one refresh with the credentials
    contender = helpers(config)
    assert contender.read_status() == '1', contender.errors()
    holder.signal(signal.SIGTERM)
    holder.wait_eof(2)
    assert holder.errors() == ''
    wrong = helpers(write_config(str(tmp_path / 'wrong'), api, auth_etcd, name=unique_name(),
                                 username='ctdb', password='nope'))
    assert wrong.read_status() == '3'
    assert 'authentication' in wrong.errors() or 'credentials' in wrong.errors(), wrong.errors()


@pytest.mark.parametrize('api', APIS)
def test_runs_directly_as_ctdb_executes_it(api, python, etcd, helpers, tmp_path):
    """CTDB execv()s the file itself: the first lines hand it to /usr/bin/python3,
    here with Debian's clients as the etcd_lock role installs them (issue 11: Debian's
    etcd3gw 2.0.0 spoke /v3alpha/ to etcd 3.4 and got 404)."""
    if python != SYSTEM_PYTHON:
        pytest.skip('executed directly, the helper runs under %s' % SYSTEM_PYTHON)
    config = write_config(str(tmp_path / 'etcd'), api, etcd, name=unique_name())
    holder = helpers(config, argv=[HELPER, '-c', config])
    assert holder.read_status() == '0', holder.errors()
    with open('/proc/%d/cmdline' % holder.process.pid, 'rb') as handle:
        assert handle.read().split(b'\0')[0] == b'/usr/bin/python3'
    time.sleep(2.5)  # one refresh
    contender = helpers(config, argv=[HELPER, '-c', config])
    assert contender.read_status() == '1', contender.errors()
    holder.signal(signal.SIGTERM)
    assert holder.wait_eof(2) is not None
    assert holder.errors() == ''
