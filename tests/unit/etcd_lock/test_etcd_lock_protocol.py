# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Holding loop, deadline and the mutex helper protocol, with a fake etcd and a fake clock."""
import json
import os
import signal

import pytest


class FakeClock:
    def __init__(self, start=1000.0):
        self.now = start

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        assert seconds >= 0
        self.now += seconds


class FakeBackend:
    """refresh() follows a script: 'ok', 'down' (Unavailable), 'lost' (LockLost),
    or a number of seconds the request takes before succeeding."""

    def __init__(self, lock, clock, script, default='ok'):
        self.lock = lock
        self.clock = clock
        self.script = list(script)
        self.default = default
        self.calls = []
        self.acquired = None
        self.released = 0
        # what holder() answers in turn, then a live holder: a Holder, None
        # (no key), 'down' (Unavailable) or 'gone' (None, and the next acquire
        # succeeds)
        self.holders = []
        self.holder_calls = []

    def refresh(self):
        self.calls.append(self.clock())
        step = self.script.pop(0) if self.script else self.default
        if step == 'down':
            self.clock.now += 0.1
            raise self.lock.Unavailable('Connection refused')
        if step == 'lost':
            raise self.lock.LockLost('lock key /k was taken by someone else')
        if isinstance(step, (int, float)):
            self.clock.now += step

    def acquire(self):
        outcome = self.acquired
        if isinstance(outcome, Exception):
            raise outcome  # pylint: disable=raising-bad-type
        return outcome

    def holder(self):
        self.holder_calls.append(self.clock())
        step = self.holders.pop(0) if self.holders else self.lock.Holder('other', 9.0)
        if step == 'down':
            raise self.lock.Unavailable('Connection refused')
        if step == 'gone':
            self.acquired = True
            return None
        return step

    def release(self):
        self.released += 1

    def effective_ttl(self):
        return 9

    def describe_endpoint(self):
        return 'http://127.0.0.1:2379'


def holding_state(lock, clock, ttl=9, refresh=2):
    state = lock.LockState(ttl, refresh, clock=clock)
    state.last_ok = clock()
    state.holding = True
    return state


def run_hold(lock, backend, state, clock, stop=(lambda: False)):
    return lock.hold(backend, state, stop, sleep=clock.sleep)


def test_refreshes_every_refresh_interval_until_stopped(lock):
    clock = FakeClock()
    backend = FakeBackend(lock, clock, [])
    state = holding_state(lock, clock)
    start = clock()
    assert run_hold(lock, backend, state, clock, stop=lambda: clock() - start >= 10.05) == 'stopped'
    assert [round(t - start, 6) for t in backend.calls] == [2, 4, 6, 8, 10]
    assert state.last_ok == backend.calls[-1]


def test_last_ok_is_taken_before_the_request(lock):
    """A slow refresh proves the lock only from the moment it was sent."""
    clock = FakeClock()
    backend = FakeBackend(lock, clock, [1.4])
    state = holding_state(lock, clock)
    start = clock()
    run_hold(lock, backend, state, clock, stop=lambda: clock() - start >= 3.5)
    assert state.last_ok == start + 2  # not start + 3.4
    assert state.deadline() == start + 2 + 9 - 2


def test_etcd_down_gives_up_before_the_ttl(lock):
    clock = FakeClock()
    backend = FakeBackend(lock, clock, ['ok'], default='down')
    state = holding_state(lock, clock)
    start = clock()
    with pytest.raises(lock.LockLost, match='no successful refresh for 7.0 s'):
        run_hold(lock, backend, state, clock)
    last_ok = start + 2
    # it stops at last_ok + ttl - margin, one refresh interval before anyone else
    # could take the expired key, and never after
    assert last_ok + 7 <= clock() < last_ok + 7 + lock.TICK + 0.11
    # it kept trying meanwhile, every RETRY_INTERVAL
    retries = backend.calls[1:]
    assert len(retries) >= 8
    assert all(b - a <= lock.RETRY_INTERVAL + 0.11 for a, b in zip(retries, retries[1:]))


def test_transient_failure_then_recovery_keeps_the_lock(lock):
    clock = FakeClock()
    backend = FakeBackend(lock, clock, ['down', 'down', 'ok'])
    state = holding_state(lock, clock)
    start = clock()
    assert run_hold(lock, backend, state, clock, stop=lambda: clock() - start >= 12) == 'stopped'
    assert state.last_ok > start + 9  # it went on refreshing


