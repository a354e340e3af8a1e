# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_ip with run_command scripted with real 4.17 outputs (fake: utils.FakeCtdb).

The refusals are data in test_ctdb_ip.yaml; what polls or needs more runs stays here.
"""
import pytest

from ansible_collections.ctdb.cluster.plugins.modules import ctdb_ip
from ansible_collections.ctdb.cluster.tests.unit.plugins.modules.utils import (
    UNEXPECTED, ExitJson, FailJson, check_case, load_cases, real,
)

MODULE = ctdb_ip
STOPPED = real('status_node1_stopped.txt')
HEALTHY = STOPPED.replace('STOPPED|INACTIVE', 'OK')
IPS = real('X_ip_all.txt')
OWN = real('n1_X_ip_v.txt')
NO_ADDRESSES = '|Public IP|Node|ActiveInterfaces|AvailableInterfaces|ConfiguredInterfaces|\n'
MOVED = IPS.replace('|127.0.26.103|0|', '|127.0.26.103|1|')


@pytest.fixture(autouse=True)
def strict(ctdb):
    """A command the test does not answer fails it."""
    ctdb.default = UNEXPECTED


def cluster(ctdb, status=HEALTHY, ips=(IPS,), own=None):
    ctdb.answer(['status'], status)
    ctdb.answer(['-X', 'ip', 'all'], *ips)
    for pnn in (0, 1, 2):
        ctdb.answer(['-n', str(pnn), '-X', 'ip', '-v'], (own or {}).get(pnn, OWN))


@pytest.mark.parametrize('case', load_cases(__file__))
def test_case(case, run_module, ctdb, tmp_path):
    check_case(case, run_module, ctdb, tmp_path)


def test_read_only_placement(ctdb, run_module):
    cluster(ctdb)
    result = run_module(expect=ExitJson)
    assert result['changed'] is False and ctdb.changing() == []
    assert result['addresses'][0] == {'address': '127.0.26.101', 'pnn': 2, 'configured_on': [0, 1, 2],
                                      'available_on': [0, 1, 2], 'can_host': [0, 1, 2]}


def test_move_waits_until_served_there(ctdb, run_module, clock):
    cluster(ctdb, ips=(IPS, IPS, MOVED))
    ctdb.answer(['moveip', '127.0.26.103', '1'], '')
    result = run_module({'address': '127.0.26.103', 'pnn': 1}, expect=ExitJson)
    assert ctdb.changing() == [['moveip', '127.0.26.103', '1']]
    assert result['changed'] is True
    assert result['moved'] == [{'address': '127.0.26.103', 'from': 0, 'to': 1}]
    assert clock.now == 1000.5


def test_move_to_where_it_is_changes_nothing(ctdb, run_module):
    cluster(ctdb)
    result = run_module({'address': '127.0.26.103', 'pnn': 0}, expect=ExitJson)
    assert result['changed'] is False and result['commands'] == [] and ctdb.changing() == []


def test_check_mode_predicts_the_move(ctdb, run_module):
    cluster(ctdb)
    result = run_module({'address': '127.0.26.103', 'pnn': 2}, check=True, expect=ExitJson)
    assert result['changed'] is True and ctdb.changing() == []
    assert result['moved'] == [{'address': '127.0.26.103', 'from': 0, 'to': 2}]


def test_move_timeout(ctdb, run_module, clock):
    cluster(ctdb)
    ctdb.answer(['moveip', '127.0.26.103', '1'], '')
    result = run_module({'address': '127.0.26.103', 'pnn': 1, 'timeout': 2}, expect=FailJson)
    assert result['msg'] == '127.0.26.103 is still served by node 0, not node 1, after 2 s'


def test_reallocate_reports_what_moved(ctdb, run_module):
    cluster(ctdb, ips=(IPS, MOVED))
    ctdb.answer(['ipreallocate'], '')
    result = run_module({'reallocate': True}, expect=ExitJson)
    assert ctdb.changing() == [['ipreallocate']]
    assert result['changed'] is True and result['moved'] == [{'address': '127.0.26.103', 'from': 0, 'to': 1}]


def test_reallocate_check_mode(ctdb, run_module):
    unassigned = IPS.replace('|127.0.26.103|0|', '|127.0.26.103|-1|')
    cluster(ctdb, ips=(unassigned,))
    assert run_module({'reallocate': True}, check=True, expect=ExitJson)['changed'] is True
    ctdb.answer(['-X', 'ip', 'all'], IPS)
    assert run_module({'reallocate': True}, check=True, expect=ExitJson)['changed'] is False
    assert ctdb.changing() == []
