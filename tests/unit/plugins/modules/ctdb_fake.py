# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one seam the day-2 module tests fake: AnsibleModule.run_command (and the clock).

The real CtdbRunner runs, so argv and environment are the module's own; only the process
it would start is replaced by scripted answers, keyed by the ctdb arguments.
"""
import os

import pytest

from ansible.module_utils import basic

from ansible_collections.ctdb.cluster.tests.unit.plugins.modules.utils import ExitJson, FailJson, patch_module_args

FIXTURES = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures'))
REAL = os.path.join(FIXTURES, 'sandbox-4.17')
DAEMON_DOWN = (1, '', 'connect() failed, errno=2\nFailed to connect to CTDB daemon (/var/run/ctdb/ctdbd.socket)\n')


def real(name):
    with open(os.path.join(REAL, name)) as handle:
        return handle.read()


class FakeCtdb:
    """Scripted answers per argument tuple (the last answer repeats); records every call."""

    def __init__(self):
        self.answers = {}
        self.calls = []

    def answer(self, args, *results):
        self.answers[tuple(args)] = list(results)

    def run_command(self, argv, environ_update=None, **kwargs):
        if not isinstance(argv, list) or argv[0] != "/usr/bin/ctdb":
            raise AssertionError('a command that is not ctdb: %r' % (argv,))
        self.calls.append((list(argv), dict(environ_update or {})))
        key = tuple(word for word in argv[1:] if not word.startswith('--timelimit'))
        if key not in self.answers:
            raise AssertionError('unexpected command %r' % (key,))
        queue = self.answers[key]
        result = queue.pop(0) if len(queue) > 1 else queue[0]
        return result if isinstance(result, tuple) else (0, result, '')

    def commands(self):
        return [[word for word in argv[1:] if not word.startswith('--timelimit')] for argv, dummy in self.calls]

    def changing(self, verbs=('disable', 'enable', 'stop', 'continue', 'ban', 'unban', 'moveip', 'setvar',
                              'ipreallocate')):
        return [command for command in self.commands() if any(verb in command for verb in verbs)]


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


@pytest.fixture
def ctdb(monkeypatch):
    fake = FakeCtdb()

    def exit_json(module, **kwargs):
        raise ExitJson(kwargs)

    def fail_json(module, **kwargs):
        kwargs['failed'] = True
        raise FailJson(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, 'run_command', fake.run_command)
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path',
                        lambda module, name, *a, **kw: '/usr/bin/ctdb' if name == 'ctdb' else None)
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
    monkeypatch.delenv('CTDB_BASE', raising=False)
    return fake


def run(module, args=None, expect=ExitJson):
    with patch_module_args(args or {}):
        with pytest.raises((ExitJson, FailJson)) as raised:
            module.main()
    assert isinstance(raised.value, expect), raised.value.args[0]
    return raised.value.args[0]
