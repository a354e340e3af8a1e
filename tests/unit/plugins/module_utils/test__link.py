# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Link planning: every case of what is in CTDB_BASE and on the distributed filesystem."""
import pytest

from ansible_collections.ctdb.cluster.plugins.module_utils import _link
from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError

BASE = '/etc/ctdb'
SHARED = '/dfs/.ctdb'


def obs(kind, link=None, realpath=None, target_type=None, mode=0o644, uid=0, gid=0):
    if kind == 'missing' or target_type == 'missing':
        mode = uid = gid = None
    return {'type': kind, 'link': link, 'realpath': realpath, 'target_type': target_type, 'mode': mode,
            'uid': uid, 'gid': gid}


MISSING = obs('missing')
SRC_FILE = obs('file', realpath='/dfs/.ctdb/nodes')
SRC_LINK_OK = obs('link', link='real/nodes', realpath='/dfs/.ctdb/real/nodes', target_type='file')
SRC_DANGLING = obs('link', link='gone', realpath='/dfs/.ctdb/gone', target_type='missing')
DEST_OK = obs('link', link='/dfs/.ctdb/nodes', realpath='/dfs/.ctdb/nodes', target_type='file')
DEST_RELATIVE_OK = obs('link', link='../../dfs/.ctdb/nodes', realpath='/dfs/.ctdb/nodes', target_type='file')
DEST_ELSEWHERE = obs('link', link='/old/nodes', realpath='/old/nodes', target_type='file')
DEST_DANGLING = obs('link', link='/gone/nodes', realpath='/gone/nodes', target_type='missing')
DEST_FILE = obs('file', realpath='/etc/ctdb/nodes')
DEST_DIR = obs('dir', realpath='/etc/ctdb/nodes')


def one(dest, src, **kw):
    steps = _link.plan(['nodes'], BASE, SHARED, {'nodes': {'dest': dest, 'src': src}}, **kw)
    assert len(steps) == 1 and steps[0]['path'] == '/etc/ctdb/nodes' and steps[0]['target'] == '/dfs/.ctdb/nodes'
    return steps[0]['action']


@pytest.mark.parametrize('dest, src, kw, action', [
    (MISSING, SRC_FILE, {}, 'link'),
    (DEST_OK, SRC_FILE, {}, 'none'),
    (DEST_RELATIVE_OK, SRC_FILE, {}, 'none'),
    (DEST_ELSEWHERE, SRC_FILE, {}, 'relink'),
    (DEST_DANGLING, SRC_FILE, {}, 'relink'),
    (DEST_FILE, SRC_FILE, {}, 'backup_link'),
    (DEST_FILE, SRC_FILE, {'backup': False, 'force': True}, 'replace_link'),
    (DEST_FILE, SRC_FILE, {'backup': True, 'force': True}, 'backup_link'),
    (obs('link', link='/dfs/.ctdb/nodes', realpath='/dfs/.ctdb/real/nodes', target_type='file'), SRC_LINK_OK, {}, 'none'),
    (MISSING, SRC_LINK_OK, {}, 'link'),
    # absent
    (DEST_OK, SRC_FILE, {'state': 'absent'}, 'unlink_copy'),
    (DEST_RELATIVE_OK, SRC_FILE, {'state': 'absent'}, 'unlink_copy'),
    (DEST_FILE, SRC_FILE, {'state': 'absent'}, 'none'),
    (MISSING, SRC_FILE, {'state': 'absent'}, 'none'),
    (DEST_ELSEWHERE, SRC_FILE, {'state': 'absent'}, 'none'),
    (DEST_FILE, MISSING, {'state': 'absent'}, 'none'),
])
def test_plan_actions(dest, src, kw, action):
    assert one(dest, src, **kw) == action


