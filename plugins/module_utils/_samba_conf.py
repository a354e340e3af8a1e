# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rules of the samba role's smb.conf (roles/samba), pure: value rendering, idmap ranges, the
parameters the role writes from its own variables, and the settings that must agree on every node."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
from typing import Any, Dict, List, Mapping, Tuple

# The [global] parameters the role writes itself, each from its own variable.
OWNED_PARAMETERS = ('clustering', 'netbios name', 'workgroup', 'security', 'passdb backend', 'include',
                    'disable netbios')
# The role's variables that make smb.conf: identical on every node or smb.conf differs.
SETTINGS = ('samba_netbios_name', 'samba_workgroup', 'samba_security', 'samba_passdb_backend', 'samba_idmap',
            'samba_registry_shares', 'samba_netbios', 'samba_winbind', 'samba_global_options', 'samba_conf_path')
_RANGE = re.compile(r'^\s*(\d+)\s*-\s*(\d+)\s*$')


def parameter_key(name: str) -> str:
    """A parameter name as Samba compares them: case and spaces do not count."""
    return re.sub(r'\s+', '', name).lower()


def render_value(value: Any) -> str:
    """A YAML value as smb.conf writes it: booleans as yes/no, lists joined by spaces."""
    if isinstance(value, bool):
        return 'yes' if value else 'no'
    if isinstance(value, (list, tuple)):
        return ' '.join(render_value(item) for item in value)
    return str(value)


def owned_parameters(options: Mapping[str, Any]) -> List[str]:
    """The names in ``options`` that the role writes from its own variables (``idmap config ...`` included)."""
    owned = {parameter_key(name) for name in OWNED_PARAMETERS}
    return sorted(name for name in options
                  if parameter_key(name) in owned or parameter_key(name).startswith('idmapconfig'))


def idmap_error(idmap: object) -> str:
    """'' for a valid samba_idmap ({domain: {backend, range, ...}}), else what is wrong and the fix."""
    if not isinstance(idmap, Mapping) or not idmap:
        return ("give at least the default domain '*', e.g. {'*': {backend: tdb, range: 1000000-1999999}}, "
                "not %r" % (idmap,))
    ranges: List[Tuple[int, int, str]] = []
    for domain, settings in sorted(idmap.items(), key=lambda item: str(item[0])):
        if not isinstance(settings, Mapping) or 'backend' not in settings or 'range' not in settings:
            return ("domain %r needs a backend and a range, e.g. {backend: tdb, range: 1000000-1999999}, not %r"
                    % (domain, settings))
        match = _RANGE.match(str(settings['range']))
        if not match or int(match.group(1)) > int(match.group(2)):
            return ("domain %r: range=%r is not LOW-HIGH with LOW <= HIGH, e.g. 1000000-1999999"
                    % (domain, settings['range']))
        ranges.append((int(match.group(1)), int(match.group(2)), str(domain)))
    ranges.sort()
    for (low_a, high_a, name_a), (low_b, high_b, name_b) in zip(ranges, ranges[1:]):
        if low_b <= high_a:
            return ("the ranges of domains %r (%d-%d) and %r (%d-%d) overlap: give every domain its own range"
                    % (name_a, low_a, high_a, name_b, low_b, high_b))
    return ''


def conf_settings(host_vars: Mapping[str, Any]) -> Dict[str, Any]:
    """The settings of ``host_vars`` that make smb.conf, to compare between the nodes."""
    return {name: host_vars.get(name) for name in SETTINGS}
