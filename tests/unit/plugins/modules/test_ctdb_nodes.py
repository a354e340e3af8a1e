# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_nodes on real files in a temporary CTDB_BASE, with ctdb faked at its one seam (run_command).

The tables (bad inputs with their exact messages, refusals, reads and reloads) are data in
test_ctdb_nodes.yaml; what needs more than one run or a file outside CTDB_BASE stays code here.
"""
import os

import pytest

from ansible_collections.ctdb.cluster.plugins.modules import ctdb_nodes

from ansible_collections.ctdb.cluster.tests.unit.plugins.modules.utils import check_case, load_cases

MODULE = ctdb_nodes
THREE = '192.168.20.41\n192.168.20.42\n192.168.20.43\n'
STATUS = ('Number of nodes:3\npnn:0 192.168.20.41    OK (THIS NODE)\npnn:1 192.168.20.42    OK\n'
          'pnn:2 192.168.20.43    OK\nGeneration:1\nSize:3\nhash:0 lmaster:0\nRecovery mode:NORMAL (0)\nLeader:0\n')


@pytest.fixture
def base(tmp_path):
    base = tmp_path / 'etc-ctdb'
    base.mkdir()
    (base / 'nodes').write_text(THREE)
    return base


@pytest.mark.parametrize('case', load_cases(__file__))
def test_case(case, run_module, ctdb, tmp_path):
    base = tmp_path / 'etc-ctdb'
    base.mkdir()
    check_case(case, run_module, ctdb, base)


def test_ctdb_base_comes_from_the_environment(ctdb, run_module, base, monkeypatch):
    monkeypatch.setenv('CTDB_BASE', str(base))
    result = run_module({})
    assert result.ok and result['path'] == str(base / 'nodes')


def test_path_option_wins(ctdb, run_module, base):
    other = base / 'elsewhere'
    other.write_text('10.0.0.1\n')
    result = run_module({'ctdb_base': str(base), 'path': str(other)})
    assert result.ok and result['nodes'] == ['10.0.0.1']


def test_write_check_mode_diff_then_apply_then_idempotent(ctdb, run_module, base):
    args = {'ctdb_base': str(base), 'nodes': ['192.168.20.41', '192.168.20.43', '192.168.20.44']}
    result = run_module(args, check=True, diff=True)
    assert result.ok and result['changed'] is True
    assert result['diff']['after'] == '192.168.20.41\n#192.168.20.42\n192.168.20.43\n192.168.20.44\n'
    assert result['diff']['before'] == THREE
    assert (base / 'nodes').read_text() == THREE

    result = run_module(args)
    assert result.ok and result['changed'] is True
    assert (base / 'nodes').read_text() == '192.168.20.41\n#192.168.20.42\n192.168.20.43\n192.168.20.44\n'
    assert result['added'] == [{'pnn': 3, 'address': '192.168.20.44'}]
    assert result['removed'] == [{'pnn': 1, 'address': '192.168.20.42'}]
    assert 'diff' not in result

    result = run_module(args)
    assert result.ok and result['changed'] is False
    assert ctdb.calls == []


def test_backup_keeps_the_old_file(ctdb, run_module, base):
    result = run_module({'ctdb_base': str(base), 'nodes': ['192.168.20.41', '192.168.20.42'], 'backup': True})
    assert result.ok and result['changed']
    with open(result['backup_file']) as handle:
        assert handle.read() == THREE


def test_symlinked_file_stays_a_link(ctdb, run_module, base, tmp_path_factory):
    shared = tmp_path_factory.mktemp('dfs') / 'nodes'
    shared.write_text(THREE)
    (base / 'nodes').unlink()
    os.symlink(str(shared), str(base / 'nodes'))
    result = run_module({'ctdb_base': str(base),
                         'nodes': ['192.168.20.41', '192.168.20.42', '192.168.20.43', '10.0.0.9']})
    assert result.ok and result['changed']
    assert os.path.islink(str(base / 'nodes'))
    assert shared.read_text() == THREE + '10.0.0.9\n'


def test_missing_file_is_created(ctdb, run_module, tmp_path):
    result = run_module({'ctdb_base': str(tmp_path), 'nodes': ['10.0.0.1', '10.0.0.2']})
    assert result.ok and result['changed']
    assert (tmp_path / 'nodes').read_text() == '10.0.0.1\n10.0.0.2\n'


def test_reload_failure_says_to_write_every_node_first(ctdb, run_module, base):
    ctdb.answer('pnn', '0\n')
    ctdb.answer('status', STATUS)
    ctdb.answer('reloadnodes', (1, '', 'ERROR: Nodes file on node 1 differs from current node (0)\n'))
    before = (base / 'nodes').read_bytes()
    result = run_module({'ctdb_base': str(base), 'nodes': THREE.split() + ['192.168.20.44'], 'reload': True})
    assert result.failed
    assert result['msg'] == (
        'ctdb reloadnodes failed (rc 1): ERROR: Nodes file on node 1 differs from current node (0). The nodes file '
        'must be identical on every connected node: write it on every node first (a task without reload), then '
        'reload in a separate task with run_once: true.')
    assert (base / 'nodes').read_bytes() != before  # the local file was written before the reload
