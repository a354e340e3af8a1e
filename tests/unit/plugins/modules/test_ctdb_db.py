# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb_db with ctdb scripted (real 4.17 outputs) and a small model of backupdb/dumpdbbackup/restoredb: what it
reports, the files a backup writes and removes, check mode, and every refusal of a restore before restoredb runs."""
import hashlib
import os

import pytest

from ansible_collections.ctdb.cluster.plugins.modules import ctdb_db
from ansible_collections.ctdb.cluster.tests.unit.plugins.modules.utils import (
    SAMPLES, UNEXPECTED, ExitJson, FailJson, real,
)

MODULE = ctdb_db
HEALTHY = open(os.path.join(SAMPLES, 'status', 'ctdb.status.001_1_text', 'output.txt')).read()
BACKUP_BYTES = b'backup of %s'


@pytest.fixture
def cluster(ctdb):
    """The real 4.17 map, status HEALTHY, backupdb writing BACKUP_BYTES and dumpdbbackup reading it back."""
    ctdb.default = UNEXPECTED
    ctdb.answer('-X getdbmap', real('X_getdbmap.txt'))
    ctdb.answer('status', HEALTHY)
    ctdb.answer('getdbseqnum test_p.tdb', '0x5\n')

    def backupdb(words):
        name, path = words[1], words[2]
        with open(path, 'wb') as handle:
            handle.write(BACKUP_BYTES % name.encode())
        return 0, 'Database backed up to %s\n' % path, ''

    def dumpdbbackup(words):
        with open(words[1], 'rb') as handle:
            data = handle.read()
        if not data.startswith(b'backup of '):
            return 22, '', 'Wrong version of backup file, expected 3, got 1\n'
        return 0, ('Dumping database %s from backup @ 2026/12/07 16:28:30\nkey(2) = "k1"\nDumped 1 record(s)\n'
                   % data[len(b'backup of '):].decode()), ''

    real_run = ctdb.run_command

    def run_command(module, argv, environ_update=None, **kwargs):
        words = [str(word) for word in argv[1:] if not str(word).startswith('--timelimit')]
        if words and words[0] in ('backupdb', 'dumpdbbackup', 'restoredb'):
            ctdb.calls.append((list(argv), dict(environ_update or {})))
            if words[0] == 'restoredb':
                return 0, 'Database %s restored\n' % words[2], ''
            return {'backupdb': backupdb, 'dumpdbbackup': dumpdbbackup}[words[0]](words)
        return real_run(module, argv, environ_update=environ_update, **kwargs)

    ctdb.run_command = run_command
    return ctdb


def test_report_every_database(cluster, run_module, tmp_path):
    # the real map, with its paths moved under tmp_path: test_p.tdb's file exists there, the others do not
    cluster.answer('-X getdbmap', real('X_getdbmap.txt').replace('/work/wt-db/.sandbox/db/node0', str(tmp_path)))
    (tmp_path / 'db' / 'persistent').mkdir(parents=True)
    (tmp_path / 'db' / 'persistent' / 'test_p.tdb.0').write_bytes(b'x' * 8192)
    for name in ('nosuch.tdb', 'g_lock.tdb', 'test_r.tdb', 'test_p.tdb'):
        cluster.answer('getdbstatus %s' % name, real('getdbstatus_persistent.txt').replace('test_p.tdb', name))
    cluster.answer('getdbstatus g_lock.tdb', real('getdbstatus_persistent.txt').replace('HEALTH: OK', 'HEALTH: BAD'))
    cluster.answer('getdbseqnum nosuch.tdb', '0x0\n')
    result = run_module({}, expect=ExitJson)
    assert result['changed'] is False
    assert [(db['name'], db['kind'], db['seqnum'], db['healthy']) for db in result['databases']] == [
        ('nosuch.tdb', 'persistent', 0, True), ('g_lock.tdb', 'volatile', None, False),
        ('test_r.tdb', 'replicated', None, True), ('test_p.tdb', 'persistent', 5, True)]
    assert result['unhealthy'] == ['g_lock.tdb'] and result['databases'][1]['health'] == 'BAD'
    assert [db['size'] for db in result['databases']] == [None, None, None, 8192]
    assert result['databases'][3]['path'] == str(tmp_path / 'db' / 'persistent' / 'test_p.tdb.0')
    assert result['raw']['getdbmap'].startswith('|ID|Name|Path|')


def test_report_names_and_an_unknown_name(cluster, run_module):
    cluster.answer('getdbstatus test_p.tdb', real('getdbstatus_persistent.txt'))
    result = run_module({'names': ['test_p.tdb']}, expect=ExitJson)
    assert [db['name'] for db in result['databases']] == ['test_p.tdb']
    result = run_module({'names': ['x.tdb']}, expect=FailJson)
    assert result['msg'] == ('database x.tdb is not attached on this node: name one ctdb getdbmap shows '
                             '(nosuch.tdb, g_lock.tdb, test_r.tdb, test_p.tdb)')


def backup_args(tmp_path, **more):
    return dict({'state': 'backed_up', 'backup_dir': str(tmp_path / 'backups')}, **more)


def test_backup_writes_checksummed_files_and_keeps_retention(cluster, run_module, tmp_path):
    directory = tmp_path / 'backups'
    directory.mkdir()
    old = ['test_p.tdb.20261101T000000Z.backup', 'test_p.tdb.20261102T000000Z.backup']
    for name in old:
        (directory / name).write_bytes(b'old')
        (directory / (name + '.sha256')).write_text('x')
    (directory / 'keep.txt').write_text('not a backup')
    result = run_module(backup_args(tmp_path, retention=2), expect=ExitJson)
    assert result['changed'] is True and result['problems'] == []
    assert [item['name'] for item in result['files']] == ['nosuch.tdb', 'test_p.tdb']
    for item in result['files']:
        data = open(item['file'], 'rb').read()
        assert data == BACKUP_BYTES % item['name'].encode() and item['records'] == 1
        assert item['sha256'] == hashlib.sha256(data).hexdigest() and item['size'] == len(data)
        assert open(item['checksum_file']).read() == '%s  %s\n' % (item['sha256'], os.path.basename(item['file']))
        assert oct(os.stat(item['checksum_file']).st_mode & 0o777) == '0o600'
    assert result['removed'] == [str(directory / old[0]), str(directory / (old[0] + '.sha256'))]
    written = [os.path.basename(item[key]) for item in result['files'] for key in ('file', 'checksum_file')]
    assert sorted(os.listdir(str(directory))) == sorted([old[1], old[1] + '.sha256', 'keep.txt'] + written)


def test_backup_check_mode_writes_nothing(cluster, run_module, tmp_path):
    result = run_module(backup_args(tmp_path, names=['test_p.tdb']), check=True, expect=ExitJson)
    assert result['changed'] is True and result['removed'] == []
    item, = result['files']
    assert item['file'].startswith(str(tmp_path / 'backups' / 'test_p.tdb.')) and item['sha256'] is None
    assert not (tmp_path / 'backups').exists()
    assert not [words for words in cluster.commands() if words[0] == 'backupdb']


def test_backup_creates_the_directory_0700(cluster, run_module, tmp_path):
    run_module(backup_args(tmp_path, backup_dir=str(tmp_path / 'a' / 'b'), names=['test_p.tdb']), expect=ExitJson)
    assert oct(os.stat(str(tmp_path / 'a' / 'b')).st_mode & 0o777) == '0o700'


def test_backup_refused_when_unhealthy_unless_forced(cluster, run_module, tmp_path):
    cluster.answer('status', real('status_node1_stopped.txt').replace('STOPPED|INACTIVE', 'BANNED|INACTIVE'))
    result = run_module(backup_args(tmp_path), expect=FailJson)
    assert result['msg'] == ('the cluster is not healthy, so nothing was backed up: node 1 (127.0.26.2) is '
                             'BANNED|INACTIVE; fix it first, or back up anyway with force=true')
    assert not (tmp_path / 'backups').exists()
    result = run_module(backup_args(tmp_path, force=True), expect=ExitJson)
    assert result['changed'] is True and result['problems'] == ['node 1 (127.0.26.2) is BANNED|INACTIVE']
    assert result.warnings == ['backed up although node 1 (127.0.26.2) is BANNED|INACTIVE (force=true)']


def test_a_node_an_administrator_stopped_does_not_hold_a_backup_back(cluster, run_module, tmp_path):
    # maintenance or a rolling restart: the other nodes hold every persistent record
    cluster.answer('status', real('status_node1_stopped.txt'))
    result = run_module(backup_args(tmp_path), expect=ExitJson)
    assert result['changed'] is True and result['problems'] == [] and not result.warnings


def test_backup_refuses_a_volatile_name(cluster, run_module, tmp_path):
    result = run_module(backup_args(tmp_path, names=['g_lock.tdb']), expect=FailJson)
    assert result['msg'].startswith('database g_lock.tdb is volatile, not persistent')


def make_backup(tmp_path, name='test_p.tdb', data=None, checksum=True):
    path = tmp_path / ('%s.20261207T000000Z.backup' % name)
    data = BACKUP_BYTES % name.encode() if data is None else data
    path.write_bytes(data)
    if checksum:
        (tmp_path / (path.name + '.sha256')).write_text('%s  %s\n' % (hashlib.sha256(data).hexdigest(), path.name))
    return str(path)


def restore_args(path, **more):
    return dict({'state': 'restored', 'name': 'test_p.tdb', 'backup_file': path}, **more)


def restored(cluster):
    return [words for words in cluster.commands() if words[0] == 'restoredb']


@pytest.mark.parametrize('check', [False, True])
def test_restore(cluster, run_module, tmp_path, check):
    path = make_backup(tmp_path)
    result = run_module(restore_args(path), check=check, expect=ExitJson)
    assert result['changed'] is True and result['records'] == 1 and result['seqnum'] == 5
    assert result['backup_time'] == '2026/12/07 16:28:30'
    assert restored(cluster) == ([] if check else [['restoredb', path, 'test_p.tdb']])


def test_restore_refusals(cluster, run_module, tmp_path):
    path = make_backup(tmp_path)
    with open(path, 'ab') as handle:
        handle.write(b'!')
    result = run_module(restore_args(path), expect=FailJson)
    assert result['msg'].startswith('%s is damaged: its SHA-256 is ' % path)
    assert result['msg'].endswith('; nothing was restored: restore another backup')

    foreign = make_backup(tmp_path, name='other', data=b'hello\n')
    assert run_module(restore_args(foreign), expect=FailJson)['msg'] == (
        '%s is not a ctdb backup this ctdb can read (ctdb dumpdbbackup: Wrong version of backup file, expected 3, '
        'got 1): give a file ctdb backupdb or ctdb_db state=backed_up wrote; nothing was restored' % foreign)

    of_another = make_backup(tmp_path, name='nosuch.tdb')
    assert run_module(restore_args(of_another), expect=FailJson)['msg'] == (
        '%s is a backup of database nosuch.tdb, not of test_p.tdb: give a backup of test_p.tdb, or name=nosuch.tdb; '
        'nothing was restored' % of_another)

    no_sum = make_backup(tmp_path, name='x', data=BACKUP_BYTES % b'test_p.tdb', checksum=False)
    assert run_module(restore_args(no_sum), expect=FailJson)['msg'] == (
        '%s has no checksum file %s.sha256 beside it, so nothing was restored: restore a file ctdb_db backed up, '
        'or set require_checksum=false' % (no_sum, no_sum))
    assert run_module(restore_args(no_sum, require_checksum=False), expect=ExitJson)['changed'] is True
    assert len(restored(cluster)) == 1
    del cluster.calls[:]

    assert run_module(restore_args(path, name='test_r.tdb'), expect=FailJson)['msg'].startswith(
        'database test_r.tdb is replicated, not persistent')
    cluster.answer('status', real('status_node1_stopped.txt'))
    assert run_module(restore_args(make_backup(tmp_path)), expect=FailJson)['msg'] == (
        'the cluster is not healthy, so test_p.tdb was not restored: node 1 (127.0.26.2) is STOPPED|INACTIVE; '
        'restore once every node is OK')
    assert restored(cluster) == []


@pytest.mark.parametrize('args, msg', [
    ({'state': 'backed_up', 'backup_dir': 'rel'}, 'backup_dir=rel is not an absolute path: give the directory as '
                                                  '/var/backups/ctdb'),
    ({'state': 'backed_up', 'backup_dir': '/b', 'retention': 0}, 'retention=0: keep at least 1 backup per database'),
    ({'state': 'restored', 'name': 'a.tdb', 'backup_file': '/b', 'force': True},
     'force applies to state=backed_up only, not to state=restored: leave it out (a restore is never forced)'),
    ({'backup_dir': '/b'}, 'backup_dir applies to state=backed_up only, not to no state: leave it out'),
    ({'state': 'restored', 'name': 'a/b', 'backup_file': '/b'},
     "name='a/b' is not a database name (it has '/'): give one as ctdb getdbmap shows it, such as secrets.tdb"),
    ({'state': 'restored', 'name': 'a.tdb', 'backup_file': 'b'},
     'backup_file=b is not an absolute path: give the file as backup_dir/NAME.STAMP.backup'),
])
def test_bad_args_refused_before_ctdb_runs(ctdb, run_module, args, msg):
    ctdb.default = UNEXPECTED
    assert run_module(args, expect=FailJson)['msg'] == msg
    assert ctdb.calls == []


def test_a_failed_backupdb_leaves_no_partial_file_and_removes_nothing(cluster, run_module, tmp_path):
    directory = tmp_path / 'backups'
    directory.mkdir()
    old = 'test_p.tdb.20261101T000000Z.backup'
    (directory / old).write_bytes(b'old')
    real_run = cluster.run_command

    def failing(module, argv, environ_update=None, **kwargs):
        if 'backupdb' in argv and 'test_p.tdb' in argv:
            cluster.calls.append((list(argv), dict(environ_update or {})))
            return 1, '', 'Failed to backup database\n'
        return real_run(module, argv, environ_update=environ_update, **kwargs)

    cluster.run_command = failing
    result = run_module(backup_args(tmp_path, retention=1), expect=FailJson)
    assert result['msg'].startswith('ctdb backupdb test_p.tdb %s/.test_p.tdb.' % directory)
    assert 'Failed to backup database; written before it: %s/nosuch.tdb.' % directory in result['msg']
    assert result['msg'].endswith('; nothing was removed') and result['changed'] is True
    assert [item['name'] for item in result['files']] == ['nosuch.tdb']
    assert sorted(name for name in os.listdir(str(directory)) if name.startswith(('.', 'test_p'))) == [old]
