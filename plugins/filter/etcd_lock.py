# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the etcd_lock role: the lock helper's rules, checked before anything changes.

The helper (roles/etcd_lock/files/ctdb_etcd_lock) runs on nodes without Ansible and imports
nothing from the collection, so its rules are written there and here alike (docs/etcd_lock.md):

* timing: refresh >= 0.5 s, refresh < lock_ttl, and one request timeout must fit between the
  next refresh and the moment the holder gives up:
  ``lock_ttl - refresh - margin >= timeout`` with ``margin = min(refresh, (lock_ttl - refresh) / 2)``
  and ``timeout`` 3/4 of refresh when not given, never more than refresh (at least 0.1 s);
* credentials: never over plain http to an endpoint that is not on the loopback, unless allowed;
* a value is written quoted, so that `` #`` stays in it; it cannot hold a line break, a NUL or
  both kinds of quotes. Messages never quote a value (it may be a password).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import re
from typing import Any, Callable, Dict, Iterable, List, Optional, Union

from ansible.errors import AnsibleFilterError

MIN_REFRESH = 0.5
MIN_TIMEOUT = 0.1
_URL_RE = re.compile(r'^(?:(https?)://)?(\[[0-9A-Fa-f:.]+\]|[^/:\s\[\]]+)(?::(\d+))?/?$')


def safety_margin(ttl: float, refresh: float) -> float:
    return min(refresh, (ttl - refresh) / 2.0)


def timing_error(ttl: Union[int, str], refresh: Union[float, str], timeout: Union[float, str, None] = 0) -> str:
    """'' when the helper can hold a lock with these timings, else why not and what to change.

    ``timeout`` 0 (or None) means the helper's default, 3/4 of ``refresh``.
    """
    ttl, refresh = int(ttl), float(refresh)
    timeout = float(timeout or 0)
    if refresh < MIN_REFRESH:
        return ('etcd_lock_refresh (%g s) must be at least %g s: refreshing more often busy-loops on etcd, and one '
                'scheduling hiccup loses the lock' % (refresh, MIN_REFRESH))
    if refresh >= ttl:
        return ('etcd_lock_refresh (%g s) must be less than etcd_lock_ttl (%d s): the holder refreshes the lock '
                'before it expires. For example etcd_lock_ttl: 9 with etcd_lock_refresh: 2' % (refresh, ttl))
    if 0 < timeout < MIN_TIMEOUT:
        return 'etcd_lock_timeout (%g s) must be 0 (the helper chooses) or at least %g s' % (timeout, MIN_TIMEOUT)
    effective = min(timeout if timeout > 0 else refresh * 0.75, refresh)
    margin = safety_margin(ttl, refresh)
    room = ttl - refresh - margin
    if room < effective:
        return ('etcd_lock_ttl (%d s) - etcd_lock_refresh (%g s) - margin (%g s) = %g s leaves no room for one etcd '
                'request (timeout %g s): one slow refresh would make the holder give the lock up. Raise '
                'etcd_lock_ttl, or lower etcd_lock_refresh or etcd_lock_timeout (margin = min(refresh, '
                '(ttl - refresh) / 2))' % (ttl, refresh, margin, room, effective))
    return ''


def _is_loopback(host: str) -> bool:
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http_endpoints(endpoints: Optional[Iterable[object]]) -> List[str]:
    """The endpoints a password would cross the network unencrypted to: http (the default scheme), not loopback."""
    found = []
    for url in endpoints or []:
        match = _URL_RE.match(str(url))
        if match and (match.group(1) or 'http') == 'http' and not _is_loopback(match.group(2).strip('[]')):
            found.append(str(url))
    return found


def config_value_error(value: object) -> str:
    """'' when ``value`` can be written in the helper's configuration, else why not (never the value itself)."""
    value = '' if value is None else str(value)
    if '\n' in value or '\r' in value:
        return 'contains a line break, which would end the configuration line'
    if '\0' in value:
        return 'contains a NUL byte'
    if '"' in value and "'" in value:
        return 'contains both kinds of quotes (" and \'), so it cannot be quoted in the configuration file'
    return ''


def config_value(value: object) -> str:
    """``value`` quoted for the helper's configuration: ``"..."``, or ``'...'`` when it holds a ``"``."""
    value = '' if value is None else str(value)
    problem = config_value_error(value)
    if problem:
        raise AnsibleFilterError('a value of the etcd lock helper configuration %s' % problem)
    quote = "'" if '"' in value else '"'
    return quote + value + quote


class FilterModule(object):
    def filters(self) -> Dict[str, Callable[..., Any]]:
        return {
            'etcd_lock_timing_error': timing_error,
            'etcd_lock_plain_http_endpoints': plain_http_endpoints,
            'etcd_lock_config_value_error': config_value_error,
            'etcd_lock_config_value': config_value,
        }
