# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record every task result of a playbook run as JSON, for the tests to read.

Enabled by ctdbtest.playbook next to the default stdout callback (whose text stays for
people and for tests of warnings). The file named by CTDB_TEST_RESULTS gets, when the
run ends: {"plays": [{"name", "tasks": [{"name", "action", "hosts": {HOST: RESULT}}]}],
"stats": {HOST: {"ok", "changed", ...}}}. RESULT is the module's result as a registered
variable holds it (with "failed" and "changed"), plus the callback's status as "_status"
(ok, failed, skipped, unreachable) and "_ignored" when ignore_errors kept the play going.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = '''
name: ctdb_test_results
type: aggregate
short_description: write every task result to a JSON file (tests only)
description:
  - Records per play, per task, per host results and the final stats into the file named by the
    C(CTDB_TEST_RESULTS) environment variable.
requirements:
  - enabled with C(ANSIBLE_CALLBACKS_ENABLED=ctdb_test_results)
'''

import json
import os

from ansible.module_utils.common.json import AnsibleJSONEncoder
from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'ctdb_test_results'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.plays = []
        self.tasks = {}

    def v2_playbook_on_play_start(self, play):
        self.plays.append({'name': play.get_name(), 'tasks': []})

    def _task(self, task):
        key = task._uuid
        if key not in self.tasks:
            entry = {'name': task.get_name(), 'action': task.action, 'hosts': {}}
            self.tasks[key] = entry
            self.plays[-1]['tasks'].append(entry)
        return self.tasks[key]

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._task(task)

    def _record(self, result, status, ignored=False):
        data = dict(self._clean(result._result))
        # As the registered variable has them: failed and changed always, skipped when skipped.
        data.setdefault('failed', status in ('failed', 'unreachable'))
        data.setdefault('changed', False)
        if status == 'skipped':
            data.setdefault('skipped', True)
        data['_status'] = status
        if ignored:
            data['_ignored'] = True
        self._task(result._task)['hosts'][result._host.get_name()] = data

    def _clean(self, data):
        # Through the encoder once, so that every value is plain JSON (2.19 tags strings).
        return json.loads(json.dumps(self._strip(data), cls=AnsibleJSONEncoder))

    @staticmethod
    def _strip(data):
        return {key: value for key, value in data.items() if not key.startswith('_ansible_')}

    def v2_runner_on_ok(self, result):
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'failed', ignored=ignore_errors)

    def v2_runner_on_skipped(self, result):
        self._record(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._record(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        summary = {host: stats.summarize(host) for host in sorted(stats.processed)}
        path = os.environ.get('CTDB_TEST_RESULTS')
        if path:
            with open(path, 'w') as handle:
                json.dump({'plays': self.plays, 'stats': summary}, handle, indent=1, cls=AnsibleJSONEncoder)
