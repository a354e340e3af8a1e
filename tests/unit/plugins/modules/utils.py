# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one harness of the module unit tests: run a module in-process, fake ctdb at its one seam.

- :class:`FakeCtdb` stands in for ``AnsibleModule.run_command`` (and ``get_bin_path``), the seam
  under :class:`~ansible_collections.ctdb.cluster.plugins.module_utils._runner.CtdbRunner`: the
  real runner builds argv and environment and reads the results; only the process is scripted.
- :func:`run_module` runs a module's ``main()`` with its arguments and returns an :class:`Outcome`.
- :func:`load_cases` / :func:`check_case` run tables of cases kept as YAML beside a test file
  (``test_ctdb_nodes.py`` + ``test_ctdb_nodes.yaml``), the way community.general runs its module
  tests from YAML. The fixtures ``ctdb``, ``run_module`` and ``clock`` are in conftest.py.
"""

import os
import re

import pytest
import yaml

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args
from ctdbtest.bad_inputs import render  # ${placeholder} filling, shared with the integration tables

DAEMON_DOWN = (1, '', 'connect() failed, errno=2\n')
FIXTURES = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'fixtures'))
SANDBOX_417 = os.path.join(FIXTURES, 'sandbox-4.17')
# FakeCtdb defaults: hand unanswered commands to the real run_command (the real ctdb-config), or
# fail the test on any command it did not expect.
REAL = object()
UNEXPECTED = object()


class ExitJson(Exception):
    """Raised in place of AnsibleModule.exit_json; its argument is the result."""


class FailJson(Exception):
    """Raised in place of AnsibleModule.fail_json; its argument is the result."""


class Outcome(dict):
    """A module's result dict, plus ``ok``/``failed``, ``rc`` (0 or 1, as the module would exit) and ``warnings``."""

    def __init__(self, result, ok, warnings):
        super().__init__(result)
        self.ok = ok
        self.failed = not ok
        self.rc = 0 if ok else 1
        self.warnings = list(warnings)


def _words(argv):
    return [str(word) for word in argv[1:] if not str(word).startswith('--timelimit')]


def command_key(argv):
    """What a command is called in answers and commands(): its arguments for ctdb ("status",
    "-X status"), the binary's name first for any other ("ctdb-config validate")."""
    words = _words(argv)
    binary = os.path.basename(str(argv[0]))
    return ' '.join(words if binary == 'ctdb' else [binary] + words)


class FakeCtdb:
    """Scripted answers per command; records every argv and environment.

    ``answer('status', text)``: one answer every time; ``answer('status', a, b, c)``: a, then b, then
    c from then on. An answer is stdout text (rc 0), an ``(rc, stdout, stderr)`` tuple, or a callable
    taking the argument list and returning one of those (a small model of ctdb). Unanswered commands
    get ``default`` (ctdbd not running), the real run_command when ``default`` is :data:`REAL`, an
    AssertionError when it is :data:`UNEXPECTED`.
    """

    def __init__(self, real_run_command=None):
        self.answers = {}
        self.calls = []
        self.default = DAEMON_DOWN
        self.missing = set()  # binaries get_bin_path does not find
        self.real_bin_path = False
        self._real_run_command = real_run_command

    def answer(self, command, *results):
        key = command if isinstance(command, str) else ' '.join(command)
        self.answers[key] = list(results)

    def run_command(self, module, argv, environ_update=None, **kwargs):
        self.calls.append((list(argv), dict(environ_update or {})))
        queue = self.answers.get(command_key(argv))
        if not queue:
            if self.default is REAL:
                return self._real_run_command(module, argv, environ_update=environ_update, **kwargs)
            if self.default is UNEXPECTED:
                raise AssertionError('unexpected command %r (answered: %s)' % (command_key(argv), sorted(self.answers)))
            return self.default
        result = queue.pop(0) if len(queue) > 1 else queue[0]
        if callable(result):
            result = result(_words(argv))
        if isinstance(result, dict):
            return result.get('rc', 0), result.get('stdout', ''), result.get('stderr', '')
        return tuple(result) if isinstance(result, (tuple, list)) else (0, result, '')

    def commands(self):
        """Every command run, as lists of words ([['pnn'], ['status']]); --timelimit left out."""
        return [command_key(argv).split(' ') if command_key(argv) else [] for argv, dummy in self.calls]

    def changing(self, verbs=('disable', 'enable', 'stop', 'continue', 'ban', 'unban', 'moveip', 'setvar',
                              'ipreallocate')):
        """The commands run that change the cluster (commands() filtered by their verbs)."""
        return [command for command in self.commands() if any(verb in command for verb in verbs)]

    def install(self, monkeypatch):
        real_bin_path = basic.AnsibleModule.get_bin_path
        fake = self

        def get_bin_path(module, name, *args, **kwargs):
            if name in fake.missing:
                return None
            if fake.real_bin_path:
                return real_bin_path(module, name, *args, **kwargs)
            return '/usr/bin/' + name

        def run_command(module, argv, *args, **kwargs):
            return fake.run_command(module, argv, *args, **kwargs)

        monkeypatch.setattr(basic.AnsibleModule, 'run_command', run_command)
        monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path', get_bin_path)
        return self


