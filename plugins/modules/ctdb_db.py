#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ctdb_db
short_description: Report CTDB's databases, back up the persistent ones with checksums and retention, restore one
version_added: 0.3.0
description:
  - Without O(state), reports every database attached on this node (C(ctdb -X getdbmap)) with its kind
    (volatile, persistent, replicated), its health (C(ctdb getdbstatus)), its path, the sequence number of a
    persistent one (C(ctdb getdbseqnum)) and the size of its file when this node can read it. Changes nothing.
  - With O(state=backed_up), writes one backup file per persistent database (all of them, or O(names)) into
    O(backup_dir) with C(ctdb backupdb), named C(NAME.YYYYMMDDTHHMMSSZ.backup) (UTC), each with a
    C(NAME....backup.sha256) file beside it in the format of C(sha256sum) (C(sha256sum -c) checks it in that
    directory). Each file is checked with C(ctdb dumpdbbackup) before it takes its final name. Then only the
    last O(retention) backups of each database backed up are kept; the older ones and their checksum files are removed.
  - Refuses to back up when the cluster is not healthy (a node not OK other than one an administrator disabled or
    stopped, recovery mode not NORMAL) or a database to back up is UNHEALTHY, unless O(force=true), since a backup
    taken then may miss what only an absent node holds.
  - With O(state=restored), restores the persistent database O(name) from O(backup_file) with C(ctdb restoredb), on
    every node of the cluster at once. Before anything is changed it refuses (and says why) a file whose SHA-256 is not
    the one its C(.sha256) file records (or that has no C(.sha256) file, unless O(require_checksum=false)), a file
    C(ctdb dumpdbbackup) cannot read or that holds another database, a name that is not an attached persistent
    database, and a cluster that is not healthy. A restore is never forced.
  - Bad arguments are refused, naming the value and the fix, before the cluster is read.
author:
  - Contributors to the ctdb.cluster collection (!UNKNOWN)
extends_documentation_fragment:
  - ctdb.cluster.ctdb
  - ctdb.cluster.attributes
attributes:
  check_mode:
    support: full
    details: Reads and checks everything as for real and reports the files it would write and remove (a backup
      always changes something) or that it would restore; writes and restores nothing.
  diff_mode:
    support: none
    details: The files are binary databases; the files written and removed are returned instead.
  platform:
    details: Runs the C(ctdb) tool of the managed node, which must run C(ctdbd); run it on one node (C(run_once)),
      the backups are written on that node.
options:
  state:
    description:
      - Not set, the databases are reported and nothing is changed.
      - V(backed_up) writes a backup of the persistent databases (see the description).
      - V(restored) restores O(name) from O(backup_file).
    type: str
    choices: [backed_up, restored]
  names:
    description:
      - The databases to report, or with O(state=backed_up) to back up, as C(ctdb getdbmap) names them
        (V(secrets.tdb)). Default is every database (every persistent one to back up).
      - With O(state=backed_up), each must be an attached persistent database.
    type: list
    elements: str
  name:
    description:
      - With O(state=restored), the persistent database to restore (V(secrets.tdb)). Required then.
    type: str
  backup_dir:
    description:
      - With O(state=backed_up), the absolute path of the directory the backups go to, on this node. Required then.
      - Created with mode 0700 when missing (an existing directory keeps its mode).
    type: path
  backup_file:
    description:
      - With O(state=restored), the absolute path of the backup file to restore, on this node. Required then.
    type: path
  retention:
    description:
      - With O(state=backed_up), how many backups of each database to keep, the new one counted, 1 or more.
      - Only files named as this module names them (C(NAME.YYYYMMDDTHHMMSSZ.backup)) count and are removed.
    type: int
    default: 7
  force:
    description:
      - With O(state=backed_up), back up even when the cluster or a database is not healthy; the problems are
        returned as RV(problems) and as warnings. Never forces a restore.
    type: bool
    default: false
  require_checksum:
    description:
      - With O(state=restored), refuse a backup file with no C(.sha256) file beside it. V(false) accepts one (a file
        written by C(ctdb backupdb) by hand); a checksum file that does not match is always refused.
    type: bool
    default: true
notes:
  - C(ctdb backupdb) takes each database's backup in one consistent piece; the files of different databases are
    taken one after the other, not at one instant.
  - A restore is always a change (C(ctdb restoredb) rewrites the database on every node), even from a backup that
    holds what the database already holds.
  - C(ctdb dumpdbbackup) prints the records of a backup; the module reads only its header and count, and never
    returns them.
