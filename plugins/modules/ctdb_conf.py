#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ctdb_conf
short_description: Read or change CTDB's ctdb.conf, checked against the options CTDB knows
version_added: 0.1.0
description:
  - Without O(content), O(settings) or O(option), reads C($CTDB_BASE/ctdb.conf) and returns its text (RV(raw),
    the REST API's GET shape) and what ctdbd reads from it (RV(parsed)). Nothing is changed.
  - With O(content), makes the file hold exactly that text (the REST API's POST C(raw)).
  - With O(settings), or O(section), O(option) and O(value), sets or removes single options and keeps every
    other byte of the file (comments, order, blank lines, indentation such as Debian's tabs). A new option goes
    right after its commented-out example (C(# cluster lock = ...)) when the section has one, else after the
    section's last option; a missing section is appended.
  - Every section and option is checked against the ones CTDB knows (see ctdb.conf(5)). ctdbd silently ignores
    an unknown option, so a typo such as C(clustr lock) would leave the cluster without a lock; here it fails,
    naming the closest known option. Values are checked by type (booleans, numbers, log levels, addresses).
  - The module knows the options of every Samba release from 4.9 to 4.24, with the release that added each one
    (for example C([failover] shutdown failover timeout) and C(shutdown extra timeout), Samba 4.23, 4.22.2 and 4.21.6),
    and refuses an option the installed ctdb does not have. For a ctdb newer than 4.24, an option the module does
    not know is written with a warning and left to C(ctdb-config validate) to accept or refuse (so O(validate)
    must be true and C(ctdb-config) installed; otherwise it is refused).
  - Values holding a NUL byte are refused (ctdbd would read the line only up to it), in O(content) as in O(settings).
  - Samba 4.16 renamed C([cluster] recovery lock) to C(cluster lock) (the old name is deprecated) and
    C([legacy] recmaster capability) to C([cluster] leader capability). The module writes the name the installed
    ctdb reads (version from C(ctdb version), or O(ctdb_version)), renaming an old line in place, and warns when
    the deprecated name is given or found.
  - Before a new file is installed it is checked by CTDB's own C(ctdb-config validate), run on a copy in a
    temporary C(CTDB_BASE) with C(CTDB_TEST_MODE=yes). A file it rejects is refused and the old file is left
    untouched. See O(validate).
  - The file is replaced atomically; O(backup) keeps a copy of the old one.
author:
  - Contributors to the ctdb.cluster collection (!UNKNOWN)
extends_documentation_fragment:
  - ctdb.cluster.ctdb
  - ctdb.cluster.files
  - ctdb.cluster.attributes
attributes:
  check_mode:
    support: full
    details: Computes and validates the new file and reports whether it would change, writing nothing.
  diff_mode:
    support: full
    details: Returns the file's text before and after.
  platform:
    details: Runs on the CTDB node; C(ctdb-config) and C(ctdb) come from the node's ctdb package.
options:
  path:
    description:
      - The configuration file. Defaults to C(ctdb.conf) in the CTDB configuration directory (see O(ctdb_base)).
      - When it is a symbolic link, the file it points to is replaced and the link kept.
    type: path
  content:
    description:
      - The whole text of the file, like the REST API's C(raw). Written as given, after the checks above.
      - Mutually exclusive with O(settings) and O(section).
    type: str
  settings:
    description:
      - "Options to set, as a dictionary of sections each mapping option names to values,
        for example C({cluster: {'cluster lock': '/shared/lock'}})."
      - A null value removes the option. With O(state=absent) every option listed is removed, whatever its value.
      - Section names are matched without case (as CTDB does); option names are exact, with single spaces
        (C(cluster lock), not C(cluster_lock)).
      - Booleans may be given as YAML booleans (written C(true)/C(false)) or as C(yes)/C(no)/C(true)/C(false).
        A value equal to the file's as ctdbd reads it (C(yes) and C(true), C(NOTICE) and C(notice), runs of
        blanks) is left as it is.
    type: dict
  section:
    description:
      - The section of the single O(option) to set or remove, such as C(cluster).
    type: str
  option:
    description:
      - The single option to set to O(value) (O(state=present)) or remove (O(state=absent)), such as C(cluster lock).
    type: str
  value:
    description:
      - The value of O(option). Required with O(state=present).
    type: raw
  state:
    description:
      - With O(option) or O(settings), whether the options must be set (V(present)) or removed (V(absent)).
    type: str
    choices: [present, absent]
    default: present
  create:
    description:
      - Whether to create the file when it does not exist. With V(false) a missing file fails the task.
    type: bool
    default: true
  validate:
    description:
      - Check the new file with C(ctdb-config validate) (from C(/usr/libexec/ctdb)) before installing it.
      - When C(ctdb-config) is not installed the check is skipped with a warning.
      - Validation also checks what the file refers to on this node, such as that the database directories
        exist and that a C(debug script) exists in the CTDB configuration directory.
    type: bool
    default: true
  ctdb_version:
    description:
      - The Samba/ctdb version whose option names to write, such as V(4.15) or V(4.17.12).
      - By default it is read from C(ctdb version); when ctdb is not installed, the newest names are used, with a warning.
    type: str
notes:
  - ctdbd reads ctdb.conf only when it starts; restart it (on every node) for a change to take effect.
  - The cluster lock must be byte-for-byte the same on every node, or nodes shut down during recovery.
  - "Only whole-line comments exist in ctdb.conf (C(#) or C(;) first): C(key = value # text) sets the value
    C(value # text). Lines ctdbd would silently ignore or stop reading at (no C(=), a C([section) without C(]))
    are refused."
seealso:
  - name: ctdb.conf(5)
    description: The options of ctdb.conf.
    link: https://www.samba.org/samba/docs/current/man-html/ctdb.conf.5.html
'''

EXAMPLES = r'''
- name: Read ctdb.conf
  ctdb.cluster.ctdb_conf:
  register: conf

- name: Show the cluster lock ctdbd uses
  ansible.builtin.debug:
    msg: "{{ conf.cluster_lock }}"

- name: Set the cluster lock (written as 'recovery lock' on ctdb before 4.16)
  ctdb.cluster.ctdb_conf:
    section: cluster
    option: cluster lock
    value: "!/usr/libexec/ctdb/ctdb_mutex_fcntl_helper /clusterfs/.ctdb/cluster.lock"
    backup: true

- name: Set several options, remove one
  ctdb.cluster.ctdb_conf:
    settings:
      logging:
        location: syslog
        log level: NOTICE
      legacy:
        realtime scheduling: false
        start as disabled: null

- name: Remove an option
  ctdb.cluster.ctdb_conf:
    section: logging
    option: log level
    state: absent

- name: Write the whole file, like the REST API's POST
  ctdb.cluster.ctdb_conf:
    content: |
      [logging]
          location = syslog
      [cluster]
          cluster lock = /clusterfs/.ctdb/cluster.lock
'''

RETURN = r'''
raw:
  description: The file's text (after the change, or as it would be in check mode); empty when there is no file.
  returned: always
  type: str
  sample: "[logging]\n\tlocation = syslog\n[cluster]\n\tcluster lock = /clusterfs/.ctdb/cluster.lock\n"
parsed:
  description:
    - What ctdbd reads from RV(raw), as a dictionary of sections each mapping option names to values;
      sections lower-cased and merged, the last of two settings winning, blanks squeezed as ctdbd does.
  returned: always
  type: dict
  sample: {"logging": {"location": "syslog"}, "cluster": {"cluster lock": "/clusterfs/.ctdb/cluster.lock"}}
unparsable:
  description: Lines of RV(raw) that ctdbd does not read (shown in a read; a write refuses them).
  returned: always
  type: list
  elements: str
  sample: []
cluster_lock:
  description: The cluster lock ctdbd uses, from C(cluster lock) or else the deprecated C(recovery lock); null when none.
  returned: always
  type: str
  sample: "!/usr/libexec/ctdb/ctdb_mutex_fcntl_helper /clusterfs/.ctdb/cluster.lock"
lock_key:
  description: The name of the cluster lock option for RV(ctdb_version), C(cluster lock) or C(recovery lock).
  returned: always
  type: str
  sample: cluster lock
ctdb_version:
  description: The ctdb version used to choose option names (O(ctdb_version) or C(ctdb version)); null when unknown.
  returned: always
  type: str
  sample: "4.17.12"
path:
  description: The file read or written.
  returned: always
  type: str
  sample: /etc/ctdb/ctdb.conf
exists:
  description: Whether the file exists (after the change; in check mode, before it).
  returned: always
  type: bool
  sample: true
changes:
  description: What was changed, one sentence per option.
  returned: always
  type: list
  elements: str
  sample: ['set [cluster] "cluster lock" = /clusterfs/.ctdb/cluster.lock (line 22)']
validated:
  description: Whether C(ctdb-config validate) checked the new file (false when nothing changed or it was skipped).
  returned: always
  type: bool
  sample: true
backup_file:
  description: The copy of the old file, when O(backup=true) and the file changed.
  returned: changed and O(backup=true)
  type: str
  sample: /etc/ctdb/ctdb.conf.12345.2026-01-01@10:00:00~
'''

import os
from typing import Any, Dict, List, Mapping, Optional, Tuple

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ctdb.cluster.plugins.module_utils._conf import (
    CONF_FILE,
    ConfError,
    Version,
    apply_settings,
    check_content,
    format_version,
    lock_key,
    newer_than_table,
    normalize_settings,
    read,
    script_names,
)
from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError, Result, run_module
from ansible_collections.ctdb.cluster.plugins.module_utils._files import WriteResult, read_file, write_file
from ansible_collections.ctdb.cluster.plugins.module_utils._runner import (
    ConfigValidator, CtdbRunner, ctdb_base, parse_version)

ARGUMENT_SPEC = dict(
    path=dict(type='path'),
    content=dict(type='str'),
    settings=dict(type='dict'),
    section=dict(type='str'),
    option=dict(type='str'),
    value=dict(type='raw'),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    create=dict(type='bool', default=True),
    backup=dict(type='bool', default=False),
    validate=dict(type='bool', default=True),
    ctdb_version=dict(type='str'),
    ctdb_base=dict(type='path'),
)
MUTUALLY_EXCLUSIVE = [('content', 'settings'), ('content', 'section'), ('settings', 'section'), ('settings', 'option'),
                      ('content', 'option'), ('settings', 'value'), ('content', 'value')]


def conf_request(params: Mapping[str, Any]) -> Dict[str, Any]:
    """What the task asks: ``{writing, changes, where}`` (changes: (section, key, value|None)); CtdbError if unclear."""
    if params['content'] is not None and params['state'] == 'absent':
        raise CtdbError('state=absent removes options given with settings or option; it cannot be used with content')
    if params['option'] is not None and params['state'] == 'present' and params['value'] is None:
        raise CtdbError('value is required to set [%s] "%s"; use state=absent to remove it'
                        % (params['section'], params['option']))
    if params['settings'] is not None:
        changes, where = normalize_settings(params['settings']), 'settings'
    elif params['option'] is not None:
        changes, where = [(params['section'], params['option'], params['value'])], 'option'
    else:
        changes, where = None, 'content'
    if changes is not None and params['state'] == 'absent':
        changes = [(section, key, None) for section, key, dummy in changes]
    writing = params['content'] is not None or changes is not None
    return {'writing': writing, 'changes': changes, 'where': where}


def installed_version(given: Optional[str], runner: CtdbRunner) -> Tuple[Optional[Version], Optional[str]]:
    """(version tuple or None, warning or None): ``ctdb_version`` when given, else ``ctdb version``."""
    if given:
        version = parse_version(given)
        if version is None:
            raise CtdbError('ctdb_version must look like 4.17 or 4.17.12, not %r' % given)
        return version, None
    if not runner.installed():
        return None, 'ctdb is not installed, so its version is unknown: writing the option names of current Samba ' \
                     '("cluster lock"); set ctdb_version for an older ctdb'
    version = runner.version()
    if version is None:
        return None, 'could not read the version from "ctdb version": writing the option names of current Samba; ' \
                     'set ctdb_version to choose'
    return version, None


def plan_conf(before: Optional[str], content: Optional[str], request: Mapping[str, Any], version: Optional[Version],
              path: str, allow_unknown: bool = False) -> Dict[str, Any]:
    """The candidate file: ``{candidate, warnings, notes}``; ConfError naming the bad option or value."""
    if content is not None:
        if '\x00' in content:
            raise ConfError('content holds a NUL byte (at character %d): ctdbd reads a line only up to it; remove it'
                            % content.index('\x00'))
        warnings = check_content(content, version, 'content', allow_unknown)
        notes = ['wrote the whole file from content'] if content != before else []
        return {'candidate': content, 'warnings': warnings, 'notes': notes}
    candidate, warnings, notes = apply_settings(before or '', request['changes'], version, request['where'], path,
                                                allow_unknown)
    return {'candidate': candidate, 'warnings': warnings, 'notes': notes}


def report_read(module: AnsibleModule, result: Result, before: Optional[str], version: Optional[Version],
                path: str) -> Result:
    """The read-only result; a bad file is warned about, never a failure."""
    result.update(read(before or ''))
    result['exists'] = before is not None
    try:
        for warning in check_content(before or '', version, path, allow_unknown=newer_than_table(version)):
            module.warn(warning)
    except ConfError as exc:
        module.warn('%s (ctdbd ignores or rejects this)' % exc)
    return result


def manage_conf(module: AnsibleModule) -> Result:
    """Arguments, read, plan, apply, report."""
    params = module.params
    base = ctdb_base(module)
    path = params['path'] or os.path.join(base, CONF_FILE)
    request = conf_request(params)
    before = read_file(path, missing_ok=True)
    version, version_warning = installed_version(params['ctdb_version'], CtdbRunner(module))
    result: Dict[str, Any] = dict(changed=False, path=path, changes=[], validated=False,
                                  ctdb_version=format_version(version) if version else None, lock_key=lock_key(version))
    if not request['writing']:
        return report_read(module, result, before, version, path)
    if before is None and not params['create']:
        raise CtdbError('%s does not exist and create=false: set create=true to create it, or fix path' % path,
                        path=path)
    if version_warning:
        module.warn(version_warning)

    validator = ConfigValidator(module.tmpdir, module=module)
    # A ctdb newer than the table may have options the table lacks: its own ctdb-config decides.
    allow_unknown = newer_than_table(version) and params['validate'] and validator.available()
    try:
        plan = plan_conf(before, params['content'], request, version, path, allow_unknown)
    except ConfError as exc:
        raise CtdbError(exc.msg, path=path)
    for warning in plan['warnings']:
        module.warn(warning)
    candidate = plan['candidate']
    if before is None and candidate == '' and params['content'] is None:
        # Removing options from a file that does not exist: nothing to do.
        result.update(read(''), exists=False)
        return result
    if candidate != before and params['validate']:
        result['validated'] = validate_candidate(module, validator, candidate, path, base)

    written = write_file(path, candidate, check_mode=module.check_mode, backup_wanted=params['backup'])
    return report_write(module, result, written, candidate, plan['notes'], before is not None)


def report_write(module: AnsibleModule, result: Result, written: WriteResult, candidate: str, notes: List[str],
                 existed: bool) -> Result:
    result.update(read(candidate), changed=written['changed'], changes=notes if written['changed'] else [],
                  exists=existed or not module.check_mode)
    if module._diff:
        result['diff'] = written['diff']
    if written['backup_file']:
        result['backup_file'] = written['backup_file']
    return result


def validate_candidate(module: AnsibleModule, validator: ConfigValidator, candidate: str, path: str,
                       base: str) -> bool:
    """Whether ctdb-config validate checked ``candidate`` (False when not installed); CtdbError if it refused it."""
    if not validator.available():
        module.warn('ctdb-config is not installed (it comes with the ctdb package), so the new ctdb.conf was not '
                    'validated by CTDB itself')
        return False
    validator.validate(candidate, base, script_names(candidate), keep=path)
    return True


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, mutually_exclusive=MUTUALLY_EXCLUSIVE,
                           required_together=[('section', 'option')], required_by={'value': 'option'},
                           supports_check_mode=True)
    run_module(module, manage_conf)


if __name__ == '__main__':
    main()
