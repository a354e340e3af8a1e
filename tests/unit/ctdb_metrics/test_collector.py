# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The metrics collector's parsers and rendering, on real ctdb outputs (tests/fixtures), and its atomic write."""
import importlib.machinery
import importlib.util
import json
import os
import re
import sys

import pytest

from conftest import COLLECTOR, sample  # pylint: disable=import-error

SANDBOX_STATUS = sample('status_node1_stopped.txt')
NODESTATUS_UNHEALTHY = sample('nodestatus/ctdb.nodestatus.003_2_X')
UPTIME = sample('uptime/doc.ctdb.1.xml.screen02@HEAD')
# ctdb prints -1 as the node of an address no node serves; the rows are the sandbox's real ones.
IP_UNSERVED = sample('X_ip_all.txt').replace('|127.0.26.102|1|', '|127.0.26.102|-1|')


def answers(**changes):
    found = {'nodestatus': sample('status/ctdb.status.001_2_X'), 'status': SANDBOX_STATUS, 'uptime': UPTIME,
             'ip': sample('X_ip_all.txt'), 'getdbmap': sample('X_getdbmap.txt')}
    found.update(changes)
    return found


def values(text):
    """{'name{labels}': value} of a rendered exposition."""
    return dict(line.rsplit(' ', 1) for line in text.splitlines() if not line.startswith('#'))


def test_nodestatus_flags_and_this_node(collector):
    nodes, this_pnn = collector.parse_nodestatus(NODESTATUS_UNHEALTHY)
    assert this_pnn == 2
    assert [node['pnn'] for node in nodes] == [0, 1, 2]
    assert nodes[0]['address'] == '192.168.20.41'
    assert [name for name, value in nodes[0]['flags'].items() if value] == ['unhealthy']
    assert not any(nodes[1]['flags'].values())


@pytest.mark.parametrize('case', ['status/ctdb.status.003_2_X', 'nodestatus/ctdb.nodestatus.006_2_X',
                                  'nodestatus/ctdb.nodestatus.004_2_X'])
def test_nodestatus_every_sample_parses(collector, case):
    nodes, _this = collector.parse_nodestatus(sample(case))
    assert nodes and all(set(node['flags']) == set(label for _c, label in collector.FLAG_COLUMNS) for node in nodes)


def test_status_text_recovery_mode_and_leader(collector):
    assert collector.parse_status_text(SANDBOX_STATUS) == (0, 0)
    # before 4.16 the line was "Recovery master:"
    assert collector.parse_status_text(sample('status/realworld.samba-technical.2021-05-08.node1')) == (1, 0)
    assert collector.parse_status_text('Recovery mode:NORMAL (0)\nLeader:UNKNOWN\n') == (0, -1)
    with pytest.raises(collector.ParseError, match='Recovery mode'):
        collector.parse_status_text('')


def test_uptime(collector):
    found = collector.parse_uptime(UPTIME)
    assert found == {'since_start': 16 * 3600 + 54 * 60 + 28, 'since_last_recovery': 16 * 3600 + 53 * 60 + 31,
                     'last_recovery_duration': 2.248552}
    assert collector.parse_uptime('Time of last recovery/failover: (002 01:00:05) x')['since_last_recovery'] == \
        2 * 86400 + 3605
    with pytest.raises(collector.ParseError):
        collector.parse_uptime(sample('uptime/ctdb.uptime.001_1_text'))  # the test suite's placeholders


def test_ip_served_and_unserved(collector):
    assert collector.parse_ip(sample('X_ip_all_node1_stopped.txt')) == [
        ('127.0.26.101', 2), ('127.0.26.102', 2), ('127.0.26.103', 0)]
    found = values(collector.render(collector.ip_samples(collector.parse_ip(IP_UNSERVED))))
    assert found['ctdb_public_address_served{address="127.0.26.102",pnn="-1"}'] == '0'
    assert found['ctdb_public_address_served{address="127.0.26.101",pnn="2"}'] == '1'
    assert found['ctdb_public_addresses_unserved'] == '1'
    assert found['ctdb_public_addresses'] == '3'


def test_getdbmap_kinds_and_health(collector):
    assert collector.parse_getdbmap(sample('X_getdbmap.txt')) == [
        ('nosuch.tdb', 'persistent', True), ('g_lock.tdb', 'volatile', True),
        ('test_r.tdb', 'replicated', True), ('test_p.tdb', 'persistent', True)]
    # an older ctdb's table (fewer columns) with the Unhealthy column set
    older = sample('getdbmap/doc.ctdb.1.xml.screen24.2@HEAD').replace('|1|0|', '|1|1|')
    assert collector.parse_getdbmap(older) == [('passdb.tdb', 'persistent', False)]
    assert collector.parse_getdbmap('') == []


