# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real ansible-playbook runs whose results the tests read as data.

The default stdout callback still prints (people read it, and some tests look for a
warning in it); next to it the ctdb_test_results callback (callback_plugins/) writes every
task's result per host as JSON, which PlaybookRun exposes.
"""
import json
import os
import subprocess
import sys
import tempfile

from ctdbtest import REPO, SUPPORT

COLLECTIONS = os.path.join(REPO, '.cache', 'collections')
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
CALLBACKS = os.path.join(SUPPORT, 'callback_plugins')
# ansible's stats name 'failures'; the recap line and the tests say 'failed'.
RECAP_NAMES = {'failures': 'failed'}


def ansible_env(extra=None):
    env = dict(os.environ)
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS,
        'ANSIBLE_ROLES_PATH': os.path.join(REPO, 'roles'),
        'ANSIBLE_HOST_KEY_CHECKING': 'False',
        'ANSIBLE_RETRY_FILES_ENABLED': 'False',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_STDOUT_CALLBACK': 'default',
        'ANSIBLE_LOCALHOST_WARNING': 'False',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'False',
        'PYTHONWARNINGS': 'ignore',
    })
    env.update(extra or {})
    return env


class TaskNotFound(KeyError):
    pass


class PlaybookRun:
    """One finished run: rc, stdout, stderr, recap {host: counts}, and every task's result per host."""

    def __init__(self, completed, report):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.plays = report.get('plays', [])
        self.recap = {host: {RECAP_NAMES.get(key, key): value for key, value in counts.items()}
                      for host, counts in report.get('stats', {}).items()}

    @property
    def tasks(self):
        """Every task run, in order, as {'name', 'action', 'hosts': {host: result}}."""
        return [task for play in self.plays for task in play['tasks']]

    def results(self, name):
        """{host: result} of the task called ``name`` (the only one, or the last of that name)."""
        found = [task for task in self.tasks if task['name'] == name]
        if not found:
            raise TaskNotFound('no task %r in this run (tasks: %s)' % (name, [task['name'] for task in self.tasks]))
        return found[-1]['hosts']

    def result(self, name, host):
        results = self.results(name)
        if host not in results:
            raise TaskNotFound('task %r has no result for %s (only %s)' % (name, host, sorted(results)))
        return results[host]

    def module_results(self, action):
        """{host: result} of the last task running ``action`` (a module's FQCN) on each host."""
        found = {}
        for task in self.tasks:
            if task['action'] == action:
                found.update(task['hosts'])
        return found

    def changed_hosts(self):
        return sorted(host for host, counts in self.recap.items() if counts.get('changed'))

    def __repr__(self):
        return 'PlaybookRun(rc=%s)\n--- stdout ---\n%s\n--- stderr ---\n%s' % (
            self.rc, self.stdout[-6000:], self.stderr[-3000:])


def run_playbook(playbook, inventory, workdir, extra_vars=None, check=False, diff=False, limit=None, env=None,
                 timeout=600):
    """Run ``playbook`` (a path, or YAML text) with real ansible-playbook; returns a PlaybookRun."""
    if '\n' in playbook or not os.path.exists(playbook):
        fd, path = tempfile.mkstemp(suffix='.yml', dir=str(workdir))
        with os.fdopen(fd, 'w') as handle:
            handle.write(playbook)
        playbook = path
    fd, report_path = tempfile.mkstemp(suffix='.json', prefix='results-', dir=str(workdir))
    os.close(fd)
    argv = [ANSIBLE_PLAYBOOK, '-i', inventory, playbook]
    if extra_vars:
        argv += ['-e', json.dumps(extra_vars)]
    if check:
        argv.append('--check')
    if diff:
        argv.append('--diff')
    if limit:
        argv += ['--limit', limit]
    run_env = ansible_env(env)
    run_env['ANSIBLE_CALLBACK_PLUGINS'] = ':'.join(p for p in (CALLBACKS, run_env.get('ANSIBLE_CALLBACK_PLUGINS')) if p)
    run_env['ANSIBLE_CALLBACKS_ENABLED'] = ','.join(
        p for p in ('ctdb_test_results', run_env.get('ANSIBLE_CALLBACKS_ENABLED')) if p)
    run_env['CTDB_TEST_RESULTS'] = report_path
    completed = subprocess.run(argv, capture_output=True, text=True, env=run_env, timeout=timeout, cwd=REPO,
                               check=False)
    try:
        with open(report_path) as handle:
            report = json.load(handle)
    except ValueError:  # the run ended before its stats (a playbook that does not parse)
        report = {}
    return PlaybookRun(completed, report)
