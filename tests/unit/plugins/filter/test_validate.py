# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role's validation filters give exactly the modules' verdicts and messages.

Each case is run through the filter and through the module_utils validator the module calls;
a valid value gives '' and an invalid one the validator's own message. (The role uses them by
their FQCN in tests/integration/test_roles.py's bad-variable cases.)
"""
import pytest

from ansible_collections.ctdb.cluster.plugins.filter import validate as flt
from ansible_collections.ctdb.cluster.plugins.module_utils import _nodes, _public_addresses

NODES = [
    (['10.1.1.1', '10.1.1.2'], None),
    (['fd00::1', '10.1.1.2'], None),
    (['127.0.16.1', '127.0.16.300'], "'127.0.16.300'"),
    (['10.1.1.1/24'], 'no /MASK'),
    (['10.1.1.1:4379'], 'no port'),
    (['fs1.example.com'], 'host names are not allowed'),
    (['10.1.1.1', '10.1.1.1'], 'listed twice'),
    ([], 'at least one node'),
    ([10], 'not a string'),
]

ADDRESSES = [
    ([{'address': '10.0.0.10/24', 'interface_name': 'eth0'}], None),
    ([{'address': '10.0.0.10/24', 'interfaces': ['eth0', 'eth1']}], None),
    ([{'address': '10.0.0.10/24', 'interface_name': 'eth0,eth1'}], None),
    ([{'address': '10.9.9.9', 'interface_name': 'lo'}], 'the /MASK is missing'),
    ([{'address': '10.0.0.300/24', 'interface_name': 'eth0'}], 'is not an IPv4 or IPv6 address'),
    ([{'address': '10.0.0.10/33', 'interface_name': 'eth0'}], 'not a prefix length'),
    ([{'address': '10.0.0.10/24', 'interface_name': 'a-very-long-interface'}], 'invalid interface name'),
    ([{'address': '10.0.0.10/24', 'interface_name': 'eth0#x'}], 'invalid interface name'),
    ([{'address': '10.0.0.10/24'}], 'has no interface'),
    ([{'address': '10.0.0.10/24', 'interface_name': 'eth0', 'interfaces': ['eth1']}], 'both interface_name and'),
    ([{'address': '10.0.0.10/24', 'interface_name': 'eth0'}, {'address': '10.0.0.10/16', 'interface_name': 'eth1'}],
     'listed twice'),
]


def module_verdict(validator, error, value):
    try:
        validator(value)
    except error as exc:
        return str(exc)
    return ''


@pytest.mark.parametrize('nodes, fragment', NODES)
def test_nodes_error_is_the_ctdb_nodes_verdict(nodes, fragment):
    message = flt.nodes_error(nodes)
    assert message == module_verdict(_nodes.validate_desired, _nodes.NodesError, nodes)
    if fragment is None:
        assert message == ''
    else:
        assert fragment in message


@pytest.mark.parametrize('addresses, fragment', ADDRESSES)
def test_public_addresses_error_is_the_ctdb_addresses_verdict(addresses, fragment):
    message = flt.public_addresses_error(addresses)
    expected = module_verdict(_public_addresses.normalize_desired, _public_addresses.AddressesError, addresses)
    assert message == expected
    if fragment is None:
        assert message == ''
    else:
        assert fragment in message


def test_public_addresses_error_refuses_a_non_list():
    assert 'give a list' in flt.public_addresses_error({'address': '10.0.0.10/24'})