def test_helper_processes(collector):
    cmdlines = [['/usr/bin/python3', '/usr/local/libexec/ctdb/ctdb_etcd_lock', '-c', 'x'],
                ['/usr/local/libexec/ctdb/ctdb_etcd_lock'], ['/usr/sbin/ctdbd'], ['vi', 'x', 'ctdb_etcd_lock']]
    assert collector.count_helper_processes(cmdlines, 'ctdb_etcd_lock') == 2
    assert collector.count_helper_processes(collector.read_cmdlines(), 'no-such-helper-here') == 0


def test_a_full_run_renders_every_metric(collector):
    text = collector.render(collector.collect(answers(nodestatus=NODESTATUS_UNHEALTHY), 1, 100.0, 100.25))
    found = values(text)
    assert found['ctdb_node_flag{pnn="0",flag="unhealthy"}'] == '1'
    assert found['ctdb_node_flag{pnn="0",flag="banned"}'] == '0'
    assert found['ctdb_node_healthy{pnn="0"}'] == '0'
    assert found['ctdb_node_healthy{pnn="1"}'] == '1'
    assert found['ctdb_this_node_pnn'] == '2'
    assert found['ctdb_recovery_mode'] == '0'
    assert found['ctdb_leader_pnn'] == '0'
    assert found['ctdb_this_node_is_leader'] == '0'
    assert found['ctdb_seconds_since_last_recovery'] == str(16 * 3600 + 53 * 60 + 31)
    assert found['ctdb_database_healthy{db="test_p.tdb",kind="persistent"}'] == '1'
    assert found['ctdb_cluster_lock_helper_processes'] == '1'
    assert found['ctdb_collector_success'] == '1'
    assert found['ctdb_collector_duration_seconds'] == '0.25'
    assert found['ctdb_collector_timestamp_seconds'] == '100.25'
    # one HELP and one TYPE per metric, each metric's samples together
    names = re.findall(r'^# TYPE (\S+) gauge$', text, re.M)
    assert len(names) == len(set(names))
    assert all(name in collector.HELP for name in names)


def test_a_failed_command_is_reported_and_the_rest_still_written(collector):
    found = values(collector.render(collector.collect(answers(ip=None, status='garbage'), None, 1.0, 2.0)))
    assert found['ctdb_collector_success'] == '0'
    assert found['ctdb_collector_command_success{command="ip"}'] == '0'
    assert found['ctdb_collector_command_success{command="status"}'] == '0'
    assert found['ctdb_collector_command_success{command="nodestatus"}'] == '1'
    assert 'ctdb_recovery_mode' not in found and 'ctdb_public_addresses' not in found
    assert 'ctdb_cluster_lock_helper_processes' not in found
    assert found['ctdb_node_healthy{pnn="0"}'] == '1'


def test_ctdbd_down_writes_only_the_collector_metrics(collector):
    found = values(collector.render(collector.collect(dict.fromkeys(answers()), None, 1.0, 2.0)))
    assert found['ctdb_collector_success'] == '0'
    assert sorted(key for key in found if not key.startswith('ctdb_collector_')) == []


def test_nodestatus_nonzero_rc_still_counts(collector):
    outputs = {'nodestatus': (1, NODESTATUS_UNHEALTHY), 'status': (0, SANDBOX_STATUS), 'uptime': (0, UPTIME),
               'ip': (0, ''), 'getdbmap': (0, sample('X_getdbmap.txt'))}
    calls = []

    def run(argv):
        calls.append(argv)
        name = [name for name, args in collector.COMMANDS if list(args) == list(argv[1:])][0]
        return outputs[name]

    found = collector._answers(run, '/usr/bin/ctdb')  # pylint: disable=protected-access
    assert found['nodestatus'] == NODESTATUS_UNHEALTHY
    assert calls[0] == ['/usr/bin/ctdb', '-X', 'nodestatus', 'all']
    outputs['status'] = (1, SANDBOX_STATUS)
    assert collector._answers(run, 'ctdb')['status'] is None  # pylint: disable=protected-access


def test_label_values_are_escaped(collector):
    text = collector.render([('ctdb_database_healthy', (('db', 'a"b\\c\nd'), ('kind', 'volatile')), 1.0)])
    assert 'ctdb_database_healthy{db="a\\"b\\\\c\\nd",kind="volatile"} 1' in text