def test_lock_taken_over_ends_hold(lock):
    clock = FakeClock()
    backend = FakeBackend(lock, clock, ['ok', 'lost'])
    state = holding_state(lock, clock)
    with pytest.raises(lock.LockLost, match='taken by someone else'):
        run_hold(lock, backend, state, clock)
    assert len(backend.calls) == 2


def test_watchdog_interrupts_the_main_thread_when_the_parent_goes(lock):
    """The watchdog, not the holding loop, watches the parent: a request that hangs
    in the main thread cannot delay it (issue 10 item 14)."""
    clock = FakeClock()
    state = holding_state(lock, clock)
    parent = {'pid': 42}
    interrupted = []
    watchdog = lock.Watchdog(state, 42, exit_func=lambda code: None, interval=0.001,
                             getppid=lambda: parent['pid'],
                             interrupt=lambda: interrupted.append(lock.time.monotonic()))
    watchdog.start()
    lock.time.sleep(0.05)
    assert interrupted == [] and not state.parent_gone
    parent['pid'] = 1
    gone = lock.time.monotonic()
    deadline = gone + 2
    while not interrupted and lock.time.monotonic() < deadline:
        lock.time.sleep(0.001)
    assert state.parent_gone
    assert len(interrupted) == 1 and interrupted[0] - gone < 0.5
    lock.time.sleep(0.02)
    assert len(interrupted) == 1  # once
    state.holding = False
    state.last_ok = clock() - 100  # let the thread end: expired() with holding set
    state.holding = True
    watchdog.join(2)
    assert not watchdog.is_alive()


def test_deadline_clock_counts_suspended_time(lock):
    """CLOCK_MONOTONIC stops during a system suspend, etcd's TTL does not: the
    deadline runs on CLOCK_BOOTTIME (issue 10 item 15)."""
    state = lock.LockState(9, 2)
    assert state.clock is lock.boottime
    before = lock.time.clock_gettime(lock.time.CLOCK_BOOTTIME)
    assert before <= lock.boottime() <= lock.time.clock_gettime(lock.time.CLOCK_BOOTTIME)


def test_hung_request_is_cut_by_the_deadline_check(lock):
    """A request that hangs longer than the TTL: hold() cannot interrupt it, the
    watchdog's check can (state.expired turns true at the deadline)."""
    clock = FakeClock()
    state = holding_state(lock, clock)
    assert not state.expired()
    clock.now += 6.99
    assert not state.expired()
    clock.now += 0.01
    assert state.expired()
    state.holding = False
    assert not state.expired()


def test_watchdog_exits_when_expired(lock):
    clock = FakeClock()
    state = holding_state(lock, clock)
    exits = []
    watchdog = lock.Watchdog(state, 42, exit_func=exits.append, interval=0.001, getppid=lambda: 42)
    clock.now += 7.5
    watchdog.start()
    watchdog.join(2)
    assert exits == [lock.EXIT_LOST]


def test_write_status_reader_gone(lock):
    read_end, write_end = os.pipe()
    os.close(read_end)
    assert lock.write_status('0', write_end) is False
    os.close(write_end)
    read_end, write_end = os.pipe()
    assert lock.write_status('1', write_end) is True
    assert os.read(read_end, 10) == b'1'
    os.close(read_end)
    os.close(write_end)


# -- main(): what CTDB sees on stdout ---------------------------------------------------

