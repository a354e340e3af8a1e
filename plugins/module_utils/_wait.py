# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way the collection's modules wait: poll a probe until it says done or the time is up.

A module that waits writes a probe, ``probe(remaining) -> (done, observation)``, and calls
:func:`poll`. ``remaining`` is the number of seconds left until the deadline (0 or less at the
last poll), for a probe that bounds its own commands by it. The last poll happens at the deadline,
so a wait of 10 s with a delay of 4 s polls at 0, 4, 8 and 10 s. When the deadline passes first,
:class:`WaitTimeout` carries the last observation, so the module can say what it saw.

Validate ``timeout`` and ``delay`` first (:func:`_args.check_timing`): :func:`poll` trusts them.
The clock and the sleep are parameters, so tests run a wait without sleeping.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time
from typing import Any, Callable, Generic, Optional, Tuple, TypeVar

from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError

Observation = TypeVar('Observation')


def now() -> float:
    """The clock every wait reads (time.monotonic). Tests replace this name and :func:`pause`, never
    the time module itself: other threads of a test process sleep through that one too."""
    return time.monotonic()


def pause(seconds: float) -> None:
    """The sleep between two polls (time.sleep); see :func:`now`."""
    time.sleep(seconds)


class Polled(Generic[Observation]):
    """What :func:`poll` returns: the observation that said done, how many polls ran, seconds spent."""

    def __init__(self, observation: Observation, attempts: int, elapsed: float) -> None:
        self.observation = observation
        self.attempts = attempts
        self.elapsed = elapsed


class WaitTimeout(CtdbError):
    """The deadline passed before the probe said done; ``observation`` is what the last poll saw."""

    def __init__(self, msg: str, observation: Any, attempts: int, elapsed: float, **data: Any) -> None:
        super(WaitTimeout, self).__init__(msg, attempts=attempts, elapsed=elapsed, **data)
        self.observation = observation
        self.attempts = attempts
        self.elapsed = elapsed


def poll(probe: Callable[[float], Tuple[bool, Observation]], timeout: float, delay: float,
         clock: Optional[Callable[[], float]] = None,
         sleep: Optional[Callable[[float], Any]] = None) -> Polled[Observation]:
    """Run ``probe`` every ``delay`` s until it says done -> :class:`Polled`; :class:`WaitTimeout` after ``timeout`` s.

    The probe runs at least once, even with ``timeout`` 0. ``clock`` and ``sleep`` default to
    :func:`now` and :func:`pause` as they are at the call (a test may have replaced them).
    """
    clock = clock or now
    sleep = sleep or pause
    started = clock()
    deadline = started + timeout
    attempts = 0
    while True:
        attempts += 1
        done, observation = probe(deadline - clock())
        if done:
            return Polled(observation, attempts, round(clock() - started, 3))
        remaining = deadline - clock()
        if remaining <= 0:
            raise WaitTimeout('not done after %g s (%d attempts)' % (timeout, attempts), observation,
                              attempts, round(clock() - started, 3))
        # never past the deadline: the last poll happens at it
        sleep(min(delay, remaining))
