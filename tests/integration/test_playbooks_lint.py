# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-lint, profile production (.ansible-lint), passes on the roles and playbooks.

No sandbox needed. ansible-lint is pinned in requirements-test.txt; it runs offline in seconds.
"""
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANSIBLE_LINT = os.path.join(os.path.dirname(sys.executable), 'ansible-lint')


def test_roles_and_playbooks_pass_ansible_lint_production():
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, '.cache', 'collections'),
               ANSIBLE_ROLES_PATH=os.path.join(REPO, 'roles'), NO_COLOR='1',
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))
    done = subprocess.run([ANSIBLE_LINT, '--offline', '--format=pep8', 'roles/ctdb', 'roles/etcd_lock', 'playbooks'],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "Profile 'production' was required, and it passed" in done.stderr + done.stdout, done.stderr[-2000:]
