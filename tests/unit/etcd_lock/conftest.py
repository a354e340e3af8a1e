# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load roles/etcd_lock/files/ctdb_etcd_lock (no .py suffix) as a module."""
import importlib.machinery
import importlib.util
import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
HELPER = os.path.join(REPO, 'roles', 'etcd_lock', 'files', 'ctdb_etcd_lock')


def load_helper():
    loader = importlib.machinery.SourceFileLoader('ctdb_etcd_lock', HELPER)
    spec = importlib.util.spec_from_loader('ctdb_etcd_lock', loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules['ctdb_etcd_lock'] = module  # dataclasses look their module up there
    loader.exec_module(module)
    return module


@pytest.fixture(scope='session')
def lock():
    return load_helper()
