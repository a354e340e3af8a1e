# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The alert rules shipped by ctdb_metrics pass `promtool check rules`, and `promtool test rules` runs a unit
test of every alert (tests/metrics/ctdb-alerts.test.yml). promtool is Debian's `prometheus` package (make packages)."""
import os
import re
import shutil
import subprocess

import pytest
import yaml

from conftest import REPO  # pylint: disable=import-error

RULES = os.path.join(REPO, 'roles', 'ctdb_metrics', 'files', 'ctdb-alerts.yml')
TESTS = os.path.join(REPO, 'tests', 'metrics', 'ctdb-alerts.test.yml')
PROMTOOL = shutil.which('promtool')
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason='promtool is missing: apt-get install prometheus '
                                                             '(Debian ships promtool in it; make packages installs it)')


def promtool(*args):
    return subprocess.run([PROMTOOL] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False, timeout=60, cwd=REPO)


def load(path):
    with open(path, encoding='utf-8') as handle:
        return yaml.safe_load(handle)


@needs_promtool
def test_promtool_check_rules():
    done = promtool('check', 'rules', RULES)
    assert done.returncode == 0, done.stdout
    assert 'SUCCESS: 11 rules found' in done.stdout


@needs_promtool
def test_promtool_test_rules():
    done = promtool('test', 'rules', TESTS)
    assert done.returncode == 0, done.stdout


def test_every_alert_has_a_unit_test_that_expects_it_to_fire():
    alerts = set(rule['alert'] for group in load(RULES)['groups'] for rule in group['rules'])
    fired = set(case['alertname'] for test in load(TESTS)['tests'] for case in test['alert_rule_test']
                if case['exp_alerts'])
    quiet = set(case['alertname'] for test in load(TESTS)['tests'] for case in test['alert_rule_test']
                if not case['exp_alerts'])
    assert alerts == fired
    assert alerts == quiet, 'each alert is also tested before its for: is over'


def test_every_metric_the_rules_read_is_written_by_the_collector(collector):
    exprs = ' '.join(rule['expr'] for group in load(RULES)['groups'] for rule in group['rules'])
    names = set(re.findall(r'\bctdb_[a-z_]+\b', exprs))
    assert names and names <= set(collector.HELP), names - set(collector.HELP)
