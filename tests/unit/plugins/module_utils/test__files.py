# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_files: the one writer, on real temporary directories, without any AnsibleModule."""
import os
import subprocess

import pytest

from ansible_collections.ctdb.cluster.plugins.module_utils import _files
from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError
from ctdbtest import reference


def tree_bytes(root):
    """Every entry under ``root``: links by their text, files by their bytes and mode."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(str(root)):
        for name in sorted(dirnames + filenames):
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                out[path] = ('link', os.readlink(path))
            elif os.path.isfile(path):
                with open(path, 'rb') as handle:
                    out[path] = ('file', handle.read(), os.stat(path).st_mode & 0o7777)
            else:
                out[path] = ('dir',)
    return out


def test_creates_a_missing_file_and_reports_the_diff(tmp_path):
    target = tmp_path / 'nodes'
    result = _files.write_file(str(target), '10.0.0.1\n')
    assert result['changed'] is True
    assert target.read_text() == '10.0.0.1\n'
    assert result['diff']['before'] == '' and result['diff']['after'] == '10.0.0.1\n'
    assert result['diff']['before_header'].endswith('(absent)')
    assert [p.name for p in tmp_path.iterdir()] == ['nodes']  # no temporary file left


def test_same_content_is_not_a_change(tmp_path):
    target = tmp_path / 'nodes'
    target.write_text('10.0.0.1\n')
    mtime = target.stat().st_mtime_ns
    result = _files.write_file(str(target), '10.0.0.1\n')
    assert result['changed'] is False
    assert target.stat().st_mtime_ns == mtime


def test_check_mode_predicts_the_change_and_writes_nothing(tmp_path):
    target = tmp_path / 'nodes'
    target.write_text('10.0.0.1\n')
    before = tree_bytes(tmp_path)
    result = _files.write_file(str(target), '10.0.0.2\n', check_mode=True)
    assert result['changed'] is True
    assert result['diff']['after'] == '10.0.0.2\n'
    assert tree_bytes(tmp_path) == before


def test_backup_keeps_the_old_content(tmp_path):
    target = tmp_path / 'nodes'
    target.write_text('old\n')
    result = _files.write_file(str(target), 'new\n', backup_wanted=True)
    assert open(result['backup_file']).read() == 'old\n'
    assert result['backup_file'].startswith(str(target) + '.%d.' % os.getpid()) and result['backup_file'].endswith('~')
    assert target.read_text() == 'new\n'


def test_keeps_the_mode_and_owner_of_an_existing_file(tmp_path):
    target = tmp_path / 'etcd'
    target.write_text('old\n')
    os.chmod(str(target), 0o600)
    uid, gid = target.stat().st_uid, target.stat().st_gid
    _files.write_file(str(target), 'new\n')
    assert target.stat().st_mode & 0o7777 == 0o600
    assert (target.stat().st_uid, target.stat().st_gid) == (uid, gid)


def test_an_explicit_mode_is_set_and_is_a_change(tmp_path):
    target = tmp_path / 'etcd'
    target.write_text('same\n')
    os.chmod(str(target), 0o644)
    assert _files.write_file(str(target), 'same\n', mode=0o600, check_mode=True)['changed'] is True
    assert target.stat().st_mode & 0o7777 == 0o644
    assert _files.write_file(str(target), 'same\n', mode=0o600)['changed'] is True
    assert target.stat().st_mode & 0o7777 == 0o600
    assert _files.write_file(str(target), 'same\n', mode=0o600)['changed'] is False


@pytest.mark.parametrize('umask', [0o000, 0o077])
def test_a_new_file_is_0644_whatever_the_umask(tmp_path, umask):
    # issue 10.5: under umask 000 a new file came out 0666
    old = os.umask(umask)
    try:
        _files.write_file(str(tmp_path / 'nodes'), 'x\n')
    finally:
        os.umask(old)
    assert (tmp_path / 'nodes').stat().st_mode & 0o7777 == 0o644


def test_the_write_is_fsynced_before_it_returns(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append(os.readlink('/proc/self/fd/%d' % fd))
        real_fsync(fd)
    monkeypatch.setattr(os, 'fsync', fsync)
    _files.write_file(str(tmp_path / 'nodes'), 'x\n')
    # the temporary file's data first, then the directory holding the renamed entry
    assert len(synced) == 2
    assert os.path.dirname(synced[0]) == str(tmp_path) and os.path.basename(synced[0]).startswith('.nodes.')
    assert synced[1] == str(tmp_path)


def test_a_symlink_stays_a_link_and_its_target_is_written(tmp_path):
    shared = tmp_path / 'dfs' / 'nodes'
    shared.parent.mkdir()
    shared.write_text('old\n')
    link = tmp_path / 'nodes'
    link.symlink_to(shared)
    _files.write_file(str(link), 'new\n')
    assert link.is_symlink()
    assert shared.read_text() == 'new\n'


def test_a_link_through_a_linked_parent_of_the_directory_is_fine(tmp_path):
    # /dfs -> /mnt/dfs, the link into /dfs/.ctdb: only the last directory may not be a link
    (tmp_path / 'mnt' / '.ctdb').mkdir(parents=True)
    (tmp_path / 'mnt' / '.ctdb' / 'nodes').write_text('old\n')
    (tmp_path / 'dfs').symlink_to(tmp_path / 'mnt')
    (tmp_path / 'nodes').symlink_to(tmp_path / 'dfs' / '.ctdb' / 'nodes')
    _files.write_file(str(tmp_path / 'nodes'), 'new\n')
    assert (tmp_path / 'mnt' / '.ctdb' / 'nodes').read_text() == 'new\n'


def test_a_chain_inside_the_links_directory_is_followed(tmp_path):
    dfs = tmp_path / 'dfs'
    (dfs / 'real').mkdir(parents=True)
    (dfs / 'real' / 'nodes').write_text('old\n')
    (dfs / 'nodes').symlink_to('real/nodes')
    (tmp_path / 'nodes').symlink_to(dfs / 'nodes')
    _files.write_file(str(tmp_path / 'nodes'), 'new\n')
    assert (dfs / 'real' / 'nodes').read_text() == 'new\n'


def _dangling(tmp_path):
    (tmp_path / 'dfs').mkdir()
    (tmp_path / 'nodes').symlink_to(tmp_path / 'dfs' / 'nodes')
    return ('%s/nodes is a link to %s/dfs/nodes, which does not exist: refusing to create a file through a dangling '
            'link (mount the distributed filesystem, put the shared copy there, or remove the link)' % (tmp_path, tmp_path))


def _chain_out(tmp_path):
    # the shared copy is itself a link to a file outside the shared directory (issue 10.1)
    (tmp_path / 'dfs').mkdir()
    (tmp_path / 'outside').write_text('root owned\n')
    (tmp_path / 'dfs' / 'nodes').symlink_to(tmp_path / 'outside')
    (tmp_path / 'nodes').symlink_to(tmp_path / 'dfs' / 'nodes')
    return ('%s/nodes is a link whose chain leads out of %s/dfs (to %s/outside): refusing to write there; make '
            '%s/dfs/nodes a regular file inside %s/dfs' % ((tmp_path,) * 5))


def _dangling_chain(tmp_path):
    (tmp_path / 'dfs').mkdir()
    (tmp_path / 'dfs' / 'nodes').symlink_to('/nonexistent/ctdb-test/nodes')
    (tmp_path / 'nodes').symlink_to(tmp_path / 'dfs' / 'nodes')
    return ('%s/nodes is a link to %s/dfs/nodes, which does not exist: refusing to create a file through a dangling '
            'link (mount the distributed filesystem, put the shared copy there, or remove the link)' % (tmp_path, tmp_path))


def _link_to_dir(tmp_path):
    (tmp_path / 'dfs' / 'nodes').mkdir(parents=True)
    (tmp_path / 'nodes').symlink_to(tmp_path / 'dfs' / 'nodes')
    return ('%s/nodes is a link to %s/dfs/nodes, which is not a regular file: refusing to write through it'
            % (tmp_path, tmp_path))


def _swapped_dir(tmp_path):
    # whoever can write <dfs> replaces the shared directory by a link to /etc-like ground
    (tmp_path / 'etc').mkdir()
    (tmp_path / 'etc' / 'nodes').write_text('root owned\n')
    (tmp_path / 'dfs').symlink_to(tmp_path / 'etc')
    (tmp_path / 'nodes').symlink_to(tmp_path / 'dfs' / 'nodes')
    return ('%s/nodes is a link into %s/dfs, which is itself a link (to %s/etc): refusing to write there; link to the '
            'real directory instead' % (tmp_path, tmp_path, tmp_path))


@pytest.mark.parametrize('setup', [_dangling, _chain_out, _dangling_chain, _link_to_dir, _swapped_dir])
def test_writes_through_a_bad_link_are_refused_and_change_nothing(tmp_path, setup):
    message = setup(tmp_path)
    before = tree_bytes(tmp_path)
    for check_mode in (True, False):
        with pytest.raises(CtdbError) as failure:
            _files.write_file(str(tmp_path / 'nodes'), 'x\n', check_mode=check_mode)
        assert failure.value.msg == message
        assert failure.value.data == {'path': str(tmp_path / 'nodes')}
    assert tree_bytes(tmp_path) == before
    assert not os.path.exists('/nonexistent/ctdb-test')


@pytest.mark.parametrize('setup', [_chain_out, _swapped_dir])
def test_reads_through_a_chain_leading_out_are_refused(tmp_path, setup):
    # else the error message or the diff shows a line of whatever file the chain was aimed at
    message = setup(tmp_path).replace('refusing to write there', 'refusing to read there')
    with pytest.raises(CtdbError) as failure:
        _files.read_file(str(tmp_path / 'nodes'))
    assert failure.value.msg == message


def test_a_dangling_link_reads_as_missing(tmp_path):
    _dangling(tmp_path)
    assert _files.read_file(str(tmp_path / 'nodes')) is None
    with pytest.raises(CtdbError) as failure:
        _files.read_file(str(tmp_path / 'nodes'), missing_ok=False)
    assert failure.value.msg == '%s/nodes does not exist: create it first or give the right path' % tmp_path


@pytest.mark.parametrize('setup, message', [
    (lambda p: p.mkdir(), 'is a directory, not a file: give the path of the file itself'),
    (lambda p: p.write_bytes(b'\xff\xfe10.0.0.1\n'), 'is not UTF-8 text (byte 0): fix or replace the file'),
])
def test_unreadable_content_fails_with_the_path_and_changes_nothing(tmp_path, setup, message):
    target = tmp_path / 'nodes'
    setup(target)
    before = tree_bytes(tmp_path)
    with pytest.raises(CtdbError) as failure:
        _files.write_file(str(target), 'x\n')
    assert failure.value.msg == '%s %s' % (target, message)
    assert tree_bytes(tmp_path) == before


def test_missing_file_when_required(tmp_path):
    with pytest.raises(CtdbError) as failure:
        _files.read_file(str(tmp_path / 'absent'), missing_ok=False)
    assert failure.value.msg == '%s/absent does not exist: create it first or give the right path' % tmp_path
    assert _files.read_file(str(tmp_path / 'absent')) is None


@pytest.mark.parametrize('check_mode', [False, True])
def test_missing_directory_fails_cleanly(tmp_path, check_mode):
    # Check mode refuses what the real run refuses, rather than predicting a change.
    with pytest.raises(CtdbError) as failure:
        _files.write_file(str(tmp_path / 'nowhere' / 'nodes'), 'x\n', check_mode=check_mode)
    assert failure.value.msg == 'cannot write %s/nowhere/nodes: directory %s/nowhere does not exist' % (tmp_path, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_observe_every_kind(tmp_path):
    (tmp_path / 'file').write_text('x')
    os.chmod(str(tmp_path / 'file'), 0o750)
    (tmp_path / 'dir').mkdir()
    (tmp_path / 'link').symlink_to('file')
    (tmp_path / 'dangling').symlink_to('gone')
    seen = _files.observe_dir(str(tmp_path))
    assert sorted(seen) == ['dangling', 'dir', 'file', 'link']
    assert seen['file']['type'] == 'file' and seen['file']['mode'] == 0o750 and seen['file']['executable'] is True
    assert seen['dir']['type'] == 'dir'
    assert (seen['link']['type'], seen['link']['link'], seen['link']['target_type']) == ('link', 'file', 'file')
    assert seen['link']['realpath'] == str(tmp_path / 'file') and seen['link']['mode'] == 0o750
    assert (seen['dangling']['target_type'], seen['dangling']['executable'], seen['dangling']['mode']) == \
        ('missing', False, None)
    assert _files.observe(str(tmp_path / 'none'))['type'] == 'missing'
    assert _files.observe_dir(str(tmp_path / 'none')) == {}


def test_link_replaces_atomically_and_unlink(tmp_path):
    path = str(tmp_path / 'nodes')
    (tmp_path / 'nodes').write_text('local\n')
    _files.link('/somewhere/nodes', path)
    assert os.readlink(path) == '/somewhere/nodes'
    _files.link('/elsewhere/nodes', path)
    assert os.readlink(path) == '/elsewhere/nodes'
    assert os.listdir(str(tmp_path)) == ['nodes']
    _files.unlink(path)
    assert os.listdir(str(tmp_path)) == []


def test_set_exec(tmp_path):
    path = tmp_path / '02.local.script'
    path.write_text('#!/bin/sh\n')
    os.chmod(str(path), 0o644)
    assert _files.set_exec(str(path), True) is True and path.stat().st_mode & 0o777 == 0o755
    assert _files.set_exec(str(path), True) is False
    assert _files.set_exec(str(path), False) is True and path.stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize('make', ['file', 'link', 'missing'])
def test_snapshot_and_restore_put_back_what_was_there(tmp_path, make):
    path = tmp_path / 'nodes'
    if make == 'file':
        path.write_bytes(b'10.0.0.1\n')
        os.chmod(str(path), 0o600)
    elif make == 'link':
        path.symlink_to('/old/nodes')
    before = tree_bytes(tmp_path)
    snap = _files.snapshot(str(path))
    _files.link('/dangling/nodes', str(path))
    assert tree_bytes(tmp_path) != before
    _files.restore(snap)
    assert tree_bytes(tmp_path) == before


def test_scratch_dir_holds_files_and_links_and_goes_away(tmp_path):
    (tmp_path / 'script').write_text('#!/bin/sh\n')
    with reference.scratch_dir(parent=str(tmp_path), prefix='ctdb_conf.', files={'ctdb.conf': '[logging]\n'},
                               links={'script': str(tmp_path / 'script')}) as scratch:
        assert os.path.basename(scratch).startswith('ctdb_conf.')
        assert open(os.path.join(scratch, 'ctdb.conf')).read() == '[logging]\n'
        assert os.readlink(os.path.join(scratch, 'script')) == str(tmp_path / 'script')
    assert not os.path.exists(scratch)


def _immutable(path, on):
    return subprocess.run(['chattr', '+i' if on else '-i', str(path)], capture_output=True, check=False).returncode == 0


def test_undo_puts_back_what_a_failed_run_changed(tmp_path):
    # a real failure: renaming a link over an immutable file is refused even to root
    (tmp_path / 'nodes').write_text('10.0.0.1\n')
    (tmp_path / 'public_addresses').write_text('10.0.1.1/24 eth1\n')
    (tmp_path / 'old').symlink_to('/old/target')
    if not _immutable(tmp_path / 'public_addresses', True):
        pytest.skip('chattr +i is not permitted here')
    try:
        before = tree_bytes(tmp_path)
        undo = _files.Undo()
        with pytest.raises(OSError):
            for name in ('nodes', 'old', 'new', 'public_addresses'):
                undo.save(str(tmp_path / name))
                if name == 'nodes':
                    undo.made(_files.backup(str(tmp_path / name)))
                _files.link('/dfs/.ctdb/' + name, str(tmp_path / name))
        assert os.readlink(str(tmp_path / 'nodes')) == '/dfs/.ctdb/nodes'
        assert undo.rollback() == []
        assert tree_bytes(tmp_path) == before
    finally:
        _immutable(tmp_path / 'public_addresses', False)


# SELinux: this machine has none, so the calls go to a fake behind the seam (_files.SELinux's methods).
OLD_CONTEXT = 'system_u:object_r:ctdb_etc_t:s0'
DIR_CONTEXT = 'unconfined_u:object_r:user_tmp_t:s0'
POLICY_CONTEXT = 'system_u:object_r:etc_t:s0'


class FakeSELinux:
    """Contexts by path: a file it was not told about has its directory's (DIR_CONTEXT), as the kernel labels
    a new file; each set is recorded with what was on disk at that moment."""

    def __init__(self, enabled=True, contexts=None, fail_set=False):
        self.enabled, self.contexts, self.fail_set = enabled, dict(contexts or {}), fail_set
        self.calls, self.sets = [], []

    def is_enabled(self):
        self.calls.append(('is_enabled',))
        return self.enabled

    def get_context(self, path):
        self.calls.append(('get_context', path))
        return self.contexts.get(path, DIR_CONTEXT)

    def default_context(self, path, mode):
        self.calls.append(('default_context', path, mode))
        return POLICY_CONTEXT

    def set_context(self, path, context):
        self.calls.append(('set_context', path, context))
        if self.fail_set:
            raise OSError(22, 'Invalid argument')
        with open(path, 'rb') as handle:
            data = handle.read()
        self.sets.append({'path': path, 'context': context, 'data': data, 'mode': os.stat(path).st_mode & 0o7777})
        self.contexts[path] = context


def test_a_replaced_file_keeps_its_selinux_context_set_before_the_rename(tmp_path):
    target = tmp_path / 'nodes'
    target.write_text('old\n')
    os.chmod(str(target), 0o640)
    selinux = FakeSELinux(contexts={str(target): OLD_CONTEXT})
    _files.atomic_write(str(target), b'new\n', selinux=selinux)
    assert len(selinux.sets) == 1, selinux.calls
    done = selinux.sets[0]
    # on the private temporary file beside the target, already holding the new bytes and the mode
    assert os.path.dirname(done['path']) == str(tmp_path) and done['path'] != str(target)
    assert done == {'path': done['path'], 'context': OLD_CONTEXT, 'data': b'new\n', 'mode': 0o640}
    assert target.read_text() == 'new\n' and target.stat().st_mode & 0o7777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ['nodes']


def test_a_new_file_gets_the_policy_default_context(tmp_path):
    target = tmp_path / 'public_addresses'
    selinux = FakeSELinux()
    _files.atomic_write(str(target), b'x\n', selinux=selinux)
    assert ('default_context', str(target), 0o100644) in selinux.calls
    assert [done['context'] for done in selinux.sets] == [POLICY_CONTEXT]


def test_a_temporary_file_with_the_right_context_is_not_relabelled(tmp_path):
    target = tmp_path / 'nodes'
    target.write_text('old\n')
    selinux = FakeSELinux(contexts={str(target): DIR_CONTEXT})
    _files.atomic_write(str(target), b'new\n', selinux=selinux)
    assert selinux.sets == [] and target.read_text() == 'new\n'


def test_without_selinux_no_context_is_read_or_set(tmp_path):
    target = tmp_path / 'nodes'
    target.write_text('old\n')
    selinux = FakeSELinux(enabled=False)
    _files.atomic_write(str(target), b'new\n', selinux=selinux)
    assert selinux.calls == [('is_enabled',)] and target.read_text() == 'new\n'


def test_write_file_keeps_the_context_through_the_host_default(tmp_path, monkeypatch):
    target = tmp_path / 'ctdb.conf'
    target.write_text('[logging]\n')
    selinux = FakeSELinux(contexts={str(target): OLD_CONTEXT})
    monkeypatch.setattr(_files, 'default_selinux', lambda: selinux)
    assert _files.write_file(str(target), '[cluster]\n')['changed'] is True
    assert [done['context'] for done in selinux.sets] == [OLD_CONTEXT]


def test_a_context_that_cannot_be_set_fails_and_changes_nothing(tmp_path, monkeypatch):
    target = tmp_path / 'nodes'
    target.write_text('old\n')
    before = tree_bytes(tmp_path)
    failing = FakeSELinux(contexts={str(target): OLD_CONTEXT}, fail_set=True)
    monkeypatch.setattr(_files, 'default_selinux', lambda: failing)
    with pytest.raises(CtdbError) as exc:
        _files.write_file(str(target), 'new\n')
    assert exc.value.msg == 'cannot write %s: [Errno 22] Invalid argument' % target
    assert tree_bytes(tmp_path) == before  # the temporary file is gone too


class FakeLibselinux:
    """libselinux's calls as ansible-core's wrapper (ansible.module_utils.compat.selinux) presents them."""

    def __init__(self, enabled=1, getfilecon=None, matchpathcon=None, setfilecon=0):
        self.enabled, self.getfilecon, self.match, self.setfilecon = enabled, getfilecon, matchpathcon, setfilecon
        self.set = []

    def is_selinux_enabled(self):
        return self.enabled

    def lgetfilecon_raw(self, path):
        if isinstance(self.getfilecon, OSError):
            raise self.getfilecon
        return self.getfilecon

    def matchpathcon(self, path, mode):
        if isinstance(self.match, OSError):
            raise self.match
        return self.match

    def lsetfilecon(self, path, context):
        self.set.append((path, context))
        return self.setfilecon


def test_selinux_seam_calls_libselinux():
    lib = FakeLibselinux(getfilecon=[31, OLD_CONTEXT], matchpathcon=[0, POLICY_CONTEXT])
    selinux = _files.SELinux(lib)
    assert selinux.is_enabled() is True
    assert selinux.get_context('/etc/ctdb/nodes') == OLD_CONTEXT
    assert selinux.default_context('/etc/ctdb/nodes', 0o100644) == POLICY_CONTEXT
    selinux.set_context('/etc/ctdb/.nodes.x.tmp', OLD_CONTEXT)
    assert lib.set == [(b'/etc/ctdb/.nodes.x.tmp', OLD_CONTEXT.encode())]
    assert _files.SELinux(FakeLibselinux(enabled=0)).is_enabled() is False


def test_selinux_seam_without_a_context_and_on_failures():
    assert _files.SELinux(FakeLibselinux(getfilecon=OSError(61, 'No data available'))).get_context('/x') is None
    with pytest.raises(OSError):
        _files.SELinux(FakeLibselinux(getfilecon=OSError(13, 'Permission denied'))).get_context('/x')
    # no default in the policy for the path: the kernel's label stays
    assert _files.SELinux(FakeLibselinux(matchpathcon=OSError(2, 'No such file'))).default_context('/x', 0) is None
    assert _files.SELinux(FakeLibselinux(matchpathcon=[-1, None])).default_context('/x', 0) is None
    with pytest.raises(OSError):
        _files.SELinux(FakeLibselinux(setfilecon=-1)).set_context('/x', OLD_CONTEXT)


def test_the_host_default_is_the_library_ansible_uses_and_reads_no_context_when_disabled(tmp_path):
    # this machine has libselinux but no SELinux: the default seam loads it and says it is off
    selinux = _files.default_selinux()
    assert selinux is _files.default_selinux()
    try:
        from ansible.module_utils.compat import selinux as wrapper
    except ImportError:
        wrapper = None
    if wrapper is not None:
        assert selinux.lib is wrapper
    assert selinux.is_enabled() is bool(wrapper is not None and wrapper.is_selinux_enabled() == 1)
