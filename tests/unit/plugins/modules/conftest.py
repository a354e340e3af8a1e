# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the module unit tests: ``ctdb`` (the fake at the runner's seam), ``run_module`` and ``clock``.

A test file names its module once (``MODULE = ctdb_nodes``); ``run_module(args, check=, diff=,
expect=)`` runs it and returns an Outcome (the result dict with ok/failed/rc/warnings).
"""

import pytest

from ansible.module_utils import basic

from ansible_collections.ctdb.cluster.plugins.module_utils import _wait

from ansible_collections.ctdb.cluster.tests.unit.plugins.modules.utils import (
    FakeClock, FakeCtdb, patch_exits, run_module as _run,
)


@pytest.fixture
def ctdb(monkeypatch):
    """Every command a module runs is answered by this FakeCtdb (ctdbd down unless told otherwise)."""
    fake = FakeCtdb(real_run_command=basic.AnsibleModule.run_command)
    fake.install(monkeypatch)
    monkeypatch.delenv('CTDB_BASE', raising=False)
    return fake


@pytest.fixture
def run_module(request, monkeypatch, tmp_path):
    reset = patch_exits(monkeypatch)
    tmpdir = tmp_path / 'ansible-tmp'
    tmpdir.mkdir()

    def run(args=None, check=False, diff=False, expect=None, module=None):
        reset()
        return _run(module or request.module.MODULE, args, check=check, diff=diff, tmpdir=tmpdir, expect=expect)

    run.tmpdir = tmpdir
    return run


@pytest.fixture
def clock(monkeypatch):
    """A FakeClock in place of _wait.now and _wait.pause, the clock and sleep of every module that waits.

    Never time.monotonic/time.sleep themselves: other threads of the test process (a lock helper's
    watchdog from the etcd_lock unit tests) sleep through those, and would spin and run the clock on."""
    fake = FakeClock()
    monkeypatch.setattr(_wait, 'now', fake.monotonic)
    monkeypatch.setattr(_wait, 'pause', fake.sleep)
    return fake