@pytest.fixture
def fake_main(lock, monkeypatch, tmp_path, request):
    """main() with a fake backend and no watchdog; returns (run, backend)."""
    backend_box = {}

    class Backend(FakeBackend):
        def __init__(self, cfg, key, token):
            super().__init__(lock, lock.time.monotonic, [])
            self.cfg, self.key, self.token = cfg, key, token
            backend_box['backend'] = self
            self.acquired = backend_box.get('acquire', True)
            self.refresh_script = backend_box.get('refresh', [])

        def refresh(self):
            step = self.refresh_script.pop(0) if self.refresh_script else 'ok'
            if step == 'lost':
                raise lock.LockLost('lock key %s was taken by someone else' % self.key)

    monkeypatch.setitem(lock.BACKENDS, 'v2', lock.BackendType(Backend, 'fake'))
    # main() installs handlers for these: give pytest its own back afterwards
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        previous = signal.getsignal(signum)
        request.addfinalizer(lambda signum=signum, previous=previous: signal.signal(signum, previous))
    real_watchdog = lock.Watchdog
    monkeypatch.setattr(lock, 'Watchdog', lambda state, parent_pid: type('W', (), {'start': lambda self: None})())
    monkeypatch.setattr(lock.os, 'getppid', lambda: 4242)
    # the state file goes to the test's directory, never to the machine's /run/ctdb
    monkeypatch.setattr(lock, 'default_state_file', lambda: str(tmp_path / 'etcd_lock.state'))
    config = tmp_path / 'etcd'
    config.write_text('name = unit\nlock_ttl = 2\nrefresh = 0.5\n')

    def run(acquire=True, refresh=(), text=None, argv=None):
        if text is not None:
            config.write_text(text)
        backend_box.update(acquire=acquire, refresh=list(refresh))
        rc = lock.main(argv or ['-c', str(config)])
        return rc, backend_box.get('backend')
    run.real_watchdog = real_watchdog
    return run


def test_main_held_then_lost(fake_main, capfd):
    rc, backend = fake_main(acquire=True, refresh=['ok', 'lost'])
    out, err = capfd.readouterr()
    assert out == '0'
    assert rc == 2
    assert err.strip().endswith('lock lost: lock key /_locks/_ctdb/unit.lock was taken by someone else; exiting')
    assert len(err.strip().splitlines()) == 1
    assert backend.released == 0  # not ours any more: nothing to release


def test_main_contention_is_quiet(fake_main, capfd):
    rc, backend = fake_main(acquire=False)
    out, err = capfd.readouterr()
    assert (out, err, rc) == ('1', '', 0)
    assert backend.released == 0


def test_main_etcd_unreachable(fake_main, lock, capfd):
    rc, backend = fake_main(acquire=lock.Unavailable('[Errno 111] Connection refused'))
    out, err = capfd.readouterr()
    assert out == '3' and rc == 3
    assert err.count('\n') == 1
    assert 'cannot take the lock: etcd at http://127.0.0.1:2379: [Errno 111] Connection refused' in err
    assert backend.released == 1  # a create that etcd applied before the answer was lost is taken back


def test_main_bad_config(fake_main, capfd, tmp_path):
    rc, backend = fake_main(text='lock_ttl = 3\nrefresh = 3\n')
    out, err = capfd.readouterr()
    assert out == '3' and rc == 3 and backend is None
    assert err.count('\n') == 1 and 'refresh (3 s) must be less than lock_ttl (3 s)' in err
    assert str(tmp_path / 'etcd') in err


def test_main_parent_is_init(fake_main, lock, monkeypatch, capfd):
    monkeypatch.setattr(lock.os, 'getppid', lambda: 1)
    rc, backend = fake_main()
    out, err = capfd.readouterr()
    assert out == '3' and rc == 3 and backend is None
    assert 'parent process already gone' in err


def test_main_parent_gone_releases(fake_main, lock, monkeypatch, capfd):
    """The real watchdog sees the parent go and interrupts the holder, which releases."""
    pids = iter([4242] + [4242] * 3 + [1] * 1000)
    real_watchdog = fake_main.real_watchdog
    monkeypatch.setattr(lock, 'Watchdog', lambda state, parent_pid: real_watchdog(
        state, parent_pid, getppid=lambda: next(pids, 1), exit_func=lambda code: None))
    rc, backend = fake_main()
    out, err = capfd.readouterr()
    assert out == '0' and rc == 0
    assert err.strip().endswith('parent process 4242 has gone; releasing the lock')
    assert len(err.strip().splitlines()) == 1
    assert backend.released == 1


def test_main_never_reports_a_lock_taken_after_its_deadline(fake_main, lock, monkeypatch, capfd):
    """Taking the lock took longer than lock_ttl - margin: the key may already
    have expired, so status 3, never 0, and the key is given back (issue 10 item 12)."""
    clock = FakeClock()
    monkeypatch.setattr(lock, 'boottime', clock)

    def slow_acquire(backend):
        clock.now += 1.6  # lock_ttl 2, refresh 0.5: margin 0.5, held for 1.5 s at most
        return True
    monkeypatch.setattr(FakeBackend, 'acquire', slow_acquire)
    rc, backend = fake_main()
    out, err = capfd.readouterr()
    assert out == '3' and rc == 3
    assert 'taking the lock took 1.6 s, past the 1.5 s' in err and err.count('\n') == 1
    assert backend.released == 1


