# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The nodes file parser, planner and reloadnodes model, on the real samples.

* every nodes file of config_samples/nodes is parsed; the ones the reloadnodes tests wrote
  must be the very files of those cases;
* ``ctdb listnodes`` cases: the parsed file's live nodes are the command's output;
* ``ctdb reloadnodes`` cases: the model of check_node_file_changes(), fed the case's node map
  (truth.json) and nodes file, prints exactly output.txt and exits with rc.txt;
* ``ctdb nodestatus all`` after reloadnodes.040: the daemon's map read from the status is the
  map built from the new file (4 nodes, PNN 3 deleted).
"""
import json
import os

import pytest

from ansible_collections.ctdb.cluster.plugins.module_utils import _nodes as nd
from ansible_collections.ctdb.cluster.plugins.module_utils import _status as st
from ctdbtest import reference

SAMPLES = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'ctdb-samples'))


def _read(*parts):
    with open(os.path.join(SAMPLES, *parts)) as handle:
        return handle.read()


def _case_dirs(sub, prefix):
    base = os.path.join(SAMPLES, sub)
    return sorted(name for name in os.listdir(base) if name.startswith(prefix))


CONFIG_NODES = _case_dirs(os.path.join('config_samples', 'nodes'), '')
RELOADNODES = _case_dirs('reloadnodes', 'ctdb.reloadnodes.')


# --------------------------------------------------------------------------- parse_nodes


@pytest.mark.parametrize('name', CONFIG_NODES)
def test_every_config_sample_parses_to_one_slot_per_non_blank_line(name):
    text = _read('config_samples', 'nodes', name, 'nodes')
    slots = nd.parse_nodes(text)
    lines = [line for line in text.split('\n') if line.strip()]
    assert [slot['line'] for slot in slots] == lines
    assert [slot['pnn'] for slot in slots] == list(range(len(lines)))
    assert [slot['deleted'] for slot in slots] == [line.lstrip().startswith('#') for line in lines]
    for slot in slots:
        if not slot['deleted']:
            assert slot['address'] == slot['line'].strip()


@pytest.mark.parametrize('name', [n for n in CONFIG_NODES if n.startswith('samba.tests.tool.ctdb.reloadnodes.')])
def test_reloadnodes_config_samples_are_the_files_of_their_cases(name):
    number, which = name.split('.')[5], name.split('.', 6)[6]
    case = 'ctdb.reloadnodes.%s_1_text' % number
    assert _read('config_samples', 'nodes', name, 'nodes') == _read('reloadnodes', case, which)


def test_realworld_order_gives_pnn_by_line():
    slots = nd.parse_nodes(_read('config_samples', 'nodes', 'realworld.samba-technical.2021-05-08', 'nodes'))
    # source.txt: "the order is .10/.30/.20, so pnn 1 = 192.168.200.30"
    assert slots[1]['pnn'] == 1 and slots[1]['address'] == '192.168.200.30'
    status = st.parse_status_text(_read('status', 'realworld.samba-technical.2021-05-08.node1', 'output.txt'))
    listed = dict((node['pnn'], node['address']) for node in status['cluster']['nodes'])
    assert listed == dict((slot['pnn'], slot['address']) for slot in slots)


def test_comment_line_is_a_deleted_slot_that_shifts_pnns():
    slots = nd.parse_nodes(_read('config_samples', 'nodes', 'samba.tests.tool.ctdb.reloadnodes.035.nodes', 'nodes'))
    assert slots[0] == {'pnn': 0, 'lineno': 1, 'line': '# Adding a comment!', 'deleted': True, 'address': None}
    assert nd.active_nodes(slots) == ['192.168.20.41', '192.168.20.42', '192.168.20.43']
    assert [s['pnn'] for s in slots if not s['deleted']] == [1, 2, 3]
    assert nd.deleted_pnns(slots) == [0]


def test_ipv6_sample():
    slots = nd.parse_nodes(_read('config_samples', 'nodes', 'samba.local_daemons.3nodes.ipv6', 'nodes'))
    assert nd.active_nodes(slots) == ['fd00::5357:5f01', 'fd00::5357:5f02', 'fd00::5357:5f03']


def test_blank_lines_and_blanks_around_addresses_are_ignored():
    slots = nd.parse_nodes('\n  10.0.0.1\t\n\n#10.0.0.2\n10.0.0.3\n\n')
    assert [(s['pnn'], s['lineno'], s['address'], s['deleted']) for s in slots] == [
        (0, 2, '10.0.0.1', False), (1, 4, '10.0.0.2', True), (2, 5, '10.0.0.3', False)]


@pytest.mark.parametrize('text, message', [
    ('10.0.0.1\nnode2\n', "line 2 of the nodes file is 'node2': not an IPv4 or IPv6 address (host names are not allowed "
                          "in the nodes file); CTDB cannot load this file. Fix or delete that line by hand (a removed "
                          "node is written as #ADDR)"),
    ('10.0.0.1 # first\n', "line 1 of the nodes file is '10.0.0.1 # first': a node address contains no blanks or "
                           "comments (CTDB has no inline comments); CTDB cannot load this file. Fix or delete that "
                           "line by hand (a removed node is written as #ADDR)"),
    ('10.0.0.1:4379\n', "line 1 of the nodes file is '10.0.0.1:4379': a node address has no port: give 10.0.0.1 "
                        "without \":4379\" (CTDB uses the port of ctdb.conf, 4379 by default); CTDB cannot load this "
                        "file. Fix or delete that line by hand (a removed node is written as #ADDR)"),
    ('10.0.0.1\n10.0.0.2\n10.0.0.1\n', 'the nodes file lists 10.0.0.1 twice (lines 1 and 3): CTDB would start two nodes '
                                       'with one address. Comment out the later line by hand (#10.0.0.1) so that no '
                                       'PNN moves'),
])
def test_invalid_files_are_refused_with_the_line(text, message):
    with pytest.raises(nd.NodesError) as err:
        nd.parse_nodes(text)
    assert str(err.value) == message


# --------------------------------------------------------------------------- listnodes


def test_listnodes_prints_the_live_nodes_of_the_file():
    case = 'ctdb.listnodes.002_1_text'
    assert nd.active_nodes(nd.parse_nodes(_read('listnodes', case, 'nodes'))) == \
        reference.parse_listnodes(_read('listnodes', case, 'output.txt'))


def test_listnodes_without_a_file_lists_nothing():
    # ctdb.listnodes.001: the nodes file is missing, ctdb prints an error and exits 1.
    case = 'ctdb.listnodes.001_1_text'
    assert _read('listnodes', case, 'rc.txt').strip() == '1'
    assert reference.parse_listnodes(_read('listnodes', case, 'output.txt')) == []


@pytest.mark.parametrize('case', ['ctdb.listnodes.003_1_text', 'ctdb.listnodes.007_1_text', 'ctdb.listnodes.008_1_text'])
def test_listnodes_from_a_nodes_command(case):
    # `nodes list = !cmd` (Samba 4.22+): the output has the same shape as for a file.
    output = _read('listnodes', case, 'output.txt')
    assert reference.parse_listnodes(output) == output.split()
    assert nd.active_nodes(nd.parse_nodes(output)) == output.split()


# --------------------------------------------------------------------------- reloadnodes model


def _truth_nodemap(case):
    truth = json.loads(_read('reloadnodes', case, 'truth.json'))
    return [{'pnn': n['pnn'], 'address': n['address'], 'flags': n['flags']} for n in truth['nodes']], truth['this_node_pnn']


FILE_CASES = [c for c in RELOADNODES if os.path.exists(os.path.join(SAMPLES, 'reloadnodes', c, 'nodes'))]


def test_every_reloadnodes_case_is_covered():
    # 041/042 read the nodes from a `nodes list` command, not a file: nothing for the file model.
    command_cases = [c for c in RELOADNODES if c not in FILE_CASES]
    assert command_cases == ['ctdb.reloadnodes.041_1_text', 'ctdb.reloadnodes.042_1_text']
    assert len(FILE_CASES) >= 22


@pytest.mark.parametrize('case', FILE_CASES)
def test_reloadnodes_model_prints_what_ctdb_printed(case):
    current, this_pnn = _truth_nodemap(case)
    local = nd.parse_nodes(_read('reloadnodes', case, 'nodes'))
    remote = {}
    path = os.path.join(SAMPLES, 'reloadnodes', case, 'nodes.1')
    if os.path.exists(path):
        text = _read('reloadnodes', case, 'nodes.1')
        # The harness writes an empty nodes.1 for "missing file on 1".
        remote[1] = nd.parse_nodes(text) if text.strip() else None
    result = reference.predict_reloadnodes(current, local, this_pnn, remote)
    assert result['messages'] == _read('reloadnodes', case, 'output.txt').splitlines()
    assert result['rc'] == int(_read('reloadnodes', case, 'rc.txt'))


@pytest.mark.parametrize('case', FILE_CASES)
def test_parse_reloadnodes_output_reads_the_events(case):
    current, this_pnn = _truth_nodemap(case)
    parsed = nd.parse_reloadnodes_output(_read('reloadnodes', case, 'output.txt'))
    remote = {}
    if os.path.exists(os.path.join(SAMPLES, 'reloadnodes', case, 'nodes.1')):
        text = _read('reloadnodes', case, 'nodes.1')
        remote[1] = nd.parse_nodes(text) if text.strip() else None
    model = reference.predict_reloadnodes(current, nd.parse_nodes(_read('reloadnodes', case, 'nodes')), this_pnn, remote)
    assert parsed['changed'] == (model['rc'] == 0 and model['reload'])
    wanted = [(e['pnn'], e['event']) for e in model['events']
              if e['event'] in ('NEW', 'DELETED', 'UNDELETED', 'STILL_CONNECTED', 'CHANGED_ADDRESS')]
    assert [(e['pnn'], e['event']) for e in parsed['events']] == wanted


def test_deleted_node_map_after_reload_matches_nodestatus():
    case = 'ctdb.reloadnodes.040_2_text'
    status = st.parse_status_text(_read('nodestatus', case, 'output.txt'))['cluster']
    daemon = nd.nodemap_from_status(status)
    slots = nd.parse_nodes(_read('nodestatus', case, 'nodes'))
    assert [(n['pnn'], n['deleted']) for n in daemon] == [(s['pnn'], s['deleted']) for s in slots]
    assert [n['address'] for n in daemon if not n['deleted']] == nd.active_nodes(slots)
    # and nothing is left to reload
    assert nd.check_nodes_file_changes(daemon, slots) == {'ok': True, 'reload': False, 'messages': [], 'events': []}


def test_nodemap_from_status_reads_disconnected_flags():
    status = st.parse_status_text(_read('status', 'realworld.samba-technical.2021-05-08.node1', 'output.txt'))
    daemon = nd.nodemap_from_status(status['cluster'])
    for node in daemon:
        words = [n for n in status['cluster']['nodes'] if n['pnn'] == node['pnn']][0]['flags']
        assert bool(node['flags'] & nd.NODE_FLAGS_DISCONNECTED) == ('DISCONNECTED' in words)


def test_deletion_blockers_name_the_connected_node():
    current, dummy = _truth_nodemap('ctdb.reloadnodes.017_1_text')
    slots = nd.parse_nodes(_read('reloadnodes', 'ctdb.reloadnodes.017_1_text', 'nodes'))
    blockers = nd.deletion_blockers(current, slots)
    assert blockers == [{'pnn': 1, 'address': '192.168.20.42', 'flag_names': []}]
    assert nd.blockers_message(blockers) == (
        'refusing to reload the nodes file: CTDB only deletes a node that is DISCONNECTED; node 192.168.20.42 '
        '(PNN 1) is still connected (OK): stop it first (ctdb -n 1 shutdown, or systemctl stop ctdb on that node). '
        'Then run this task again.')
    current16, dummy = _truth_nodemap('ctdb.reloadnodes.016_1_text')
    assert nd.deletion_blockers(current16, slots) == []


# --------------------------------------------------------------------------- plan_nodes

THREE = '192.168.20.41\n192.168.20.42\n192.168.20.43\n'


def test_plan_same_list_changes_nothing():
    plan = nd.plan_nodes(THREE, ['192.168.20.41', '192.168.20.42', '192.168.20.43'])
    assert plan['content'] == THREE
    assert (plan['added'], plan['removed'], plan['undeleted']) == ([], [], [])


def test_plan_keeps_a_file_without_final_newline_byte_for_byte():
    text = THREE.rstrip('\n')
    assert nd.plan_nodes(text, ['192.168.20.41', '192.168.20.42', '192.168.20.43'])['content'] == text


@pytest.mark.parametrize('number', ['011', '018'])
def test_plan_adding_nodes_writes_the_file_ctdb_accepted(number):
    case = 'ctdb.reloadnodes.%s_1_text' % number
    wanted = _read('reloadnodes', case, 'nodes')
    plan = nd.plan_nodes(THREE, wanted.split())
    assert plan['content'] == wanted
    assert [a['pnn'] for a in plan['added']] == list(range(3, len(wanted.split())))
    current, this_pnn = _truth_nodemap(case)
    assert reference.predict_reloadnodes(current, plan['slots'], this_pnn)['messages'] == \
        _read('reloadnodes', case, 'output.txt').splitlines()


@pytest.mark.parametrize('number, desired', [
    ('012', ['192.168.20.41', '192.168.20.42']),
    ('014', ['192.168.20.42', '192.168.20.43']),
    ('016', ['192.168.20.41', '192.168.20.43']),
    ('019', ['192.168.20.41', '192.168.20.43', '192.168.20.44', '192.168.20.45']),
    ('020', ['192.168.20.41', '192.168.20.42', '192.168.20.44', '192.168.20.45']),
])
def test_plan_removing_nodes_comments_them_out_like_the_samples(number, desired):
    case = 'ctdb.reloadnodes.%s_1_text' % number
    plan = nd.plan_nodes(THREE, desired)
    assert plan['content'] == _read('reloadnodes', case, 'nodes')
    current, this_pnn = _truth_nodemap(case)
    predicted = reference.predict_reloadnodes(current, plan['slots'], this_pnn)
    assert predicted['messages'] == _read('reloadnodes', case, 'output.txt').splitlines()
    assert predicted['rc'] == 0


def test_plan_undeletes_its_own_line():
    case = 'ctdb.reloadnodes.023_1_text'
    plan = nd.plan_nodes('192.168.20.41\n#192.168.20.42\n192.168.20.43\n',
                         ['192.168.20.41', '192.168.20.42', '192.168.20.43'])
    assert plan['content'] == _read('reloadnodes', case, 'nodes')
    assert plan['undeleted'] == [{'pnn': 1, 'address': '192.168.20.42'}]
    current, this_pnn = _truth_nodemap(case)
    assert reference.predict_reloadnodes(current, plan['slots'], this_pnn)['messages'] == ['Node 1 is UNDELETED']


def test_plan_keeps_deleted_and_comment_lines_verbatim():
    text = '# Adding a comment!\n192.168.20.41\n  #192.168.20.42  \n192.168.20.43\n'
    plan = nd.plan_nodes(text, ['192.168.20.41', '192.168.20.43', '192.168.20.50'])
    assert plan['content'] == text + '192.168.20.50\n'
    assert plan['added'] == [{'pnn': 4, 'address': '192.168.20.50'}]


def test_plan_compares_ipv6_the_way_ctdb_does():
    text = 'fd00::5357:5f01\nfd00::5357:5f02\n'
    plan = nd.plan_nodes(text, ['FD00:0::5357:5F01', 'fd00::5357:5f02'])
    assert plan['content'] == text


def test_plan_on_a_missing_file_writes_the_list():
    plan = nd.plan_nodes(None, ['10.0.0.1', 'fd00::1'])
    assert plan['content'] == '10.0.0.1\nfd00::1\n'
    assert plan['added'] == [{'pnn': 0, 'address': '10.0.0.1'}, {'pnn': 1, 'address': 'fd00::1'}]


@pytest.mark.parametrize('desired, message', [
    (['192.168.20.43', '192.168.20.42', '192.168.20.41'],
     'the order of nodes would renumber the cluster: CTDB numbers nodes by their line in the nodes file, and a node '
     'keeps its PNN for life (ctdb reloadnodes refuses a live PNN that changes address; a returning node takes back '
     'its own commented line, a new node goes at the end). You gave 192.168.20.43 (PNN 2), 192.168.20.42 (PNN 1), '
     '192.168.20.41 (PNN 0). List the nodes in PNN order instead: 192.168.20.41, 192.168.20.42, 192.168.20.43'),
    (['192.168.20.50', '192.168.20.41', '192.168.20.42', '192.168.20.43'],
     'the order of nodes would renumber the cluster: CTDB numbers nodes by their line in the nodes file, and a node '
     'keeps its PNN for life (ctdb reloadnodes refuses a live PNN that changes address; a returning node takes back '
     'its own commented line, a new node goes at the end). You gave 192.168.20.50 (PNN 3), 192.168.20.41 (PNN 0), '
     '192.168.20.42 (PNN 1), 192.168.20.43 (PNN 2). List the nodes in PNN order instead: 192.168.20.41, '
     '192.168.20.42, 192.168.20.43, 192.168.20.50'),
    (['192.168.20.41', '192.168.20.42:4379'],
     "invalid node address '192.168.20.42:4379': a node address has no port: give 192.168.20.42 without \":4379\" "
     "(CTDB uses the port of ctdb.conf, 4379 by default)"),
    (['192.168.20.41', '[fd00::1]:4379'],
     "invalid node address '[fd00::1]:4379': a node address has no port: give fd00::1 without \":4379\" (CTDB uses "
     "the port of ctdb.conf, 4379 by default)"),
    (['192.168.20.41', '192.168.20.0/24'],
     "invalid node address '192.168.20.0/24': a node address has no /MASK (masks belong to public addresses, not to "
     "the nodes file)"),
    (['192.168.20.41', 'node2.example.com'],
     "invalid node address 'node2.example.com': not an IPv4 or IPv6 address (host names are not allowed in the "
     "nodes file)"),
    (['192.168.20.41', '192.168.20.41'],
     "node address 192.168.20.41 is listed twice in nodes (as '192.168.20.41' and '192.168.20.41'): list every node once"),
    (['fd00::1', 'FD00:0::1'],
     "node address fd00::1 is listed twice in nodes (as 'fd00::1' and 'FD00:0::1'): list every node once"),
    (['192.168.20.41', ''], "invalid node address '': an empty string is not a node address"),
    ([], 'nodes is empty: a cluster needs at least one node. To remove nodes, list the ones that stay; to read the '
         'file, leave nodes out'),
])
def test_plan_refuses_bad_desired_lists(desired, message):
    with pytest.raises(nd.NodesError) as err:
        nd.plan_nodes(THREE, desired)
    assert str(err.value) == message


def test_plan_refuses_an_undelete_out_of_pnn_order():
    with pytest.raises(nd.NodesError) as err:
        nd.plan_nodes('192.168.20.41\n#192.168.20.42\n192.168.20.43\n',
                      ['192.168.20.41', '192.168.20.43', '192.168.20.42'])
    assert str(err.value).endswith('List the nodes in PNN order instead: 192.168.20.41, 192.168.20.42, 192.168.20.43')


# --------------------------------------------------------------------------- addresses as CTDB reads them
# Checked with the real ctdb 4.17 (`ctdb listnodes` on such a nodes file): "fe80::1%eth0" and "::ffff:a00:1"
# print "Invalid IP address ..." and fail; "::ffff:10.0.0.2" is listed as 10.0.0.2.

@pytest.mark.parametrize('value, expected', [
    ('10.0.0.1', '10.0.0.1'),
    ('::ffff:10.0.0.2', '10.0.0.2'),
    ('FD00::0001', 'fd00::1'),
    ('fe80::1%eth0', None),
    ('::ffff:a00:1', None),
    ('10.0.0.1\x00', None),
])
def test_canonical_address_is_what_ctdb_reads(value, expected):
    assert nd.canonical_address(value) == expected


@pytest.mark.parametrize('desired, message', [
    (['fe80::1%eth0'], "invalid node address 'fe80::1%eth0': CTDB refuses an IPv6 zone (\"%eth0\"): give a global "
                       "or unique local address, not a link-local one with its interface"),
    (['::ffff:a00:1'], "invalid node address '::ffff:a00:1': CTDB reads an IPv4-mapped address by its dotted tail "
                       "and cannot read this one: write it as 10.0.0.1"),
    (['10.0.0.1', '::ffff:10.0.0.1'], "node address 10.0.0.1 is listed twice in nodes (as '10.0.0.1' and "
                                      "'::ffff:10.0.0.1'): list every node once"),
    (['10.0.0.1\x00'], "invalid node address '10.0.0.1\\x00': a node address contains no NUL byte"),
])
def test_plan_refuses_addresses_ctdb_reads_otherwise(desired, message):
    with pytest.raises(nd.NodesError) as error:
        nd.plan_nodes('', desired)
    assert str(error.value) == message


def test_a_file_with_an_ipv4_mapped_duplicate_is_refused():
    with pytest.raises(nd.NodesError, match=r'^the nodes file lists ::ffff:10.0.0.1 twice \(lines 1 and 2\)'):
        nd.parse_nodes('10.0.0.1\n::ffff:10.0.0.1\n')


def test_an_ipv4_mapped_node_is_the_same_node_as_its_ipv4():
    plan = nd.plan_nodes('::ffff:10.0.0.1\n10.0.0.2\n', ['10.0.0.1', '10.0.0.2'])
    assert (plan['content'], plan['added'], plan['removed']) == ('::ffff:10.0.0.1\n10.0.0.2\n', [], [])


def test_node_flag_bits_are_those_of_status():
    assert nd.NODE_FLAGS_DISCONNECTED == st.FLAG_BITS['DISCONNECTED'] == 0x01
    assert st.flag_names(0x25) == ['DISCONNECTED', 'DISABLED', 'STOPPED']
    assert st.flags_mask(st.flag_names(0x7f)) == 0x7f


def test_parse_and_plan_name_the_path_they_are_given():
    with pytest.raises(nd.NodesError) as err:
        nd.parse_nodes('10.0.0.1\nbogus\n', '/etc/ctdb/nodes')
    assert err.value.msg.startswith("/etc/ctdb/nodes: line 2 of the nodes file is 'bogus': ")
    assert err.value.data == {'path': '/etc/ctdb/nodes'}
    with pytest.raises(nd.NodesError) as err:
        nd.plan_nodes('10.0.0.1\n', [], '/etc/ctdb/nodes')
    assert err.value.msg.startswith('/etc/ctdb/nodes: nodes is empty')
    with pytest.raises(nd.NodesError) as err:
        nd.parse_nodes('bogus\n')
    assert err.value.msg.startswith('line 1 of') and err.value.data == {}