@pytest.mark.parametrize('dest, src, kw, words', [
    (MISSING, MISSING, {}, ['/dfs/.ctdb/nodes does not exist on the distributed filesystem']),
    (DEST_OK, SRC_DANGLING, {}, ['/dfs/.ctdb/nodes does not exist']),
    (MISSING, obs('dir', realpath='/dfs/.ctdb/nodes'), {}, ['/dfs/.ctdb/nodes is not a regular file (dir)']),
    (DEST_FILE, SRC_FILE, {'backup': False}, ['/etc/ctdb/nodes is a regular file', 'backup=true', 'force=true']),
    (DEST_DIR, SRC_FILE, {}, ['/etc/ctdb/nodes is a dir', 'remove it first']),
])
def test_plan_refusals(dest, src, kw, words):
    with pytest.raises(CtdbError) as exc:
        one(dest, src, **kw)
    for word in words:
        assert word in str(exc.value)


def test_absent_with_dangling_link_to_source_is_refused():
    dest = obs('link', link='/dfs/.ctdb/nodes', realpath='/dfs/.ctdb/nodes', target_type='missing')
    src = obs('missing', realpath='/dfs/.ctdb/nodes')
    with pytest.raises(CtdbError) as exc:
        one(dest, src, state='absent')
    assert 'cannot turn it back into a file' in str(exc.value)


def test_one_problem_stops_every_file_and_all_are_named():
    observed = {
        'nodes': {'dest': MISSING, 'src': SRC_FILE},
        'public_addresses': {'dest': MISSING, 'src': MISSING},
        'ctdb.conf': {'dest': DEST_FILE, 'src': obs('file', realpath='/dfs/.ctdb/ctdb.conf')},
    }
    with pytest.raises(CtdbError) as exc:
        _link.plan(['nodes', 'public_addresses', 'ctdb.conf'], BASE, SHARED, observed, backup=False)
    assert '/dfs/.ctdb/public_addresses does not exist' in str(exc.value)
    assert '/etc/ctdb/ctdb.conf is a regular file' in str(exc.value)


def test_plan_several_and_describe():
    observed = {
        'nodes': {'dest': DEST_OK, 'src': SRC_FILE},
        'public_addresses': {'dest': DEST_FILE, 'src': obs('file', realpath='/dfs/.ctdb/public_addresses')},
    }
    steps = _link.plan(['nodes', 'public_addresses'], BASE, SHARED, observed)
    assert [s['action'] for s in steps] == ['none', 'backup_link']
    before, after = _link.describe(steps, observed)
    assert before == 'nodes -> /dfs/.ctdb/nodes\npublic_addresses (file)\n'
    assert after == 'nodes -> /dfs/.ctdb/nodes\npublic_addresses -> /dfs/.ctdb/public_addresses\n'


def test_bad_state():
    with pytest.raises(CtdbError):
        one(MISSING, SRC_FILE, state='linked')


@pytest.mark.parametrize('files, expected', [
    (['nodes', 'public_addresses', 'nodes'], ['nodes', 'public_addresses']),
    (['ctdb.conf'], ['ctdb.conf']),
])
def test_validate_files(files, expected):
    assert _link.validate_files(files) == expected


@pytest.mark.parametrize('bad', [[''], ['../nodes'], ['sub/nodes'], ['..'], []])
def test_validate_files_refuses(bad):
    with pytest.raises(CtdbError) as exc:
        _link.validate_files(bad)
    assert 'files' in str(exc.value)


# issue 10.1: a shared copy must be a regular file inside shared_dir
@pytest.mark.parametrize('src, words', [
    (obs('link', link='/etc/shadow', realpath='/etc/shadow', target_type='file'),
     '/dfs/.ctdb/nodes leads out of /dfs/.ctdb (to /etc/shadow): the shared copy of nodes must be a regular file '
     'inside /dfs/.ctdb, not a link to elsewhere'),
    (obs('link', link='../other/nodes', realpath='/dfs/other/nodes', target_type='file'),
     '/dfs/.ctdb/nodes leads out of /dfs/.ctdb (to /dfs/other/nodes)'),
    (obs('link', link='/gone', realpath='/gone', target_type='missing'),
     '/dfs/.ctdb/nodes does not exist on the distributed filesystem'),
])
@pytest.mark.parametrize('dest, state', [(MISSING, 'present'), (DEST_FILE, 'present'), (DEST_OK, 'absent')])
def test_shared_copies_leading_out_are_refused(src, words, dest, state):
    if state == 'absent':
        dest = obs('link', link='/dfs/.ctdb/nodes', realpath=src['realpath'], target_type=src['target_type'])
    with pytest.raises(CtdbError) as exc:
        one(dest, src, state=state)
    assert words in exc.value.msg