def real(name):
    """The text of tests/fixtures/sandbox-4.17/NAME, an output of the real ctdb 4.17."""
    with open(os.path.join(SANDBOX_417, name), encoding='utf-8') as handle:
        return handle.read()


class FakeClock:
    """time.monotonic/time.sleep of a module that polls: sleeping advances the clock at once."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def run_module(module, args=None, check=False, diff=False, tmpdir=None, expect=None):
    """Run ``module.main()`` with ``args``; the exits must be patched (the run_module fixture does).

    ``expect`` (ExitJson or FailJson) asserts how it ended.
    """
    args = dict(args or {})
    args['_ansible_check_mode'] = check
    args['_ansible_diff'] = diff
    if tmpdir is not None:
        args['_ansible_tmpdir'] = str(tmpdir)
    warnings = []
    with patch_module_args(args):
        with pytest.raises((ExitJson, FailJson)) as raised:
            module.main()
        warnings.extend(raised.value.args[1])
    if expect is not None:
        assert isinstance(raised.value, expect), raised.value.args[0]
    return Outcome(raised.value.args[0], isinstance(raised.value, ExitJson), warnings)


def patch_exits(monkeypatch):
    """exit_json/fail_json raise ExitJson/FailJson(result, warnings); warn() collects, as Ansible reports."""
    warnings = []

    def exit_json(module, **kwargs):
        if warnings:
            kwargs['warnings'] = list(warnings)
        raise ExitJson(kwargs, list(warnings))

    def fail_json(module, **kwargs):
        kwargs['failed'] = True
        if warnings:
            kwargs['warnings'] = list(warnings)
        raise FailJson(kwargs, list(warnings))

    def warn(module, message):
        warnings.append(message)

    def reset():
        del warnings[:]

    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
    monkeypatch.setattr(basic.AnsibleModule, 'warn', warn)
    return reset


# ------------------------------------------------------------------ cases as data

CASE_KEYS = {'id', 'files', 'args', 'ctdb', 'check_modes', 'diff', 'failed', 'msg', 'msg_contains', 'result',
             'commands', 'environ', 'files_after', 'needs'}
SAMPLES = os.path.join(FIXTURES, 'ctdb-samples')


def load_cases(test_file):
    """The cases of ``test_x.yaml`` beside ``test_x.py``, as pytest params named by their id."""
    path = os.path.splitext(test_file)[0] + '.yaml'
    with open(path, encoding='utf-8') as handle:
        cases = yaml.safe_load(handle)
    params = []
    for case in cases:
        unknown = set(case) - CASE_KEYS
        assert not unknown and 'id' in case, '%s: case %s has unknown keys %s' % (path, case.get('id'), sorted(unknown))
        params.append(pytest.param(case, id=case['id']))
    return params


def write_files(base, files, mapping):
    """Files of a case in ``base``: text written encoded latin-1 (so "\\xe9" is the byte 0xE9),
    ``{directory: true}`` a directory, ``{sample: PATH}`` a copy of tests/fixtures/ctdb-samples/PATH."""
    for name, content in (files or {}).items():
        path = os.path.join(str(base), name)
        if isinstance(content, dict) and content.get('directory'):
            os.makedirs(path)
            continue
        if isinstance(content, dict):
            with open(os.path.join(SAMPLES, content['sample']), 'rb') as handle:
                data = handle.read()
        else:
            data = render(content, mapping).encode('latin-1')
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'wb') as handle:
            handle.write(data)


def tree(root):
    """{relative path: bytes, link target or 'dir'} under root, with modes and mtimes: byte-identical checks."""
    state = {}
    for directory, dirs, files in os.walk(str(root)):
        for name in sorted(dirs + files):
            path = os.path.join(directory, name)
            info = os.lstat(path)
            if os.path.islink(path):
                content = ('link', os.readlink(path))
            elif os.path.isdir(path):
                content = ('dir',)
            else:
                with open(path, 'rb') as handle:
                    content = ('file', handle.read(), info.st_mtime_ns, info.st_ino)
            state[os.path.relpath(path, str(root))] = content + (info.st_mode,)
    return state


def normalise_msg(msg):
    # The module name Ansible puts in its own messages depends on how the module is loaded.
    return re.sub(r'^Unsupported parameters for \(\S+\)', 'Unsupported parameters for (MODULE)', msg or '')


def assert_matches(actual, expected, where='result', partial=True):
    """``actual`` is ``expected``: at the top (``partial``) every key given has that value; a nested
    mapping must be equal as a whole unless it says ``_partial: true``; lists element by element;
    true/false/null only by identity (so 1 is not true)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), '%s: want a mapping, got %r' % (where, actual)
        expected = dict(expected)
        partial = expected.pop('_partial', partial)
        if not partial:
            assert sorted(actual) == sorted(expected), '%s: want keys %s, got %s' % (where, sorted(expected), sorted(actual))
        for key, value in expected.items():
            assert key in actual, '%s: no key %r in %r' % (where, key, sorted(actual))
            assert_matches(actual[key], value, '%s[%r]' % (where, key), partial=False)
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), '%s: want %r, got %r' % (where, expected, actual)
        for index, (got, want) in enumerate(zip(actual, expected)):
            assert_matches(got, want, '%s[%d]' % (where, index), partial=False)
    elif isinstance(expected, bool) or expected is None:
        assert actual is expected, '%s: want %r, got %r' % (where, expected, actual)
    else:
        assert actual == expected and not isinstance(actual, bool), '%s: want %r, got %r' % (where, expected, actual)


