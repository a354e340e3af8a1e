# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_files: the one writer, with a real AnsibleModule on a real temporary directory."""
import json
import os

import pytest

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ctdb.cluster.plugins.module_utils import _files


class Failed(Exception):
    pass


def make_module(tmp_path, check_mode=False, **params):
    args = dict(params, _ansible_check_mode=check_mode, _ansible_tmpdir=str(tmp_path / 'moduletmp'))
    os.makedirs(args['_ansible_tmpdir'], exist_ok=True)
    with patch_module_args(args):
        module = AnsibleModule(argument_spec=dict(path=dict(type='path'), backup=dict(type='bool', default=False)),
                               supports_check_mode=True)

    def fail_json(**kwargs):
        raise Failed(kwargs['msg'])
    module.fail_json = fail_json
    return module


def test_creates_a_missing_file_and_reports_the_diff(tmp_path):
    target = tmp_path / 'nodes'
    result = _files.write_text(make_module(tmp_path), str(target), '10.0.0.1\n')
    assert result['changed'] is True
    assert target.read_text() == '10.0.0.1\n'
    assert result['diff']['before'] == '' and result['diff']['after'] == '10.0.0.1\n'
    assert result['diff']['before_header'].endswith('(absent)')


def test_same_content_is_not_a_change(tmp_path):
    target = tmp_path / 'nodes'
    target.write_text('10.0.0.1\n')
    mtime = target.stat().st_mtime_ns
    result = _files.write_text(make_module(tmp_path), str(target), '10.0.0.1\n')
    assert result['changed'] is False
    assert target.stat().st_mtime_ns == mtime


def test_check_mode_predicts_the_change_and_writes_nothing(tmp_path):
    target = tmp_path / 'nodes'
    target.write_text('10.0.0.1\n')
    result = _files.write_text(make_module(tmp_path, check_mode=True), str(target), '10.0.0.2\n')
    assert result['changed'] is True
    assert target.read_text() == '10.0.0.1\n'
    assert result['diff']['after'] == '10.0.0.2\n'


def test_backup_keeps_the_old_content(tmp_path):
    target = tmp_path / 'nodes'
    target.write_text('old\n')
    result = _files.write_text(make_module(tmp_path), str(target), 'new\n', backup=True)
    assert open(result['backup_file']).read() == 'old\n'
    assert target.read_text() == 'new\n'


def test_keeps_the_mode_of_an_existing_file(tmp_path):
    target = tmp_path / 'etcd'
    target.write_text('old\n')
    os.chmod(str(target), 0o600)
    _files.write_text(make_module(tmp_path), str(target), 'new\n')
    assert target.stat().st_mode & 0o777 == 0o600


def test_a_symlink_stays_a_link_and_its_target_is_written(tmp_path):
    shared = tmp_path / 'dfs' / 'nodes'
    shared.parent.mkdir()
    shared.write_text('old\n')
    link = tmp_path / 'nodes'
    link.symlink_to(shared)
    _files.write_text(make_module(tmp_path), str(link), 'new\n')
    assert link.is_symlink()
    assert shared.read_text() == 'new\n'


@pytest.mark.parametrize('setup, message', [
    (lambda p: p.mkdir(), 'is a directory, not a file: give the path of the file itself'),
    (lambda p: p.write_bytes(b'\xff\xfe10.0.0.1\n'), 'is not UTF-8 text (byte 0): fix or replace the file'),
])
def test_unreadable_content_fails_with_the_path_and_changes_nothing(tmp_path, setup, message):
    target = tmp_path / 'nodes'
    setup(target)
    module = make_module(tmp_path)
    before = sorted(os.listdir(str(tmp_path)))
    with pytest.raises(Failed) as failure:
        _files.write_text(module, str(target), 'x\n')
    assert str(failure.value) == '%s %s' % (target, message)
    assert sorted(os.listdir(str(tmp_path))) == before


def test_missing_file_when_required(tmp_path):
    with pytest.raises(Failed, match='does not exist: create it first or give the right path'):
        _files.read_text(make_module(tmp_path), str(tmp_path / 'absent'), missing_ok=False)
    assert _files.read_text(make_module(tmp_path), str(tmp_path / 'absent')) is None


def test_missing_directory_fails_cleanly(tmp_path):
    with pytest.raises(Failed, match=r'directory .*/nowhere does not exist'):
        _files.write_text(make_module(tmp_path), str(tmp_path / 'nowhere' / 'nodes'), 'x\n')
    assert not json.dumps(os.listdir(str(tmp_path))).count('nowhere')
