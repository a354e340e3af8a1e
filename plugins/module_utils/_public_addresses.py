# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CTDB's public_addresses file: parse, validate, plan a change, render.

Pure functions only (no AnsibleModule, no I/O). The rules, read from ctdb_set_public_addresses()
and ctdb_add_public_address() in ctdb/server/ctdb_takeover.c:

* one ``ADDR/MASK IFACE[,IFACE...]`` per line, fields separated by spaces or tabs; leading
  blanks ignored; lines starting with ``#`` and blank lines skipped;
* the ``/MASK`` and the interface are mandatory ("Badly formed line N in public address
  list", "No interface specified at line N of public addresses file");
* an address listed twice is fatal ("Duplicate public IP address");
* each interface must exist on the node when ctdbd loads the file;
* the file may differ between nodes (each node lists the addresses it can host);
* ``ctdb reloadips`` compares addresses only: it adds new ones and deletes missing ones, but
  ignores a changed mask or interface list of an address it already has. Such a change needs
  two reloads: without the address, then with its new line.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import re
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, TypedDict, cast

from ansible.module_utils.six import text_type

from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError
from ansible_collections.ctdb.cluster.plugins.module_utils._nodes import canonical_address, split_lines

# An interface name as the kernel takes it (dev_valid_name(), net/core/dev.c): 1 to 15 bytes
# (IFNAMSIZ 16 with the NUL), not "." or "..", no "/" or ":" and no byte its isspace() matches,
# which, its ctype table being Latin-1, includes 0xA0 (so "à", UTF-8 C3 A0, is refused: verified).
# CTDB splits the interface field on "," and a line's fields on blanks; "#" is refused too, so
# that a name can never read as a comment.
IFNAMSIZ = 16
_IFACE_BAD_BYTES = frozenset(b'/:,# \t\n\v\f\r\x00\xa0')


class Address(TypedDict):
    """A public address: ``address`` ADDR/MASK as given, ``ip`` canonical, ``interface_name`` the joined list."""
    address: str
    ip: str
    mask: int
    interfaces: List[str]
    interface_name: str


class AddressLine(Address):
    """An address as read from a file line (see :func:`parse_public_addresses`)."""
    lineno: int
    line: str
    raw: str


class Modified(TypedDict):
    address: str
    before: str
    after: Optional[str]


class AddressPlan(TypedDict):
    """What :func:`plan_addresses` returns."""
    content: str
    staged_content: str
    added: List[str]
    removed: List[str]
    modified: List[Modified]
    entries: List[AddressLine]


# File lines, None for a line dropped.
Lines = List[Optional[str]]


class AddressesError(CtdbError, ValueError):
    """A public_addresses file or desired list that CTDB would refuse; the message says why and what to do."""


def _parse_cidr(value: object) -> Optional[Tuple[str, int]]:
    """``ADDR/MASK`` -> ``(ip, mask)`` as CTDB reads it (ip canonical), or None when CTDB would refuse it.

    An IPv4-mapped address (``::ffff:10.0.0.1/24``) is read as IPv4 by CTDB, mask included,
    so its mask must fit IPv4.
    """
    if not isinstance(value, text_type) or value.count('/') != 1:
        return None
    addr, mask = value.split('/')
    ip = canonical_address(addr)
    if ip is None or not re.match(r'^\d{1,3}$', mask):
        return None
    try:
        ipaddress.ip_interface(text_type('%s/%s' % (ip, mask)))
    except ValueError:
        return None
    return ip, int(mask)


def _why_not_cidr(value: object) -> str:
    if not isinstance(value, text_type) or value.strip() == '':
        return 'give the address as ADDR/MASK, for example 192.168.6.85/24'
    if '/' not in value:
        return 'the /MASK is missing: CTDB needs ADDR/MASK, for example %s/24' % value
    addr, dummy, mask = value.partition('/')
    if canonical_address(addr) is None:
        if re.match(r'^[0-9.]+:\d+$', addr) or re.match(r'^\[.*\]:\d+$', addr):
            return 'a public address has no port'
        if '%' in addr:
            return 'CTDB refuses an IPv6 zone ("%%%s"): give the address without it' % addr.split('%', 1)[1]
        try:
            # an IPv4 address has no ipv4_mapped: the AttributeError is caught
            mapped = ipaddress.ip_address(text_type(addr)).ipv4_mapped  # type: ignore[union-attr]
        except (ValueError, AttributeError):
            mapped = None
        if mapped is not None:
            return 'CTDB reads an IPv4-mapped address by its dotted tail and cannot read this one: write %s' % mapped
        return '%r is not an IPv4 or IPv6 address' % addr
    limit = 32 if ':' not in cast(str, canonical_address(addr)) else 128
    return 'the mask %r is not a prefix length between 0 and %d' % (mask, limit)


def valid_interface_name(name: object) -> bool:
    """Whether the kernel takes ``name`` as an interface name and CTDB reads it back whole."""
    if not isinstance(name, text_type) or name in ('.', '..'):
        return False
    try:
        data = name.encode('utf-8')
    except UnicodeError:
        return False
    return 0 < len(data) < IFNAMSIZ and not any(byte in _IFACE_BAD_BYTES for byte in bytearray(data))


def _check_interfaces(names: Sequence[str], where: str) -> None:
    if not names:
        raise AddressesError('%s has no interface: CTDB needs one (interface_name: eth0, or interfaces: [eth0, eth1])'
                             % where)
    seen = set()
    for name in names:
        if not valid_interface_name(name):
            raise AddressesError('%s: invalid interface name %r: a Linux interface name has 1 to 15 bytes '
                                 '(UTF-8) and no blank, NUL, "/", ":", "," or "#"' % (where, name))
        if name in seen:
            raise AddressesError('%s lists interface %s twice: list each interface once' % (where, name))
        seen.add(name)


def parse_public_addresses(text: Optional[str], path: Optional[str] = None) -> List[AddressLine]:
    """:func:`read_public_addresses`; an AddressesError names ``path`` (``PATH: message``) when given."""
    try:
        return read_public_addresses(text)
    except AddressesError as exc:
        raise exc.located(path)


def read_public_addresses(text: Optional[str]) -> List[AddressLine]:
    """A public_addresses file -> list of entries, in file order.

    Each entry is ``{lineno, line, raw, address, ip, mask, interfaces, interface_name}``:
    ``address`` is ``ADDR/MASK`` as written, ``ip`` the canonical address, ``interfaces`` the
    list and ``interface_name`` the comma-joined field as written. Raises AddressesError for
    a line ctdbd would refuse to load.
    """
    entries: List[AddressLine] = []
    seen: Dict[str, int] = {}
    for index, line in enumerate((text or '').split('\n')):
        stripped = line.lstrip(' \t').rstrip('\r')
        if stripped == '' or stripped.startswith('#'):
            continue
        fields = re.split(r'[ \t]+', stripped.strip(' \t'))
        lineno = index + 1
        if len(fields) < 2:
            raise AddressesError('line %d of public_addresses is %r: no interface specified; CTDB needs '
                                 '"ADDR/MASK IFACE[,IFACE...]" on every line' % (lineno, line))
        parsed = _parse_cidr(fields[0])
        if parsed is None:
            raise AddressesError('line %d of public_addresses is %r: badly formed (%s)'
                                 % (lineno, line, _why_not_cidr(fields[0])))
        interfaces = fields[1].split(',')
        _check_interfaces(interfaces, 'line %d of public_addresses (%r)' % (lineno, line))
        key, mask = parsed
        if key in seen:
            raise AddressesError('public_addresses lists %s twice (lines %d and %d): CTDB refuses a duplicate '
                                 'public IP address; delete one of the lines' % (key, seen[key], lineno))
        seen[key] = lineno
        entries.append({
            'lineno': lineno, 'line': line, 'raw': stripped.strip(' \t'), 'address': fields[0], 'ip': key,
            'mask': mask, 'interfaces': interfaces, 'interface_name': fields[1],
        })
    return entries


def api_view(entries: Iterable[AddressLine]) -> List[Dict[str, Any]]:
    """Entries -> the REST API's GET ``addresses`` items: ``{raw, address, interface_name}``.

    An entry with several interfaces also gets ``interfaces``, the list.
    """
    view = []
    for entry in entries:
        item: Dict[str, Any] = {'raw': entry['raw'], 'address': entry['address'], 'interface_name': entry['interface_name']}
        if len(entry['interfaces']) > 1:
            item['interfaces'] = list(entry['interfaces'])
        view.append(item)
    return view


def normalize_desired(addresses: Optional[Iterable[object]]) -> List[Address]:
    """Desired items ``{address, interface_name | interfaces}`` -> entries like parse_public_addresses().

    Raises AddressesError on a bad CIDR, a duplicate address, a bad interface name, or an
    item with both or neither of ``interface_name`` and ``interfaces``.
    """
    result: List[Address] = []
    seen: Dict[str, str] = {}
    for position, item in enumerate(addresses or []):
        where = 'addresses[%d]' % position
        if not isinstance(item, dict):
            raise AddressesError('%s is %r: give a dictionary {address: ADDR/MASK, interface_name: IFACE}'
                                 % (where, item))
        address = item.get('address')
        address = address.strip() if isinstance(address, text_type) else address
        parsed = _parse_cidr(address)
        if parsed is None:
            raise AddressesError('%s: invalid address %r: %s' % (where, item.get('address'), _why_not_cidr(address)))
        name = item.get('interface_name')
        names = item.get('interfaces')
        if name and names:
            raise AddressesError('%s (%s) gives both interface_name and interfaces: give one of them'
                                 % (where, address))
        if name:
            interfaces = [part.strip() for part in text_type(name).split(',')]
        else:
            interfaces = [text_type(part).strip() for part in (names or [])]
        _check_interfaces(interfaces, '%s (%s)' % (where, address))
        key, mask = parsed
        if key in seen:
            raise AddressesError('address %s is listed twice (%s and %s): CTDB refuses a duplicate public IP '
                                 'address; list it once' % (key, seen[key], where))
        seen[key] = where
        result.append({'address': cast(str, address), 'ip': key, 'mask': mask,
                       'interfaces': interfaces, 'interface_name': ','.join(interfaces)})
    return result


def render_line(entry: Address) -> str:
    return '%s %s' % (entry['address'], ','.join(entry['interfaces']))


def _same(existing: Address, wanted: Address) -> bool:
    return existing['mask'] == wanted['mask'] and existing['interfaces'] == wanted['interfaces']


def plan_addresses(text: Optional[str], addresses: Optional[Iterable[object]],
                   path: Optional[str] = None) -> AddressPlan:
    """:func:`plan_addresses_file`; an AddressesError names ``path`` when given."""
    try:
        return plan_addresses_file(text, addresses)
    except AddressesError as exc:
        raise exc.located(path)


def plan_addresses_file(text: Optional[str], addresses: Optional[Iterable[object]]) -> AddressPlan:
    """Plan the file holding exactly ``addresses``.

    Lines of addresses that stay unchanged are kept verbatim and in place (comments and blank
    lines too); a removed address loses its line; an address whose mask or interfaces change
    gets a new line in place; new addresses are appended in the order given.

    Returns ``{content, staged_content, added, removed, modified, entries}``: ``added`` and
    ``removed`` are lists of ``ADDR/MASK``; ``modified`` lists ``{address, before, after}``;
    ``staged_content`` is the file without the modified addresses, the first of the two steps
    ``ctdb reloadips`` needs for them (equal to ``content`` when nothing is modified).
    """
    existing = parse_public_addresses(text)
    wanted = normalize_desired(addresses)
    existing_ips = set(entry['ip'] for entry in existing)
    lines, trailing_newline = split_lines(text)
    final, staged, removed, modified = _replace_lines(existing, wanted, lines)
    added = []
    for entry in wanted:
        if entry['ip'] not in existing_ips:
            final.append(render_line(entry))
            staged.append(render_line(entry))
            added.append(entry['address'])

    def join(kept: List[Optional[str]]) -> str:
        kept = [line for line in kept if line is not None]
        if kept == lines and text is not None and not trailing_newline:
            return text
        return '\n'.join(cast(List[str], kept)) + '\n' if kept else ''

    content = join(final)
    staged_content = join(staged) if modified else content
    return {'content': content, 'staged_content': staged_content, 'added': added, 'removed': removed,
            'modified': modified, 'entries': parse_public_addresses(content)}


def _replace_lines(existing: Iterable[AddressLine], wanted: Iterable[Address],
                   lines: List[str]) -> Tuple[Lines, Lines, List[str], List[Modified]]:
    """The final and staged lines (None: line dropped), the removed addresses and the modified ones."""
    wanted_by_ip = dict((entry['ip'], entry) for entry in wanted)
    final: Lines = list(lines)
    staged: Lines = list(lines)
    removed: List[str] = []
    modified: List[Modified] = []
    for entry in existing:
        index = entry['lineno'] - 1
        target = wanted_by_ip.get(entry['ip'])
        if target is None:
            final[index] = staged[index] = None
            removed.append(entry['address'])
        elif not _same(entry, target):
            final[index] = render_line(target)
            staged[index] = None
            modified.append({'address': target['address'], 'before': entry['raw'], 'after': final[index]})
    return final, staged, removed, modified


# The earlier name, for code written against it.
plan_public_addresses = plan_addresses


def missing_interfaces(entries: Iterable[Address], present: Iterable[str]) -> List[str]:
    """Interfaces the entries use that are not in ``present`` (the host's interface names), sorted."""
    present = set(present)
    return sorted(set(name for entry in entries for name in entry['interfaces'] if name not in present))


def parse_ip_all(text: Optional[str]) -> Dict[str, Dict[str, Any]]:
    """``ctdb ip [all]`` or ``ctdb -v ip [all]`` text -> ``{address: {pnn, active, available, configured}}``.

    ``pnn`` is -1 for an unassigned address; the interface lists are None without ``-v``.
    """
    result: Dict[str, Dict[str, Any]] = {}
    for line in (text or '').splitlines():
        line = line.strip()
        match = re.match(r'^(\S+)\s+(-?\d+)$', line)
        if match:
            result[match.group(1)] = {'pnn': int(match.group(2)), 'active': None, 'available': None,
                                      'configured': None}
            continue
        match = re.match(r'^(\S+) node\[(-?\d+)\] active\[([^]]*)\] available\[([^]]*)\] configured\[([^]]*)\]$',
                         line)
        if match:
            lists = [[part for part in group.split(',') if part] for group in match.groups()[2:]]
            result[match.group(1)] = {'pnn': int(match.group(2)), 'active': lists[0], 'available': lists[1],
                                      'configured': lists[2]}
    return result
