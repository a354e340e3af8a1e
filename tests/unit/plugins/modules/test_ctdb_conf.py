# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_conf run in-process on real files in a temporary CTDB_BASE, with the real ctdb-config.

Only AnsibleModule's exits are replaced (to catch the result); ``ctdb version`` is faked where a
test needs another ctdb version, and ``open``/``get_bin_path`` where a test needs a failure root
cannot produce (an unreadable file, ctdb-config not installed). The bad-input table is data in
test_ctdb_conf.yaml.
"""
import builtins
import os

import pytest

from ansible_collections.ctdb.cluster.plugins.modules import ctdb_conf

from ansible_collections.ctdb.cluster.tests.unit.plugins.modules.utils import REAL, ExitJson, FailJson, check_case, load_cases

SAMPLES = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'ctdb-samples',
                                        'config_samples', 'ctdb.conf'))
CTDB_CONFIG = '/usr/libexec/ctdb/ctdb-config'
needs_ctdb_config = pytest.mark.skipif(not os.access(CTDB_CONFIG, os.X_OK),
                                       reason='ctdb-config (Debian package ctdb) is not installed')
MODULE = ctdb_conf
LOCK = '!/usr/libexec/ctdb/ctdb_mutex_fcntl_helper /var/lib/ctdb/cluster.lock'


def sample(name):
    with open(os.path.join(SAMPLES, name, 'ctdb.conf')) as handle:
        return handle.read()


DEBIAN_DEFAULT = sample('samba.config.ctdb.conf')
DOC_EXAMPLE = sample('samba.doc.examples.ctdb.conf')


class Harness:
    """A temporary CTDB_BASE with ctdb.conf; runs ctdb_conf through the shared run_module with the real
    ctdb-config (the FakeCtdb passes every command through unless ``version_output`` is set)."""

    def __init__(self, tmp_path, run_module, ctdb):
        self.base = tmp_path / 'etc-ctdb'
        self.base.mkdir()
        self.tmpdir = run_module.tmpdir
        self.conf = self.base / 'ctdb.conf'
        self.warnings = []
        self._run_module = run_module
        self._ctdb = ctdb
        ctdb.default = REAL
        ctdb.real_bin_path = True

    @property
    def commands(self):
        return self._ctdb.calls

    @property
    def version_output(self):
        return None

    @version_output.setter
    def version_output(self, text):
        self._ctdb.answer('version', text)

    def write(self, text):
        self.conf.write_bytes(text.encode('utf-8'))
        self.conf.chmod(0o644)

    def snapshot(self):
        if not os.path.lexists(str(self.conf)):
            return None
        stat = os.lstat(str(self.conf))
        data = self.conf.read_bytes() if self.conf.is_file() else b'<dir>'
        return data, stat.st_mtime_ns, stat.st_ino

    def backups(self):
        return sorted(p.name for p in self.base.iterdir() if p.name.startswith('ctdb.conf.'))

    def run(self, args, expect=ExitJson, check=False, diff=False):
        args = dict(args)
        args.setdefault('ctdb_base', str(self.base))
        outcome = self._run_module(args, check=check, diff=diff, expect=expect)
        self.warnings.extend(outcome.warnings)
        return outcome


@pytest.fixture
def h(tmp_path, run_module, ctdb):
    return Harness(tmp_path, run_module, ctdb)


@pytest.mark.parametrize('case', load_cases(__file__))
def test_case(case, run_module, ctdb, tmp_path):
    ctdb.default = REAL
    ctdb.real_bin_path = True
    base = tmp_path / 'etc-ctdb'
    base.mkdir()
    check_case(case, run_module, ctdb, base)


# ----------------------------------------------------------------- read
def test_read_returns_raw_and_parsed(h):
    h.write(DOC_EXAMPLE)
    result = h.run({})
    assert result['changed'] is False
    assert result['raw'] == DOC_EXAMPLE
    assert result['parsed'] == {'logging': {'location': 'syslog', 'log level': 'NOTICE'},
                                'cluster': {'cluster lock': '/shared/cluster.lock'}}
    assert result['cluster_lock'] == '/shared/cluster.lock'
    assert result['path'] == str(h.conf) and result['exists'] is True
    assert result['unparsable'] == []


def test_read_missing_file_is_empty_not_an_error(h):
    result = h.run({})
    assert (result['exists'], result['raw'], result['parsed'], result['cluster_lock']) == (False, '', {}, None)
    assert h.snapshot() is None


def test_read_shows_lines_ctdbd_ignores(h):
    h.write('[cluster]\n\tcluster lock /x\n')
    before = h.snapshot()
    result = h.run({})
    assert result['unparsable'] == ['\tcluster lock /x']
    assert result['cluster_lock'] is None
    assert h.warnings == ['%s line 2: cluster lock /x: not "key = value", a [section] or a whole-line comment (ctdbd '
                          'silently ignores it) (ctdbd ignores or rejects this)' % h.conf]
    assert h.snapshot() == before


def test_read_warns_about_typos_and_deprecated_names(h):
    h.version_output = '4.17.12-Debian\n'
    h.write('[cluster]\n\trecovery lock = /l\n')
    assert h.run({})['cluster_lock'] == '/l'
    h.write('[cluster]\n\tclustr lock = /l\n')
    assert h.run({})['cluster_lock'] is None
    assert h.warnings == [
        '%s line 2: [cluster] "recovery lock" is deprecated since Samba 4.16: use [cluster] "cluster lock"' % h.conf,
        '%s line 2: unknown option "clustr lock" in section [cluster]; did you mean "cluster lock"? '
        '(ctdbd ignores or rejects this)' % h.conf]


def test_path_defaults_to_ctdb_base_from_environment(h, run_module, monkeypatch):
    h.write(DOC_EXAMPLE)
    monkeypatch.setenv('CTDB_BASE', str(h.base))
    assert run_module({}, expect=ExitJson)['path'] == str(h.conf)


# ----------------------------------------------------------------- write
@needs_ctdb_config
def test_set_option_check_mode_diff_apply_idempotent_backup(h):
    h.write(DEBIAN_DEFAULT)
    before = h.snapshot()
    args = {'section': 'cluster', 'option': 'cluster lock', 'value': LOCK, 'backup': True, 'ctdb_version': '4.17'}

    checked = h.run(args, check=True, diff=True)
    assert checked['changed'] is True
    assert checked['validated'] is True
    assert h.snapshot() == before
    assert h.backups() == []
    assert checked['diff']['before'] == DEBIAN_DEFAULT
    expected = DEBIAN_DEFAULT + '\tcluster lock = %s\n' % LOCK
    assert checked['diff']['after'] == expected
    assert checked['raw'] == expected

    applied = h.run(args, diff=True)
    assert applied['changed'] is True
    assert applied['changes'] == ['added [cluster] "cluster lock" = %s' % LOCK]
    assert h.conf.read_text() == expected
    assert applied['cluster_lock'] == LOCK and applied['lock_key'] == 'cluster lock'
    assert len(h.backups()) == 1
    assert (h.base / h.backups()[0]).read_text() == DEBIAN_DEFAULT
    assert oct(h.conf.stat().st_mode & 0o777) == '0o644'

    again = h.run(args)
    assert again['changed'] is False and again['changes'] == [] and again['validated'] is False
    assert len(h.backups()) == 1
    assert h.warnings == []


@needs_ctdb_config
def test_settings_dict_sets_and_removes(h):
    h.write(DOC_EXAMPLE)
    result = h.run({'settings': {'logging': {'log level': 'INFO', 'location': None},
                                 'Cluster': {'leader timeout': 10}}, 'ctdb_version': '4.17'})
    assert result['changed'] is True
    assert h.conf.read_text() == DOC_EXAMPLE.replace('\tlocation = syslog\n', '').replace(
        '\tlog level = NOTICE\n', '\tlog level = INFO\n').replace(
        '\tcluster lock = /shared/cluster.lock\n', '\tcluster lock = /shared/cluster.lock\n\tleader timeout = 10\n')
    assert result['parsed']['cluster'] == {'cluster lock': '/shared/cluster.lock', 'leader timeout': '10'}


@needs_ctdb_config
def test_state_absent_removes_listed_options(h):
    h.write(DOC_EXAMPLE)
    result = h.run({'settings': {'logging': {'log level': 'whatever', 'location': 'x'}}, 'state': 'absent',
                    'ctdb_version': '4.17'})
    assert result['changed'] is True
    assert result['parsed']['logging'] == {}
    assert h.run({'section': 'logging', 'option': 'log level', 'state': 'absent', 'ctdb_version': '4.17'})['changed'] is False


def test_removing_from_a_missing_file_creates_nothing(h):
    result = h.run({'section': 'cluster', 'option': 'cluster lock', 'state': 'absent', 'ctdb_version': '4.17'})
    assert result['changed'] is False and result['exists'] is False
    assert h.snapshot() is None


@needs_ctdb_config
def test_content_writes_whole_file_like_the_api(h):
    h.write(DEBIAN_DEFAULT)
    result = h.run({'content': DOC_EXAMPLE, 'ctdb_version': '4.17'}, diff=True)
    assert result['changed'] is True and result['validated'] is True
    assert h.conf.read_text() == DOC_EXAMPLE
    assert result['changes'] == ['wrote the whole file from content']
    assert h.run({'content': DOC_EXAMPLE, 'ctdb_version': '4.17'})['changed'] is False


@needs_ctdb_config
def test_content_creates_missing_file(h):
    result = h.run({'content': '[cluster]\n\tcluster lock = /l\n', 'ctdb_version': '4.17'})
    assert result['changed'] is True and result['exists'] is True
    assert h.conf.read_text() == '[cluster]\n\tcluster lock = /l\n'


@needs_ctdb_config
def test_check_mode_on_missing_file_writes_nothing(h):
    result = h.run({'content': '[cluster]\n\tcluster lock = /l\n', 'ctdb_version': '4.17'}, check=True)
    assert result['changed'] is True and result['exists'] is False
    assert h.snapshot() is None


@needs_ctdb_config
def test_symlinked_conf_stays_a_link(h, tmp_path):
    shared = tmp_path / 'shared.conf'
    shared.write_text(DOC_EXAMPLE)
    os.symlink(str(shared), str(h.conf))
    h.run({'section': 'logging', 'option': 'log level', 'value': 'DEBUG', 'ctdb_version': '4.17'})
    assert os.path.islink(str(h.conf))
    assert 'log level = DEBUG' in shared.read_text()


# ----------------------------------------------------------------- versions
@needs_ctdb_config
def test_deprecated_recovery_lock_is_written_as_cluster_lock_with_warning(h):
    h.write('[cluster]\n\trecovery lock = /old\n')
    result = h.run({'section': 'cluster', 'option': 'recovery lock', 'value': '/new', 'ctdb_version': '4.17.12'})
    assert h.conf.read_text() == '[cluster]\n\tcluster lock = /new\n'
    assert h.warnings == ['option: [cluster] "recovery lock" is deprecated since Samba 4.16; '
                          'writing [cluster] "cluster lock" instead']
    assert result['ctdb_version'] == '4.17.12'


def test_version_detected_from_ctdb_version(h):
    h.version_output = '4.15.13-Ubuntu\n'
    h.write('[cluster]\n\tcluster lock = /old\n')
    result = h.run({'section': 'cluster', 'option': 'cluster lock', 'value': '/new', 'validate': False})
    assert h.conf.read_text() == '[cluster]\n\trecovery lock = /new\n'
    assert result['lock_key'] == 'recovery lock' and result['ctdb_version'] == '4.15.13'
    assert [argv[1:] for argv, dummy in h.commands] == [['version']]


def test_ctdb_not_installed_assumes_current_names_with_warning(h, ctdb):
    ctdb.missing.update(['ctdb', 'ctdb-config'])
    result = h.run({'section': 'cluster', 'option': 'cluster lock', 'value': '/l'})
    assert result['changed'] is True and result['validated'] is False
    assert h.conf.read_text() == '[cluster]\n\tcluster lock = /l\n'
    assert h.warnings == [
        'ctdb is not installed, so its version is unknown: writing the option names of current Samba ("cluster lock"); '
        'set ctdb_version for an older ctdb',
        'ctdb-config is not installed (it comes with the ctdb package), so the new ctdb.conf was not validated by '
        'CTDB itself']


def test_validate_false_skips_ctdb_config(h):
    h.write(DEBIAN_DEFAULT)
    result = h.run({'settings': {'database': {'volatile database directory': '/does/not/exist'}},
                    'validate': False, 'ctdb_version': '4.17'})
    assert result['changed'] is True and result['validated'] is False
    assert not any('ctdb-config' in argv[0] for argv, dummy in h.commands)


@needs_ctdb_config
def test_validation_runs_in_test_mode_on_a_temporary_base(h):
    h.write(DEBIAN_DEFAULT)
    h.run({'section': 'logging', 'option': 'log level', 'value': 'NOTICE', 'ctdb_version': '4.17'})
    (argv, env), = [c for c in h.commands if c[0][0].endswith('ctdb-config')]
    assert argv[1:] == ['validate']
    assert env['CTDB_TEST_MODE'] == 'yes' and env['LC_ALL'] == 'C'
    assert env['CTDB_BASE'].startswith(str(h.tmpdir)) and not os.path.exists(env['CTDB_BASE'])


@needs_ctdb_config
def test_debug_script_in_ctdb_base_is_found_by_validation(h):
    script = h.base / 'debug-hung-script.sh'
    script.write_text('#!/bin/sh\n')
    script.chmod(0o755)
    h.write(DEBIAN_DEFAULT)
    result = h.run({'settings': {'event': {'debug script': 'debug-hung-script.sh'}}, 'ctdb_version': '4.17'})
    assert result['changed'] is True and result['validated'] is True


def test_unreadable_file_fails_with_exact_message_and_file_unchanged(h, monkeypatch):
    # root reads any file whatever its mode, so the refusal is simulated at open().
    h.write(DEBIAN_DEFAULT)
    before = h.snapshot()
    real_open = builtins.open

    def fake_open(path, *args, **kwargs):
        if str(path) == str(h.conf):
            raise PermissionError(13, 'Permission denied', str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, 'open', fake_open)
    result = h.run({'settings': {'cluster': {'cluster lock': '/x'}}, 'ctdb_version': '4.17'}, expect=FailJson)
    monkeypatch.setattr(builtins, 'open', real_open)
    assert result['msg'] == 'cannot read %s: permission denied (run the task as root with become: true)' % h.conf
    assert h.snapshot() == before
