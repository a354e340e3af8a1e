# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdbtest.sandbox.worker_settings: each pytest-xdist worker's own sandbox name and subnet."""
import pytest

from ctdbtest.sandbox import SandboxError, worker_settings


@pytest.mark.parametrize('worker', [None, '', 'gw0', 'master'])
def test_no_worker_or_the_first_keeps_the_runs_own_sandbox(worker):
    assert worker_settings('test', '127.0.10', worker) == ('test', '127.0.10')


def test_later_workers_get_a_name_and_a_subnet_of_their_own():
    assert worker_settings('test', '127.0.10', 'gw1') == ('test-gw1', '127.0.20')
    assert worker_settings('test', '127.0.10', 'gw3') == ('test-gw3', '127.0.40')


def test_no_subnet_past_255_is_made_up():
    with pytest.raises(SandboxError, match='no subnet for worker gw2 above 127.0.250'):
        worker_settings('test', '127.0.250', 'gw2')
