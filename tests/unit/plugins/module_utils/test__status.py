# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The status parsers, on every status / nodestatus case of the sample corpus.

Cases are discovered on disk (tests/fixtures/ctdb-samples/{status,nodestatus}/*), so a new
case directory is picked up without touching this file. Each one is compared with its
truth: truth.json (node map fed to fake_ctdbd, flags after preceding commands), rc.txt
(nodestatus exits with the OR of the shown nodes' flags), the case's nodes file; and every
case, truth or not, must be read without an unparsable line and render back to its output.
"""
import json
import os
import re

import pytest

from ansible_collections.ctdb.cluster.plugins.module_utils import _status as st
from ctdbtest import reference

SAMPLES = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'ctdb-samples'))
CASE_DIRS = ('status', 'nodestatus')

BIT = st.FLAG_BITS
INACTIVE_BITS = BIT['DISCONNECTED'] | BIT['BANNED'] | BIT['DELETED'] | BIT['STOPPED']
# ctdb_runstate values up to FIRST_RECOVERY: remote nodes are shown UNKNOWN (Samba >= 4.17).
EARLY_RUNSTATES = ('UNKNOWN', 'INIT', 'SETUP', 'FIRST_RECOVERY')


def _cases():
    found = []
    for sub in CASE_DIRS:
        base = os.path.join(SAMPLES, sub)
        for name in sorted(os.listdir(base)):
            if os.path.isfile(os.path.join(base, name, 'output.txt')):
                found.append('%s/%s' % (sub, name))
    return found


CASES = _cases()


def _read(case, name):
    path = os.path.join(SAMPLES, case, name)
    if not os.path.exists(path):
        return None
    with open(path, encoding='utf-8') as handle:
        return handle.read()


def _variant(command):
    words = command.split()
    if '--json' in words:
        return 'json'
    if '-X' in words or '-Y' in words:
        return 'machine'
    return 'text'


def _nodes_of(case):
    """Parse a case with the parser its command calls for -> (typed nodes, full result)."""
    command = _read(case, 'command.txt').strip()
    output = _read(case, 'output.txt')
    variant = _variant(command)
    if variant == 'json':
        cluster = reference.parse_status_json(output)
        return cluster['nodes'], {'variant': variant, 'cluster': cluster, 'unparsable': []}
    if variant == 'machine':
        result = st.parse_status_machine(output)
        return result['nodes'], {'variant': variant, 'machine': result, 'unparsable': result['unparsable']}
    result = st.parse_status_text(output)
    return result['cluster']['nodes'], {'variant': variant, 'cluster': result['cluster'], 'parsed': result['parsed'],
                                        'unparsable': result['parsed']['unparsable']}


def _words_for(mask):
    """The flag words ctdb prints for a flag mask, in its order (OK = [])."""
    words = [name for name in st.FLAG_ORDER if name in BIT and mask & BIT[name]]
    if mask & INACTIVE_BITS:
        words.append('INACTIVE')
    return words


def _is_modern(case):
    # Cases without an @ref suffix were taken at Samba master (>= 4.17: UNKNOWN pseudo flag).
    return '@' not in os.path.basename(case)


def _expected_masks(case, truth):
    """PNN -> expected flag mask, or None when the corpus did not compute the flags."""
    effective = truth.get('effective_node_flags_after_preceding_commands')
    if isinstance(effective, list):
        masks = dict((entry['pnn'], entry['flags']) for entry in effective)
    elif effective is None:
        masks = dict((node['pnn'], node['flags']) for node in truth['nodes'])
    else:
        return None  # "not computed ... trust output.txt": rc.txt is the truth then
    runstate = truth.get('runstate', '').split()[0]
    if _is_modern(case) and runstate in EARLY_RUNSTATES:
        for pnn in masks:
            if pnn != truth['this_node_pnn'] and not masks[pnn] & BIT['DISCONNECTED']:
                masks[pnn] = BIT['UNKNOWN']
    return masks


def _expected_pnns(command, truth, masks):
    """The PNNs the command prints, in order, from its arguments and the node map."""
    words = command.split()
    all_pnns = [node['pnn'] for node in truth['nodes'] if not node['flags'] & BIT['DELETED']]
    connected = [pnn for pnn in all_pnns if not (masks or {}).get(pnn, 0) & BIT['DISCONNECTED']]
    sub = words[words.index('status') if 'status' in words else words.index('nodestatus'):]
    nodestring = sub[1] if len(sub) > 1 else None
    if sub[0] == 'status' or nodestring == 'all':
        selected = all_pnns
    elif nodestring is None:
        selected = [truth['this_node_pnn']]
    else:
        selected = [int(part) for part in nodestring.split(',')]
    if '-n' in words and words[words.index('-n') + 1] == 'all':
        # The old tool ran the command once on every connected node.
        if nodestring is None:
            return connected
        return [pnn for dummy in connected for pnn in selected]
    return selected


def _render_text(parsed, cluster):
    """Print a parse result back the way ctdb does (print_nodemap / print_status)."""
    lines = []
    if parsed['numOfNodes'] is not None:
        if cluster['deleted_nodes']:
            lines.append('Number of nodes:%s (including %d deleted nodes)' % (parsed['numOfNodes'], cluster['deleted_nodes']))
        else:
            lines.append('Number of nodes:%s' % parsed['numOfNodes'])
    for api_node, node in zip(parsed['nodes'], cluster['nodes']):
        this = ' (THIS NODE)' if node['this_node'] else ''
        lines.append('pnn:%d %-16s %s%s' % (node['pnn'], node['address'], api_node['status'], this))
    if parsed['generation'] is not None:
        lines.append('Generation:%s' % parsed['generation'])
    if parsed['size'] is not None:
        lines.append('Size:%s' % parsed['size'])
    for slot in cluster['vnn_map']:
        lines.append('hash:%d lmaster:%d' % (slot['hash'], slot['lmaster']))
    if parsed['recoveryMode'] is not None:
        lines.append('Recovery mode:%s (%s)' % tuple(parsed['recoveryMode']))
    if parsed['recoveryMaster'] is not None:
        lines.append('%s:%s' % (cluster['leader_source'], parsed['recoveryMaster']))
    return lines


def _squash(line):
    return re.sub(r'\s+', ' ', line.strip())


@pytest.mark.parametrize('case', CASES)
def test_case_reads_completely(case):
    nodes, result = _nodes_of(case)
    assert result['unparsable'] == [], 'lines the parser could not read'
    assert nodes, 'no node read from %s' % case
    for node in nodes:
        assert isinstance(node['pnn'], int)
        assert node['healthy'] == (node['flags'] == [])
        assert node['status'] == ('|'.join(node['flags']) or 'OK')
        assert set(node['flags']) <= st.KNOWN_FLAGS


@pytest.mark.parametrize('case', CASES)
def test_case_renders_back_to_its_output(case):
    output = _read(case, 'output.txt')
    nodes, result = _nodes_of(case)
    if result['variant'] == 'text':
        rendered = _render_text(result['parsed'], result['cluster'])
        # the oldest releases printed vnn: where ctdb now prints pnn:
        original = [re.sub(r'^vnn:', 'pnn:', line) for line in output.splitlines() if line.strip()]
        if '-n all' in _read(case, 'command.txt'):
            # the 2012 tool repeated the header for every node it asked; one header is kept
            headers = [index for index, line in enumerate(original) if line.startswith('Number of nodes:')]
            original = [line for index, line in enumerate(original) if index not in headers[1:]]
        assert [_squash(line) for line in rendered] == [_squash(line) for line in original]
    elif result['variant'] == 'machine':
        lines = [line for line in output.splitlines() if line.strip()]
        sep = lines[0][0]
        columns = lines[0][1:-1].split(sep)
        assert result['machine']['columns'] == columns
        assert len(lines) - 1 == len(nodes)
        for line, node in zip(lines[1:], nodes):
            row = dict(zip(columns, line[1:-1].split(sep)))
            assert int(row['Node']) == node['pnn']
            assert row['IP'] == node['address']
            for column, flag in st.MACHINE_COLUMNS.items():
                if column in row:
                    assert row[column] == ('1' if flag in node['flags'] else '0'), column
            if 'ThisNode' in row:
                assert row['ThisNode'] == ('Y' if node['this_node'] else 'N')
    else:
        doc = json.loads(output)
        shown = [entry for dummy, entry in sorted(doc['node_status']['nodes'].items(), key=lambda item: int(item[0]))]
        assert [(n['pnn'], n['address'], n['flags_raw'], n['this_node']) for n in shown] == \
            [(n['pnn'], n['address'], st.flags_mask(n['flags']), n['this_node']) for n in nodes]
        assert result['cluster']['leader'] == doc['leader']
        assert result['cluster']['generation'] == doc['vnn_status']['generation']


TRUTH_CASES = [case for case in CASES if os.path.exists(os.path.join(SAMPLES, case, 'truth.json'))]


@pytest.mark.parametrize('case', TRUTH_CASES)
def test_case_matches_truth(case):
    truth = json.loads(_read(case, 'truth.json'))
    command = _read(case, 'command.txt').strip()
    nodes, result = _nodes_of(case)
    masks = _expected_masks(case, truth)
    addresses = dict((node['pnn'], node['address']) for node in truth['nodes'])

    assert [node['pnn'] for node in nodes] == _expected_pnns(command, truth, masks)
    for node in nodes:
        assert node['address'] == addresses[node['pnn']]
        if masks is not None:
            assert node['flags'] == _words_for(masks[node['pnn']]), 'node %d' % node['pnn']
    if '-n' not in command.split():
        # With -n all each block comes from another node, so THIS NODE moves around.
        assert [node['pnn'] for node in nodes if node['this_node']] == \
            [pnn for pnn in (node['pnn'] for node in nodes) if pnn == truth['this_node_pnn']]

    cluster = result.get('cluster')
    if cluster is not None and 'nodestatus' not in command:
        assert cluster['pnn'] == truth['this_node_pnn']
        assert cluster['leader'] == truth['leader_pnn_RECMASTER_token']
        if truth['vnnmap_generation'].isdigit():
            assert cluster['generation'] == int(truth['vnnmap_generation'])
            assert [slot['lmaster'] for slot in cluster['vnn_map']] == [int(pnn) for pnn in truth['vnnmap']]
            assert [slot['hash'] for slot in cluster['vnn_map']] == list(range(len(truth['vnnmap'])))
            assert cluster['vnn_map_size'] == len(truth['vnnmap'])
        # fake_ctdbd runs in NORMAL recovery mode unless told otherwise
        assert (cluster['recovery_mode'], cluster['recovery_mode_code']) == ('NORMAL', 0)
        assert cluster['healthy'] == all(mask == 0 for mask in masks.values())
        assert cluster['node_count'] == len(truth['nodes'])


RC_CASES = [case for case in CASES if (_read(case, 'rc.txt') or '').strip().isdigit()]


@pytest.mark.parametrize('case', RC_CASES)
def test_case_exit_status(case):
    """nodestatus exits with the OR of the flags of the nodes it shows; status with 0."""
    rc = int(_read(case, 'rc.txt').strip())
    command = _read(case, 'command.txt')
    nodes, dummy = _nodes_of(case)
    if 'nodestatus' in command.split():
        assert rc == st.flags_mask(flag for node in nodes for flag in node['flags'])
    else:
        assert rc == 0


NODES_FILE_CASES = [case for case in CASES if os.path.exists(os.path.join(SAMPLES, case, 'nodes'))]


@pytest.mark.parametrize('case', NODES_FILE_CASES)
def test_case_deleted_nodes_match_nodes_file(case):
    lines = [line.strip() for line in _read(case, 'nodes').splitlines() if line.strip()]
    deleted = [index for index, line in enumerate(lines) if line.startswith('#')]
    nodes, result = _nodes_of(case)
    cluster = result['cluster']
    assert cluster['node_count'] == len(lines)
    assert cluster['deleted_nodes'] == len(deleted)
    assert not set(node['pnn'] for node in nodes) & set(deleted)


def _script_siblings():
    """Cases of one Samba test script in several variants (text / -X / --json)."""
    groups = {}
    for case in TRUTH_CASES:
        match = re.match(r'^(.*\.\d+)_\d+_(text|X|json)$', os.path.basename(case))
        if match and _is_modern(case):
            groups.setdefault((os.path.dirname(case), match.group(1)), []).append(case)
    return [tuple(group) for group in groups.values() if len(group) > 1]


@pytest.mark.parametrize('group', _script_siblings(), ids=lambda group: os.path.basename(group[0]))
def test_variants_of_one_script_agree(group):
    """text, -X and --json of the same state give the same typed nodes.

    Only groups whose truth has the same node map: later steps may follow a flag change.
    """
    views = []
    for case in group:
        truth = json.loads(_read(case, 'truth.json'))
        nodes, dummy = _nodes_of(case)
        command = _read(case, 'command.txt').split()
        views.append((json.dumps(_expected_masks(case, truth), sort_keys=True), command[-1], nodes))
    comparable = {}
    for masks, selection, nodes in views:
        comparable.setdefault((masks, selection), []).append(nodes)
    compared = 0
    for same in comparable.values():
        for other in same[1:]:
            assert [(n['pnn'], n['address'], n['flags'], n['this_node']) for n in other] == \
                [(n['pnn'], n['address'], n['flags'], n['this_node']) for n in same[0]]
            compared += 1
    assert compared or len(comparable) == len(views)


# ---------------------------------------------------------------------------
# The REST API's shape, from the seed document (its example response, verbatim).
SEED_RAW = ("Number of nodes:2\npnn:0 192.168.6.79     OK (THIS NODE)\npnn:1 192.168.6.77     UNHEALTHY\n"
            "Generation:1919983054\nSize:2\nhash:0 lmaster:0\nhash:1 lmaster:1\nRecovery mode:NORMAL (0)\n"
            "Recovery master:0\n")
SEED_PARSED = {
    "numOfNodes": "2",
    "nodes": [
        {"pnn": "0", "address": "192.168.6.79", "status": "OK"},
        {"pnn": "1", "address": "192.168.6.77", "status": "UNHEALTHY"},
    ],
    "generation": "1919983054",
    "size": "2",
    "recoveryMode": ["NORMAL", "0"],
    "recoveryMaster": "0",
    "unparsable": [],
    "hash": "1",
}


def test_api_shape_matches_seed_document():
    result = st.parse_status_text(SEED_RAW)
    assert result['parsed'] == SEED_PARSED
    cluster = result['cluster']
    assert cluster['pnn'] == 0 and cluster['leader'] == 0 and cluster['leader_source'] == 'Recovery master'
    assert cluster['problems'] == ['node 1 (192.168.6.77) is UNHEALTHY']
    assert cluster['healthy'] is False


def test_leader_line_of_samba_4_16_fills_recovery_master():
    text = _read('status/ctdb.status.002_1_text', 'output.txt')
    result = st.parse_status_text(text)
    assert 'Leader:1' in text
    assert result['parsed']['recoveryMaster'] == '1'
    assert result['cluster']['leader'] == 1
    assert result['cluster']['leader_source'] == 'Leader'


def test_leader_unknown_is_none():
    text = SEED_RAW.replace('Recovery master:0', 'Leader:UNKNOWN')
    result = st.parse_status_text(text)
    assert result['parsed']['recoveryMaster'] == 'UNKNOWN'
    assert result['cluster']['leader'] is None


def test_generation_invalid_and_recovery_mode():
    result = st.parse_status_text(_read('status/realworld.samba-technical.2021-05-08.node1', 'output.txt'))
    parsed, cluster = result['parsed'], result['cluster']
    assert parsed['generation'] == 'INVALID'
    assert parsed['recoveryMode'] == ['RECOVERY', '1']
    assert cluster['generation'] is None and cluster['generation_valid'] is False
    assert (cluster['recovery_mode'], cluster['recovery_mode_code']) == ('RECOVERY', 1)
    assert cluster['nodes'][1]['flags'] == ['DISCONNECTED', 'UNHEALTHY', 'INACTIVE']
    assert cluster['healthy'] is False
    assert 'recovery mode is RECOVERY' in cluster['problems']
    assert cluster['vnn_map'] == [{'hash': 0, 'lmaster': 0}, {'hash': 1, 'lmaster': 1}, {'hash': 2, 'lmaster': 2}]


def test_deleted_nodes_header():
    text = _read('nodestatus/ctdb.reloadnodes.040_2_text', 'output.txt')
    result = st.parse_status_text(text)
    assert result['parsed']['numOfNodes'] == '4'
    assert result['cluster']['node_count'] == 4
    assert result['cluster']['deleted_nodes'] == 1
    assert [node['pnn'] for node in result['cluster']['nodes']] == [0, 1, 2]


def test_unknown_column_only_from_4_17():
    new = st.parse_status_machine(_read('status/ctdb.status.003_2_X', 'output.txt'))
    old = st.parse_status_machine(_read('status/ctdb.status.002_2_X@samba-4.16.0', 'output.txt'))
    assert 'Unknown' in new['columns'] and 'Unknown' not in old['columns']
    assert [node['flags'] for node in new['nodes']] == [['UNKNOWN'], [], ['UNKNOWN']]
    # Without the column, Unhealthy sits where Disabled is in 4.17: read by name, not position.
    assert [node['flags'] for node in old['nodes']] == [['UNHEALTHY'], [], []]


def _printf_node(pnn, address, word, this=False):
    # ctdb/tools/ctdb.c print_nodemap: "pnn:%u %-16s %s%s\n"
    return 'pnn:%d %-16s %s%s' % (pnn, address, word, ' (THIS NODE)' if this else '')


def test_ipv6_node_addresses():
    """No status sample in the corpus has IPv6 nodes: built with ctdb's own printf format."""
    long_addr, short_addr = 'fd00::5357:5f01:1234:5678', 'fd00::2'
    text = '\n'.join([
        'Number of nodes:2',
        _printf_node(0, long_addr, 'OK', this=True),
        _printf_node(1, short_addr, 'STOPPED|INACTIVE'),
        'Generation:7', 'Size:1', 'hash:0 lmaster:0', 'Recovery mode:NORMAL (0)', 'Leader:0', ''])
    assert '%s OK (THIS NODE)' % long_addr in text  # exactly one space after a long address
    result = st.parse_status_text(text)
    assert result['parsed']['unparsable'] == []
    assert [(n['address'], n['flags']) for n in result['cluster']['nodes']] == \
        [(long_addr, []), (short_addr, ['STOPPED', 'INACTIVE'])]
    machine = st.parse_status_machine(
        '|Node|IP|Disconnected|Unknown|Banned|Disabled|Unhealthy|Stopped|Inactive|PartiallyOnline|ThisNode|\n'
        '|0|%s|0|0|0|0|0|0|0|0|Y|\n|1|%s|0|0|0|0|0|1|1|0|N|\n' % (long_addr, short_addr))
    assert [(n['address'], n['flags'], n['this_node']) for n in machine['nodes']] == \
        [(long_addr, [], True), (short_addr, ['STOPPED', 'INACTIVE'], False)]


def test_old_colon_separated_machine_format():
    text = ':Node:IP:Disconnected:Banned:Disabled:Unhealthy:Stopped:Inactive:PartiallyOnline:ThisNode:\n' \
           ':0:10.0.0.1:0:1:0:0:0:1:0:Y:\n'
    result = st.parse_status_machine(text)
    assert result['unparsable'] == []
    assert result['nodes'][0]['flags'] == ['BANNED', 'INACTIVE']


def test_partially_online():
    text = SEED_RAW.replace('UNHEALTHY', 'PARTIALLYONLINE')
    cluster = st.parse_status_text(text)['cluster']
    assert cluster['nodes'][1]['flags'] == ['PARTIALLYONLINE']
    assert cluster['nodes'][1]['healthy'] is False
    assert st.flags_mask(['PARTIALLYONLINE', 'INACTIVE']) == 0


def test_garbage_is_reported_not_guessed():
    result = st.parse_status_text('connect() failed\nwhat is this\n\n')
    assert result['parsed']['unparsable'] == ['connect() failed', 'what is this']
    assert result['parsed']['nodes'] == []
    assert result['cluster']['healthy'] is False
    assert 'no nodes in the status' in result['cluster']['problems']
    assert st.parse_status_text('')['cluster']['nodes'] == []
    bad = st.parse_status_machine('Node|IP\n|0|1.2.3.4|\n')
    assert bad['nodes'] == [] and len(bad['unparsable']) == 2
    short_row = st.parse_status_machine('|Node|IP|Banned|\n|0|1.2.3.4|\n|x|1.2.3.5|0|\n')
    assert short_row['nodes'] == [] and short_row['unparsable'] == ['|0|1.2.3.4|', '|x|1.2.3.5|0|']
    assert st.parse_status_machine('') == {'columns': [], 'nodes': [], 'unparsable': []}
    with pytest.raises(ValueError):
        reference.parse_status_json('{"node_status": 3}')
    with pytest.raises(ValueError):
        reference.parse_status_json('not json')


def test_needs_machine_readable_only_for_unreadable_node_lines():
    good = st.parse_status_text(SEED_RAW)
    assert st.needs_machine_readable(good) is False
    odd_flag = st.parse_status_text(SEED_RAW.replace('UNHEALTHY', 'UNHEALTHY|FROBNICATED'))
    assert st.needs_machine_readable(odd_flag) is True
    odd_line = st.parse_status_text(SEED_RAW.replace('pnn:1 192.168.6.77     UNHEALTHY', 'pnn:1 ???'))
    assert st.needs_machine_readable(odd_line) is True


def test_merge_machine_nodes_replaces_nodes_and_recomputes_health():
    text = st.parse_status_text(SEED_RAW.replace('UNHEALTHY', 'UNHEALTHY|FROBNICATED'))
    machine = st.parse_status_machine(
        '|Node|IP|Disconnected|Banned|Disabled|Unhealthy|Stopped|Inactive|PartiallyOnline|ThisNode|\n'
        '|0|192.168.6.79|0|0|0|0|0|0|0|Y|\n|1|192.168.6.77|0|0|0|0|0|0|0|N|\n')
    merged = st.merge_machine_nodes(text['cluster'], machine)
    assert [node['flags'] for node in merged['nodes']] == [[], []]
    assert merged['healthy'] is True and merged['generation'] == 1919983054
    assert text['cluster']['healthy'] is False  # the input is not modified


@pytest.mark.parametrize('text,healthy', [
    (SEED_RAW.replace('UNHEALTHY', 'OK'), True),
    (SEED_RAW, False),
    (SEED_RAW.replace('UNHEALTHY', 'OK').replace('NORMAL (0)', 'RECOVERY (1)'), False),
    (SEED_RAW.replace('UNHEALTHY', 'OK').replace('Recovery mode:NORMAL (0)\n', ''), False),
    (SEED_RAW.replace('UNHEALTHY', 'DISABLED'), False),
    ('', False),
])
def test_is_healthy_helper(text, healthy):
    assert reference.is_healthy(text) is healthy
    assert reference.is_healthy(st.parse_status_text(text)['cluster']) is healthy


def test_health_problems_name_each_bad_node():
    cluster = st.parse_status_text(_read('status/realworld.samba-technical.2021-05-08.node2', 'output.txt'))['cluster']
    assert st.health_problems(cluster) == [
        'node 0 (192.168.200.10) is DISCONNECTED|UNHEALTHY|INACTIVE',
        'node 1 (192.168.200.30) is DISCONNECTED|UNHEALTHY|INACTIVE',
    ]


def test_json_skips_deleted_nodes_and_keeps_their_count():
    doc = json.loads(_read('status/ctdb.status.001_3_json', 'output.txt'))
    doc['node_status']['deleted_node_count'] = 1
    doc['node_status']['nodes']['2']['flags']['deleted'] = True
    doc['node_status']['nodes']['2']['flags']['inactive'] = True
    cluster = reference.parse_status_json(json.dumps(doc))
    assert [node['pnn'] for node in cluster['nodes']] == [0, 1]
    assert cluster['deleted_nodes'] == 1 and cluster['node_count'] == 3
    assert cluster['healthy'] is True


ADMIN_BITS = BIT['DISABLED'] | BIT['STOPPED']


@pytest.mark.parametrize('case', TRUTH_CASES)
def test_case_admin_states_apart_from_faults(case):
    """Each node's administrative state and faults follow its truth mask; BANNED is a fault."""
    truth = json.loads(_read(case, 'truth.json'))
    masks = _expected_masks(case, truth)
    nodes, result = _nodes_of(case)
    if masks is None:
        pytest.skip('the corpus did not compute the flags of this case')
    for node in nodes:
        mask = masks[node['pnn']]
        expected = 'stopped' if mask & BIT['STOPPED'] else 'disabled' if mask & BIT['DISABLED'] else 'enabled'
        assert node['admin_state'] == expected
        assert node['faults'] == [word for word in _words_for(mask & ~ADMIN_BITS) if word != 'INACTIVE']
    cluster = result.get('cluster')
    if cluster is not None and 'nodestatus' not in _read(case, 'command.txt'):
        shown = [masks[node['pnn']] for node in nodes]
        in_service = [mask for mask in shown if not mask & ADMIN_BITS]
        assert cluster['healthy_in_service'] == (bool(in_service) and all(not mask & ~ADMIN_BITS for mask in shown))
        assert cluster['admin_out'] == [
            {'pnn': node['pnn'], 'address': node['address'], 'state': node['admin_state']}
            for node in nodes if masks[node['pnn']] & ADMIN_BITS]


SEED_OK = SEED_RAW.replace('UNHEALTHY', 'OK')


@pytest.mark.parametrize('word,admin_state,faults,in_service_ok', [
    ('DISABLED', 'disabled', [], True),
    ('STOPPED|INACTIVE', 'stopped', [], True),
    ('DISABLED|STOPPED|INACTIVE', 'stopped', [], True),
    ('BANNED|INACTIVE', 'enabled', ['BANNED'], False),
    ('DISABLED|UNHEALTHY', 'disabled', ['UNHEALTHY'], False),
    ('DISCONNECTED|INACTIVE', 'enabled', ['DISCONNECTED'], False),
    ('UNHEALTHY', 'enabled', ['UNHEALTHY'], False),
])
def test_admin_states_accepted_faults_not(word, admin_state, faults, in_service_ok):
    text = SEED_OK.replace('192.168.6.77     OK', '192.168.6.77     %s' % word)
    assert word in text
    cluster = st.parse_status_text(text)['cluster']
    node = cluster['nodes'][1]
    assert (node['admin_state'], node['faults']) == (admin_state, faults)
    assert cluster['healthy'] is False
    assert cluster['healthy_in_service'] is in_service_ok
    assert bool(cluster['faults']) is not in_service_ok
    assert cluster['admin_out'] == ([{'pnn': 1, 'address': '192.168.6.77', 'state': admin_state}]
                                    if admin_state != 'enabled' else [])


def test_every_node_out_of_service_is_not_healthy_in_service():
    text = SEED_OK.replace('192.168.6.77     OK', '192.168.6.77     DISABLED').replace(
        '192.168.6.79     OK', '192.168.6.79     STOPPED|INACTIVE')
    cluster = st.parse_status_text(text)['cluster']
    assert cluster['healthy_in_service'] is False
    assert cluster['faults'] == ['no node is in service (every node is disabled or stopped)']