def test_shared_dir_itself_behind_a_link_is_fine():
    # /dfs -> /mnt/dfs: the copies' real paths are under shared_dir's real path
    src = obs('file', realpath='/mnt/dfs/.ctdb/nodes')
    steps = _link.plan(['nodes'], BASE, SHARED, {'nodes': {'dest': MISSING, 'src': src}}, shared_real='/mnt/dfs/.ctdb')
    assert steps[0]['action'] == 'link'


# issue 10.4: secrets
@pytest.mark.parametrize('name, dest, src_mode, refused', [
    ('etcd', MISSING, 0o644, True),
    ('etcd', MISSING, 0o640, True),
    ('etcd', MISSING, 0o600, False),
    ('etcd', MISSING, 0o400, False),
    ('nodes', obs('file', realpath='/etc/ctdb/nodes', mode=0o600), 0o644, True),
    ('nodes', obs('file', realpath='/etc/ctdb/nodes', mode=0o600), 0o600, False),
    ('nodes', DEST_FILE, 0o644, False),
    ('nodes', MISSING, 0o644, False),
])
def test_group_or_world_readable_shared_copies_of_secrets_are_refused(name, dest, src_mode, refused):
    src = obs('file', realpath='/dfs/.ctdb/%s' % name, mode=src_mode)
    observed = {name: {'dest': dest, 'src': src}}
    if not refused:
        assert _link.plan([name], BASE, SHARED, observed)[0]['action'] in ('link', 'backup_link')
        return
    with pytest.raises(CtdbError) as exc:
        _link.plan([name], BASE, SHARED, observed)
    assert exc.value.msg == ('/dfs/.ctdb/%s is readable by group or others (mode %04o) but /etc/ctdb/%s holds '
                             'credentials: chmod go-rwx /dfs/.ctdb/%s first, then link it' % (name, src_mode, name, name))


def test_an_existing_link_to_a_readable_secret_is_a_warning():
    src = obs('file', realpath='/dfs/.ctdb/etcd', mode=0o644)
    dest = obs('link', link='/dfs/.ctdb/etcd', realpath='/dfs/.ctdb/etcd', target_type='file', mode=0o644)
    observed = {'etcd': {'dest': dest, 'src': src}}
    assert _link.plan(['etcd'], BASE, SHARED, observed)[0]['action'] == 'none'
    assert _link.warnings(['etcd'], BASE, SHARED, observed) == [
        '/dfs/.ctdb/etcd is readable by group or others (mode 0644) but /etc/ctdb/etcd holds credentials: '
        'chmod go-rwx /dfs/.ctdb/etcd']
    src['mode'] = 0o600
    assert _link.warnings(['etcd'], BASE, SHARED, observed) == []


@pytest.mark.parametrize('name, mode, uid, gid, expected', [
    ('nodes', 0o644, 0, 0, (0o644, (0, 0))),
    ('nodes', 0o600, 1000, 1000, (0o600, (1000, 1000))),
    ('etcd', 0o600, 0, 0, (0o600, (0, 0))),
    ('etcd', 0o644, 0, 123, (0o600, (0, 123))),
    ('etcd', 0o750, 0, 0, (0o700, (0, 0))),
])
def test_copy_back_keeps_the_stricter_mode_and_the_owner(name, mode, uid, gid, expected):
    assert _link.copy_back_attributes(name, obs('file', mode=mode, uid=uid, gid=gid)) == expected


