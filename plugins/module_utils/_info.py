# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one node's CTDB files say, shaped as the ctdb role's variables (pure: data in, dict out).

The result can be handed back to the role (``ctdb_conf``, ``ctdb_conf_host``, ``ctdb_cluster_lock``,
``ctdb_nodes``, ``ctdb_public_addresses``, ...), so that adopting a running cluster starts from what
it already has instead of from the role's defaults.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from typing import Any, Collection, Dict, Iterable, List, Mapping, Optional, Tuple

from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError

# ctdb.conf as {section: {key: value}}.
Conf = Dict[str, Dict[str, Any]]

LOCK_KEYS = ('cluster lock', 'recovery lock')
# ctdb.conf options that belong to one node, so they go to ctdb_conf_host.
HOST_OPTIONS = (('cluster', 'node address'),)


class InfoError(CtdbError, ValueError):
    """An argument of ctdb_info this module cannot use, with the fix in the message."""


def split_conf(parsed: Mapping[str, Mapping[str, Any]],
               host_options: Collection[Tuple[str, str]] = HOST_OPTIONS) -> Tuple[Conf, Conf, str, str]:
    """``{section: {key: value}}`` of ctdb.conf -> (ctdb_conf, ctdb_conf_host, lock, lock key).

    ``host_options``: (section, key) pairs that belong to this node, so they go to ctdb_conf_host.

    The lock is taken out (the role keeps it in ctdb_cluster_lock); ``cluster lock`` wins over the
    deprecated ``recovery lock`` as in ctdbd, and the key the file used is kept, so the role writes it back alike.
    """
    conf: Conf = {}
    host: Conf = {}
    lock, lock_key = '', 'cluster lock'
    cluster = parsed.get('cluster', {})
    for key in LOCK_KEYS:
        if cluster.get(key):
            lock, lock_key = cluster[key], key
            break
    for section in sorted(parsed):
        for key, value in parsed[section].items():
            if section == 'cluster' and key in LOCK_KEYS:
                continue
            target = host if (section, key) in host_options else conf
            target.setdefault(section, {})[key] = value
    return conf, host, lock, lock_key


def public_addresses_var(entries: Iterable[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """Entries of _public_addresses.parse_public_addresses -> the role's ctdb_public_addresses items."""
    out = []
    for entry in entries:
        if len(entry['interfaces']) > 1:
            out.append({'address': entry['address'], 'interfaces': list(entry['interfaces'])})
        else:
            out.append({'address': entry['address'], 'interface_name': entry['interface_name']})
    return out


def parse_host_options(names: Iterable[object]) -> Tuple[Tuple[str, str], ...]:
    """``['cluster/node address', 'logging/location']`` -> (section, key) pairs; InfoError names a bad entry."""
    pairs = []
    for name in names:
        section, sep, key = str(name).partition('/')
        if not sep or not section.strip() or not key.strip():
            raise InfoError('host_options entry %r is not SECTION/KEY, for example logging/location' % (name,))
        pairs.append((section.strip().lower(), ' '.join(key.split())))
    return tuple(pairs)


def role_vars(base: str, conf_parsed: Mapping[str, Mapping[str, Any]], slots: Iterable[Mapping[str, Any]],
              public_entries: Iterable[Mapping[str, Any]], scripts: Iterable[str], tunables_file: Mapping[str, int],
              node_address: Optional[str] = None,
              host_options: Collection[Tuple[str, str]] = HOST_OPTIONS) -> Dict[str, Any]:
    """The ctdb role's variables for this node.

    ``slots``: _nodes.parse_nodes of the nodes file; ``scripts``: names of the enabled legacy event
    scripts; ``tunables_file``: ``{Name: int}`` the tunables file sets; ``node_address``: this node's
    address from ctdb status, used when ctdb.conf does not set ``node address``.
    """
    conf, host, lock, lock_key = split_conf(conf_parsed, host_options)
    address = host.get('cluster', {}).get('node address') or node_address or ''
    return {
        'ctdb_base': base,
        'ctdb_nodes': [slot['address'] for slot in slots if not slot['deleted']],
        'ctdb_node_address': address,
        'ctdb_public_addresses': public_addresses_var(public_entries),
        'ctdb_cluster_lock': lock,
        'ctdb_cluster_lock_key': lock_key,
        'ctdb_conf': conf,
        'ctdb_conf_host': host,
        'ctdb_event_scripts_enabled': list(scripts),
        'ctdb_tunables': dict(tunables_file),
    }
