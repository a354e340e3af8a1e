# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdb.cluster.ctdb_db on the real 3-node sandbox, through ansible-playbook: a persistent database attached with
ctdb attach, backed up, changed with pstore/pdelete, restored, the old values read back on every node; a damaged
backup, a foreign file, a backup of another database and an unhealthy cluster refused with nothing changed;
retention removing the oldest; check mode writing and restoring nothing. Each test has a database of its own, so
the tests run in any order."""
import hashlib
import os
import subprocess
import time

import pytest

from day2_helpers import restore, run_steps

DB = 'ctdb.cluster.ctdb_db'


def attach(sandbox, name, records):
    """Attach ``name`` as a persistent database and store ``records`` (key -> value) in it."""
    result = sandbox.ctdb(0, 'attach', name, 'persistent')
    assert result.returncode == 0, result
    for key, value in records.items():
        store(sandbox, name, key, value)


def store(sandbox, name, key, value):
    result = sandbox.ctdb(0, 'pstore', name, key, value)
    assert result.returncode == 0, result


def values(sandbox, name, keys):
    """{node index: {key: value or ''}} read with ctdb pfetch on every node's own CTDB_BASE."""
    found = {}
    for index in range(sandbox.nodes):
        found[index] = {}
        for key in keys:
            result = sandbox.ctdb(index, 'pfetch', name, key)
            assert result.returncode == 0, result
            found[index][key] = result.stdout.rstrip('\n')  # pfetch ends the value with a newline
    return found


def seqnums(sandbox, name):
    return [sandbox.ctdb(index, 'getdbseqnum', name).stdout.strip() for index in range(sandbox.nodes)]


def listing(directory):
    return sorted(os.listdir(str(directory))) if os.path.isdir(str(directory)) else None


@pytest.fixture(autouse=True)
def healthy(sandbox):
    restore(sandbox)


