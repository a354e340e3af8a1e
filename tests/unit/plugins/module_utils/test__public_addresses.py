# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""public_addresses parser, validator and planner, on the real samples.

Every file of config_samples/public_addresses is parsed (the manual's policy-routing excerpt,
which has no /MASK, must be refused as ctdbd refuses it: its source.txt says so), rendered back
byte for byte by a plan that keeps the same addresses, and the ``ctdb ip`` outputs are read
back to the node map of their truth.json.
"""
import json
import os
import re

import pytest

from ansible_collections.ctdb.cluster.plugins.module_utils import _public_addresses as pa

SAMPLES = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'ctdb-samples'))
CONFIG = os.path.join(SAMPLES, 'config_samples', 'public_addresses')
NAMES = sorted(os.listdir(CONFIG))
REFUSED = ['samba.doc.ctdb.7.policy_routing_sample']


def _read(*parts):
    with open(os.path.join(*parts)) as handle:
        return handle.read()


def _config(name):
    return _read(CONFIG, name, 'public_addresses')


@pytest.mark.parametrize('name', [n for n in NAMES if n not in REFUSED])
def test_every_loadable_sample_parses_line_by_line(name):
    text = _config(name)
    entries = pa.parse_public_addresses(text)
    lines = [line for line in text.split('\n') if line.strip() and not line.lstrip().startswith('#')]
    assert [entry['line'] for entry in entries] == lines
    for entry, line in zip(entries, lines):
        address, interfaces = line.split()
        assert entry['address'] == address
        assert entry['interface_name'] == interfaces
        assert entry['interfaces'] == interfaces.split(',')
        assert entry['mask'] == int(address.split('/')[1])
        assert entry['raw'] == line.strip()


@pytest.mark.parametrize('name', [n for n in NAMES if n not in REFUSED])
def test_keeping_the_same_addresses_rewrites_nothing(name):
    text = _config(name)
    desired = [{'address': e['address'], 'interface_name': e['interface_name']} for e in pa.parse_public_addresses(text)]
    plan = pa.plan_addresses(text, desired)
    assert plan['content'] == text
    assert (plan['added'], plan['removed'], plan['modified']) == ([], [], [])


def test_api_view_is_the_rest_api_shape():
    entries = pa.parse_public_addresses(_config('realworld.samba-technical.2021-05-08'))
    assert pa.api_view(entries)[0] == {'raw': '192.168.210.10/24 ens15f1', 'address': '192.168.210.10/24',
                                       'interface_name': 'ens15f1'}


def test_api_view_lists_several_interfaces():
    entries = pa.parse_public_addresses('10.0.0.1/24 eth2,eth3\n')
    assert pa.api_view(entries) == [{'raw': '10.0.0.1/24 eth2,eth3', 'address': '10.0.0.1/24',
                                     'interface_name': 'eth2,eth3', 'interfaces': ['eth2', 'eth3']}]


def test_comment_line_of_the_eventscript_sample_is_skipped():
    entries = pa.parse_public_addresses(_config('samba.tests.eventscripts.setup_public_addresses'))
    assert entries[0]['lineno'] == 2 and entries[0]['address'] == '10.0.0.1/24'
    assert len(entries) == 9


def test_ipv6_sample():
    entries = pa.parse_public_addresses(_config('samba.local_daemons.3nodes.ipv6.node_no_ips_2'))
    assert [(e['ip'], e['mask']) for e in entries] == [('fc00:10::1:1', 64), ('fc00:10::2:1', 64),
                                                       ('fc00:10::1:2', 64), ('fc00:10::2:2', 64)]


def test_per_node_samples_differ_between_nodes():
    # ctdb.7: nodes 0,1 serve eth1 addresses, nodes 2,3 eth2 addresses; each file parses on its own.
    node0 = pa.parse_public_addresses(_config('samba.doc.ctdb.7.per_node.node0'))
    node2 = pa.parse_public_addresses(_config('samba.doc.ctdb.7.per_node.node2'))
    assert set(e['interface_name'] for e in node0) == {'eth1'}
    assert set(e['interface_name'] for e in node2) == {'eth2'}


def test_the_manual_excerpt_without_mask_is_refused_like_ctdbd_does():
    with pytest.raises(pa.AddressesError) as err:
        pa.parse_public_addresses(_config('samba.doc.ctdb.7.policy_routing_sample'))
    assert str(err.value) == ("line 1 of public_addresses is '  192.168.1.98\\teth2,eth3': badly formed (the /MASK is "
                              "missing: CTDB needs ADDR/MASK, for example 192.168.1.98/24)")
    source = _read(CONFIG, 'samba.doc.ctdb.7.policy_routing_sample', 'source.txt')
    assert 'Badly formed line' in source


@pytest.mark.parametrize('text, message', [
    ('10.0.0.1/24\n', "line 1 of public_addresses is '10.0.0.1/24': no interface specified; CTDB needs "
                      "\"ADDR/MASK IFACE[,IFACE...]\" on every line"),
    ('10.0.0.1/24 eth0\n10.0.0.1/16 eth1\n', 'public_addresses lists 10.0.0.1 twice (lines 1 and 2): CTDB refuses a '
                                             'duplicate public IP address; delete one of the lines'),
    ('10.0.0.300/24 eth0\n', "line 1 of public_addresses is '10.0.0.300/24 eth0': badly formed ('10.0.0.300' is not "
                             "an IPv4 or IPv6 address)"),
    ('10.0.0.1/33 eth0\n', "line 1 of public_addresses is '10.0.0.1/33 eth0': badly formed (the mask '33' is not a "
                           "prefix length between 0 and 32)"),
    ('10.0.0.1/24 eth0,,eth1\n', "line 1 of public_addresses ('10.0.0.1/24 eth0,,eth1'): invalid interface name '': "
                                 "a Linux interface name has 1 to 15 bytes (UTF-8) and no blank, NUL, \"/\", \":\", \",\" or \"#\""),
])
def test_bad_files_are_refused(text, message):
    with pytest.raises(pa.AddressesError) as err:
        pa.parse_public_addresses(text)
    assert str(err.value) == message


# --------------------------------------------------------------------------- plan

BASE = '# public addresses of node 0\n10.0.0.1/24 eth1\n10.0.0.2/24 eth1\n\n10.0.1.1/24 eth2,eth3\n'


def _want(*items):
    return [{'address': a, 'interface_name': i} for a, i in items]


def test_plan_adds_at_the_end_and_keeps_comments():
    plan = pa.plan_addresses(BASE, _want(('10.0.0.1/24', 'eth1'), ('10.0.0.2/24', 'eth1'),
                                         ('10.0.1.1/24', 'eth2,eth3'), ('10.0.0.3/24', 'eth1')))
    assert plan['content'] == BASE + '10.0.0.3/24 eth1\n'
    assert plan['added'] == ['10.0.0.3/24'] and plan['staged_content'] == plan['content']


def test_plan_removes_only_the_line():
    plan = pa.plan_addresses(BASE, _want(('10.0.0.1/24', 'eth1'), ('10.0.1.1/24', 'eth2,eth3')))
    assert plan['content'] == '# public addresses of node 0\n10.0.0.1/24 eth1\n\n10.0.1.1/24 eth2,eth3\n'
    assert plan['removed'] == ['10.0.0.2/24']


def test_plan_changing_mask_or_interface_has_a_staged_first_step():
    plan = pa.plan_addresses(BASE, [
        {'address': '10.0.0.1/16', 'interface_name': 'eth1'},
        {'address': '10.0.0.2/24', 'interfaces': ['eth1', 'eth4']},
        {'address': '10.0.1.1/24', 'interfaces': ['eth2', 'eth3']},
    ])
    assert plan['content'] == ('# public addresses of node 0\n10.0.0.1/16 eth1\n10.0.0.2/24 eth1,eth4\n\n'
                               '10.0.1.1/24 eth2,eth3\n')
    assert plan['staged_content'] == '# public addresses of node 0\n\n10.0.1.1/24 eth2,eth3\n'
    assert plan['modified'] == [
        {'address': '10.0.0.1/16', 'before': '10.0.0.1/24 eth1', 'after': '10.0.0.1/16 eth1'},
        {'address': '10.0.0.2/24', 'before': '10.0.0.2/24 eth1', 'after': '10.0.0.2/24 eth1,eth4'},
    ]


def test_plan_compares_ipv6_canonically():
    text = 'fc00:10::1:1/64 lo\n'
    plan = pa.plan_addresses(text, _want(('FC00:10:0::1:1/64', 'lo')))
    assert plan['content'] == text


def test_plan_empty_list_empties_the_file():
    assert pa.plan_addresses(BASE, [])['content'] == '# public addresses of node 0\n\n'


def test_plan_on_missing_file():
    plan = pa.plan_addresses(None, _want(('127.0.13.101/32', 'lo')))
    assert plan['content'] == '127.0.13.101/32 lo\n'


@pytest.mark.parametrize('desired, message', [
    (_want(('10.0.0.1', 'eth1')), "addresses[0]: invalid address '10.0.0.1': the /MASK is missing: CTDB needs "
                                  "ADDR/MASK, for example 10.0.0.1/24"),
    (_want(('10.0.0.1:445/24', 'eth1')), "addresses[0]: invalid address '10.0.0.1:445/24': a public address has no port"),
    (_want(('10.0.0.1/24', 'eth1'), ('10.0.0.1/16', 'eth2')),
     'address 10.0.0.1 is listed twice (addresses[0] and addresses[1]): CTDB refuses a duplicate public IP address; '
     'list it once'),
    (_want(('10.0.0.1/24', 'eth 1')), "addresses[0] (10.0.0.1/24): invalid interface name 'eth 1': a Linux interface "
                                      "name has 1 to 15 bytes (UTF-8) and no blank, NUL, \"/\", \":\", \",\" or \"#\""),
    (_want(('10.0.0.1/24', 'averyveryverylongname')),
     "addresses[0] (10.0.0.1/24): invalid interface name 'averyveryverylongname': a Linux interface name has 1 to 15 "
     "bytes (UTF-8) and no blank, NUL, \"/\", \":\", \",\" or \"#\""),
    ([{'address': '10.0.0.1/24'}], 'addresses[0] (10.0.0.1/24) has no interface: CTDB needs one (interface_name: eth0, '
                                   'or interfaces: [eth0, eth1])'),
    ([{'address': '10.0.0.1/24', 'interface_name': 'eth0', 'interfaces': ['eth1']}],
     'addresses[0] (10.0.0.1/24) gives both interface_name and interfaces: give one of them'),
    ([{'address': '10.0.0.1/24', 'interfaces': ['eth0', 'eth0']}],
     'addresses[0] (10.0.0.1/24) lists interface eth0 twice: list each interface once'),
    (['10.0.0.1/24 eth0'], "addresses[0] is '10.0.0.1/24 eth0': give a dictionary {address: ADDR/MASK, "
                           "interface_name: IFACE}"),
])
def test_plan_refuses_bad_desired(desired, message):
    with pytest.raises(pa.AddressesError) as err:
        pa.plan_addresses(BASE, desired)
    assert str(err.value) == message


def test_missing_interfaces():
    entries = pa.normalize_desired(_want(('10.0.0.1/24', 'eth1,eth9'), ('10.0.0.2/24', 'lo')))
    assert pa.missing_interfaces(entries, ['lo', 'eth1']) == ['eth9']


# --------------------------------------------------------------------------- ctdb ip


IP_CASES = sorted(c for c in os.listdir(os.path.join(SAMPLES, 'ip')) if c.startswith('ctdb.ip.'))


@pytest.mark.parametrize('case', IP_CASES)
def test_parse_ip_all_matches_truth(case):
    base = os.path.join(SAMPLES, 'ip', case)
    output = _read(base, 'output.txt')
    truth = json.loads(_read(base, 'truth.json'))
    parsed = pa.parse_ip_all(output)
    command = _read(base, 'command.txt')
    known = dict((line.split()[0], int(line.split()[1])) for line in truth['public_ips'])
    if 'all' in command.split():
        assert set(parsed) == set(known)
    for address, info in parsed.items():
        assert info['pnn'] == known[address]
    if '-v' in command.split():
        for address, info in parsed.items():
            assert info['configured'] is not None
            assert info['configured'] == (info['available'] if info['pnn'] >= 0 else [])
    assert len(parsed) == len([line for line in output.splitlines() if re.match(r'^[0-9a-f.:]+ ', line)])


# ----------------------------------------------------------------------------- values CTDB and the kernel refuse
# Interface names were checked against the kernel in a network namespace of the test's own
# (`unshare -n ip link add NAME type veth ...`): 15 bytes passed, 16 failed, "ééééééé" (14 bytes) passed,
# "aàbcdefgh" failed (à is C3 A0 in UTF-8, and the kernel's isspace() takes 0xA0), "a,b" passed
# (but CTDB splits on ","), "a:b", "a/b", "a b", "." and ".." failed.
@pytest.mark.parametrize('name, valid', [
    ('abcdefghijklmno', True),
    ('abcdefghijklmnop', False),
    (u'ééééééé', True),
    (u'éééééééé', False),
    (u'aàbcdefgh', False),
    ('eth\x000', False),
    (u'a\u2003b', True),
    ('a,b', False), ('a:b', False), ('a/b', False), ('a b', False), ('a\tb', False), ('.', False), ('..', False),
    ('', False), ('\udcff', False),
])
def test_interface_names_are_what_the_kernel_and_ctdb_take(name, valid):
    assert pa.valid_interface_name(name) is valid


@pytest.mark.parametrize('desired, message', [
    (_want(('fe80::1%eth0/64', 'eth0')),
     "addresses[0]: invalid address 'fe80::1%eth0/64': CTDB refuses an IPv6 zone (\"%eth0\"): give the address "
     "without it"),
    (_want(('::ffff:a00:1/24', 'eth0')),
     "addresses[0]: invalid address '::ffff:a00:1/24': CTDB reads an IPv4-mapped address by its dotted tail and "
     "cannot read this one: write 10.0.0.1"),
    (_want(('::ffff:10.0.0.1/120', 'eth0')),
     "addresses[0]: invalid address '::ffff:10.0.0.1/120': the mask '120' is not a prefix length between 0 and 32"),
    (_want(('10.0.0.1/24', 'eth0'), ('::ffff:10.0.0.1/24', 'eth0')),
     'address 10.0.0.1 is listed twice (addresses[0] and addresses[1]): CTDB refuses a duplicate public IP address; '
     'list it once'),
    (_want(('10.0.0.1/24', 'eth\x000')),
     "addresses[0] (10.0.0.1/24): invalid interface name 'eth\\x000': a Linux interface name has 1 to 15 bytes "
     "(UTF-8) and no blank, NUL, \"/\", \":\", \",\" or \"#\""),
    (_want(('10.0.0.1/24', u'éééééééé')),
     u"addresses[0] (10.0.0.1/24): invalid interface name 'éééééééé': a Linux interface name has 1 to 15 bytes "
     u"(UTF-8) and no blank, NUL, \"/\", \":\", \",\" or \"#\""),
])
def test_plan_refuses_values_ctdb_reads_otherwise(desired, message):
    with pytest.raises(pa.AddressesError) as error:
        pa.plan_addresses('', desired)
    assert str(error.value) == message


def test_a_file_with_an_ipv4_mapped_duplicate_is_refused():
    with pytest.raises(pa.AddressesError) as error:
        pa.parse_public_addresses('10.0.0.1/24 eth0\n::ffff:10.0.0.1/24 eth1\n')
    assert str(error.value) == ('public_addresses lists 10.0.0.1 twice (lines 1 and 2): CTDB refuses a duplicate '
                                'public IP address; delete one of the lines')


def test_an_ipv4_mapped_address_is_read_as_ipv4():
    entry, = pa.parse_public_addresses('::ffff:10.0.0.1/24 eth0\n')
    assert (entry['ip'], entry['mask'], entry['address']) == ('10.0.0.1', 24, '::ffff:10.0.0.1/24')


def test_parse_and_plan_name_the_path_they_are_given():
    path = '/etc/ctdb/public_addresses'
    with pytest.raises(pa.AddressesError) as err:
        pa.parse_public_addresses('10.0.0.9/24\n', path)
    assert err.value.msg.startswith(path + ': line 1 of public_addresses is ') and err.value.data == {'path': path}
    with pytest.raises(pa.AddressesError) as err:
        pa.plan_addresses('', [{'address': '10.0.0.9/24'}], path)
    assert err.value.msg.startswith(path + ': ') and err.value.data == {'path': path}