def test_main_reports_a_lock_taken_just_within_its_deadline(fake_main, lock, monkeypatch, capfd):
    clock = FakeClock()
    monkeypatch.setattr(lock, 'boottime', clock)

    def acquire(backend):
        clock.now += 1.4
        return True
    monkeypatch.setattr(FakeBackend, 'acquire', acquire)
    monkeypatch.setattr(lock, 'hold', lambda *args, **kwargs: 'stopped')
    rc, backend = fake_main()
    out, err = capfd.readouterr()
    assert out == '0' and rc == 0 and err == ''


def test_main_signal_releases(fake_main, lock, monkeypatch, capfd):
    def refresh_then_signal(self):
        raise lock.Terminated()
    monkeypatch.setattr(lock, 'hold', lambda *args, **kwargs: refresh_then_signal(None))
    rc, backend = fake_main()
    out, err = capfd.readouterr()
    assert out == '0' and rc == 0 and err == ''
    assert backend.released == 1


def test_check_mode(fake_main, capfd, tmp_path):
    rc = fake_main(argv=['--check', '-c', str(tmp_path / 'etcd')])[0]
    out, err = capfd.readouterr()
    assert rc == 0 and err == ''
    assert 'key = /_locks/_ctdb/unit.lock' in out
    rc = fake_main(text='bogus = 1\n', argv=['--check', '-c', str(tmp_path / 'etcd')])[0]
    out, err = capfd.readouterr()
    assert rc == 1 and out == '' and "unknown key 'bogus'" in err
    rc = fake_main(argv=['--check', '-c', str(tmp_path / 'absent')])[0]
    out, err = capfd.readouterr()
    assert rc == 1 and 'not found' in err


def test_main_unexpected_error_is_status_3_and_one_line(fake_main, lock, capfd):
    rc, backend = fake_main(acquire=KeyError('surprise'))
    out, err = capfd.readouterr()
    assert out == '3' and rc == 3
    assert err.count('\n') == 1 and "unexpected error: KeyError: 'surprise'" in err
    assert backend.released == 1


# -- contention with a holder that has stopped refreshing ------------------------------

def contender(lock, clock, holders, acquired=False, text='lock_ttl = 9\nrefresh = 2\n'):
    """A Helper whose first acquire() meets a key; holder() answers holders in turn."""
    settings = lock.build_settings(lock.parse_config_text(text))
    backend = FakeBackend(lock, clock, [])
    backend.acquired = acquired
    backend.holders = list(holders)
    helper = lock.Helper(settings, '/k', backend, lock.LockState(9, 2, clock=clock), 4242, sleep=clock.sleep)
    return helper, backend


def test_stale_below_is_what_a_refreshing_holder_never_leaves(lock):
    # TTL 9, refresh 2: a refreshing holder's key has 7 s left (less one request)
    # at worst; the margin (2 s) keeps a late refresh from looking stale
    assert lock.stale_below(9, 2) == 5
    assert lock.stale_below(5, 1) == 3


def test_live_holder_is_contention_at_once(lock):
    clock = FakeClock()
    helper, backend = contender(lock, clock, [lock.Holder('other', 7.0)])
    assert helper._take() is False
    assert helper.take_when_expired() is False
    assert clock.now == 1000.0 and len(backend.holder_calls) == 1  # no wait at all


def test_key_without_expiry_is_contention_at_once(lock):
    clock = FakeClock()
    helper, backend = contender(lock, clock, [lock.Holder('intruder', None)])
    assert helper.take_when_expired() is False
    assert clock.now == 1000.0


def test_stale_holder_is_waited_for_and_the_lock_taken_when_its_key_goes(lock):
    clock = FakeClock()
    stale = [lock.Holder('other', left) for left in (3.0, 3.0, 2.0, 2.0, 1.0, 0.0, 0.0)]
    helper, backend = contender(lock, clock, stale + ['gone'])
    assert helper.take_when_expired() is True
    assert helper.may_hold is True
    polls = len(stale)
    assert clock.now == pytest.approx(1000.0 + polls * lock.EXPIRY_POLL)
    assert helper.take_started == clock.now  # the TTL of the new key counts from its take


