# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rule of a graceful restart, for the ctdb role's tasks/restart.yml: it never leaves fewer nodes
serving than allowed. The rule itself is module_utils/_node_state.restart_refusal (pure, unit-tested)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from typing import Any, Callable, Dict

from ansible_collections.ctdb.cluster.plugins.module_utils._node_state import restart_refusal as _restart_refusal


def restart_refusal(cluster: object, min_serving: object = None, names: object = None) -> str:
    """'' when the node that read ``cluster`` (ctdb_status's ``cluster``) may be taken out for a restart, else why not."""
    return _restart_refusal(cluster if isinstance(cluster, dict) else {}, min_serving,
                            names if isinstance(names, dict) else None)


class FilterModule(object):
    def filters(self) -> Dict[str, Callable[..., Any]]:
        return {'restart_refusal': restart_refusal}
