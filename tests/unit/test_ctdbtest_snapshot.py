# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdbtest.snapshot: a tree's state is seen whole, and put back exactly."""
import os

from ctdbtest.snapshot import restore_tree, tree_snapshot


def make(root):
    os.makedirs(str(root / 'a' / 'b'))
    (root / 'a' / 'f').write_text('x')
    (root / 'a' / 'f').chmod(0o600)
    os.symlink('/nowhere', str(root / 'a' / 'l'))


def test_snapshot_sees_content_mode_links_and_skips_daemon_files(tmp_path):
    make(tmp_path)
    (tmp_path / 'log.ctdb').write_text('busy')
    state = tree_snapshot(str(tmp_path), skip=('log.ctdb',))
    assert sorted(os.path.relpath(path, str(tmp_path)) for path in state) == ['a', 'a/b', 'a/f', 'a/l']
    assert state[str(tmp_path / 'a' / 'f')][:2] == ('file', b'x') and state[str(tmp_path / 'a' / 'f')][2] & 0o777 == 0o600
    assert state[str(tmp_path / 'a' / 'l')][:2] == ('link', '/nowhere')
    (tmp_path / 'a' / 'f').chmod(0o644)
    assert tree_snapshot(str(tmp_path), skip=('log.ctdb',)) != state


def test_restore_undoes_changes_additions_and_removals(tmp_path):
    make(tmp_path)
    state = tree_snapshot(str(tmp_path))
    os.unlink(str(tmp_path / 'a' / 'l'))
    os.symlink('/else', str(tmp_path / 'a' / 'l'))
    (tmp_path / 'a' / 'f').write_text('y')
    (tmp_path / 'a' / 'f').chmod(0o755)
    os.makedirs(str(tmp_path / 'a' / 'new' / 'c'))
    (tmp_path / 'a' / 'b' / 'g').write_text('z')
    restore_tree(str(tmp_path), state)
    assert tree_snapshot(str(tmp_path)) == state


def test_restore_rebuilds_a_removed_tree(tmp_path):
    make(tmp_path)
    state = tree_snapshot(str(tmp_path))
    for name in ('l', 'f'):
        os.unlink(str(tmp_path / 'a' / name))
    os.rmdir(str(tmp_path / 'a' / 'b'))
    os.rmdir(str(tmp_path / 'a'))
    restore_tree(str(tmp_path), state)
    assert tree_snapshot(str(tmp_path)) == state
