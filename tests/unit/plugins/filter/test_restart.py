# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter restart_refusal (tasks/restart.yml) gives _node_state.restart_refusal's verdict; the rule itself is
tested in tests/unit/plugins/module_utils/test__node_state.py."""
import os

from ansible_collections.ctdb.cluster.plugins.filter import restart as flt
from ansible_collections.ctdb.cluster.plugins.module_utils import _node_state, _status

REAL = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'sandbox-4.17'))


def stopped_cluster():
    with open(os.path.join(REAL, 'status_node1_stopped.txt')) as handle:
        return _status.parse_status_text(handle.read())['cluster']


def test_the_filter_is_the_rule():
    cluster = stopped_cluster()
    names = {'127.0.26.2': 'node1'}
    assert flt.restart_refusal(cluster) == _node_state.restart_refusal(cluster) != ''
    assert flt.restart_refusal(cluster, None, names) == _node_state.restart_refusal(cluster, None, names)
    assert '(127.0.26.2, node1) STOPPED|INACTIVE' in flt.restart_refusal(cluster, None, names)
    assert flt.restart_refusal(cluster, 1) == ''
    assert flt.FilterModule().filters() == {'restart_refusal': flt.restart_refusal}


def test_what_the_role_passes_when_the_status_could_not_be_read():
    # the role passes default({}) when ctdb_status failed, and an empty names map when no host has an address
    assert flt.restart_refusal({}, None, {}) == ''
    assert flt.restart_refusal('', '1', None) == ''
