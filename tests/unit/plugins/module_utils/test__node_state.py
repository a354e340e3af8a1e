# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Node administrative state: the plan for every (flags, state) pair, the refusals on real status
outputs (a deleted node, the last node in service) and the wait predicates on real ip outputs."""
import itertools
import os

import pytest

from ansible_collections.ctdb.cluster.plugins.module_utils import _ips, _node_state as ns, _status

FIXTURES = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures'))
SAMPLES = os.path.join(FIXTURES, 'ctdb-samples')
REAL = os.path.join(FIXTURES, 'sandbox-4.17')


def _read(*parts):
    with open(os.path.join(*parts)) as handle:
        return handle.read()


def _cluster(*parts):
    return _status.parse_status_text(_read(*parts))['cluster']


ADMIN_COMBOS = [list(c) for n in range(4) for c in itertools.combinations(('DISABLED', 'STOPPED', 'BANNED'), n)]


@pytest.mark.parametrize('flags', ADMIN_COMBOS, ids=lambda f: '|'.join(f) or 'OK')
@pytest.mark.parametrize('state', ns.STATES)
def test_plan_reaches_exactly_the_state(flags, state):
    commands = ns.plan(flags, state, ban_time=30)
    # Apply the plan the way ctdbd does, flag by flag.
    effect = {'disable': ('DISABLED', True), 'enable': ('DISABLED', False), 'stop': ('STOPPED', True),
              'continue': ('STOPPED', False), 'ban': ('BANNED', True), 'unban': ('BANNED', False)}
    now = set(flags)
    served_in_between = False
    for command in commands:
        flag, on = effect[command[0]]
        now = now | {flag} if on else now - {flag}
        served_in_between = served_in_between or (state != 'enabled' and not now)
    assert ns.admin_state(sorted(now)) == state
    assert sorted(now) == sorted(ns.expected_flags(flags, state))
    assert not served_in_between
    assert (commands == []) == (ns.admin_state(flags) == state and len(flags) == (0 if state == 'enabled' else 1))


def test_plan_examples():
    assert ns.plan([], 'banned', 600) == [['ban', '600']]
    assert ns.plan(['STOPPED', 'INACTIVE'], 'enabled') == [['continue']]
    assert ns.plan(['BANNED', 'INACTIVE'], 'enabled') == [['unban']]
    assert ns.plan(['STOPPED', 'INACTIVE'], 'disabled') == [['disable'], ['continue']]
    assert ns.plan(['BANNED', 'INACTIVE'], 'banned', 5) == []
    assert ns.plan(['UNHEALTHY'], 'enabled') == []


def test_admin_state_of_real_flags():
    cluster = _cluster(REAL, 'status_node1_stopped.txt')
    assert [ns.admin_state(n['flags']) for n in cluster['nodes']] == ['enabled', 'stopped', 'enabled']


def test_refuse_a_deleted_node_and_a_missing_one():
    cluster = _cluster(SAMPLES, 'nodestatus', 'ctdb.reloadnodes.040_2_text', 'output.txt')
    assert cluster['node_count'] == 4
    message = ns.refusal(cluster['nodes'], cluster['node_count'], 3, 'disabled')
    assert message.startswith('node 3 is a deleted node') and 'pick one of the nodes 0, 1, 2' in message
    assert ns.refusal(cluster['nodes'], cluster['node_count'], 4, 'enabled') == \
        'node 4 does not exist: the cluster has the nodes 0, 1, 2'
    assert ns.refusal(cluster['nodes'], cluster['node_count'], 1, 'banned') is None


def test_refuse_the_last_node_in_service():
    cluster = _cluster(REAL, 'status_node1_stopped.txt')
    nodes = [dict(n, flags=['DISABLED'], status='DISABLED') if n['pnn'] == 2 else n for n in cluster['nodes']]
    message = ns.refusal(nodes, 3, 0, 'banned')
    assert message.startswith('refusing to make node 0 banned: it is the last node in service')
    assert '1 STOPPED|INACTIVE, 2 DISABLED' in message
    assert ns.refusal(nodes, 3, 0, 'enabled') is None
    # Taking out a node that is already out of service leaves the others as they were.
    assert ns.refusal(nodes, 3, 2, 'stopped') is None
    assert ns.refusal(cluster['nodes'], 3, 0, 'disabled') is None


def test_refuse_when_every_other_node_is_unhealthy():
    cluster = _cluster(SAMPLES, 'status', 'realworld.samba-technical.2021-05-08.node1', 'output.txt')
    nodes = [dict(n, flags=[], status='OK') if n['pnn'] == 0 else n for n in cluster['nodes']]
    assert 'last node in service' in ns.refusal(nodes, 3, 0, 'disabled')


def test_out_of_service_wait_on_real_outputs():
    stopped = _cluster(REAL, 'status_node1_stopped.txt')['nodes']
    before = _ips.parse_ip(_read(REAL, 'X_ip_all.txt'))
    after = _ips.parse_ip(_read(REAL, 'X_ip_all_node1_stopped.txt'))
    assert ns.out_of_service_reached(1, 'stopped', stopped, after) is None
    assert ns.out_of_service_reached(1, 'stopped', stopped, before) == 'node 1 still serves 127.0.26.102'
    assert ns.out_of_service_reached(1, 'disabled', stopped, after) == 'node 1 is STOPPED|INACTIVE, not yet DISABLED'
    assert ns.moved(_ips.served_by(before), _ips.served_by(after)) == [
        {'address': '127.0.26.102', 'from': 1, 'to': 2}]


def test_enabled_wait_on_real_outputs():
    healthy = _cluster(SAMPLES, 'status', 'ctdb.status.001_1_text', 'output.txt')['nodes']
    ok = _status.parse_status_text(_read(REAL, 'status_node1_stopped.txt').replace('STOPPED|INACTIVE', 'OK'))
    nodes = ok['cluster']['nodes']
    after_stop = _ips.parse_ip(_read(REAL, 'X_ip_all_node1_stopped.txt'))
    back = _ips.parse_ip(_read(REAL, 'X_ip_all.txt'))
    assert ns.enabled_reached(1, nodes, after_stop, 3, True) == 'node 1 is OK but serves no public address yet'
    assert ns.enabled_reached(1, nodes, back, 3, True) is None
    assert ns.enabled_reached(1, nodes, after_stop, 3, False) is None  # NoIPFailback=1: nothing comes back
    assert ns.enabled_reached(1, nodes, after_stop, 0, True) is None   # it can host nothing
    stopped = _cluster(REAL, 'status_node1_stopped.txt')['nodes']
    assert ns.enabled_reached(1, stopped, back, 3, True) == 'node 1 is STOPPED|INACTIVE, not yet OK'
    assert ns.enabled_reached(9, healthy, back, 3, True) == 'node 9 is not in ctdb status'
