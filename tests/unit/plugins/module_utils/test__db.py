# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Databases: getdbmap (text and -X), getdbstatus, getdbseqnum and dumpdbbackup on the Samba samples and the real
4.17 sandbox outputs; the backup plan (file names, retention), checksums, name checks."""
import os
from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.ctdb.cluster.plugins.module_utils import _db

FIXTURES = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures'))
SAMPLES = os.path.join(FIXTURES, 'ctdb-samples')
REAL = os.path.join(FIXTURES, 'sandbox-4.17')


def _read(*parts):
    with open(os.path.join(*parts)) as handle:
        return handle.read()


def _cases(command):
    directory = os.path.join(SAMPLES, command)
    return sorted(case for case in os.listdir(directory)
                  if os.path.exists(os.path.join(directory, case, 'output.txt')))


@pytest.mark.parametrize('case', _cases('getdbmap'))
def test_getdbmap_samples_every_database_read(case):
    text = _read(SAMPLES, 'getdbmap', case, 'output.txt')
    command = _read(SAMPLES, 'getdbmap', case, 'command.txt')
    machine = ' -X ' in ' %s ' % command or ' -Y ' in ' %s ' % command
    entries = (_db.parse_dbmap_machine if machine else _db.parse_dbmap_text)(text)
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith('Number of databases')]
    assert len(entries) == len(lines) - (1 if machine else 0)
    for entry, line in zip(entries, lines[1:] if machine else lines):
        assert entry['name'] in line and entry['path'] in line
        assert entry['kind'] in _db.KINDS
        assert entry['persistent'] == (entry['kind'] == 'persistent')
        if not machine:
            assert entry['unhealthy'] == ('UNHEALTHY' in line.split()) and entry['sticky'] == ('STICKY' in line)


def test_getdbmap_kinds_and_flags_of_the_unit_test_sample():
    entries = _db.parse_dbmap_text(_read(SAMPLES, 'getdbmap', 'ctdb.getdbmap.001_1_text', 'output.txt'))
    assert [(entry['name'], entry['kind']) for entry in entries] == [
        ('locking.tdb', 'volatile'), ('brlock.tdb', 'volatile'), ('g_lock.tdb', 'volatile'),
        ('secrets.tdb', 'persistent'), ('registry.tdb', 'persistent'),
        ('ctdb-ip.tdb', 'replicated'), ('ctdb-conn.tdb', 'replicated')]
    assert entries[0]['readonly'] and entries[1]['sticky'] and entries[0]['id'] == '0x7a19d84d'


def test_getdbmap_unhealthy_doc_sample():
    entry, = _db.parse_dbmap_text(_read(SAMPLES, 'getdbmap', 'doc.ctdb.1.xml.screen24.1@HEAD', 'output.txt'))
    assert entry['name'] == 'secrets.tdb' and entry['unhealthy'] and entry['persistent']


def test_old_five_column_machine_forms():
    pipe, = _db.parse_dbmap_machine(_read(SAMPLES, 'getdbmap', 'doc.ctdb.1.xml.screen24.2@HEAD', 'output.txt'))
    colon, = _db.parse_dbmap_machine(_read(SAMPLES, 'getdbmap', 'doc.ctdb.1.xml.screen21@6315432f87fp', 'output.txt'))
    assert pipe['name'] == colon['name'] == 'passdb.tdb' and pipe['kind'] == colon['kind'] == 'persistent'
    assert not pipe['unhealthy'] and not pipe['replicated']


def test_real_417_text_and_machine_agree():
    text = _db.parse_dbmap_text(_read(REAL, 'getdbmap.txt'))
    machine = _db.parse_dbmap_machine(_read(REAL, 'X_getdbmap.txt'))
    assert text == machine
    assert [(entry['name'], entry['kind']) for entry in machine] == [
        ('nosuch.tdb', 'persistent'), ('g_lock.tdb', 'volatile'), ('test_r.tdb', 'replicated'),
        ('test_p.tdb', 'persistent')]
    assert machine[3]['id'] == '0xfdf4bb97' and machine[3]['path'].endswith('/db/persistent/test_p.tdb.0')


def test_empty_maps():
    assert _db.parse_dbmap_text('Number of databases:0\n') == []
    assert _db.parse_dbmap_machine('|ID|Name|Path|Persistent|Sticky|Unhealthy|Readonly|Replicated|\n') == []
    assert _db.parse_dbmap_machine('') == []


@pytest.mark.parametrize('text, words', [
    ('garbage\n', 'cannot read this line'),
])
def test_text_map_refuses_what_it_cannot_read(text, words):
    with pytest.raises(_db.DbError, match=words):
        _db.parse_dbmap_text(text)


@pytest.mark.parametrize('text, words', [
    ('ID Name\n', 'cannot read the header'),
    ('|ID|Nom|\n', 'no column Name, Path'),
    ('|ID|Name|Path|Persistent|\n|0x1|a.tdb|/p|\n', '3 columns, the header has 4'),
])
def test_machine_map_refuses_what_it_cannot_read(text, words):
    with pytest.raises(_db.DbError, match=words):
        _db.parse_dbmap_machine(text)


@pytest.mark.parametrize('case', _cases('getdbstatus'))
def test_getdbstatus_samples(case):
    text = _read(SAMPLES, 'getdbstatus', case, 'output.txt')
    fields = _db.parse_dbstatus(text)
    if 'HEALTH' in text:
        assert _db.health_of(fields) == text.split('HEALTH:', 1)[1].strip()
        assert fields['name'] and fields['dbid'].startswith('0x')
    else:
        assert _db.health_of(fields).startswith('unknown')


def test_getdbstatus_unhealthy_reason_and_real_417():
    fields = _db.parse_dbstatus(_read(SAMPLES, 'getdbstatus', 'doc.ctdb.1.xml.screen26.1@HEAD', 'output.txt'))
    assert _db.health_of(fields).startswith('NO-HEALTHY-NODES - ERROR - Backup of corrupted TDB in ')
    real = _db.parse_dbstatus(_read(REAL, 'getdbstatus_persistent.txt'))
    assert real['PERSISTENT'] == 'yes' and real['REPLICATED'] == 'no' and _db.health_of(real) == 'OK'
    assert _db.parse_dbstatus(_read(REAL, 'getdbstatus_replicated.txt'))['REPLICATED'] == 'yes'


@pytest.mark.parametrize('case', _cases('getdbseqnum'))
def test_getdbseqnum_samples(case):
    text = _read(SAMPLES, 'getdbseqnum', case, 'output.txt')
    assert _db.parse_seqnum(text) == int(text.strip(), 16)


def test_seqnum_real_and_bad():
    assert _db.parse_seqnum(_read(REAL, 'getdbseqnum.txt')) == 1
    with pytest.raises(_db.DbError, match='cannot read the sequence number'):
        _db.parse_seqnum('No database matching')


def test_dump_headers_real_417():
    assert _db.parse_dump_header(_read(REAL, 'dumpdbbackup.txt')) == {
        'name': 'test_p.tdb', 'time': '2026/12/07 16:29:54', 'records': 2}
    # a truncated file: the header is read, the records are not (ctdb exits 2)
    assert _db.parse_dump_header(_read(REAL, 'dumpdbbackup_truncated.txt'))['records'] is None
    assert _db.parse_dump_header(_read(REAL, 'dumpdbbackup_foreign.txt')) is None


def test_check_backup():
    header = {'name': 'secrets.tdb', 'time': 'T', 'records': 3}
    assert _db.check_backup('/b', 'secrets.tdb', header, 0, '') is header
    with pytest.raises(_db.DbError, match=r'^/b is a backup of database secrets.tdb, not of passdb.tdb: .*name=secrets'):
        _db.check_backup('/b', 'passdb.tdb', header, 0, '')
    with pytest.raises(_db.DbError, match=r'^/b is not a ctdb backup .*\(ctdb dumpdbbackup: Wrong version'):
        _db.check_backup('/b', 'secrets.tdb', None, 22, 'Wrong version of backup file, expected 3, got 4\n')
    with pytest.raises(_db.DbError, match=r'Failed to read records; Failed to dump records'):
        _db.check_backup('/b', 'secrets.tdb', header, 2, 'Failed to read records\nFailed to dump records\n')


@pytest.mark.parametrize('name, words', [
    ('', 'a database name is empty'),
    ('a/b', "names='a/b' is not a database name \\(it has '/'\\)"),
    (' a.tdb', 'surrounding spaces'),
    ('..', 'dot directory'),
])
def test_bad_names(name, words):
    with pytest.raises(_db.DbError, match=words):
        _db.check_name(name, 'names')


def entries():
    return _db.parse_dbmap_text(_read(SAMPLES, 'getdbmap', 'ctdb.getdbmap.001_1_text', 'output.txt'))


def test_select_persistent():
    assert [entry['name'] for entry in _db.select_persistent(entries(), None)] == ['registry.tdb', 'secrets.tdb']
    assert [entry['name'] for entry in _db.select_persistent(entries(), ['secrets.tdb', 'secrets.tdb'])] == [
        'secrets.tdb']
    with pytest.raises(_db.DbError, match=r'^database nope.tdb is not attached on this node: .*'
                                          r'\(persistent here: registry.tdb, secrets.tdb\)$'):
        _db.select_persistent(entries(), ['nope.tdb'])
    with pytest.raises(_db.DbError, match=r'^database ctdb-ip.tdb is replicated, not persistent'):
        _db.select_persistent(entries(), ['ctdb-ip.tdb'])


def test_stamp_is_utc():
    when = datetime(2026, 12, 7, 18, 28, 30, tzinfo=timezone(timedelta(hours=2)))
    assert _db.stamp(when) == '20261207T162830Z'


def test_backups_of_sorts_and_ignores_other_files():
    names = ['secrets.tdb.20261207T162830Z.backup', 'secrets.tdb.20261201T000000Z.backup',
             'secrets.tdb.20261207T162830Z-2.backup', 'secrets.tdb.20261207T162830Z-10.backup',
             'secrets.tdb.20261201T000000Z.backup.sha256', 'secrets.tdb.x.20261201T000000Z.backup',
             'passdb.tdb.20261101T000000Z.backup', 'secrets.tdb.manual.backup', '.secrets.tdb.partial']
    assert _db.backups_of('secrets.tdb', names) == [
        'secrets.tdb.20261201T000000Z.backup', 'secrets.tdb.20261207T162830Z.backup',
        'secrets.tdb.20261207T162830Z-2.backup', 'secrets.tdb.20261207T162830Z-10.backup']
    assert _db.backups_of('secrets.tdb.x', names) == ['secrets.tdb.x.20261201T000000Z.backup']


def test_same_second_gets_a_number():
    taken = ['a.tdb.20261207T162830Z.backup', 'a.tdb.20261207T162830Z-2.backup.sha256']
    assert _db.backup_filename('a.tdb', '20261207T162830Z', taken) == 'a.tdb.20261207T162830Z-3.backup'
    assert _db.backup_filename('a.tdb', '20261207T162831Z', taken) == 'a.tdb.20261207T162831Z.backup'


def _existing(name, days):
    files = []
    for day in days:
        files += ['%s.202612%02dT000000Z.backup' % (name, day), '%s.202612%02dT000000Z.backup.sha256' % (name, day)]
    return files


def test_retention_keeps_the_last_n_counting_the_new_one():
    existing = _existing('secrets.tdb', [1, 2, 3]) + _existing('passdb.tdb', [1]) + ['notes.txt']
    plan = _db.plan_backup(['passdb.tdb', 'secrets.tdb'], existing, '20261207T000000Z', 2)
    assert plan['write'] == [{'name': 'passdb.tdb', 'file': 'passdb.tdb.20261207T000000Z.backup'},
                             {'name': 'secrets.tdb', 'file': 'secrets.tdb.20261207T000000Z.backup'}]
    assert plan['remove'] == ['secrets.tdb.20261201T000000Z.backup', 'secrets.tdb.20261201T000000Z.backup.sha256',
                              'secrets.tdb.20261202T000000Z.backup', 'secrets.tdb.20261202T000000Z.backup.sha256']


def test_retention_of_one_and_of_many():
    existing = _existing('a.tdb', [1, 2])
    assert len(_db.plan_backup(['a.tdb'], existing, '20261207T000000Z', 1)['remove']) == 4
    assert _db.plan_backup(['a.tdb'], existing, '20261207T000000Z', 7)['remove'] == []
    assert _db.plan_backup(['a.tdb'], existing, '20261207T000000Z', 3)['remove'] == []
    # a backup without its checksum file is removed alone
    assert _db.plan_backup(['a.tdb'], ['a.tdb.20261201T000000Z.backup'], '20261207T000000Z', 1)['remove'] == [
        'a.tdb.20261201T000000Z.backup']
    with pytest.raises(_db.DbError, match='retention=0: keep at least 1'):
        _db.plan_backup(['a.tdb'], [], '20261207T000000Z', 0)


def test_only_the_databases_backed_up_lose_backups():
    existing = _existing('a.tdb', [1, 2, 3])
    assert _db.plan_backup(['b.tdb'], existing, '20261207T000000Z', 1)['remove'] == []


def test_checksums_round_trip():
    digest = _db.sha256_hex(b'abc')
    assert digest == 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    text = _db.checksum_text(digest, 'a.tdb.20261207T000000Z.backup')
    assert text == '%s  a.tdb.20261207T000000Z.backup\n' % digest
    assert _db.parse_checksum(text, '/x.sha256') == digest
    assert _db.parse_checksum(digest.upper() + '\n', '/x.sha256') == digest
    for bad in ('', 'not a checksum\n', digest[:-1] + '\n'):
        with pytest.raises(_db.DbError, match=r'^/x.sha256 records no SHA-256 checksum'):
            _db.parse_checksum(bad, '/x.sha256')