@pytest.mark.parametrize('dfs, shared, words', [
    ('dfs', None, 'dfs_path=dfs is a relative path: give the absolute path of the mount point, e.g. /lfsmnt/robin'),
    ('./dfs', None, 'dfs_path=./dfs is a relative path'),
    ('/dfs', 'shared', 'shared_dir=shared is a relative path: give an absolute path, e.g. /dfs/.ctdb'),
    ('', None, 'dfs_path is empty'),
])
def test_relative_paths_are_refused(dfs, shared, words):
    with pytest.raises(CtdbError) as exc:
        _link.paths(dfs, shared)
    assert exc.value.msg.startswith(words)


def test_paths_default_shared_dir():
    assert _link.paths('/dfs/', None) == ('/dfs', '/dfs/.ctdb')
    assert _link.paths('/', '/x/y/') == ('/', '/x/y')


# issue 10.3: with require_mount, dfs_path is a mount point, and shared_dir is under it, on its filesystem
@pytest.mark.parametrize('kw, message', [
    (dict(is_mount=False), 'dfs_path=/dfs is not a mount point: mount the distributed filesystem first '
                           '(or set require_mount=false)'),
    (dict(), None),
])
def test_check_mount_point(kw, message):
    args = dict(dfs_real='/dfs', is_mount=True, dfs_dev=1, root_dev=9)
    args.update(kw)
    if message is None:
        _link.check_mount_point('/dfs', **args)
        return
    with pytest.raises(CtdbError) as exc:
        _link.check_mount_point('/dfs', **args)
    assert exc.value.msg == message


ROOT_REFUSED = ("dfs_path=%s is on the root filesystem (the one that holds /), which is never the cluster's "
                "filesystem: give the mount point of the distributed filesystem, e.g. /lfsmnt/robin (or set "
                "require_mount=false)")


# issue 20: dfs_path=/ was accepted with require_mount (a mount point, shared_dir under it on its filesystem)
@pytest.mark.parametrize('dfs_path, kw', [
    ('/', dict(dfs_real='/', dfs_dev=9)),
    ('/', dict(dfs_real='/', dfs_dev=1)),        # / itself, whatever device number it reports
    ('/srv/dfs', dict(dfs_real='/srv/dfs', dfs_dev=9)),   # a directory of the root filesystem mounted there
    ('/lfsmnt/robin', dict(dfs_real='/', dfs_dev=1)),    # a link to /
])
def test_check_mount_point_refuses_the_root_filesystem(dfs_path, kw):
    with pytest.raises(CtdbError) as exc:
        _link.check_mount_point(dfs_path, is_mount=True, root_dev=9, **kw)
    assert exc.value.msg == ROOT_REFUSED % dfs_path


@pytest.mark.parametrize('kw, message', [
    (dict(shared_real='/var/ctdb'), 'shared_dir=/var/ctdb is not under dfs_path=/dfs: with require_mount the shared '
                                    'copies must be on the distributed filesystem (put them under /dfs)'),
    (dict(shared_real='/dfsx/.ctdb'), 'shared_dir=/dfsx/.ctdb is not under dfs_path=/dfs'),
    (dict(shared_dev=2), 'shared_dir=/dfs/.ctdb is on another filesystem than dfs_path=/dfs (a local directory or '
                         'another mount under it): with require_mount the shared copies must be on the distributed '
                         'filesystem'),
    (dict(), None),
    (dict(shared_real='/dfs'), None),
])
def test_check_shared_dir(kw, message):
    args = dict(dfs_real='/dfs', shared_real='/dfs/.ctdb', dfs_dev=1, shared_dev=1)
    args.update(kw)
    if message is None:
        _link.check_shared_dir('/dfs', '/dfs/.ctdb' if 'shared_real' not in kw else kw['shared_real'], **args)
        return
    with pytest.raises(CtdbError) as exc:
        _link.check_shared_dir('/dfs', kw.get('shared_real', '/dfs/.ctdb'), **args)
    assert exc.value.msg.startswith(message)
