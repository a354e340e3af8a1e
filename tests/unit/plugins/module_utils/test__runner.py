# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_runner: CTDB_BASE resolution, failure messages, and real runs of stand-in binaries.

The runner is given its two seams explicitly (a run_command callable and a bin_path lookup), so
no AnsibleModule is patched: ``run_command`` here really runs the stand-in scripts with subprocess.
One test builds a real AnsibleModule to check that ``CtdbRunner(module)`` wires the same seams.
"""
import os
import stat
import subprocess

import pytest

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ctdb.cluster.plugins.module_utils import _runner
from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError

CTDB_CONFIG = '/usr/libexec/ctdb/ctdb-config'
needs_ctdb_config = pytest.mark.skipif(not os.access(CTDB_CONFIG, os.X_OK),
                                       reason='ctdb-config (Debian package ctdb) is not installed')


def run_command(argv, environ_update=None):
    env = dict(os.environ)
    env.update(environ_update or {})
    proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                          check=False)
    return proc.returncode, proc.stdout, proc.stderr


def stand_in(tmp_path, name, script):
    """An executable ``name`` that runs ``script`` (sh); returns a bin_path lookup that finds it."""
    binary = tmp_path / 'bin' / name
    binary.parent.mkdir(exist_ok=True)
    binary.write_text('#!/bin/sh\n' + script)
    binary.chmod(binary.stat().st_mode | stat.S_IEXEC)
    return lambda wanted: str(binary) if wanted == name else None


def runner(bin_path, base='/srv/n1', binary='ctdb'):
    return _runner.CtdbRunner(binary=binary, run_command=run_command, bin_path=bin_path, base=base)


def make_module(**params):
    with patch_module_args(params):
        return AnsibleModule(argument_spec=dict(ctdb_base=dict(type='path')))


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


def test_runs_with_c_locale_and_ctdb_base(tmp_path):
    bin_path = stand_in(tmp_path, 'ctdb', 'echo "$LC_ALL $CTDB_BASE $*"\n')
    assert runner(bin_path).run(['-X', 'status']) == (0, 'C /srv/n1 -X status\n', '')


def test_module_runner_uses_the_modules_run_command_and_the_ctdb_directories(tmp_path, monkeypatch):
    bin_path = stand_in(tmp_path, 'ctdb-standin', 'echo "$LC_ALL $CTDB_BASE $*"\n')
    monkeypatch.setenv('PATH', '%s:%s' % (os.path.dirname(bin_path('ctdb-standin')), os.environ['PATH']))
    module_runner = _runner.CtdbRunner(make_module(ctdb_base='/srv/n2'), binary='ctdb-standin')
    assert module_runner.run(['pnn']) == (0, 'C /srv/n2 pnn\n', '')
    assert module_runner.path() == bin_path('ctdb-standin')


def test_timelimit_stays_within_what_ctdb_parses(tmp_path):
    bin_path = stand_in(tmp_path, 'ctdb', 'echo "$*"\n')
    assert runner(bin_path).run(['status'], timeout=10 ** 20)[1] == '--timelimit=2147483647 status\n'
    assert runner(bin_path).run(['status'], timeout=0.2)[1] == '--timelimit=1 status\n'


def test_daemon_down_is_explained(tmp_path):
    bin_path = stand_in(tmp_path, 'ctdb', 'echo "connect() failed, errno=2" >&2\n'
                                          'echo "Is this node part of CTDB cluster?" >&2\nexit 1\n')
    with pytest.raises(CtdbError) as failure:
        runner(bin_path).run(['status'])
    assert failure.value.msg == ('ctdb status failed: ctdbd is not running on this node (or its socket is '
                                 'unreachable): start it (systemctl start ctdb) or check CTDB_BASE')
    assert failure.value.data['rc'] == 1
    assert failure.value.data['cmd'] == [bin_path('ctdb'), 'status']
    assert failure.value.data['ctdb_base'] == '/srv/n1'
    assert not runner(bin_path).daemon_running()


def test_permission_denied_is_explained(tmp_path):
    bin_path = stand_in(tmp_path, 'ctdb', 'echo "Permission denied" >&2\nexit 1\n')
    with pytest.raises(CtdbError, match=r'permission denied talking to ctdbd: run the task as root \(become: true\)'):
        runner(bin_path).run(['status'])


def test_other_failures_quote_the_tool(tmp_path):
    bin_path = stand_in(tmp_path, 'ctdb', 'echo "Invalid node 7" >&2\nexit 22\n')
    with pytest.raises(CtdbError) as failure:
        runner(bin_path).run(['-n', 7, 'disable'])
    assert failure.value.msg == 'ctdb -n 7 disable failed with exit code 22: Invalid node 7'
    assert failure.value.data['stderr'] == 'Invalid node 7\n'
    rc, dummy, err = runner(bin_path).run(['status'], check_rc=False)
    assert (rc, err) == (22, 'Invalid node 7\n')


def test_missing_binary(tmp_path):
    absent = runner(lambda name: None, binary='ctdb-not-installed')
    assert not absent.installed()
    with pytest.raises(CtdbError, match='ctdb-not-installed command not found: install the ctdb package'):
        absent.run(['status'])


def test_version_from_the_tool(tmp_path):
    assert runner(stand_in(tmp_path, 'ctdb', 'echo 4.17.12-Debian\n')).version() == (4, 17, 12)
    assert runner(stand_in(tmp_path, 'ctdb', 'exit 1\n')).version() is None


def test_a_runner_needs_its_seams():
    with pytest.raises(TypeError):
        _runner.CtdbRunner(run_command=run_command)


# ----------------------------------------------------------------------------- ctdb-config validate
def validator(tmp_path, bin_path=None):
    scratch = tmp_path / 'scratch'
    scratch.mkdir(exist_ok=True)
    lookup = bin_path or (lambda name: CTDB_CONFIG if name == 'ctdb-config' else None)
    return _runner.ConfigValidator(str(scratch), run_command=run_command, bin_path=lookup), scratch


@needs_ctdb_config
def test_real_ctdb_config_accepts_a_good_file_and_leaves_no_scratch(tmp_path):
    check, scratch = validator(tmp_path)
    assert check.available()
    assert check.validate('[logging]\n\tlocation = syslog\n', str(tmp_path)) is None
    assert list(scratch.iterdir()) == []


@needs_ctdb_config
def test_real_ctdb_config_refusal_is_quoted_with_the_real_directory(tmp_path):
    check, scratch = validator(tmp_path)
    with pytest.raises(CtdbError) as failure:
        check.validate('[failover]\n\tshutdown failover timeout = 5\n', '/etc/ctdb', keep='/etc/ctdb/ctdb.conf')
    assert failure.value.msg == ('ctdb-config validate rejected the new ctdb.conf, so /etc/ctdb/ctdb.conf was left '
                                 'unchanged: conf: unknown option [failover] -> "shutdown failover timeout"')
    assert failure.value.data['rc'] == 22
    assert list(scratch.iterdir()) == []


@needs_ctdb_config
def test_scripts_named_by_the_file_are_linked_from_the_real_directory(tmp_path):
    base = tmp_path / 'etc-ctdb'
    base.mkdir()
    (base / 'debug-hung.sh').write_text('#!/bin/sh\n')
    (base / 'debug-hung.sh').chmod(0o755)
    check, dummy = validator(tmp_path)
    text = '[event]\n\tdebug script = debug-hung.sh\n'
    assert check.validate(text, str(base), scripts=['debug-hung.sh']) is None
    with pytest.raises(CtdbError, match='ctdb-config validate rejected'):
        check.validate(text, str(tmp_path), scripts=['debug-hung.sh'])


def test_validator_runs_in_test_mode_on_a_copy(tmp_path):
    seen = tmp_path / 'seen'
    bin_path = stand_in(tmp_path, 'ctdb-config', 'echo "$CTDB_TEST_MODE $*" > %s; cat "$CTDB_BASE/ctdb.conf" >> %s\n'
                        % (seen, seen))
    check, dummy = validator(tmp_path, bin_path)
    assert check.validate('[legacy]\n\tbrand new = 1\n', '/etc/ctdb') is None
    assert seen.read_text() == 'yes validate\n[legacy]\n\tbrand new = 1\n'
    assert not validator(tmp_path, lambda name: None)[0].available()