def test_stale_holder_that_refreshes_again_is_contention(lock):
    clock = FakeClock()
    helper, backend = contender(lock, clock, [lock.Holder('other', 4.0), lock.Holder('other', 3.0),
                                              lock.Holder('other', 8.0)])
    assert helper.take_when_expired() is False
    assert len(backend.holder_calls) == 3 and helper.may_hold is False


def test_other_contender_faster_is_contention(lock):
    clock = FakeClock()
    helper, backend = contender(lock, clock, [lock.Holder('other', 1.0), None, lock.Holder('third', 9.0)])
    assert helper.take_when_expired() is False  # None: our create failed, the new key is live


def test_key_that_never_goes_is_given_up_after_its_time_and_the_slack(lock):
    clock = FakeClock()
    helper, backend = contender(lock, clock, [lock.Holder('other', 2.0)] + [lock.Holder('other', 0.0)] * 1000)
    assert helper.take_when_expired() is False
    waited = clock.now - 1000.0
    assert 2.0 + lock.EXPIRY_SLACK <= waited < 2.0 + lock.EXPIRY_SLACK + lock.EXPIRY_POLL + 1e-9


def test_etcd_unreadable_while_waiting_is_contention(lock):
    clock = FakeClock()
    helper, backend = contender(lock, clock, [lock.Holder('other', 2.0), 'down'])
    assert helper.take_when_expired() is False


def test_main_takes_the_lock_of_a_stale_holder_quietly(fake_main, lock, monkeypatch, capfd):
    """What CTDB sees: 0 after the wait (not 1), and nothing on stderr."""
    monkeypatch.setattr(lock, 'EXPIRY_POLL', 0.01)
    original = FakeBackend.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.holders = [lock.Holder('other', 0.0), lock.Holder('other', 0.0), 'gone']
    monkeypatch.setattr(FakeBackend, '__init__', init)
    monkeypatch.setattr(lock, 'hold', lambda *args, **kwargs: 'stopped')
    rc, backend = fake_main(acquire=False)
    out, err = capfd.readouterr()
    assert (out, err, rc) == ('0', '', 0)
    assert len(backend.holder_calls) == 3


# -- the state file (what the metrics collector reads) ----------------------------------

def read_state(tmp_path):
    return json.loads((tmp_path / 'etcd_lock.state').read_text())


def test_state_file_is_written_atomically_and_keeps_since_across_helpers(lock, tmp_path):
    path = str(tmp_path / 'etcd_lock.state')
    clock = FakeClock(1700000000.0)
    first = lock.StateFile(path, clock=clock)
    first.context = {'api': 'v3', 'key': '/_locks/_ctdb/ctdb.lock', 'lock_ttl': 9}
    first.record('unreachable', 'http://10.0.0.1:2379', '[Errno 111] Connection refused')
    found = read_state(tmp_path)
    assert found == {'api': 'v3', 'key': '/_locks/_ctdb/ctdb.lock', 'lock_ttl': 9, 'state': 'unreachable',
                     'since': 1700000000.0, 'updated': 1700000000.0, 'pid': os.getpid(),
                     'start_ticks': lock.process_start_ticks(os.getpid()), 'endpoint': 'http://10.0.0.1:2379',
                     'error': '[Errno 111] Connection refused'}
    assert oct(os.stat(path).st_mode & 0o777) == '0o644'
    assert os.listdir(str(tmp_path)) == ['etcd_lock.state']  # no temporary file left
    # CTDB runs a new helper for each attempt: the same state keeps its beginning
    clock.now += 5
    lock.StateFile(path, clock=clock).record('unreachable', 'http://10.0.0.1:2379', 'timed out')
    found = read_state(tmp_path)
    assert (found['since'], found['updated'], found['error']) == (1700000000.0, 1700000005.0, 'timed out')
    clock.now += 5
    lock.StateFile(path, clock=clock).record('holding', 'http://10.0.0.1:2379')
    found = read_state(tmp_path)
    assert (found['state'], found['since'], found['error']) == ('holding', 1700000010.0, None)


def test_state_file_that_cannot_be_written_changes_nothing(lock, tmp_path, caplog):
    states = lock.StateFile(str(tmp_path / 'missing' / 'etcd_lock.state'))
    with caplog.at_level('INFO', logger='ctdb_etcd_lock'):
        states.record('holding')
        states.record('released')
    assert states.current is None
    assert [r.getMessage() for r in caplog.records] == [
        'cannot write the state file %s: No such file or directory' % (tmp_path / 'missing' / 'etcd_lock.state')]
    lock.StateFile(None).record('holding')  # state_file = none: nothing at all


