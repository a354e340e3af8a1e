# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The samba role's smb.conf rules (module_utils/_samba_conf, through the filters of plugins/filter/samba.py)."""
import pytest

from ansible_collections.ctdb.cluster.plugins.filter import samba as flt
from ansible_collections.ctdb.cluster.plugins.module_utils import _samba_conf


@pytest.mark.parametrize('value, text', [(True, 'yes'), (False, 'no'), (0, '0'), (445, '445'),
                                         ('SMB3', 'SMB3'), ([445, 139], '445 139'), ([True, 'x'], 'yes x')])
def test_values_are_written_the_samba_way(value, text):
    assert flt.samba_value(value) == text


def test_a_valid_idmap_has_no_error():
    assert flt.samba_idmap_error({'*': {'backend': 'tdb', 'range': '1000000-1999999'},
                                  'CORP': {'backend': 'rid', 'range': ' 2000000 - 2999999 '}}) == ''


@pytest.mark.parametrize('idmap, words', [
    ({}, "give at least the default domain '*'"),
    ('tdb', "not 'tdb'"),
    ({'*': {'backend': 'tdb'}}, "domain '*' needs a backend and a range"),
    ({'*': {'backend': 'tdb', 'range': '2000-1000'}}, "range='2000-1000' is not LOW-HIGH with LOW <= HIGH"),
    ({'*': {'backend': 'tdb', 'range': 'lots'}}, "range='lots' is not LOW-HIGH"),
    ({'*': {'backend': 'tdb', 'range': '1000-2000'}, 'CORP': {'backend': 'rid', 'range': '2000-3000'}},
     "the ranges of domains '*' (1000-2000) and 'CORP' (2000-3000) overlap"),
])
def test_bad_idmaps_are_named(idmap, words):
    assert words in flt.samba_idmap_error(idmap)


def test_the_role_owns_its_parameters_whatever_their_spelling():
    options = {'NetBIOS  Name': 'X', 'clustering': True, 'idmap config * : range': '1-2', 'log level': 1,
               'Include': 'registry', 'server min protocol': 'SMB2'}
    assert flt.samba_owned_parameters(options) == ['Include', 'NetBIOS  Name', 'clustering', 'idmap config * : range']
    assert flt.samba_owned_parameters('not a dict') == []


def test_the_settings_compared_between_nodes():
    host = {'samba_netbios_name': 'SMB', 'samba_idmap': {'*': {}}, 'inventory_hostname': 'lab1'}
    settings = flt.samba_conf_settings(host)
    assert settings['samba_netbios_name'] == 'SMB' and 'inventory_hostname' not in settings
    assert set(settings) == set(_samba_conf.SETTINGS)
    assert flt.samba_conf_settings(None) == {}
    filters = {'samba_value', 'samba_idmap_error', 'samba_owned_parameters', 'samba_conf_settings'}
    assert set(flt.FilterModule().filters()) == filters