def check_case(case, run, ctdb, base):
    """Run one case (see the YAML files' headers) and assert everything it says.

    For a failing case, nothing under ``base`` may change (content, mode, mtime, inode; no file
    added or removed) and the module's temporary directory stays empty.
    """
    if case.get('needs') and not os.access(case['needs'], os.X_OK):
        pytest.skip('%s is not installed' % case['needs'])
    mapping = {'base': str(base), 'tmp': os.path.dirname(str(base))}
    write_files(base, case.get('files'), mapping)
    for command, answers in (case.get('ctdb') or {}).items():
        ctdb.answer(command, *(answers if isinstance(answers, list) else [answers]))
    args = render(case.get('args') or {}, mapping)
    before = tree(base)
    for check in case.get('check_modes', [False]):
        outcome = run(args, check=check, diff=case.get('diff', False))
        failed = case.get('failed', False)
        assert outcome.failed is failed, dict(outcome)
        if 'msg' in case:
            assert normalise_msg(outcome.get('msg')) == render(case['msg'], mapping)
        for word in case.get('msg_contains', []):
            assert render(word, mapping) in outcome['msg']
        assert_matches(dict(outcome), render(case.get('result') or {}, mapping))
        if failed:
            assert tree(base) == before, 'a refused input changed files under %s' % base
            assert os.listdir(str(run.tmpdir)) == [], 'a refused input left files in the temporary directory'
    if 'commands' in case:
        assert [' '.join(words) for words in ctdb.commands()] == case['commands']
    for dummy, environ in ctdb.calls:
        assert_matches(environ, render(case.get('environ') or {}, mapping), 'environment of a command', partial=True)
    for name, content in (case.get('files_after') or {}).items():
        with open(os.path.join(str(base), name), 'rb') as handle:
            assert handle.read() == render(content, mapping).encode('latin-1')
