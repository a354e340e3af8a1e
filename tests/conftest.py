# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``import ansible_collections.ctdb.cluster`` resolve to this checkout.

The checkout is linked as .cache/collections/ansible_collections/ctdb/cluster, the
layout Ansible and pytest expect, without copying anything.
"""
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(REPO, '.cache', 'collections')


def _link_checkout():
    namespace_dir = os.path.join(COLLECTIONS, 'ansible_collections', 'ctdb')
    link = os.path.join(namespace_dir, 'cluster')
    if os.path.islink(link) and os.path.realpath(link) == REPO:
        return
    os.makedirs(namespace_dir, exist_ok=True)
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(REPO, link)


_link_checkout()
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)
os.environ.setdefault('ANSIBLE_COLLECTIONS_PATH', COLLECTIONS)
