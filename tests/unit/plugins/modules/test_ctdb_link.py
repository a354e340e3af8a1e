# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_link as a module, on real temp directories standing for CTDB_BASE and the distributed filesystem."""
import os
import shutil
import tempfile

import pytest

from ansible_collections.ctdb.cluster.plugins.modules import ctdb_link

MODULE = ctdb_link


@pytest.fixture
def tree(tmp_path):
    base = tmp_path / 'etc-ctdb'
    base.mkdir()
    dfs = tmp_path / 'dfs'
    shared = dfs / '.ctdb'
    shared.mkdir(parents=True)
    (shared / 'nodes').write_text('10.0.0.1\n10.0.0.2\n')
    (shared / 'public_addresses').write_text('10.0.1.1/24 eth1\n')
    (base / 'nodes').write_text('10.0.0.1\n')  # a local file in the way
    return {'base': str(base), 'dfs': str(dfs), 'shared': str(shared)}


def listing(path):
    out = {}
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        out[name] = ('link', os.readlink(full)) if os.path.islink(full) else ('file', open(full).read())
    return out


def test_check_apply_idempotent_absent(run_module, tree):
    args = {'dfs_path': tree['dfs'], 'ctdb_base': tree['base']}
    before = listing(tree['base'])
    res = run_module(dict(args, ), check=True, diff=True)
    assert res.rc == 0 and res['changed'] is True
    assert [(s['file'], s['action']) for s in res['links']] == [('nodes', 'backup_link'), ('public_addresses', 'link')]
    assert res['diff']['before'] == 'nodes (file)\npublic_addresses (missing)\n'
    assert res['diff']['after'] == 'nodes -> %s/nodes\npublic_addresses -> %s/public_addresses\n' % (tree['shared'], tree['shared'])
    assert listing(tree['base']) == before

    res = run_module(args)
    assert res['changed'] is True and res['shared_dir'] == tree['shared']
    backup = res['links'][0]['backup_file']
    assert backup and open(backup).read() == '10.0.0.1\n'
    for name in ('nodes', 'public_addresses'):
        path = os.path.join(tree['base'], name)
        assert os.readlink(path) == os.path.join(tree['shared'], name)
    assert open(os.path.join(tree['base'], 'nodes')).read() == '10.0.0.1\n10.0.0.2\n'

    res = run_module(args)
    assert res['changed'] is False and {s['action'] for s in res['links']} == {'none'}

    res = run_module(dict(args, state='absent'))
    assert res['changed'] is True and [s['action'] for s in res['links']] == ['unlink_copy', 'unlink_copy']
    path = os.path.join(tree['base'], 'nodes')
    assert not os.path.islink(path) and open(path).read() == '10.0.0.1\n10.0.0.2\n'
    res = run_module(dict(args, state='absent'))
    assert res['changed'] is False


def test_api_alias_and_relink(run_module, tree, monkeypatch):
    monkeypatch.setenv('CTDB_BASE', tree['base'])
    os.unlink(os.path.join(tree['base'], 'nodes'))
    os.symlink('/old/place/nodes', os.path.join(tree['base'], 'nodes'))
    res = run_module({'dfsPath': tree['dfs'], 'files': ['nodes']})
    assert res['changed'] is True and res['links'][0]['action'] == 'relink'
    assert os.readlink(os.path.join(tree['base'], 'nodes')) == os.path.join(tree['shared'], 'nodes')
    assert not [n for n in os.listdir(tree['base']) if n.endswith('.tmp')]


def test_refuses_file_without_backup_and_changes_nothing(run_module, tree):
    before = listing(tree['base'])
    res = run_module({'dfs_path': tree['dfs'], 'ctdb_base': tree['base'], 'backup': False})
    assert res['failed'] and 'is a regular file' in res['msg'] and 'force=true' in res['msg']
    assert listing(tree['base']) == before
    res = run_module({'dfs_path': tree['dfs'], 'ctdb_base': tree['base'], 'backup': False, 'force': True})
    assert res['changed'] and res['links'][0]['action'] == 'replace_link'
    assert not [n for n in os.listdir(tree['base']) if n.startswith('nodes.')]  # no backup


