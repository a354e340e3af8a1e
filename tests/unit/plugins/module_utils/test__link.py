# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Link planning: every case of what is in CTDB_BASE and on the distributed filesystem."""
import pytest

from ansible_collections.ctdb.cluster.plugins.module_utils import _link

BASE = '/etc/ctdb'
SHARED = '/dfs/.ctdb'


def obs(kind, link=None, realpath=None, target_type=None):
    return {'type': kind, 'link': link, 'realpath': realpath, 'target_type': target_type}


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
    with pytest.raises(ValueError) as exc:
        one(dest, src, **kw)
    for word in words:
        assert word in str(exc.value)


def test_absent_with_dangling_link_to_source_is_refused():
    dest = obs('link', link='/dfs/.ctdb/nodes', realpath='/dfs/.ctdb/nodes', target_type='missing')
    src = obs('missing', realpath='/dfs/.ctdb/nodes')
    with pytest.raises(ValueError) as exc:
        one(dest, src, state='absent')
    assert 'cannot turn it back into a file' in str(exc.value)


def test_one_problem_stops_every_file_and_all_are_named():
    observed = {
        'nodes': {'dest': MISSING, 'src': SRC_FILE},
        'public_addresses': {'dest': MISSING, 'src': MISSING},
        'ctdb.conf': {'dest': DEST_FILE, 'src': obs('file', realpath='/dfs/.ctdb/ctdb.conf')},
    }
    with pytest.raises(ValueError) as exc:
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
    with pytest.raises(ValueError):
        one(MISSING, SRC_FILE, state='linked')


@pytest.mark.parametrize('files, expected', [
    (['nodes', 'public_addresses', 'nodes'], ['nodes', 'public_addresses']),
    (['ctdb.conf'], ['ctdb.conf']),
])
def test_validate_files(files, expected):
    assert _link.validate_files(files) == expected


@pytest.mark.parametrize('bad', [[''], ['../nodes'], ['sub/nodes'], ['..'], []])
def test_validate_files_refuses(bad):
    with pytest.raises(ValueError) as exc:
        _link.validate_files(bad)
    assert 'files' in str(exc.value)
