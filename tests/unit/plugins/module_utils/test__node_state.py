# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Node administrative state: the plan for every (flags, state) pair, the refusals on real status
outputs (a deleted node, the last node in service) and the wait predicates on real ip outputs."""
import itertools
import os

import pytest

from ansible_collections.ctdb.cluster.plugins.module_utils import _ips, _node_state as ns, _status
from ctdbtest import reference

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
    before = reference.parse_ip(_read(REAL, 'X_ip_all.txt'))
    after = reference.parse_ip(_read(REAL, 'X_ip_all_node1_stopped.txt'))
    assert ns.out_of_service_reached(1, 'stopped', stopped, after) is None
    assert ns.out_of_service_reached(1, 'stopped', stopped, before) == 'node 1 still serves 127.0.26.102'
    assert ns.out_of_service_reached(1, 'disabled', stopped, after) == 'node 1 is STOPPED|INACTIVE, not yet DISABLED'
    assert ns.moved(_ips.served_by(before), _ips.served_by(after)) == [
        {'address': '127.0.26.102', 'from': 1, 'to': 2}]


def test_enabled_wait_on_real_outputs():
    healthy = _cluster(SAMPLES, 'status', 'ctdb.status.001_1_text', 'output.txt')['nodes']
    ok = _status.parse_status_text(_read(REAL, 'status_node1_stopped.txt').replace('STOPPED|INACTIVE', 'OK'))
    nodes = ok['cluster']['nodes']
    after_stop = reference.parse_ip(_read(REAL, 'X_ip_all_node1_stopped.txt'))
    back = reference.parse_ip(_read(REAL, 'X_ip_all.txt'))
    assert ns.enabled_reached(1, nodes, after_stop, 3, True) == 'node 1 is OK but serves no public address yet'
    assert ns.enabled_reached(1, nodes, back, 3, True) is None
    assert ns.enabled_reached(1, nodes, after_stop, 3, False) is None  # NoIPFailback=1: nothing comes back
    assert ns.enabled_reached(1, nodes, after_stop, 0, True) is None   # it can host nothing
    stopped = _cluster(REAL, 'status_node1_stopped.txt')['nodes']
    assert ns.enabled_reached(1, stopped, back, 3, True) == 'node 1 is STOPPED|INACTIVE, not yet OK'
    assert ns.enabled_reached(9, healthy, back, 3, True) == 'node 9 is not in ctdb status'


# The rule of a graceful restart (issue 20): never fewer nodes serving than ctdb_restart_min_serving.
STOPPED_TEXT = _read(REAL, 'status_node1_stopped.txt')


def _text_cluster(text):
    return _status.parse_status_text(text)['cluster']


def test_restart_refused_while_another_node_is_out_names_it_and_its_flags():
    # real 4.17: node 0 (this node) OK, node 1 STOPPED|INACTIVE, node 2 OK
    message = ns.restart_refusal(_text_cluster(STOPPED_TEXT))
    assert message == (
        'refusing to restart node 0 (127.0.26.1): taking it out of service would leave 1 of the 3 nodes serving, '
        'fewer than ctdb_restart_min_serving=2. Out of service now: node 1 (127.0.26.2) STOPPED|INACTIVE. Bring them '
        'back first (a node an administrator took out: ctdb enable, ctdb continue or ctdb unban on it, or '
        'playbooks/maintenance.yml with ctdb_maintenance_state=enabled; an UNHEALTHY or DISCONNECTED node: repair '
        'it), or lower ctdb_restart_min_serving (for example -e ctdb_restart_min_serving=1) to accept fewer nodes '
        'serving during the restart')


@pytest.mark.parametrize('flag', ['DISABLED', 'BANNED|INACTIVE', 'UNHEALTHY', 'DISCONNECTED|INACTIVE'])
def test_restart_refused_for_every_way_a_node_is_out(flag):
    # the real output, node 1's flags edited
    message = ns.restart_refusal(_text_cluster(STOPPED_TEXT.replace('STOPPED|INACTIVE', flag)),
                                 names={'127.0.26.2': 'node1', '127.0.26.1': 'node0'})
    assert message.startswith('refusing to restart node 0 (127.0.26.1, node0): ')
    assert 'Out of service now: node 1 (127.0.26.2, node1) %s.' % flag in message


def test_restart_refused_names_every_node_out_from_a_real_unhealthy_status():
    # real: node 0 UNHEALTHY, this node is node 1
    cluster = _cluster(SAMPLES, 'status', 'ctdb.status.002_1_text', 'output.txt')
    message = ns.restart_refusal(cluster)
    assert message.startswith('refusing to restart node 1 (192.168.20.42): taking it out of service would leave 1 of '
                              'the 3 nodes serving, fewer than ctdb_restart_min_serving=2. Out of service now: node 0 '
                              '(192.168.20.41) UNHEALTHY. ')
    assert ns.restart_refusal(cluster, 1) == ''


def test_restart_allowed_when_every_other_node_serves():
    cluster = _cluster(SAMPLES, 'status', 'ctdb.status.001_1_text', 'output.txt')
    assert ns.restart_refusal(cluster) == ''
    assert ns.restart_refusal(cluster, 2) == ''
    # PARTIALLYONLINE: some interfaces down, still serving
    partial = _read(SAMPLES, 'status', 'ctdb.status.001_1_text', 'output.txt').replace(
        '192.168.20.43    OK', '192.168.20.43    PARTIALLYONLINE')
    assert ns.restart_refusal(_text_cluster(partial)) == ''


def test_a_minimum_that_leaves_no_room_says_how_far_to_lower_it():
    cluster = _cluster(SAMPLES, 'status', 'ctdb.status.001_1_text', 'output.txt')
    assert ns.restart_refusal(cluster, 3) == (
        'refusing to restart node 0 (192.168.20.41): taking it out of service would leave 2 of the 3 nodes serving, '
        'fewer than ctdb_restart_min_serving=3, which leaves no room for a restart in a cluster of 3 nodes: lower '
        'ctdb_restart_min_serving to 2 at most')


def test_a_node_out_of_service_already_restarts():
    # real: this node UNHEALTHY, both others DISCONNECTED: restarting it takes nothing more out
    cluster = _cluster(SAMPLES, 'status', 'realworld.samba-technical.2021-05-08.node1', 'output.txt')
    assert ns.restart_refusal(cluster) == ''
    # node 1 of the real 4.17 output, the stopped one, seen from itself
    itself = STOPPED_TEXT.replace(' (THIS NODE)', '').replace('STOPPED|INACTIVE', 'STOPPED|INACTIVE (THIS NODE)')
    assert ns.restart_refusal(_text_cluster(itself)) == ''
    # the daemon did not answer: no cluster read
    assert ns.restart_refusal({}) == '' and ns.restart_refusal(None) == ''


@pytest.mark.parametrize('nodes, default', [(1, 0), (2, 1), (3, 2), (8, 7)])
def test_default_minimum_is_every_other_node(nodes, default):
    assert ns.default_min_serving(nodes) == default
    text = 'Number of nodes:%d\n' % nodes + ''.join(
        'pnn:%d 10.0.0.%d OK%s\n' % (pnn, pnn + 1, ' (THIS NODE)' if pnn == 0 else '') for pnn in range(nodes)) + \
        'Generation:1\nSize:%d\nRecovery mode:NORMAL (0)\nLeader:0\n' % nodes
    assert ns.restart_refusal(_text_cluster(text)) == ''
    if nodes > 1:
        out = text.replace('pnn:1 10.0.0.2 OK', 'pnn:1 10.0.0.2 DISABLED')
        assert 'Out of service now: node 1 (10.0.0.2) DISABLED.' in ns.restart_refusal(_text_cluster(out))


def test_deleted_nodes_do_not_count():
    cluster = _text_cluster(STOPPED_TEXT.replace('STOPPED|INACTIVE', 'OK'))
    cluster['nodes'].append({'pnn': 3, 'address': '0.0.0.0', 'flags': ['DELETED'], 'status': 'DELETED',
                             'this_node': False})
    assert ns.restart_refusal(cluster) == ''


@pytest.mark.parametrize('value, minimum', [(None, 2), ('', 2), (0, 0), ('1', 1), (' 2 ', 2)])
def test_minimum_values(value, minimum):
    assert ns._min_serving(value, 3) == (minimum, '')


@pytest.mark.parametrize('value', [-1, '-1', 'two', 1.5, True, [1]])
def test_a_minimum_that_is_not_a_number_of_nodes_is_refused_whatever_the_cluster(value):
    message = ('ctdb_restart_min_serving=%r is not a number of nodes: give a whole number, 0 or more (the nodes that '
               'must keep serving while one restarts), or leave it unset for every other node' % (value,))
    assert ns.restart_refusal(_text_cluster(STOPPED_TEXT), value) == message
    assert ns.restart_refusal({}, value) == message