def test_state_file_setting(lock, monkeypatch):
    settings = lock.build_settings(lock.parse_config_text('state_file = /var/run/x/../lock.state\n'))
    assert settings.state_file == '/var/run/lock.state'
    assert lock.build_settings(lock.parse_config_text('state_file = none\n')).state_file == ''
    assert lock.build_settings(lock.parse_config_text('')).state_file is None
    for bad in ('run/lock.state', '/run/ctdb/'):
        with pytest.raises(lock.ConfigError, match="line 1: state_file: '%s' must be an absolute file path, or none"
                           % bad):
            lock.parse_config_text('state_file = %s\n' % bad)
    assert lock.default_state_file({}) == '/run/ctdb/etcd_lock.state'
    assert lock.default_state_file({'CTDB_BASE': '/b'}) == '/run/ctdb/etcd_lock.state'
    assert lock.default_state_file({'CTDB_BASE': '/b', 'CTDB_TEST_MODE': 'yes'}) == '/b/run/etcd_lock.state'


def test_main_records_holding_then_lost(fake_main, tmp_path, capfd):
    rc = fake_main(acquire=True, refresh=['lost'])[0]
    assert (capfd.readouterr()[0], rc) == ('0', 2)
    found = read_state(tmp_path)
    assert found['state'] == 'lost' and found['key'] == '/_locks/_ctdb/unit.lock' and found['api'] == 'v2'
    assert found['error'] == 'lock key /_locks/_ctdb/unit.lock was taken by someone else'


def test_main_records_contention_and_unreachable(fake_main, lock, tmp_path, capfd):
    fake_main(acquire=False)
    assert capfd.readouterr()[0] == '1'
    assert read_state(tmp_path)['state'] == 'contending'
    fake_main(acquire=lock.Unavailable('[Errno 111] Connection refused'))
    assert capfd.readouterr()[0] == '3'
    found = read_state(tmp_path)
    assert (found['state'], found['endpoint'], found['error']) == (
        'unreachable', 'http://127.0.0.1:2379', '[Errno 111] Connection refused')


def test_main_records_released_on_a_signal_and_never_a_password(fake_main, lock, monkeypatch, tmp_path, capfd):
    def signalled(*args, **kwargs):
        raise lock.Terminated()
    monkeypatch.setattr(lock, 'hold', signalled)
    rc = fake_main(text='name = unit\nusername = root\npassword = s3cret-pw\n')[0]
    assert (capfd.readouterr()[0], rc) == ('0', 0)
    text = (tmp_path / 'etcd_lock.state').read_text()
    assert json.loads(text)['state'] == 'released' and 's3cret-pw' not in text and 'root' not in text


def test_main_unwritable_state_file_still_answers(fake_main, capfd, tmp_path):
    rc = fake_main(acquire=False, text='name = unit\nstate_file = %s\n' % (tmp_path / 'no' / 'such.state'))[0]
    assert capfd.readouterr() == ('1', '') and rc == 0


def watchdog_exits_after_expiry(lock, on_expired):
    """The exit codes a watchdog gave for a holder whose last refresh is 7 s old (lock_ttl 9 s), with
    ``on_expired`` called as the holder's expiry hook."""
    clock = FakeClock()
    state = holding_state(lock, clock)
    state.on_expired = on_expired
    clock.now += 7.0
    exits = []
    watchdog = lock.Watchdog(state, os.getppid(), exit_func=exits.append, interval=0.01)
    watchdog.start()
    watchdog.join(2)
    return exits


def test_watchdog_records_lost_before_it_exits(lock, tmp_path):
    states = lock.StateFile(str(tmp_path / 'etcd_lock.state'))
    exits = watchdog_exits_after_expiry(lock, lambda reason: states.record('lost', error=reason, wait=0.05))
    assert exits == [lock.EXIT_LOST]
    found = read_state(tmp_path)
    assert (found['state'], found['error']) == ('lost', 'no successful refresh for 7.0 s (lock_ttl 9 s)')


def test_watchdog_exits_even_when_the_state_file_write_fails(lock):
    def broken(reason):
        raise RuntimeError('disk on fire')
    assert watchdog_exits_after_expiry(lock, broken) == [lock.EXIT_LOST]
