#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ctdb_log
short_description: Read the last lines of the CTDB log, parsed and summarised
version_added: 0.1.0
description:
  - Returns the last O(lines) lines of the CTDB log of the managed node, as one text (RV(raw), like the REST API's C(/db/ctdb/log))
    and as parsed entries (RV(parsed)) with timestamp, host, process, pid, level when the line has one, and message.
  - Understands the log formats of every CTDB era, with C(YYYY/MM/DD HH:MM:SS.uuuuuu PROG[PID]) before Samba 4.16, RFC 5424
    C(YYYY-MM-DDTHH:MM:SS.uuuuuu+TZ HOST PROG[PID]) since, the old C([ PID]) form, C(PROG[PID]) without a timestamp, and
    traditional syslog. A line it cannot parse is kept, with RV(parsed[].parsed=false).
  - The file is read backwards from its end, so the time and memory needed do not grow with the size of the log.
  - Where the log is comes from the C([logging] location) setting of C(ctdb.conf) in C(CTDB_BASE)
    (C(file:PATH), or C(syslog) for the systemd journal or the syslog file), C(/var/log/ctdb/log.ctdb) when it is not set.
  - Also returns a RV(summary) of what a person wants to know first (bans, cluster lock failures, node flag changes,
    takeover runs, event script warnings...), with counts and the time of the last one.
  - This module only reads; it never changes anything.
extends_documentation_fragment:
  - ctdb.cluster.ctdb
  - ctdb.cluster.attributes
  - ctdb.cluster.attributes.read_only
attributes:
  platform:
    details: Runs on the CTDB node whose log is read.
options:
  lines:
    description:
      - How many lines to return, the newest ones (after the filters).
    type: int
    default: 100
  path:
    description:
      - Read this log file instead of the one named by C(ctdb.conf).
    type: path
  source:
    description:
      - C(auto) follows C([logging] location) of C(ctdb.conf) (or O(path) when given).
      - C(file) reads a file (O(path), or the C(file:) location of C(ctdb.conf), or C(/var/log/ctdb/log.ctdb)).
      - C(journal) reads the systemd journal entries of the CTDB programs with C(journalctl).
    type: str
    choices: [auto, file, journal]
    default: auto
  since:
    description:
      - Only lines at or after this time. A time as in the log or ISO 8601 (V(2026-05-21 14:48:00),
        V(2026-05-21T14:48:00+10:00), V(2020/09/27 00:12:00)); without an offset it is the node's local time.
      - Or a duration back from now, V(30s), V(15m), V(2h), V(1d).
      - Lines without a timestamp are kept. Reading stops at the first older line, since CTDB writes its log in time order.
    type: str
  process:
    description:
      - Only lines written by these programs, for example V(ctdbd), V(ctdb-recoverd), V(ctdb-eventd).
    type: list
    elements: str
  contains:
    description:
      - Only lines containing this text (case does not matter).
    type: str
  regex:
    description:
      - Only lines matching this Python regular expression (searched anywhere in the line).
    type: str
  summary:
    description:
      - Return RV(summary) computed over the returned lines.
    type: bool
    default: true
seealso:
  - module: ctdb.cluster.ctdb_event
notes:
  - With O(contains), O(regex) or O(process) the file is read from its end until O(lines) matching lines are found, so a
    filter that matches nothing reads the whole file (in constant memory). Combine it with O(since) to bound the scan.
  - When C(ctdb.conf) sets C(location = file) with no file name after the colon, ctdbd writes to its standard error and
    there is no log to read, so the module fails and says so.
author:
  - Contributors to the ctdb.cluster collection (!UNKNOWN)
'''

EXAMPLES = r'''
- name: The last 100 lines of the CTDB log
  ctdb.cluster.ctdb_log:
  register: ctdb_log

- name: Show what happened first
  ansible.builtin.debug:
    var: ctdb_log.summary.headline

- name: Recovery daemon lines of the last hour about takeover runs
  ctdb.cluster.ctdb_log:
    lines: 500
    since: 1h
    process: [ctdb-recoverd]
    contains: takeover run

- name: Cluster lock trouble since a given time, from a log file kept elsewhere
  ctdb.cluster.ctdb_log:
    path: /var/log/ctdb/log.ctdb.1
    since: '2026-05-12 12:00:00'
    regex: '(cluster|recovery) lock'

- name: A sandbox node (test mode) where CTDB_BASE holds ctdb.conf
  ctdb.cluster.ctdb_log:
    ctdb_base: /work/main/.sandbox/test/node0
    lines: 20
'''

RETURN = r'''
raw:
  description: The selected lines, oldest first, each ending with a newline (empty when there are none).
  returned: always
  type: str
  sample: "2020/09/27 00:12:01.277050 ctdb-recoverd[5035]: Takeover run starting\n"
parsed:
  description: The selected lines as entries, oldest first.
  returned: always
  type: list
  elements: dict
  contains:
    raw:
      description: The line as written.
      type: str
    parsed:
      description: Whether the line has one of the known formats; when false only RV(parsed[].raw) and RV(parsed[].message) are set.
      type: bool
    format:
      description: C(rfc5424), C(file), C(legacy), C(syslog) or C(stderr); null when not parsed.
      type: str
    time:
      description: The timestamp as written in the line, null when it has none.
      type: str
    timestamp:
      description: The timestamp in ISO 8601 (with the offset when the log gives one, else the node's local time), or null.
      type: str
      sample: '2026-05-21T14:48:00.201838+10:00'
    host:
      description: Host name, for formats that carry one.
      type: str
    process:
      description: The program that wrote the line (C(ctdbd), C(ctdb-recoverd), C(ctdb-eventd)...), null in the oldest format.
      type: str
    pid:
      description: Its process id.
      type: int
    level:
      description: C(ERROR), C(WARNING), C(NOTICE), C(INFO) or C(DEBUG) when the message starts with one (event script output), else null.
      type: str
    message:
      description: The text after C(process[pid]:), or the whole line when not parsed.
      type: str
summary:
  description:
    - Counts over the returned lines. Each category has C(count), C(first_time), C(last_time) and C(last_message).
    - Categories are C(takeover_runs), C(takeover_run_failures), C(recoveries), C(elections), C(node_flag_changes),
      C(node_disconnects), C(bans), C(cluster_lock_failures), C(event_script_warnings) and C(crashes).
      A ban logged both by the leader and by the banned node counts once; a plain C(Unable to take recovery lock)
      after the line giving its reason counts once.
    - C(unparsed_lines) counts the lines not understood, C(headline) lists one sentence per category seen, most serious first.
  returned: when O(summary=true)
  type: dict
  sample:
    bans: {count: 1, first_time: '2026-05-12T12:16:13.094596+05:30', last_time: '2026-05-12T12:16:13.094596+05:30',
           last_message: 'Banning node 0 for 300 seconds'}
    headline: ['bans: 1, last at 2026-05-12T12:16:13.094596+05:30 (Banning node 0 for 300 seconds)']
    unparsed_lines: 0
source:
  description: Where the lines were read.
  returned: always
  type: dict
  contains:
    type:
      description: C(file) or C(journal).
      type: str
    path:
      description: The file read (null for the journal).
      type: str
    location:
      description: The C([logging] location) value of C(ctdb.conf), null when not set or not used.
      type: str
  sample: {type: file, path: /var/log/ctdb/log.ctdb, location: 'file:/var/log/ctdb/log.ctdb'}
scanned_lines:
  description: How many lines were read from the end to make the selection.
  returned: always
  type: int
complete:
  description: True when the whole log was read (it holds fewer matching lines than O(lines)).
  returned: always
  type: bool
'''

import datetime
import errno
import os
import re
import time
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, cast

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.ctdb.cluster.plugins.module_utils import _log
from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError, Result, run_module
from ansible_collections.ctdb.cluster.plugins.module_utils._files import read_file
from ansible_collections.ctdb.cluster.plugins.module_utils._runner import ctdb_base

# What a read selected: (entries, oldest first; info: scanned_lines, scanned_bytes, reached_start).
Selected = Tuple[List[_log.LogEntry], Dict[str, Any]]

SYSLOG_FILES = ('/var/log/syslog', '/var/log/messages')
JOURNAL_MAX_LINES = 1000000

ARGUMENT_SPEC = dict(
    lines=dict(type='int', default=100),
    path=dict(type='path'),
    source=dict(type='str', default='auto', choices=['auto', 'file', 'journal']),
    since=dict(type='str'),
    process=dict(type='list', elements='str'),
    contains=dict(type='str'),
    regex=dict(type='str'),
    summary=dict(type='bool', default=True),
    ctdb_base=dict(type='path'),
)


def _conf_location(module: AnsibleModule, base: str) -> Tuple[str, Optional[str]]:
    conf_path = os.path.join(base, 'ctdb.conf')
    text = read_file(conf_path, missing_ok=True)
    return conf_path, _log.logging_location(text)


def _read_file(path: str, count: int, predicate: Optional[_log.Predicate], since_epoch: Optional[float]) -> Selected:
    try:
        with open(path, 'rb') as handle:
            return _log.tail_entries(handle, count, predicate, since_epoch, default_year=datetime.date.today().year)
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT:
            raise CtdbError('the CTDB log %s does not exist: check [logging] location in ctdb.conf, '
                            'or give the file with path=' % path)
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise CtdbError('cannot read the CTDB log %s: permission denied (run the task as root with become: true)'
                            % path)
        if exc.errno == errno.EISDIR:
            raise CtdbError('%s is a directory, not a log file: give the file itself with path=' % path)
        raise CtdbError('cannot read the CTDB log %s: %s' % (path, to_native(exc)))


def _read_journal(module: AnsibleModule, count: int, predicate: Optional[_log.Predicate], since_epoch: Optional[float],
                  processes: Iterable[str]) -> Optional[Selected]:
    """Entries from the journal, or None when this node has no journalctl.

    ``journalctl -r -n N`` gives the newest N lines first; with filters the window N grows
    (x4) until enough lines match, the journal has no more, or JOURNAL_MAX_LINES is reached.
    """
    journalctl = module.get_bin_path('journalctl')
    if not journalctl:
        return None
    argv = [journalctl, '--no-pager', '-q', '-r', '-o', 'short-iso-precise']
    for name in processes:
        argv.extend(['-t', name])
    if since_epoch is not None:
        argv.append('--since=@%d' % int(since_epoch))
    window = count if predicate is None else max(count * 10, 1000)
    while True:
        cmd = argv + ['-n', str(window)]
        rc, out, err = module.run_command(cmd, environ_update={'LC_ALL': 'C', 'SYSTEMD_PAGER': '', 'SYSTEMD_COLORS': '0'})
        if rc != 0:
            raise CtdbError('journalctl failed (rc %d): %s' % (rc, (err or out).strip()), cmd=cmd, rc=rc)
        lines = out.splitlines()
        entries, info = _log.select_newest(lines, count, predicate, since_epoch)
        exhausted = len(lines) < window
        if len(entries) >= count or exhausted or window >= JOURNAL_MAX_LINES:
            info['reached_start'] = exhausted and len(entries) < count
            return entries, info
        window = min(window * 4, JOURNAL_MAX_LINES)


def log_request(params: Mapping[str, Any]) -> Tuple[Optional[float], Optional[_log.Predicate]]:
    """The checked filters: ``(since_epoch, predicate)``; CtdbError naming a bad option."""
    if params['lines'] < 1:
        raise CtdbError('lines=%d: give a number of lines of 1 or more' % params['lines'])
    if params['path'] and params['source'] == 'journal':
        raise CtdbError('path=%s and source=journal: the journal is not a file; drop one of them' % params['path'])
    since_epoch = None
    if params['since']:
        since_epoch = _log.parse_since(params['since'], now=time.time())
    try:
        predicate = _log.make_filter(process=params['process'], contains=params['contains'], regex=params['regex'])
    except re.error as exc:
        raise CtdbError('regex=%r is not a valid regular expression: %s' % (params['regex'], to_native(exc)))
    return since_epoch, predicate


def locate_log(module: AnsibleModule, params: Mapping[str, Any]) -> Tuple[str, Optional[str], Optional[str]]:
    """Where to read: ``(source, path, location)`` with source ``file`` or ``journal``."""
    if params['path']:
        return 'file', params['path'], None
    if params['source'] == 'journal':
        return 'journal', None, None
    conf_path, location = _conf_location(module, ctdb_base(module))
    kind, where = _log.log_source(location, conf_path)
    if kind == 'stderr':
        raise CtdbError('%s says [logging] location = %s: ctdbd writes its log to its standard error, not to a file; '
                        'read it where that goes, or give the file with path=' % (conf_path, location))
    if kind == 'file':
        return 'file', where, location
    if params['source'] == 'file':
        raise CtdbError('%s says [logging] location = %s: CTDB logs to syslog, not to a file; use source=journal '
                        'or give the syslog file with path=' % (conf_path, location))
    return 'journal', None, location


def read_syslog(module: AnsibleModule, params: Mapping[str, Any], predicate: Optional[_log.Predicate],
                since_epoch: Optional[float],
                location: Optional[str]) -> Tuple[List[_log.LogEntry], Dict[str, Any], Dict[str, Any]]:
    """The journal, or without journalctl the classic syslog file (CTDB's programs only)."""
    processes = params['process'] or list(_log.CTDB_PROCESSES)
    got = _read_journal(module, params['lines'], predicate, since_epoch, processes)
    if got is not None:
        return got + (dict(type='journal', path=None, location=location),)
    syslog = [f for f in SYSLOG_FILES if os.path.isfile(f)]
    if not syslog:
        raise CtdbError('CTDB logs to syslog (location = %s) but this node has neither journalctl nor %s: '
                        'give the file syslog writes to with path=' % (location, ' nor '.join(SYSLOG_FILES)))
    predicate = _log.make_filter(process=processes, contains=params['contains'], regex=params['regex'])
    entries, info = _read_file(syslog[0], params['lines'], predicate, since_epoch)
    return entries, info, dict(type='file', path=syslog[0], location=location)


def read_log(module: AnsibleModule) -> Result:
    """Arguments, locate, read, report."""
    params = module.params
    since_epoch, predicate = log_request(params)
    source, path, location = locate_log(module, params)
    if source == 'journal':
        entries, info, where = read_syslog(module, params, predicate, since_epoch, location)
    else:
        entries, info = _read_file(cast(str, path), params['lines'], predicate, since_epoch)  # a file has a path
        where = dict(type='file', path=path, location=location)
    result = dict(changed=False, source=where, raw=_log.render_raw(entries), parsed=entries,
                  scanned_lines=info['scanned_lines'], complete=info['reached_start'])
    if params['summary']:
        result['summary'] = _log.summarize(entries)
    return result


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, read_log)


if __name__ == '__main__':
    main()
