# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load roles/ctdb_metrics/files/ctdb_metrics_collector (no .py suffix) as a module."""
import importlib.machinery
import importlib.util
import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
COLLECTOR = os.path.join(REPO, 'roles', 'ctdb_metrics', 'files', 'ctdb_metrics_collector')
SAMPLES = os.path.join(REPO, 'tests', 'fixtures', 'ctdb-samples')
SANDBOX = os.path.join(REPO, 'tests', 'fixtures', 'sandbox-4.17')


def load_collector():
    loader = importlib.machinery.SourceFileLoader('ctdb_metrics_collector', COLLECTOR)
    spec = importlib.util.spec_from_loader('ctdb_metrics_collector', loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules['ctdb_metrics_collector'] = module
    loader.exec_module(module)
    return module


@pytest.fixture(scope='session')
def collector():
    return load_collector()


def sample(relative):
    """output.txt of a case in ctdb-samples/, or a file of sandbox-4.17/."""
    if relative.endswith('.txt'):
        path = os.path.join(SANDBOX, relative)
    else:
        path = os.path.join(SAMPLES, relative, 'output.txt')
    with open(path, encoding='utf-8') as handle:
        return handle.read()
