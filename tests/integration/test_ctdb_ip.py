# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb.cluster.ctdb_ip against a real 3-node sandbox cluster (test-mode ctdbd 4.17), through ansible-playbook.

In test mode ctdbd assigns the public addresses (127.0.K.101-103/32 on lo) and moveip/ipreallocate
move them as on real hosts (no interface is touched). An address only some nodes have is set up
through ctdb.cluster.ctdb_addresses with reload, on those nodes only.
"""
import pytest

from day2_helpers import restore, run_steps, served

MODULE = 'ctdb.cluster.ctdb_ip'


@pytest.fixture(autouse=True)
def healthy_again(sandbox):
    restore(sandbox)
    yield
    restore(sandbox)


def test_placement_read_on_every_node(sandbox, run_playbook):
    for host in ('node0', 'node1', 'node2'):
        run, (result,) = run_steps(run_playbook, host, [(MODULE, {}, False)])
        assert result['changed'] is False, result
        now = served(sandbox)
        assert dict((a['address'], a['pnn']) for a in result['addresses']) == now
        for place in result['addresses']:
            assert place['configured_on'] == [0, 1, 2] and place['can_host'] == [0, 1, 2], place


def test_move_one_address_to_every_node_in_turn(sandbox, run_playbook):
    address = sandbox.public_address(0)
    for pnn in (0, 1, 2, 0):
        args = {'address': address, 'pnn': pnn}
        already = served(sandbox)[address] == pnn
        run, (check, applied, again) = run_steps(run_playbook, 'node1', [
            (MODULE, args, True), (MODULE, args, False), (MODULE, args, False)])
        assert run.rc == 0, run
        assert check['changed'] is (not already) and applied['changed'] is (not already), (check, applied)
        assert served(sandbox)[address] == pnn
        if not already:
            assert check['commands'] == [['ctdb', 'moveip', address, str(pnn)]]
            assert {'address': address, 'from': check['moved'][0]['from'], 'to': pnn} in applied['moved']
        assert again['changed'] is False and again['commands'] == []


def test_reallocate(sandbox, run_playbook):
    run, (check, applied) = run_steps(run_playbook, 'node0', [
        (MODULE, {'reallocate': True}, True), (MODULE, {'reallocate': True}, False)])
    assert run.rc == 0, run
    # Nothing is unassigned, so check mode predicts no change; the real run reports what moved.
    assert check['changed'] is False and check['commands'] == [['ctdb', 'ipreallocate']]
    assert applied['changed'] is bool(applied['moved'])
    assert None not in served(sandbox).values()


def test_refused_moves_change_nothing(sandbox, run_playbook):
    extra = '%s.110' % sandbox.subnet
    wanted = [{'address': '%s/32' % sandbox.public_address(i), 'interface_name': 'lo'} for i in range(3)]
    wanted.append({'address': '%s/32' % extra, 'interface_name': 'lo'})
    for host in ('node0', 'node1'):
        run, (added,) = run_steps(run_playbook, host, [
            ('ctdb.cluster.ctdb_addresses', {'addresses': wanted, 'reload': True}, False)])
        assert added['changed'] is True and not added.get('failed'), added
    assert sandbox.ctdb(0, '-n', '2', 'disable').returncode == 0
    before = served(sandbox)
    assert before[extra] in (0, 1)
    run, results = run_steps(run_playbook, 'node0', [
        (MODULE, {'address': extra, 'pnn': 2}, False),
        (MODULE, {'address': '%s.99' % sandbox.subnet, 'pnn': 1}, False),
        (MODULE, {'address': sandbox.public_address(0), 'pnn': 2}, False),
        (MODULE, {'address': sandbox.public_address(0), 'pnn': 5}, False),
        (MODULE, {'address': 'no-address', 'pnn': 0}, False),
    ])
    assert all(result.get('failed') for result in results), results
    messages = [result['msg'] for result in results]
    assert messages[0] == ("node 2 cannot host %s: the address is not in that node's public_addresses (it is in "
                           "those of node(s) 0, 1); add it there and run ctdb reloadips all" % extra)
    assert messages[1] == ('%s.99 is not a public address of this cluster (ctdb ip all lists none such): add it '
                           'to the public_addresses of the nodes that should host it and run ctdb reloadips all'
                           % sandbox.subnet)
    assert messages[2] == ('node 2 cannot host %s: it is DISABLED; bring it back first (ctdb_node state=enabled)'
                           % sandbox.public_address(0))
    assert messages[3] == 'node 5 does not exist (the nodes are 0, 1, 2)'
    assert messages[4] == ("address='no-address' is not an IP address: give a public address without mask, as "
                           "ctdb ip all prints it")
    assert served(sandbox) == before
    place = [p for p in results[0]['addresses'] if p['address'] == extra][0]
    assert place['configured_on'] == [0, 1] and place['can_host'] == [0, 1]
