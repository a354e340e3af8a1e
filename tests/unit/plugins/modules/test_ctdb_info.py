# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_info on real files in tmp_path, with ctdb scripted with real 4.17 outputs."""
import os

import pytest

from ansible_collections.ctdb.cluster.plugins.modules import ctdb_info
from ansible_collections.ctdb.cluster.tests.unit.plugins.modules.utils import (
    DAEMON_DOWN, UNEXPECTED, ExitJson, FailJson, real,
)

MODULE = ctdb_info


@pytest.fixture(autouse=True)
def strict(ctdb):
    """A command the test does not answer fails it."""
    ctdb.default = UNEXPECTED


def files(base):
    (base / 'ctdb.conf').write_text('[cluster]\n\tnode address = 127.0.26.2\n\tcluster lock = /clusterfs/.lock\n'
                                    '[logging]\n\tlog level = NOTICE\n\tbad line\n')
    (base / 'nodes').write_text('127.0.26.1\n127.0.26.2\n#127.0.26.3\n')
    (base / 'public_addresses').write_text('127.0.26.101/32 lo\n')
    (base / 'ctdb.tunables').write_text('MonitorInterval=20\nFoo=1\n')
    scripts = base / 'events' / 'legacy'
    scripts.mkdir(parents=True)
    (scripts / '50.samba.script').write_text('#!/bin/sh\n')
    os.chmod(str(scripts / '50.samba.script'), 0o755)
    (scripts / '49.winbind.script').write_text('#!/bin/sh\n')


def test_stopped_daemon_files_only(ctdb, run_module, tmp_path):
    files(tmp_path)
    ctdb.answer(['pnn'], DAEMON_DOWN)
    ctdb.answer(['version'], real('version.txt'))
    result = run_module({'ctdb_base': str(tmp_path)}, expect=ExitJson)
    assert result['changed'] is False and result['running'] is False and result['version'] == '4.17.12-Debian'
    assert result['role_vars'] == {
        'ctdb_base': str(tmp_path),
        'ctdb_nodes': ['127.0.26.1', '127.0.26.2'],
        'ctdb_node_address': '127.0.26.2',
        'ctdb_public_addresses': [{'address': '127.0.26.101/32', 'interface_name': 'lo'}],
        'ctdb_cluster_lock': '/clusterfs/.lock',
        'ctdb_cluster_lock_key': 'cluster lock',
        'ctdb_conf': {'logging': {'log level': 'NOTICE'}},
        'ctdb_conf_host': {'cluster': {'node address': '127.0.26.2'}},
        'ctdb_event_scripts_enabled': ['50.samba'],
        'ctdb_tunables': {'MonitorInterval': 20},
    }
    assert result['nodes_file'][2] == {'pnn': 2, 'address': '127.0.26.3', 'deleted': True}
    assert result['problems'][-1] == "ctdb.tunables: line 2 'Foo=1': unknown or obsolete tunable Foo"
    assert any('bad line' in problem for problem in result['problems'][:-1])


def test_running_daemon(ctdb, run_module, tmp_path):
    files(tmp_path)
    ctdb.answer(['pnn'], '1\n')
    ctdb.answer(['version'], real('version.txt'))
    ctdb.answer(['status'], real('status_node1_stopped.txt').replace('STOPPED|INACTIVE', 'OK'))
    ctdb.answer(['-X', 'ip', 'all'], real('X_ip_all.txt'))
    ctdb.answer(['listvars'], real('listvars.txt'))
    ctdb.answer(['event', 'script', 'list', 'legacy'], '* 50.samba\n  60.nfs\n')
    result = run_module({'ctdb_base': str(tmp_path)}, expect=ExitJson)
    assert result['running'] is True and result['pnn'] == 0
    assert result['addresses'] == {'127.0.26.101': 2, '127.0.26.102': 1, '127.0.26.103': 0}
    assert result['tunables']['MonitorInterval'] == 15 and result['role_vars']['ctdb_tunables'] == {
        'MonitorInterval': 20}
    assert result['role_vars']['ctdb_event_scripts_enabled'] == ['50.samba']
    assert result['nodes'][1] == {'pnn': 1, 'address': '127.0.26.2', 'flags': [], 'status': 'OK'}


def test_broken_nodes_file_is_a_clear_error(ctdb, run_module, tmp_path):
    (tmp_path / 'nodes').write_text('127.0.26.1\nnot-an-address\n')
    result = run_module({'ctdb_base': str(tmp_path)}, expect=FailJson)
    assert result['msg'].startswith("line 2 of the nodes file is 'not-an-address'")


def test_bad_host_option(ctdb, run_module, tmp_path):
    result = run_module({'ctdb_base': str(tmp_path), 'host_options': ['nokey']}, expect=FailJson)
    assert result['msg'] == "host_options entry 'nokey' is not SECTION/KEY, for example logging/location"
    assert ctdb.calls == []
