# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Callback used by bench/bench_status.py: wall time of every task, and each host's own timings.

Writes JSON to the file named by BENCH_STATUS_OUT when the playbook ends:
[{"task": name, "seconds": wall time from task start to its last host result,
  "hosts": {host: {"ctdb_seconds": time the module reports spent in ctdb, "end": offset,
                   "changed": whether the host's result says changed}}}]
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: bench_status_timer
type: aggregate
short_description: Task wall times for bench/bench_status.py
description:
  - Records when each task starts and when each host's result arrives, and writes them as JSON.
options: {}
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


def _ctdb_seconds(result):
    """Time the task itself says it spent running ctdb: ctdb_status's elapsed, command's delta."""
    if 'elapsed' in result:
        return float(result['elapsed'])
    delta = result.get('delta')
    if delta:
        hours, minutes, seconds = delta.split(':')
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    return None


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_status_timer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.tasks = []
        self.current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.current = {'task': task.get_name(), 'start': time.monotonic(), 'hosts': {}, 'failed': False}
        self.tasks.append(self.current)

    def _record(self, result, failed=False):
        now = time.monotonic()
        entry = self.current
        entry['hosts'][result._host.get_name()] = {'end': now - entry['start'],
                                                   'ctdb_seconds': _ctdb_seconds(result._result),
                                                   'changed': bool(result._result.get('changed'))}
        entry['failed'] = entry['failed'] or failed

    def v2_runner_on_ok(self, result):
        self._record(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, failed=True)

    def v2_runner_on_unreachable(self, result):
        self._record(result, failed=True)

    def v2_playbook_on_stats(self, stats):
        out = os.environ.get('BENCH_STATUS_OUT')
        if not out:
            return
        for entry in self.tasks:
            ends = [host['end'] for host in entry['hosts'].values()]
            entry['seconds'] = max(ends) if ends else None
            del entry['start']
        with open(out, 'w') as handle:
            json.dump(self.tasks, handle, indent=1)