def test_report_backup_change_restore_on_every_node(sandbox, run_playbook, tmp_path):
    name = 'round_trip.tdb'
    attach(sandbox, name, {'k1': 'old', 'k0': 'deleted later'})
    backups = tmp_path / 'backups'
    run, (report, check, backed) = run_steps(run_playbook, 'node0', [
        (DB, {'names': [name]}, False),
        (DB, {'state': 'backed_up', 'names': [name], 'backup_dir': str(backups)}, True),
        (DB, {'state': 'backed_up', 'names': [name], 'backup_dir': str(backups)}, False),
    ])
    database, = report['databases']
    assert report['changed'] is False and report['unhealthy'] == []
    assert (database['kind'], database['health'], database['healthy']) == ('persistent', 'OK', True)
    assert database['seqnum'] == int(seqnums(sandbox, name)[0], 16) == 2
    assert database['path'].startswith(sandbox.node_base(0)) and database['size'] == os.path.getsize(database['path'])

    assert check['changed'] is True and check['files'][0]['sha256'] is None
    item, = backed['files']
    assert backed['changed'] is True and backed['removed'] == [] and item['records'] == 3  # 2 keys and the seqnum
    assert check['files'][0]['file'].split('.')[:2] == item['file'].split('.')[:2]
    assert listing(backups) == sorted([os.path.basename(item['file']), os.path.basename(item['checksum_file'])])
    assert oct(os.stat(str(backups)).st_mode & 0o777) == '0o700'
    checked = subprocess.run(['sha256sum', '-c', os.path.basename(item['checksum_file'])], cwd=str(backups),
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0 and checked.stdout.strip().endswith(': OK'), checked

    store(sandbox, name, 'k1', 'new')
    store(sandbox, name, 'k2', 'added')
    assert sandbox.ctdb(0, 'pdelete', name, 'k0').returncode == 0
    changed = values(sandbox, name, ['k0', 'k1', 'k2'])
    assert all(found == {'k0': '', 'k1': 'new', 'k2': 'added'} for found in changed.values()), changed

    run, (would, done) = run_steps(run_playbook, 'node1', [
        (DB, {'state': 'restored', 'name': name, 'backup_file': item['file']}, True),
        (DB, {'state': 'restored', 'name': name, 'backup_file': item['file']}, False),
    ])
    assert would['changed'] is True and not would.get('failed') and would['sha256'] == item['sha256']
    assert done['changed'] is True and not done.get('failed') and done['records'] == 3
    back = values(sandbox, name, ['k0', 'k1', 'k2'])
    assert all(found == {'k0': 'deleted later', 'k1': 'old', 'k2': ''} for found in back.values()), back


def test_damaged_foreign_other_and_unhealthy_refused(sandbox, run_playbook, tmp_path):
    name, other = 'refusals.tdb', 'refusals_other.tdb'
    attach(sandbox, name, {'k': 'kept'})
    attach(sandbox, other, {'k': 'other'})
    work = tmp_path / 'work'  # tmp_path also holds the playbook runs' files
    work.mkdir()
    backups = work / 'backups'
    run, (backed,) = run_steps(run_playbook, 'node0', [
        (DB, {'state': 'backed_up', 'names': [name, other], 'backup_dir': str(backups)}, False)])
    mine, others = backed['files']
    assert (mine['name'], others['name']) == (name, other)

    damaged = str(work / 'damaged.backup')
    data = bytearray(open(mine['file'], 'rb').read())
    data[-1] ^= 0xff  # one byte of the last record flipped: only the checksum has to see it
    open(damaged, 'wb').write(bytes(data))
    open(damaged + '.sha256', 'w').write(open(mine['checksum_file']).read())
    foreign = str(work / 'foreign.backup')
    open(foreign, 'w').write('not a ctdb backup\n')
    open(foreign + '.sha256', 'w').write('%s  foreign.backup\n' % hashlib.sha256(b'not a ctdb backup\n').hexdigest())
    before = (values(sandbox, name, ['k']), seqnums(sandbox, name), listing(work), listing(backups))

    steps = []
    for path in (damaged, foreign, others['file']):
        steps += [(DB, {'state': 'restored', 'name': name, 'backup_file': path}, check) for check in (True, False)]
    run, results = run_steps(run_playbook, 'node0', steps)
    for result in results:
        assert result.get('failed') is True and result['changed'] is False, result
    assert results[0]['msg'].startswith('%s is damaged: its SHA-256 is ' % damaged)
    assert results[0]['msg'].endswith('its checksum file records %s; nothing was restored: restore another backup'
                                      % mine['sha256'])
    assert results[2]['msg'].startswith('%s is not a ctdb backup this ctdb can read (ctdb dumpdbbackup: Wrong version '
                                        'of backup file' % foreign)
    assert results[4]['msg'] == ('%s is a backup of database %s, not of %s: give a backup of %s, or name=%s; nothing '
                                 'was restored' % (others['file'], other, name, name, other))
    assert [result['msg'] for result in results[::2]] == [result['msg'] for result in results[1::2]]

    assert sandbox.ctdb(0, '-n', 2, 'stop').returncode == 0
    deadline = time.monotonic() + 30
    while 'STOPPED' not in sandbox.status_text(0) and time.monotonic() < deadline:
        time.sleep(0.3)
    run, (unhealthy,) = run_steps(run_playbook, 'node0', [
        (DB, {'state': 'restored', 'name': name, 'backup_file': mine['file']}, False)])
    assert unhealthy.get('failed') is True and unhealthy['changed'] is False
    assert unhealthy['msg'].startswith('the cluster is not healthy, so %s was not restored: node 2 (%s) is STOPPED'
                                       % (name, sandbox.address(2)))
    restore(sandbox)
    assert (values(sandbox, name, ['k']), seqnums(sandbox, name), listing(work), listing(backups)) == before


def test_retention_removes_the_oldest_and_check_mode_writes_nothing(sandbox, run_playbook, tmp_path):
    name = 'retention.tdb'
    attach(sandbox, name, {'k': 'v'})
    backups = tmp_path / 'backups'
    args = {'state': 'backed_up', 'names': [name], 'backup_dir': str(backups), 'retention': 2}
    run, results = run_steps(run_playbook, 'node0', [(DB, args, False)] * 3 + [(DB, args, True)])
    first, second, third, check = results
    assert [result['changed'] for result in results] == [True] * 4
    assert first['removed'] == second['removed'] == []
    assert third['removed'] == [first['files'][0]['file'], first['files'][0]['checksum_file']]
    kept = [result['files'][0] for result in (second, third)]
    assert listing(backups) == sorted(os.path.basename(item[key]) for item in kept for key in ('file', 'checksum_file'))
    # check mode: would write a fourth and remove the second, but the directory is as the third run left it
    assert check['removed'] == [second['files'][0]['file'], second['files'][0]['checksum_file']]
    assert not os.path.exists(check['files'][0]['file'])
