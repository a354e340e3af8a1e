# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_runner: CTDB_BASE resolution, version parsing, failure messages, and real runs of a stand-in binary."""
import os
import stat

import pytest

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ctdb.cluster.plugins.module_utils import _runner


class Failed(Exception):
    def __init__(self, kwargs):
        super().__init__(kwargs['msg'])
        self.kwargs = kwargs


def make_module(**params):
    with patch_module_args(params):
        module = AnsibleModule(argument_spec=dict(ctdb_base=dict(type='path')))

    def fail_json(**kwargs):
        raise Failed(kwargs)
    module.fail_json = fail_json
    return module


def fake_ctdb(tmp_path, monkeypatch, script):
    """A `ctdb` on PATH that runs ``script`` (sh), so the runner's real subprocess path is exercised."""
    binary = tmp_path / 'bin' / 'ctdb'
    binary.parent.mkdir()
    binary.write_text('#!/bin/sh\n' + script)
    binary.chmod(binary.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv('PATH', '%s:%s' % (binary.parent, os.environ['PATH']))


def test_ctdb_base_prefers_the_option_then_the_environment(monkeypatch):
    monkeypatch.setenv('CTDB_BASE', '/srv/ctdb-env')
    assert _runner.ctdb_base(make_module(ctdb_base='/srv/ctdb-opt')) == '/srv/ctdb-opt'
    assert _runner.ctdb_base(make_module()) == '/srv/ctdb-env'
    monkeypatch.delenv('CTDB_BASE')
    assert _runner.ctdb_base(make_module()) == '/etc/ctdb'


@pytest.mark.parametrize('text, expected', [
    ('4.17.12-Debian\n', (4, 17, 12)),
    ('Samba version 4.15.0\n', (4, 15, 0)),
    ('4.20\n', (4, 20, 0)),
    ('garbage', None),
])
def test_parse_version(text, expected):
    assert _runner.parse_version(text) == expected


def test_runs_with_c_locale_and_ctdb_base(tmp_path, monkeypatch):
    fake_ctdb(tmp_path, monkeypatch, 'echo "$LC_ALL $CTDB_BASE $*"\n')
    rc, out, err = _runner.CtdbRunner(make_module(ctdb_base='/srv/n1')).run(['-X', 'status'])
    assert (rc, out, err) == (0, 'C /srv/n1 -X status\n', '')


def test_daemon_down_is_explained(tmp_path, monkeypatch):
    fake_ctdb(tmp_path, monkeypatch, 'echo "connect() failed, errno=2" >&2\necho "Is this node part of CTDB cluster?" >&2\nexit 1\n')
    with pytest.raises(Failed) as failure:
        _runner.CtdbRunner(make_module(ctdb_base='/srv/n1')).run(['status'])
    assert failure.value.kwargs['msg'] == (
        'ctdb status failed: ctdbd is not running on this node (or its socket is unreachable): '
        'start it (systemctl start ctdb) or check CTDB_BASE')
    assert failure.value.kwargs['rc'] == 1
    assert not _runner.CtdbRunner(make_module()).daemon_running()


def test_permission_denied_is_explained(tmp_path, monkeypatch):
    fake_ctdb(tmp_path, monkeypatch, 'echo "Permission denied" >&2\nexit 1\n')
    with pytest.raises(Failed, match=r'permission denied talking to ctdbd: run the task as root \(become: true\)'):
        _runner.CtdbRunner(make_module()).run(['status'])


def test_other_failures_quote_the_tool(tmp_path, monkeypatch):
    fake_ctdb(tmp_path, monkeypatch, 'echo "Invalid node 7" >&2\nexit 22\n')
    with pytest.raises(Failed) as failure:
        _runner.CtdbRunner(make_module()).run(['-n', 7, 'disable'])
    assert failure.value.kwargs['msg'] == 'ctdb -n 7 disable failed with exit code 22: Invalid node 7'
    rc, dummy, err = _runner.CtdbRunner(make_module()).run(['status'], check_rc=False)
    assert (rc, err) == (22, 'Invalid node 7\n')


def test_missing_binary(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', str(tmp_path))
    runner = _runner.CtdbRunner(make_module(), binary='ctdb-not-installed')
    with pytest.raises(Failed, match='ctdb-not-installed command not found: install the ctdb package'):
        runner.run(['status'])


def test_version_from_the_tool(tmp_path, monkeypatch):
    fake_ctdb(tmp_path, monkeypatch, 'echo 4.17.12-Debian\n')
    assert _runner.CtdbRunner(make_module()).version() == (4, 17, 12)
