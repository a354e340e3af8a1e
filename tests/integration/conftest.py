# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration harness: a real sandbox cluster and real ansible-playbook runs against it.

The sandbox's name and loopback subnet come from CTDB_SANDBOX_NAME and
CTDB_SANDBOX_SUBNET, so several test runs can share a machine. Each test module
gets a freshly started cluster, stopped again when the module is done, even when
tests fail. Under pytest-xdist (`make integration` runs two workers, each module
whole on one of them) every worker after the first gets a sandbox and an etcd
address of its own: ctdbtest.sandbox.worker_settings. The code lives in the ctdbtest package (tests/support), shared with bench/.
"""
import os
import random

import pytest

from ctdbtest.playbook import run_playbook as _run_playbook
from ctdbtest.sandbox import Sandbox, sandbox_settings, worker_settings


@pytest.fixture(scope='module')
def sandbox():
    name, subnet = sandbox_settings()
    Sandbox.attach(name).stop()
    cluster = Sandbox(name, nodes=3, subnet=subnet)
    cluster.start(timeout=90)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def run_playbook(sandbox, tmp_path):
    """Run a playbook (a path, or YAML text) with real ansible-playbook against the sandbox.

    Returns a ctdbtest.playbook.PlaybookRun: rc, stdout, recap, and ``result(task, host)``.
    """

    def run(playbook, extra_vars=None, check=False, diff=False, limit=None, inventory=None, env=None, timeout=600):
        return _run_playbook(playbook, inventory or sandbox.inventory_path, tmp_path, extra_vars=extra_vars,
                             check=check, diff=diff, limit=limit, env=env, timeout=timeout)

    return run


def pytest_addoption(parser):
    parser.addoption('--test-order', default='file', metavar='file|reverse|random:SEED',
                     help='run the tests of each module in file order (default), reversed, or shuffled with SEED: '
                          'to check that no test depends on what an earlier one left behind')


# Modules that start no sandbox: each of their tests is a unit of work for any worker. Every other
# module runs whole on one worker, on that worker's sandbox; modules go out most tests first (xdist's
# --loadscope-reorder), these tests fill in the end.
ANY_WORKER_MODULES = ('tests/integration/test_etcd_lock.py',)

try:
    from xdist.scheduler import LoadScopeScheduling
except ImportError:  # pytest without xdist: one process, nothing to schedule
    LoadScopeScheduling = None

if LoadScopeScheduling is not None:
    class ModuleScheduling(LoadScopeScheduling):
        """Whole modules on one worker, except the tests of ANY_WORKER_MODULES, one by one."""

        def _split_scope(self, nodeid):
            module = nodeid.split('::', 1)[0]
            return nodeid if module in ANY_WORKER_MODULES else module

    def pytest_xdist_make_scheduler(config, log):
        return ModuleScheduling(config, log)


def pytest_configure(config):
    name, subnet = worker_settings(*sandbox_settings(), worker=os.environ.get('PYTEST_XDIST_WORKER'))
    os.environ.update(CTDB_SANDBOX_NAME=name, CTDB_SANDBOX_SUBNET=subnet)
    config.addinivalue_line('markers', 'steps: the tests of this module are the steps of one story on one sandbox: '
                                       'they run in file order whatever --test-order says, and a failed step skips '
                                       'the later ones')


def _is_steps(item):
    return item.get_closest_marker('steps') is not None


def pytest_collection_modifyitems(config, items):
    """Reorder tests within each module (modules keep their order: each has its own sandbox);
    a module marked ``steps`` keeps its file order."""
    order = config.getoption('--test-order')
    if order == 'file':
        return
    if order != 'reverse' and not order.startswith('random:'):
        raise pytest.UsageError('--test-order must be file, reverse or random:SEED, not %r' % order)
    shuffle = random.Random(order.split(':', 1)[1]).shuffle if order.startswith('random:') else list.reverse
    modules, by_module = [], {}
    for item in items:
        if item.module not in by_module:
            modules.append(item.module)
            by_module[item.module] = []
        by_module[item.module].append(item)
    items[:] = []
    for module in modules:
        group = by_module[module]
        if not _is_steps(group[0]):
            shuffle(group)
        items.extend(group)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and _is_steps(item):
        item.module.__dict__.setdefault('_failed_step', item.name)


def pytest_runtest_setup(item):
    failed = getattr(item.module, '_failed_step', None)
    if failed and _is_steps(item):
        pytest.skip('an earlier step of this story failed (%s): this one would start from a broken state' % failed)
