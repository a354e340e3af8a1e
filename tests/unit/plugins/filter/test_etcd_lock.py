# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The etcd_lock role's filters: the helper's timing rule, plain-http credentials, quoted values.

Quoted values are read back by the helper's own configuration parser (the deployed file
roles/etcd_lock/files/ctdb_etcd_lock), so what the role writes is what the helper reads. The
timing verdicts are compared with the helper's check_timing() when the helper has it.
"""
import importlib.machinery
import importlib.util
import os
import sys

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ctdb.cluster.plugins.filter import etcd_lock as flt

HELPER = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'roles', 'etcd_lock', 'files',
                      'ctdb_etcd_lock')


@pytest.fixture(scope='module')
def helper():
    loader = importlib.machinery.SourceFileLoader('ctdb_etcd_lock_for_filters', os.path.normpath(HELPER))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[loader.name] = module  # dataclasses look their module up there
    loader.exec_module(module)
    return module


def read_back(helper, key, text):
    raw = helper.parse_config_text(text)[key]
    return raw[0] if isinstance(raw, tuple) else raw.value


# (ttl, refresh, timeout, None when accepted or a piece of the refusal)
TIMINGS = [
    (9, 2, 0, None),                       # the defaults: room 9 - 2 - 2 = 5 s for a 1.5 s request
    (2, 1.9, 0, 'leaves no room'),         # margin 0.05: room 0.05 s < 1.425 s
    (9, 0.001, 0, 'at least 0.5 s'),
    (9, 0.5, 0, None),
    (3, 5, 0, 'must be less than etcd_lock_ttl'),
    (9, 9, 0, 'must be less than etcd_lock_ttl'),
    (9, 2, 6, None),                       # a timeout above refresh is capped at refresh: 2 s <= 5 s
    (5, 2, 2, 'leaves no room'),           # margin 1.5: room 1.5 s < 2 s
    (4, 2, 0, 'leaves no room'),           # margin 1: room 1 s < 1.5 s
    (5, 2, 1.5, None),                     # room 1.5 s, exactly one 1.5 s request
    (9, 2, 0.05, 'at least 0.1 s'),
]


@pytest.mark.parametrize('ttl, refresh, timeout, fragment', TIMINGS)
def test_timing_rule(helper, ttl, refresh, timeout, fragment):
    message = flt.timing_error(ttl, refresh, timeout)
    if fragment is None:
        assert message == ''
    else:
        assert fragment in message
    check_timing = getattr(helper, 'check_timing', None)
    if check_timing is not None and refresh >= 0.5 and not 0 < timeout < 0.1:
        # The helper decides the same (its minimum refresh and timeout are checked when it parses the keys).
        effective = min(timeout if timeout > 0 else refresh * 0.75, refresh)
        assert (check_timing(ttl, refresh, effective) is None) == (fragment is None)


@pytest.mark.parametrize('endpoints, expected', [
    (['https://10.0.0.1:2379'], []),
    (['http://127.0.0.1:2379', 'http://localhost:2379', 'http://[::1]:2379'], []),
    (['http://10.0.0.1:2379'], ['http://10.0.0.1:2379']),
    (['10.0.0.2:2379'], ['10.0.0.2:2379']),
    (['https://10.0.0.1', 'http://[fd00::2]:2379'], ['http://[fd00::2]:2379']),
])
def test_plain_http_endpoints(endpoints, expected):
    assert flt.plain_http_endpoints(endpoints) == expected


@pytest.mark.parametrize('password', [
    'simple', 'with space', 'pa" #ss', "it's # here", ' leading and trailing ', '#start', 'a=b;c', 'ünïcode',
    '"', "'", 'x #', '',
])
def test_quoted_values_read_back_byte_for_byte(helper, password):
    line = 'password = %s\nusername = u\n' % flt.config_value(password)
    assert read_back(helper, 'password', line) == password


@pytest.mark.parametrize('password, fragment', [
    ('two\nlines', 'line break'), ('cr\rhere', 'line break'), ('nul\0', 'NUL'), ('both"and\'', 'both kinds'),
])
def test_values_that_cannot_be_written_are_refused_without_showing_them(password, fragment):
    message = flt.config_value_error(password)
    assert fragment in message and password not in message
    with pytest.raises(AnsibleFilterError) as raised:
        flt.config_value(password)
    assert password not in str(raised.value) and fragment in str(raised.value)