def test_write_is_atomic_and_leaves_no_temporary(collector, tmp_path):
    collector.write_atomically(str(tmp_path), 'ctdb.prom', 'a 1\n')
    collector.write_atomically(str(tmp_path), 'ctdb.prom', 'a 2\n')
    assert os.listdir(str(tmp_path)) == ['ctdb.prom']
    assert (tmp_path / 'ctdb.prom').read_text() == 'a 2\n'
    assert oct(os.stat(str(tmp_path / 'ctdb.prom')).st_mode & 0o777) == '0o644'


def test_main_with_a_ctdb_that_is_not_there(collector, tmp_path):
    assert collector.main(['--ctdb', str(tmp_path / 'nope'), '--directory', str(tmp_path)]) == 0
    found = values((tmp_path / 'ctdb.prom').read_text())
    assert found['ctdb_collector_success'] == '0'
    assert collector.main(['--directory', str(tmp_path / 'missing'), '--ctdb', 'nope']) == 1
    with pytest.raises(SystemExit):
        collector.main(['--name', 'ctdb.txt'])


def test_lock_helper_from_ctdb_conf(collector, tmp_path):
    conf = ('[logging]\n\tlocation = syslog\n[cluster]\n\t# cluster lock = !/usr/bin/other\n'
            '\tcluster  lock = !/usr/local/libexec/ctdb/ctdb_etcd_lock -c /etc/ctdb/etcd\n')
    assert collector.lock_helper_name(conf) == 'ctdb_etcd_lock'
    assert collector.lock_helper_name('[cluster]\nrecovery lock = !/usr/bin/x\n') == 'x'
    assert collector.lock_helper_name('[cluster]\ncluster lock = /clusterfs/.lock\n') is None
    assert collector.lock_helper_name('[legacy]\ncluster lock = !/usr/bin/x\n') is None
    (tmp_path / 'ctdb.conf').write_text(conf)
    assert collector.resolve_lock_helper('auto', str(tmp_path)) == 'ctdb_etcd_lock'
    assert collector.resolve_lock_helper('auto', str(tmp_path / 'none')) is None
    assert collector.resolve_lock_helper('', str(tmp_path)) is None
    assert collector.resolve_lock_helper('mine', str(tmp_path)) == 'mine'


