# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of module arguments that several modules share, run before a module reads or changes anything.

Pure functions: values in, CtdbError with a message naming the bad value and the fix out.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math

from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError

# One year: longer waits are surely a mistake, and time.monotonic() + timeout must stay a float.
MAX_SECONDS = 365 * 24 * 3600


def check_timing(timeout: float, delay: float) -> None:
    """CtdbError unless ``timeout`` and ``delay`` are usable numbers of seconds (finite, in range)."""
    if timeout < 0:
        raise CtdbError('timeout must be 0 or more seconds, not %d' % timeout)
    if timeout > MAX_SECONDS:
        raise CtdbError('timeout must be at most %d seconds (a year), not %d' % (MAX_SECONDS, timeout))
    if not math.isfinite(delay):
        raise CtdbError('delay must be a finite number of seconds, not %s' % delay)
    if delay <= 0:
        raise CtdbError('delay must be more than 0 seconds, not %s' % delay)
    if delay > MAX_SECONDS:
        raise CtdbError('delay must be at most %d seconds (a year), not %s' % (MAX_SECONDS, delay))
