# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that check role variables with the very validators the modules use on the node.

The ctdb role checks its variables on the controller before anything changes; calling the
module_utils validators here keeps one definition of a valid node address, public address and
interface name (no second copy as regular expressions in the role). Each filter returns ''
when the value is fine, else the validator's message, which names the bad value and the fix.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from typing import Any, Callable, Dict

from ansible_collections.ctdb.cluster.plugins.module_utils._nodes import NodesError, validate_desired
from ansible_collections.ctdb.cluster.plugins.module_utils._public_addresses import AddressesError, normalize_desired


def nodes_error(nodes: Any) -> str:
    """'' when ``nodes`` are node addresses CTDB accepts (at least one, each once), else why not."""
    try:
        validate_desired(list(nodes) if isinstance(nodes, (list, tuple)) else nodes)
    except NodesError as exc:
        return str(exc)
    return ''


def public_addresses_error(addresses: object) -> str:
    """'' when ``addresses`` ([{address, interface_name | interfaces}]) is a valid public address list, else why not."""
    if not isinstance(addresses, (list, tuple)):
        return 'give a list of {address: ADDR/MASK, interface_name: IFACE}, not %r' % (addresses,)
    try:
        normalize_desired(list(addresses))
    except AddressesError as exc:
        return str(exc)
    return ''


class FilterModule(object):
    def filters(self) -> Dict[str, Callable[..., Any]]:
        return {
            'nodes_error': nodes_error,
            'public_addresses_error': public_addresses_error,
        }
