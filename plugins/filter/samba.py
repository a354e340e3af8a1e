# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The samba role's checks and smb.conf values; the rules are module_utils/_samba_conf (pure, unit-tested)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from typing import Any, Callable, Dict, List, Mapping

from ansible_collections.ctdb.cluster.plugins.module_utils import _samba_conf


def samba_value(value: Any) -> str:
    return _samba_conf.render_value(value)


def samba_idmap_error(idmap: object) -> str:
    return _samba_conf.idmap_error(idmap)


def samba_owned_parameters(options: object) -> List[str]:
    return _samba_conf.owned_parameters(options if isinstance(options, Mapping) else {})


def samba_conf_settings(host_vars: object) -> Dict[str, Any]:
    if not isinstance(host_vars, Mapping):
        return {}
    return _samba_conf.conf_settings(host_vars)


class FilterModule(object):
    def filters(self) -> Dict[str, Callable[..., Any]]:
        return {'samba_value': samba_value, 'samba_idmap_error': samba_idmap_error,
                'samba_owned_parameters': samba_owned_parameters, 'samba_conf_settings': samba_conf_settings}
