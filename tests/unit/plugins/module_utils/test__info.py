# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_info's shaping of one node's files into the ctdb role's variables, from real config samples."""
import os

from ansible_collections.ctdb.cluster.plugins.module_utils import _conf, _info, _nodes, _public_addresses

SAMPLES = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'ctdb-samples'))

CONF = ('[logging]\n\tlocation = file:/var/log/ctdb/log.ctdb\n\tlog level = NOTICE\n'
        '[cluster]\n\tnode address = 10.0.0.1\n\trecovery lock = !/usr/libexec/ctdb/ctdb_etcd_lock\n'
        '[legacy]\n\tstart as disabled = true\n')


def test_split_conf_keeps_the_lock_key_and_the_host_option():
    parsed = _conf.read(CONF)['parsed']
    conf, host, lock, key = _info.split_conf(parsed)
    assert lock == '!/usr/libexec/ctdb/ctdb_etcd_lock' and key == 'recovery lock'
    assert host == {'cluster': {'node address': '10.0.0.1'}}
    assert conf == {'logging': {'location': 'file:/var/log/ctdb/log.ctdb', 'log level': 'NOTICE'},
                    'legacy': {'start as disabled': 'true'}}


def test_cluster_lock_wins_over_recovery_lock():
    parsed = _conf.read('[cluster]\n\trecovery lock = /old\n\tcluster lock = /new\n')['parsed']
    conf, dummy, lock, key = _info.split_conf(parsed)
    assert (lock, key) == ('/new', 'cluster lock') and conf == {}
    assert _info.split_conf({})[2:] == ('', 'cluster lock')


def test_role_vars_from_files():
    slots = _nodes.parse_nodes('10.0.0.1\n#10.0.0.2\n10.0.0.3\n')
    public = _public_addresses.parse_public_addresses('10.0.1.1/24 eth0\n10.0.1.2/24 eth0,eth1\n')
    result = _info.role_vars('/etc/ctdb', _conf.read(CONF)['parsed'], slots, public, ['50.samba'],
                             {'MonitorInterval': 20}, node_address='10.9.9.9')
    assert result['ctdb_nodes'] == ['10.0.0.1', '10.0.0.3']
    assert result['ctdb_node_address'] == '10.0.0.1'  # ctdb.conf wins over the status address
    assert result['ctdb_public_addresses'] == [{'address': '10.0.1.1/24', 'interface_name': 'eth0'},
                                               {'address': '10.0.1.2/24', 'interfaces': ['eth0', 'eth1']}]
    assert result['ctdb_event_scripts_enabled'] == ['50.samba']
    assert result['ctdb_tunables'] == {'MonitorInterval': 20}
    assert _info.role_vars('/b', {}, [], [], [], {}, '10.9.9.9')['ctdb_node_address'] == '10.9.9.9'


def test_every_public_addresses_sample_round_trips_through_the_role_shape():
    config = os.path.join(SAMPLES, 'config_samples', 'public_addresses')
    for name in sorted(os.listdir(config)):
        with open(os.path.join(config, name, 'public_addresses')) as handle:
            text = handle.read()
        try:
            entries = _public_addresses.parse_public_addresses(text)
        except _public_addresses.AddressesError:
            continue
        items = _info.public_addresses_var(entries)
        again = _public_addresses.normalize_desired(items)
        assert [e['ip'] for e in again] == [e['ip'] for e in entries], name


def test_host_options():
    pairs = _info.parse_host_options(['cluster/node address', ' Logging / location ', 'database/state  database directory'])
    assert pairs == (('cluster', 'node address'), ('logging', 'location'), ('database', 'state database directory'))
    conf, host, dummy, dummy = _info.split_conf(_conf.read(CONF)['parsed'], pairs)
    assert host == {'cluster': {'node address': '10.0.0.1'}, 'logging': {'location': 'file:/var/log/ctdb/log.ctdb'}}
    assert conf == {'logging': {'log level': 'NOTICE'}, 'legacy': {'start as disabled': 'true'}}
    for bad in ('location', '/location', 'logging/'):
        try:
            _info.parse_host_options([bad])
        except _info.InfoError as exc:
            assert repr(bad) in str(exc) and 'SECTION/KEY' in str(exc)
        else:
            raise AssertionError(bad)
