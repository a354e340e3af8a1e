# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_link on the sandbox: every node's nodes/public_addresses become links to one shared copy.

The "distributed filesystem" is a directory of this machine that all sandbox nodes see, as a
real cluster filesystem would be; its being a mount point is tested with require_mount.
"""
import os
import shutil
import subprocess
import tempfile

import pytest

from ctdbtest import bad_inputs


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


def state_of(paths):
    """Every path as it is: a link's text, a file's bytes, mode and owner, or absent."""
    out = {}
    for path in paths:
        if os.path.islink(path):
            out[path] = ('link', os.readlink(path))
        elif os.path.isfile(path):
            st = os.stat(path)
            with open(path, 'rb') as handle:
                out[path] = ('file', handle.read(), st.st_mode & 0o7777, st.st_uid, st.st_gid)
        else:
            out[path] = ('absent' if not os.path.lexists(path) else 'other',)
    return out


def watched(sandbox, *roots):
    """The node0 files ctdb_link may touch, and everything under the given trees, by name."""
    base = sandbox.node_base(0)
    paths = [os.path.join(base, name) for name in sorted(os.listdir(base)) if not name.startswith('log')]
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(str(root)):
            paths.extend(os.path.join(dirpath, name) for name in sorted(dirnames + filenames))
    return paths


def test_require_mount_refuses_a_shared_dir_on_another_filesystem(sandbox, run_playbook, tmp_path):
    """/dev/shm (tmpfs) is under the mount point /dev (devtmpfs) but not on its filesystem; the other bad inputs are
    in bad_inputs/ctdb_link.yml (dfs_path=/ among them: the root filesystem is refused first)."""
    shm = tempfile.mkdtemp(prefix='ctdb-link-test.', dir='/dev/shm')
    try:
        with open(os.path.join(shm, 'nodes'), 'w') as handle:
            handle.write('127.0.0.1\n')
        cases = [('shared_dir=%s is on another filesystem than dfs_path=/dev (a local directory or another mount '
                  'under it): with require_mount the shared copies must be on the distributed filesystem' % shm,
                  {'dfs_path': '/dev', 'shared_dir': shm, 'require_mount': True, 'files': ['nodes']})]
        before = state_of(watched(sandbox, shm))
        wrong = bad_inputs.refused(run_playbook, tmp_path, 'ctdb.cluster.ctdb_link', cases)
        assert not wrong, '\n'.join(wrong)
        assert state_of(watched(sandbox, shm)) == before
    finally:
        shutil.rmtree(shm)


def _chattr(path, flag):
    return subprocess.run(['chattr', flag, path], capture_output=True, check=False).returncode == 0


def test_a_failure_half_way_puts_everything_back(sandbox, dfs, run_playbook):
    """public_addresses cannot be replaced (immutable): nodes, linked just before, becomes the file it was again."""
    base = sandbox.node_base(0)
    for name in ('nodes', 'public_addresses'):
        path = os.path.join(base, name)
        if os.path.islink(path):  # left linked by another test: make it a file again
            with open(path, 'rb') as handle:
                data = handle.read()
            os.unlink(path)
            with open(path, 'wb') as handle:
                handle.write(data)
    blocked = os.path.join(base, 'public_addresses')
    if not _chattr(blocked, '+i'):
        pytest.skip('chattr +i is not permitted here')
    try:
        before = state_of(watched(sandbox, dfs))
        run = run_playbook('''
- hosts: node0
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - ctdb.cluster.ctdb_link:
        dfs_path: "{{ dfs }}"
      register: link
      ignore_errors: true
    - ansible.builtin.assert:
        that:
          - link is failed
          - link.msg == expected
        fail_msg: "{{ link.msg }}"
''', extra_vars={'dfs': dfs, 'expected': 'cannot link %s: Operation not permitted; every file was put back as it was'
                 % blocked})
        assert run.rc == 0, run
        assert state_of(watched(sandbox, dfs)) == before
    finally:
        _chattr(blocked, '-i')
    sandbox.wait_healthy(30)


def test_a_secret_keeps_its_mode_and_owner_both_ways(sandbox, run_playbook, tmp_path):
    base = sandbox.node_base(0)
    shared = tmp_path / 'dfs' / '.ctdb'
    shared.mkdir(parents=True)
    local = os.path.join(base, 'etcd')
    secret = b'[etcd]\npassword = hunter2\n'
    with open(local, 'wb') as handle:
        handle.write(secret)
    os.chmod(local, 0o600)
    (shared / 'etcd').write_bytes(secret)
    os.chmod(str(shared / 'etcd'), 0o600)
    os.chown(str(shared / 'etcd'), 0, 4)
    play = '''
- hosts: node0
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - ctdb.cluster.ctdb_link:
        dfs_path: "{{ dfs }}"
        files: [etcd]
        state: "{{ link_state }}"
'''
    try:
        run = run_playbook(play, extra_vars={'dfs': str(tmp_path / 'dfs'), 'link_state': 'present'})
        assert run.rc == 0 and run.recap['node0']['changed'] == 1, run
        assert os.readlink(local) == str(shared / 'etcd')
        # someone loosens the shared copy afterwards: a warning, and absent still brings back a 0600 file
        os.chmod(str(shared / 'etcd'), 0o644)
        run = run_playbook(play, extra_vars={'dfs': str(tmp_path / 'dfs'), 'link_state': 'present'})
        assert run.rc == 0 and run.recap['node0']['changed'] == 0, run
        assert 'is readable by group or others (mode 0644) but %s holds credentials' % local in run.stdout + run.stderr
        run = run_playbook(play, extra_vars={'dfs': str(tmp_path / 'dfs'), 'link_state': 'absent'})
        assert run.rc == 0 and run.recap['node0']['changed'] == 1, run
        assert state_of([local]) == {local: ('file', secret, 0o600, 0, 4)}
    finally:
        for name in os.listdir(base):
            if name == 'etcd' or name.startswith('etcd.'):
                os.unlink(os.path.join(base, name))


def test_later_writes_do_not_follow_a_shared_copy_turned_into_a_link(sandbox, run_playbook, tmp_path):
    """The review's case: after linking, the shared public_addresses becomes a link to a file elsewhere;
    ctdb_addresses, run as root, must refuse instead of rewriting that file (or showing a line of it)."""
    base = sandbox.node_base(0)
    local = os.path.join(base, 'public_addresses')
    with open(local, 'rb') as handle:
        original = handle.read()
    shared = tmp_path / 'trees' / 'dfs' / '.ctdb'
    shared.mkdir(parents=True)
    (shared / 'public_addresses').write_bytes(original)
    outside = tmp_path / 'trees' / 'outside'
    outside.write_text('root owned, not CTDB\'s\n')
    first = original.decode().split('\n')[0].split()
    play = '''
- hosts: node0
  gather_facts: false
  environment: "{{ ctdb_environment }}"
  tasks:
    - ctdb.cluster.ctdb_link:
        dfs_path: "{{ dfs }}"
        files: [public_addresses]
        backup: false
        force: true
    - name: Whoever can write the shared directory aims the shared copy elsewhere
      ansible.builtin.command: ln -sfn {{ outside }} {{ dfs }}/.ctdb/public_addresses
      changed_when: true
    - ctdb.cluster.ctdb_addresses:
        addresses: [{address: "{{ address }}", interface_name: "{{ iface }}"}]
      register: written
      ignore_errors: true
    - ansible.builtin.assert:
        that:
          - written is failed
          - written.msg == expected
        fail_msg: "{{ written.msg }}"
'''
    dfs = str(tmp_path / 'trees' / 'dfs')
    expected = ('%s is a link whose chain leads out of %s/.ctdb (to %s): refusing to read there; make '
                '%s/.ctdb/public_addresses a regular file inside %s/.ctdb' % (local, dfs, outside, dfs, dfs))
    try:
        run = run_playbook(play, extra_vars={'dfs': dfs, 'outside': str(outside), 'address': first[0],
                                             'iface': first[1], 'expected': expected})
        assert run.rc == 0, run
        assert outside.read_text() == 'root owned, not CTDB\'s\n'
        assert os.readlink(local) == os.path.join(dfs, '.ctdb', 'public_addresses')
    finally:
        if os.path.islink(local):
            os.unlink(local)
            with open(local, 'wb') as handle:
                handle.write(original)
