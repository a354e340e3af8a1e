# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The poll helper with a fake clock: no test sleeps."""
import time

import pytest

from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError
from ansible_collections.ctdb.cluster.plugins.module_utils._wait import WaitTimeout, poll


class FakeClock:
    """A clock that only sleeping moves (plus ``cost`` seconds per probe, when a probe takes time)."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class Probe:
    """Answers from a script: each poll takes the next (done, observation); records when it was asked."""

    def __init__(self, clock, answers, cost=0.0):
        self.clock = clock
        self.answers = list(answers)
        self.cost = cost
        self.asked = []  # (time of the poll, remaining seconds it was given)

    def __call__(self, remaining):
        self.asked.append((self.clock.now, remaining))
        self.clock.now += self.cost
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


@pytest.fixture
def clock():
    return FakeClock()


def run(clock, probe, timeout, delay):
    return poll(probe, timeout, delay, clock=clock.monotonic, sleep=clock.sleep)


def test_done_at_the_first_poll_never_sleeps(clock):
    probe = Probe(clock, [(True, 'healthy')])
    polled = run(clock, probe, timeout=30, delay=3)
    assert (polled.observation, polled.attempts, polled.elapsed) == ('healthy', 1, 0)
    assert clock.sleeps == [] and probe.asked == [(1000.0, 30.0)]


def test_done_after_n_polls_returns_that_observation(clock):
    probe = Probe(clock, [(False, 'recovery'), (False, 'node 1 disabled'), (True, 'healthy')])
    polled = run(clock, probe, timeout=30, delay=3)
    assert (polled.observation, polled.attempts, polled.elapsed) == ('healthy', 3, 6)
    assert clock.sleeps == [3, 3]
    assert probe.asked == [(1000.0, 30.0), (1003.0, 27.0), (1006.0, 24.0)]


def test_timeout_carries_the_last_observation(clock):
    probe = Probe(clock, [(False, 'first'), (False, 'second'), (False, 'last')])
    with pytest.raises(WaitTimeout) as raised:
        run(clock, probe, timeout=2, delay=1)
    error = raised.value
    assert isinstance(error, CtdbError)
    assert (error.observation, error.attempts, error.elapsed) == ('last', 3, 2)
    assert error.msg == 'not done after 2 s (3 attempts)'
    assert error.data == {'attempts': 3, 'elapsed': 2}


def test_the_last_poll_happens_at_the_deadline(clock):
    probe = Probe(clock, [(False, 'not yet')])
    with pytest.raises(WaitTimeout) as raised:
        run(clock, probe, timeout=10, delay=4)
    # polls at 0, 4, 8 and at the deadline (10), never after it
    assert [at for at, dummy in probe.asked] == [1000.0, 1004.0, 1008.0, 1010.0]
    assert clock.sleeps == [4, 4, 2]
    assert probe.asked[-1][1] == 0
    assert raised.value.attempts == 4 and raised.value.elapsed == 10


def test_done_at_the_deadline_poll_is_success(clock):
    probe = Probe(clock, [(False, 'a'), (False, 'b'), (False, 'c'), (True, 'done at 10 s')])
    polled = run(clock, probe, timeout=10, delay=4)
    assert (polled.observation, polled.attempts, polled.elapsed) == ('done at 10 s', 4, 10)


def test_zero_timeout_polls_once(clock):
    probe = Probe(clock, [(False, 'once')])
    with pytest.raises(WaitTimeout) as raised:
        run(clock, probe, timeout=0, delay=1)
    assert raised.value.attempts == 1 and raised.value.observation == 'once' and clock.sleeps == []


def test_slow_probes_count_against_the_deadline(clock):
    # each poll takes 3 s: polls at 0 and 4 (after a 1 s sleep), the second ends past the deadline of 5 s
    probe = Probe(clock, [(False, 'slow')], cost=3.0)
    with pytest.raises(WaitTimeout) as raised:
        run(clock, probe, timeout=5, delay=1)
    assert probe.asked == [(1000.0, 5.0), (1004.0, 1.0)]
    assert clock.sleeps == [1]
    assert raised.value.attempts == 2 and raised.value.elapsed == 7


def test_an_error_of_the_probe_is_not_swallowed(clock):
    def probe(dummy_remaining):
        raise CtdbError('ctdb status failed: permission denied')

    with pytest.raises(CtdbError, match='permission denied') as raised:
        run(clock, probe, timeout=60, delay=1)
    assert not isinstance(raised.value, WaitTimeout) and clock.sleeps == []


def test_clock_and_sleep_default_to_the_time_module_at_the_call(clock, monkeypatch):
    monkeypatch.setattr(time, 'monotonic', clock.monotonic)
    monkeypatch.setattr(time, 'sleep', clock.sleep)
    probe = Probe(clock, [(False, 'x'), (True, 'y')])
    polled = poll(probe, 5, 2)
    assert polled.attempts == 2 and clock.sleeps == [2]