seealso:
  - module: ctdb.cluster.ctdb_status
  - module: ctdb.cluster.ctdb_info
'''

EXAMPLES = r'''
- name: Report the databases, and fail on an unhealthy one
  ctdb.cluster.ctdb_db:
  register: dbs
  failed_when: dbs.unhealthy | length > 0
  run_once: true

- name: Back up every persistent database, keeping the last 14 of each
  ctdb.cluster.ctdb_db:
    state: backed_up
    backup_dir: /var/backups/ctdb
    retention: 14
  run_once: true

- name: Back up secrets.tdb alone
  ctdb.cluster.ctdb_db:
    state: backed_up
    names: [secrets.tdb]
    backup_dir: /var/backups/ctdb
  run_once: true

- name: Restore secrets.tdb
  ctdb.cluster.ctdb_db:
    state: restored
    name: secrets.tdb
    backup_file: /var/backups/ctdb/secrets.tdb.20261207T162830Z.backup
  run_once: true
'''

RETURN = r'''
databases:
  description: Every database reported (O(names) only, when given), in the order of C(ctdb getdbmap).
  returned: without O(state)
  type: list
  elements: dict
  contains:
    name:
      description: Its name.
      type: str
      sample: secrets.tdb
    id:
      description: Its database id, lower-case hex.
      type: str
      sample: '0x7132c184'
    kind:
      description: V(volatile), V(persistent) or V(replicated).
      type: str
      sample: persistent
    path:
      description: Its file on this node.
      type: str
      sample: /var/lib/ctdb/persistent/secrets.tdb.0
    persistent:
      description: Whether it is persistent.
      type: bool
    replicated:
      description: Whether it is replicated.
      type: bool
    sticky:
      description: Whether it is sticky.
      type: bool
    readonly:
      description: Whether read-only records are enabled on it.
      type: bool
    unhealthy:
      description: Whether C(ctdb getdbmap) flags it UNHEALTHY.
      type: bool
    health:
      description: The HEALTH of C(ctdb getdbstatus), V(OK) or ctdb's reason.
      type: str
      sample: OK
    healthy:
      description: V(true) when its health is V(OK) and it is not flagged UNHEALTHY.
      type: bool
    seqnum:
      description: Its sequence number (C(ctdb getdbseqnum)) when persistent, else null.
      type: int
      sample: 1
    size:
      description: The size in bytes of its file on this node, null when the file cannot be read.
      type: int
      sample: 8192
  sample: [{"name": "secrets.tdb", "id": "0x7132c184", "kind": "persistent", "health": "OK", "healthy": true,
            "seqnum": 1, "size": 8192, "path": "/var/lib/ctdb/persistent/secrets.tdb.0"}]
unhealthy:
  description: The names of the databases reported that are not healthy.
  returned: without O(state)
  type: list
  elements: str
  sample: []
raw:
  description: The outputs read, C(getdbmap) (the text of C(ctdb -X getdbmap)) and C(getdbstatus) (by name).
  returned: without O(state)
  type: dict
