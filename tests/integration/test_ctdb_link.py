# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_link on the sandbox: every node's nodes/public_addresses become links to one shared copy.

The "distributed filesystem" is a directory of this machine that all sandbox nodes see, as a
real cluster filesystem would be; its being a mount point is tested with require_mount.
"""
import os

import pytest


@pytest.fixture(scope='module')
def dfs(sandbox, tmp_path_factory):
    root = tmp_path_factory.mktemp('dfs')
    shared = root / '.ctdb'
    shared.mkdir()
    with open(os.path.join(sandbox.node_base(0), 'nodes')) as handle:
        (shared / 'nodes').write_text(handle.read())
    with open(os.path.join(sandbox.node_base(0), 'public_addresses')) as handle:
        (shared / 'public_addresses').write_text(handle.read())
    return str(root)


def snapshot(sandbox):
    out = {}
    for index in range(sandbox.nodes):
        for name in ('nodes', 'public_addresses'):
            path = os.path.join(sandbox.node_base(index), name)
            out[path] = os.readlink(path) if os.path.islink(path) else 'file'
    return out


PLAY = '''
- hosts: ctdb_cluster
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - name: Link the shared files
      ctdb.cluster.ctdb_link:
        dfsPath: "{{ dfs }}"
        state: "{{ link_state | default('present') }}"
      register: link
    - ansible.builtin.assert:
        that:
          - link.shared_dir == dfs ~ '/.ctdb'
          - link.links | map(attribute='file') | list == ['nodes', 'public_addresses']
'''


def test_link_check_apply_idempotent_then_absent(sandbox, dfs, run_playbook):
    before = snapshot(sandbox)
    run = run_playbook(PLAY, extra_vars={'dfs': dfs}, check=True, diff=True)
    assert run.rc == 0, run
    assert all(c['changed'] == 1 for c in run.recap.values()), run
    assert '+nodes -> %s/.ctdb/nodes' % dfs in run.stdout
    assert snapshot(sandbox) == before

    run = run_playbook(PLAY, extra_vars={'dfs': dfs})
    assert run.rc == 0, run
    assert all(c['changed'] == 1 for c in run.recap.values()), run
    for index in range(sandbox.nodes):
        for name in ('nodes', 'public_addresses'):
            path = os.path.join(sandbox.node_base(index), name)
            assert os.readlink(path) == os.path.join(dfs, '.ctdb', name)
        backups = [f for f in os.listdir(sandbox.node_base(index)) if f.startswith('nodes.') and f.endswith('~')]
        assert len(backups) == 1

    # ctdb reads the linked files: the nodes file is unchanged, every node still healthy
    reload = sandbox.ctdb(0, 'reloadnodes')
    assert reload.returncode == 0, reload
    assert 'No change in nodes file' in reload.stdout + reload.stderr
    assert sandbox.ctdb(1, 'listnodes').stdout.split() == [sandbox.address(i) for i in range(sandbox.nodes)]
    sandbox.wait_healthy(30)

    run = run_playbook(PLAY, extra_vars={'dfs': dfs})
    assert run.rc == 0, run
    assert all(c['changed'] == 0 for c in run.recap.values()), run

    run = run_playbook(PLAY, extra_vars={'dfs': dfs, 'link_state': 'absent'})
    assert run.rc == 0, run
    assert all(c['changed'] == 1 for c in run.recap.values()), run
    for index in range(sandbox.nodes):
        path = os.path.join(sandbox.node_base(index), 'nodes')
        assert not os.path.islink(path)
        with open(path) as handle:
            assert handle.read() == ''.join('%s\n' % sandbox.address(i) for i in range(sandbox.nodes))
    run = run_playbook(PLAY, extra_vars={'dfs': dfs, 'link_state': 'absent'})
    assert run.rc == 0, run
    assert all(c['changed'] == 0 for c in run.recap.values()), run