def lock_helper_module():
    """The etcd lock helper itself (its StateFile writes what the collector reads)."""
    path = os.path.join(os.path.dirname(COLLECTOR), '..', '..', 'etcd_lock', 'files', 'ctdb_etcd_lock')
    loader = importlib.machinery.SourceFileLoader('ctdb_etcd_lock', os.path.normpath(path))
    spec = importlib.util.spec_from_loader('ctdb_etcd_lock', loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules['ctdb_etcd_lock'] = module  # its dataclasses look their module up there
    loader.exec_module(module)
    return module


def test_lock_states_are_the_helpers(collector):
    assert collector.LOCK_STATES == lock_helper_module().LOCK_STATES
    assert collector.LOCK_STATE_FILE_NAME == lock_helper_module().STATE_FILE_NAME


def test_lock_state_written_by_the_helper(collector, tmp_path):
    """The helper's own StateFile writes the file; this process (alive) recorded `unreachable` 30 s ago, then
    again 10 s ago: 30 s in the state."""
    helper = lock_helper_module()
    path = str(tmp_path / 'etcd_lock.state')
    helper.StateFile(path, clock=lambda: 1000.0).record('unreachable', 'http://10.0.0.1:2379', 'timed out')
    helper.StateFile(path, clock=lambda: 1020.0).record('unreachable', 'http://10.0.0.1:2379', 'timed out')
    found = values(collector.render(collector.read_lock_state(path, now=1030.0)))
    assert found == {'ctdb_cluster_lock_state{state="holding"}': '0',
                     'ctdb_cluster_lock_state{state="contending"}': '0',
                     'ctdb_cluster_lock_state{state="unreachable"}': '1',
                     'ctdb_cluster_lock_state{state="error"}': '0',
                     'ctdb_cluster_lock_state{state="lost"}': '0',
                     'ctdb_cluster_lock_state{state="released"}': '0',
                     'ctdb_cluster_lock_state_seconds': '30',
                     'ctdb_cluster_lock_state_updated_timestamp_seconds': '1020'}


def test_lock_state_holding_is_checked_against_the_process(collector, tmp_path):
    """`holding` stands while its process runs; the same pid with another start time (reused) or no process:
    the holder went without a word (SIGKILL), `lost` since its record."""
    record = {'state': 'holding', 'since': 100.0, 'updated': 100.0, 'pid': os.getpid(),
              'start_ticks': collector.process_start_ticks(os.getpid())}
    path = tmp_path / 'etcd_lock.state'
    path.write_text(json.dumps(record))
    found = values(collector.render(collector.read_lock_state(str(path), now=160.0)))
    assert found['ctdb_cluster_lock_state{state="holding"}'] == '1' and found['ctdb_cluster_lock_state_seconds'] == '60'
    for changed in ({'start_ticks': record['start_ticks'] + 1}, {'pid': 2 ** 22 + 1}, {'start_ticks': None}):
        path.write_text(json.dumps(dict(record, **changed)))
        found = values(collector.render(collector.read_lock_state(str(path), now=160.0)))
        assert found['ctdb_cluster_lock_state{state="holding"}'] == '0', changed
        assert found['ctdb_cluster_lock_state{state="lost"}'] == '1', changed


@pytest.mark.parametrize('text', ['', 'not json', '[]', '{"state": "dancing", "since": 1, "updated": 1}',
                                  '{"state": "holding", "since": "x", "updated": 1}'])
def test_lock_state_unreadable_gives_no_samples(collector, tmp_path, text):
    path = tmp_path / 'etcd_lock.state'
    path.write_text(text)
    assert collector.read_lock_state(str(path), now=1.0) == []
    assert collector.read_lock_state(str(tmp_path / 'absent'), now=1.0) == []


def test_lock_state_file_found_from_ctdb_conf(collector, tmp_path):
    base = str(tmp_path)
    conf = tmp_path / 'ctdb.conf'
    conf.write_text('[cluster]\n\tcluster lock = !/usr/local/libexec/ctdb/ctdb_etcd_lock -c %s/lock.conf -v\n' % base)
    assert collector.resolve_lock_state('auto', base, {}) == '/run/ctdb/etcd_lock.state'  # no config: default
    assert collector.resolve_lock_state('auto', base, {'CTDB_TEST_MODE': 'yes'}) == base + '/run/etcd_lock.state'
    (tmp_path / 'lock.conf').write_text('api = v3\n# state_file = /old\nstate_file = "/var/tmp/s.state"  # here\n')
    assert collector.resolve_lock_state('auto', base, {}) == '/var/tmp/s.state'
    (tmp_path / 'lock.conf').write_text('state_file = none\n')
    assert collector.resolve_lock_state('auto', base, {}) is None
    conf.write_text('[cluster]\n\tcluster lock = !/usr/local/libexec/ctdb/ctdb_etcd_lock\n')
    (tmp_path / 'etcd').write_text('state_file = /x/y.state\n')  # the helper's default config: CTDB_BASE/etcd
    assert collector.resolve_lock_state('auto', base, {}) == '/x/y.state'
    conf.write_text('[cluster]\n\tcluster lock = !/usr/bin/other_helper -c %s/etcd\n' % base)
    assert collector.resolve_lock_state('auto', base, {}) is None
    conf.write_text('[cluster]\n\tcluster lock = /clusterfs/.lock\n')
    assert collector.resolve_lock_state('auto', base, {}) is None
    assert collector.resolve_lock_state('/given', base, {}) == '/given'
    assert collector.resolve_lock_state('', base, {}) is None
    assert collector.helper_config_path(['h', '--config=/a'], base) == '/a'
    assert collector.helper_config_path(['h', '-c/b'], base) == '/b'
    assert collector.helper_config_path(['h', '-v', '--config', '/c'], base) == '/c'


def test_main_exports_the_lock_state(collector, tmp_path, monkeypatch):
    (tmp_path / 'run').mkdir()
    helper = lock_helper_module()
    helper.StateFile(str(tmp_path / 'run' / 'etcd_lock.state')).record('contending', 'http://127.0.0.1:2379')
    (tmp_path / 'ctdb.conf').write_text('[cluster]\ncluster lock = !/usr/local/libexec/ctdb/ctdb_etcd_lock\n')
    monkeypatch.setenv('CTDB_TEST_MODE', 'yes')  # as in the sandbox: CTDB_BASE/run
    assert collector.main(['--ctdb', str(tmp_path / 'nope'), '--directory', str(tmp_path),
                           '--ctdb-base', str(tmp_path)]) == 0
    found = values((tmp_path / 'ctdb.prom').read_text())
    assert found['ctdb_cluster_lock_state{state="contending"}'] == '1'
    assert float(found['ctdb_cluster_lock_state_seconds']) < 60