files:
  description: The backup files written (in check mode, that would be written), with their checksum file,
    SHA-256 and size (null in check mode) and the count of records C(ctdb dumpdbbackup) found.
  returned: with O(state=backed_up)
  type: list
  elements: dict
  sample: [{"name": "secrets.tdb", "file": "/var/backups/ctdb/secrets.tdb.20261207T162830Z.backup",
            "checksum_file": "/var/backups/ctdb/secrets.tdb.20261207T162830Z.backup.sha256",
            "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "size": 235, "records": 2}]
removed:
  description: The older backups and checksum files retention removed (in check mode, would remove), oldest first;
    one it could not remove is left out, with a warning.
  returned: with O(state=backed_up)
  type: list
  elements: str
  sample: [/var/backups/ctdb/secrets.tdb.20261130T020000Z.backup, /var/backups/ctdb/secrets.tdb.20261130T020000Z.backup.sha256]
problems:
  description: Why the cluster or a database was not healthy (backed up anyway with O(force=true)); empty when healthy.
  returned: with O(state=backed_up) or O(state=restored)
  type: list
  elements: str
  sample: []
name:
  description: The database restored.
  returned: with O(state=restored)
  type: str
  sample: secrets.tdb
backup_file:
  description: The file it was restored from.
  returned: with O(state=restored)
  type: str
sha256:
  description: The SHA-256 of the backup file restored.
  returned: with O(state=restored)
  type: str
backup_time:
  description: When the backup was taken, as C(ctdb dumpdbbackup) says.
  returned: with O(state=restored)
  type: str
  sample: '2026/12/07 16:28:30'
records:
  description: The count of records in the backup restored.
  returned: with O(state=restored)
  type: int
  sample: 2
seqnum:
  description: The database's sequence number after the restore (before it, in check mode).
  returned: with O(state=restored)
  type: int
  sample: 1
'''

import errno
import hashlib
import os
from datetime import datetime, timezone
from typing import Any, Dict, List, Mapping, Optional, Tuple

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ctdb.cluster.plugins.module_utils import _db
from ansible_collections.ctdb.cluster.plugins.module_utils._cluster import (
    read_dbmap, read_dbstatus, read_seqnum, read_status, run_or_raise,
)
from ansible_collections.ctdb.cluster.plugins.module_utils._db import Database, DbEntry, DbError, DumpHeader
from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError, Result, run_module
from ansible_collections.ctdb.cluster.plugins.module_utils._files import atomic_write, fsync_dir
from ansible_collections.ctdb.cluster.plugins.module_utils._runner import CtdbRunner
from ansible_collections.ctdb.cluster.plugins.module_utils._status import fault_problems, health_problems

_ONLY_WITH = {
    'names': (None, 'backed_up'), 'backup_dir': ('backed_up',), 'retention': ('backed_up',), 'force': ('backed_up',),
    'name': ('restored',), 'backup_file': ('restored',), 'require_checksum': ('restored',),
}
_DEFAULTS = {'retention': _db.DEFAULT_RETENTION, 'force': False, 'require_checksum': True}
_READ_CHUNK = 1024 * 1024


ARGUMENT_SPEC = dict(
    state=dict(type='str', choices=['backed_up', 'restored']),
    names=dict(type='list', elements='str'),
    name=dict(type='str'),
    backup_dir=dict(type='path'),
    backup_file=dict(type='path'),
    retention=dict(type='int', default=_db.DEFAULT_RETENTION),
    force=dict(type='bool', default=False),
    require_checksum=dict(type='bool', default=True),
    ctdb_base=dict(type='path'),
)


def check_args(params: Mapping[str, Any]) -> None:
    """Refuse bad arguments before anything is read (DbError naming the value and the fix)."""
    state = params['state']
    for option, states in sorted(_ONLY_WITH.items()):
        value = params[option]
        if state not in states and value is not None and value != _DEFAULTS.get(option):
            where = ' or '.join('state=%s' % wanted if wanted else 'no state' for wanted in states)
            raise DbError('%s applies to %s only, not to %s: leave it out%s' % (
                option, where, 'state=%s' % state if state else 'no state',
                ' (a restore is never forced)' if option == 'force' and state == 'restored' else ''))
    for name in params['names'] or []:
        _db.check_name(name, 'names')
    if state == 'backed_up':
        if not os.path.isabs(params['backup_dir']):
            raise DbError('backup_dir=%s is not an absolute path: give the directory as /var/backups/ctdb'
                          % params['backup_dir'])
        if params['retention'] < 1:
            raise DbError('retention=%d: keep at least 1 backup per database' % params['retention'])
    if state == 'restored':
        _db.check_name(params['name'], 'name')
        if not os.path.isabs(params['backup_file']):
            raise DbError('backup_file=%s is not an absolute path: give the file as backup_dir/NAME.STAMP.backup'
                          % params['backup_file'])


def file_size(path: str) -> Optional[int]:
    try:
        with open(path, 'rb'):
            return os.stat(path).st_size
    except OSError:
        return None


def file_sha256(path: str, what: str) -> str:
    """The SHA-256 of ``path``; DbError naming it and the fix when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, 'rb') as handle:
            for chunk in iter(lambda: handle.read(_READ_CHUNK), b''):
                digest.update(chunk)
    except IsADirectoryError:
        raise DbError('%s=%s is a directory: give a backup file' % (what, path), path=path)
    except OSError as exc:
        fix = 'give an existing backup file' if exc.errno == errno.ENOENT else 'run the task as root (become: true)'
        raise DbError('cannot read %s=%s: %s: %s' % (what, path, exc.strerror, fix), path=path)
    return digest.hexdigest()


def describe(runner: CtdbRunner, entry: DbEntry, raw: Dict[str, str]) -> Database:
    fields, out = read_dbstatus(runner, entry['name'])
    raw[entry['name']] = out
    health = _db.health_of(fields)
    database: Database = {**entry, 'health': health, 'healthy': health == 'OK' and not entry['unhealthy'],
                          'seqnum': read_seqnum(runner, entry['name']) if entry['persistent'] else None,
                          'size': file_size(entry['path'])}
    return database


def report(runner: CtdbRunner, names: Optional[List[str]]) -> Result:
    entries, out = read_dbmap(runner)
    if names is not None:
        known = [entry['name'] for entry in entries]
        missing = [name for name in names if name not in known]
        if missing:
            raise DbError('database %s is not attached on this node: name one ctdb getdbmap shows (%s)'
                          % (', '.join(missing), ', '.join(known) or 'none is attached'), names=names)
        entries = [entry for entry in entries if entry['name'] in names]
    statuses: Dict[str, str] = {}
    databases = [describe(runner, entry, statuses) for entry in entries]
    return {'changed': False, 'databases': databases,
            'unhealthy': [database['name'] for database in databases if not database['healthy']],
            'raw': {'getdbmap': out, 'getdbstatus': statuses}}


def cluster_problems(runner: CtdbRunner, entries: List[DbEntry]) -> List[str]:
    # A node an administrator disabled or stopped (maintenance, a rolling restart) holds nothing the others lack.
    problems = fault_problems(read_status(runner))
    return problems + ['database %s is UNHEALTHY (ctdb getdbstatus %s says why)' % (entry['name'], entry['name'])
                       for entry in entries if entry['unhealthy']]


def dump_header(runner: CtdbRunner, path: str) -> Tuple[Optional[DumpHeader], int, str]:
    """What ``ctdb dumpdbbackup PATH`` says of the file: (header, rc, stderr). Its records are never kept."""
    rc, out, err = runner.run(['dumpdbbackup', path], check_rc=False)
    return _db.parse_dump_header(out), rc, err


def list_dir(directory: str) -> List[str]:
    try:
        return sorted(os.listdir(directory))
    except FileNotFoundError:
        return []
    except NotADirectoryError:
        raise DbError('backup_dir=%s is not a directory: give a directory (it is created when missing)' % directory)
    except OSError as exc:
        raise DbError('cannot list backup_dir=%s: %s: run the task as root (become: true)' % (directory, exc.strerror))


def make_dir(directory: str) -> None:
    if os.path.isdir(directory):
        return
    try:
        os.makedirs(directory, mode=0o700)
        os.chmod(directory, 0o700)
    except OSError as exc:
        raise DbError('cannot create backup_dir=%s: %s: give a directory this task can write' % (directory, exc.strerror))


def unlink_quietly(path: str) -> Optional[str]:
    """Remove ``path``; None when done (or already gone), else why not."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def write_backup(runner: CtdbRunner, directory: str, name: str, filename: str) -> Dict[str, Any]:
    """``ctdb backupdb`` into a temporary name, checked with dumpdbbackup, then renamed; its checksum file beside."""
    final = os.path.join(directory, filename)
    partial = os.path.join(directory, '.%s.partial' % filename)
    unlink_quietly(partial)
    try:
        run_or_raise(runner, ['backupdb', name, partial])
        header, rc, err = dump_header(runner, partial)
        header = _db.check_backup(partial, name, header, rc, err)
        digest = file_sha256(partial, 'the backup')
        os.chmod(partial, 0o600)  # the records may be secrets (secrets.tdb): whatever ctdb's mode, only root reads them
        with open(partial, 'rb') as handle:
            os.fsync(handle.fileno())
        size = os.stat(partial).st_size
        atomic_write(final + _db.CHECKSUM_SUFFIX, _db.checksum_text(digest, filename).encode('utf-8'), mode=0o600)
        os.rename(partial, final)
        fsync_dir(directory)
    except OSError as exc:
        raise DbError('cannot write the backup of %s in backup_dir=%s: %s: give a directory this task can write, '
                      'on a filesystem with room' % (name, directory, exc.strerror or exc), name=name)
    finally:
        unlink_quietly(partial)
    return {'name': name, 'file': final, 'checksum_file': final + _db.CHECKSUM_SUFFIX, 'sha256': digest,
            'size': size, 'records': header['records']}


def write_all(runner: CtdbRunner, directory: str, plan: _db.BackupPlan) -> List[Dict[str, Any]]:
    """Write every file of the plan, in order; a failure says what was written before it (and nothing removed)."""
    files: List[Dict[str, Any]] = []
    for item in plan['write']:
        try:
            files.append(write_backup(runner, directory, item['name'], item['file']))
        except CtdbError as exc:
            raise DbError('%s; written before it: %s; nothing was removed' % (
                exc.msg, ', '.join(written['file'] for written in files) or 'nothing'),
                **dict(exc.data, files=files, changed=bool(files)))
    return files


def remove_old(module: AnsibleModule, directory: str, paths: List[str]) -> List[str]:
    """Remove what retention lets go -> what was removed; a file that stays is a warning."""
    removed = []
    for path in paths:
        why = unlink_quietly(path)
        if why:
            module.warn('retention could not remove %s: %s' % (path, why))
        else:
            removed.append(path)
    if removed:
        try:
            fsync_dir(directory)
        except OSError:
            pass  # the files are gone; only the durability of the removal is unsure
    return removed


def back_up(module: AnsibleModule, runner: CtdbRunner) -> Result:
    params = module.params
    directory = params['backup_dir']
    entries, dummy = read_dbmap(runner)
    chosen = _db.select_persistent(entries, params['names'])
    problems = cluster_problems(runner, chosen)
    if problems and not params['force']:
        raise DbError('the cluster is not healthy, so nothing was backed up: %s; fix it first, or back up anyway '
                      'with force=true' % '; '.join(problems), problems=problems)
    for problem in problems:
        module.warn('backed up although %s (force=true)' % problem)
    plan = _db.plan_backup([entry['name'] for entry in chosen], list_dir(directory),
                           _db.stamp(datetime.now(timezone.utc)), params['retention'])
    result: Result = {'changed': bool(plan['write']), 'backup_dir': directory, 'problems': problems,
                      'removed': [os.path.join(directory, filename) for filename in plan['remove']]}
    if module.check_mode:
        result['files'] = [{'name': item['name'], 'file': os.path.join(directory, item['file']),
                            'checksum_file': os.path.join(directory, item['file']) + _db.CHECKSUM_SUFFIX,
                            'sha256': None, 'size': None, 'records': None} for item in plan['write']]
        return result
    if plan['write']:
        make_dir(directory)
    result['files'] = write_all(runner, directory, plan)
    result['removed'] = remove_old(module, directory, result['removed'])
    return result


def recorded_checksum(path: str, required: bool) -> Optional[str]:
    checksum_path = path + _db.CHECKSUM_SUFFIX
    try:
        with open(checksum_path, encoding='utf-8', errors='replace') as handle:
            text = handle.read()
    except FileNotFoundError:
        if required:
            raise DbError('%s has no checksum file %s beside it, so nothing was restored: restore a file ctdb_db '
                          'backed up, or set require_checksum=false' % (path, checksum_path), path=path)
        return None
    except OSError as exc:
        raise DbError('cannot read %s: %s: run the task as root (become: true)' % (checksum_path, exc.strerror),
                      path=path)
    return _db.parse_checksum(text, checksum_path)


def restore(module: AnsibleModule, runner: CtdbRunner) -> Result:
    params = module.params
    path, name = params['backup_file'], params['name']
    entries, dummy = read_dbmap(runner)
    entry = _db.select_persistent(entries, [name])[0]
    digest = file_sha256(path, 'backup_file')
    recorded = recorded_checksum(path, params['require_checksum'])
    if recorded is not None and recorded != digest:
        raise DbError('%s is damaged: its SHA-256 is %s, its checksum file records %s; nothing was restored: '
                      'restore another backup' % (path, digest, recorded), path=path, sha256=digest, recorded=recorded)
    header, rc, err = dump_header(runner, path)
    header = _db.check_backup(path, name, header, rc, err)
    problems = health_problems(read_status(runner))
    if problems:
        raise DbError('the cluster is not healthy, so %s was not restored: %s; restore once every node is OK'
                      % (name, '; '.join(problems)), problems=problems)
    result: Result = {'changed': True, 'name': entry['name'], 'backup_file': path, 'sha256': digest,
                      'backup_time': header['time'], 'records': header['records'], 'problems': problems}
    if not module.check_mode:
        run_or_raise(runner, ['restoredb', path, name])
    result['seqnum'] = read_seqnum(runner, name)
    return result


def manage_databases(module: AnsibleModule) -> Result:
    params = module.params
    check_args(params)
    runner = CtdbRunner(module)
    if params['state'] == 'backed_up':
        return back_up(module, runner)
    if params['state'] == 'restored':
        return restore(module, runner)
    return report(runner, params['names'])


def main() -> None:
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        required_if=[('state', 'backed_up', ['backup_dir']), ('state', 'restored', ['name', 'backup_file'])],
        supports_check_mode=True,
    )
    run_module(module, manage_databases)


if __name__ == '__main__':
    main()
