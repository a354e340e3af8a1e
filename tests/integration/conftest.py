# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration harness: a real sandbox cluster and real ansible-playbook runs against it.

The sandbox's name and loopback subnet come from CTDB_SANDBOX_NAME and
CTDB_SANDBOX_SUBNET, so several test runs can share a machine. Each test module
gets a freshly started cluster, stopped again when the module is done, even when
tests fail. The code lives in the ctdbtest package (tests/support), shared with bench/.
"""
import pytest

from ctdbtest.playbook import run_playbook as _run_playbook
from ctdbtest.sandbox import Sandbox, sandbox_settings


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