@pytest.mark.parametrize('mutate, kw, words', [
    (lambda t: os.unlink(os.path.join(t['shared'], 'public_addresses')), {},
     ['public_addresses does not exist on the distributed filesystem']),
    (None, {'require_mount': True}, ['is not a mount point', 'require_mount=false']),
    (None, {'dfs_path': '/nonexistent/dfs'}, ['dfs_path=/nonexistent/dfs does not exist']),
    (None, {'files': ['../nodes']}, ["'../nodes'"]),
    (None, {'shared_dir': '/nonexistent/shared'}, ['/nonexistent/shared/nodes does not exist']),
    (lambda t: os.symlink('/gone', os.path.join(t['shared'], 'ctdb.conf')), {'files': ['ctdb.conf']},
     ['ctdb.conf does not exist']),
])
def test_errors_change_nothing(run_module, tree, mutate, kw, words):
    if mutate:
        mutate(tree)
    before = listing(tree['base'])
    args = {'dfs_path': tree['dfs'], 'ctdb_base': tree['base']}
    args.update(kw)
    res = run_module(args)
    assert res.rc == 1 and res['failed'] is True
    for word in words:
        assert word in res['msg']
    assert listing(tree['base']) == before


def real_mount_point():
    """A mount point that is not of the root filesystem (/dev/shm is tmpfs here), or None."""
    path = '/dev/shm'
    if os.path.ismount(path) and os.access(path, os.W_OK) and os.stat(path).st_dev != os.stat('/').st_dev:
        return path
    return None


def test_require_mount_on_a_real_mount_point(run_module, tree):
    mount = real_mount_point()
    if mount is None:
        pytest.skip('no writable mount point other than the root filesystem')
    shared = tempfile.mkdtemp(prefix='ctdb-link-unit.', dir=mount)
    try:
        with open(os.path.join(shared, 'public_addresses'), 'w') as handle:
            handle.write('10.0.1.1/24 eth1\n')
        res = run_module({'dfs_path': mount, 'shared_dir': shared, 'ctdb_base': tree['base'], 'require_mount': True,
                          'files': ['public_addresses']})
        assert res.rc == 0 and res['changed'] is True, res
        assert os.readlink(os.path.join(tree['base'], 'public_addresses')) == os.path.join(shared, 'public_addresses')
    finally:
        shutil.rmtree(shared)


@pytest.mark.parametrize('where', ['root', 'a mount of a root filesystem directory'])
def test_require_mount_refuses_the_root_filesystem(run_module, tree, monkeypatch, where):
    """/ is a mount point and tree['shared'] lies under it on its filesystem: still never the cluster's filesystem.
    Nor is a directory of the root filesystem mounted elsewhere (a bind mount, which keeps its device)."""
    dfs_path = '/'
    if where != 'root':
        dfs_path = tree['dfs']
        if os.stat(dfs_path).st_dev != os.stat('/').st_dev:
            pytest.skip('the temporary directory is not on the root filesystem')
        real_ismount = os.path.ismount
        monkeypatch.setattr(ctdb_link.os.path, 'ismount', lambda path: path == dfs_path or real_ismount(path))
    before = listing(tree['base'])
    res = run_module({'dfs_path': dfs_path, 'shared_dir': tree['shared'], 'ctdb_base': tree['base'],
                      'require_mount': True, 'files': ['public_addresses']})
    assert res['failed'] is True and res['msg'] == (
        "dfs_path=%s is on the root filesystem (the one that holds /), which is never the cluster's filesystem: give "
        "the mount point of the distributed filesystem, e.g. /lfsmnt/robin (or set require_mount=false)" % dfs_path)
    assert listing(tree['base']) == before


def test_missing_ctdb_base(run_module, tree):
    res = run_module({'dfs_path': tree['dfs'], 'ctdb_base': '/nonexistent/ctdb'})
    assert res['failed'] and '/nonexistent/ctdb does not exist' in res['msg']
