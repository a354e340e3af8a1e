#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: samba_user
short_description: Manage one Samba user in the tdbsam passdb (replicated by CTDB in a cluster)
version_added: 0.3.0
description:
  - Adds, updates, enables, disables or removes one user of Samba's passdb with C(pdbedit) and C(smbpasswd), against
    the smb.conf given in O(smb_conf).
  - In a CTDB cluster (C(clustering = yes), C(passdb backend = tdbsam)), C(passdb.tdb) is a persistent database that
    CTDB replicates, so a user added on one node exists on every node. Run the task once for the cluster (with
    C(run_once=true)); the Unix account, though, must exist on every node, with the same UID everywhere.
  - Tells whether the password given is already the user's without changing anything, by comparing the NT hash
    Samba keeps (C(pdbedit -L -w)) with the NT hash of the password (MD4 of its UTF-16LE text, computed in Python
    where OpenSSL 3 offers no MD4). The password goes to C(smbpasswd) on standard input only, never on its command
    line; neither the password nor a hash is logged or returned.
  - Refuses, before anything changes, a user whose Unix account does not exist on the node the task runs on.
author:
  - Contributors to the ctdb.cluster collection (!UNKNOWN)
extends_documentation_fragment:
  - ctdb.cluster.attributes
attributes:
  check_mode:
    support: full
    details: Reads the passdb and reports what would change, including a password that would change; changes nothing.
  diff_mode:
    support: full
    details: The user's name, uid, enabled state and flags before and after, and whether the password changes (never the
      password or its hash).
  platform:
    details: Runs C(pdbedit) and C(smbpasswd) of the managed node, as root.
options:
  name:
    description:
      - The user's name, the name of an existing Unix account (1 to 32 characters from C(A-Z), C(a-z), C(0-9), C(_), C(.)
        and C(-), not starting with C(-) or C(.)).
    type: str
    required: true
  password:
    description:
      - The user's password. Required with O(state=present) when the user does not exist yet.
      - Not empty, at most 254 bytes in UTF-8, no line break or NUL character (C(smbpasswd -s) reads it as a line of
        standard input).
      - Ignored with O(state=absent).
    type: str
  update_password:
    description:
      - V(always) sets the password when it differs from the user's (compared through the NT hash, so an unchanged
        password reports C(changed=false)).
      - V(on_create) sets it only when the user is added.
    type: str
    choices: [always, on_create]
    default: always
  state:
    description:
      - V(present) adds the user or updates it, V(absent) removes it from the passdb (the Unix account is left alone,
        and need not exist).
    type: str
    choices: [present, absent]
    default: present
  enabled:
    description:
      - V(true) enables the account, V(false) disables it (the C(D) account flag, C(smbpasswd -e) / C(-d)).
      - Not given, a new user is enabled and an existing one keeps its state (C(smbpasswd) enables an account when it
        sets its password; the module disables it again at once).
      - Ignored with O(state=absent).
    type: bool
  smb_conf:
    description:
      - The smb.conf of the Samba whose passdb is managed, given to every command (C(pdbedit --configfile), C(smbpasswd
        -c)). It must exist, since without it the tools would fall back to their built-in defaults.
    type: path
    default: /etc/samba/smb.conf
notes:
  - Only the C(tdbsam) backend has been tested (Samba 4.17); the module reads and writes through the passdb backend
    that O(smb_conf) configures.
  - The uid returned is the one of the Unix account on the node the task ran on; the module cannot see the other
    nodes. Create the account everywhere with the same UID, for example with M(ansible.builtin.user) and its C(uid).
  - The password is compared in the UTF-8 form Ansible gives it; a smb.conf with another C(unix charset) would make
    smbpasswd read it differently.
seealso:
  - name: pdbedit(8)
    description: Samba's passdb tool.
    link: https://www.samba.org/samba/docs/current/man-html/pdbedit.8.html
  - name: smbpasswd(8)
    description: Setting, enabling and disabling Samba passwords.
    link: https://www.samba.org/samba/docs/current/man-html/smbpasswd.8.html
'''

EXAMPLES = r'''
- name: Unix account on every node of the cluster, same UID everywhere
  ansible.builtin.user:
    name: alice
    uid: 20001
    shell: /usr/sbin/nologin
    create_home: false

- name: Samba user, once for the whole CTDB cluster (passdb.tdb is replicated)
  ctdb.cluster.samba_user:
    name: alice
    password: "{{ vault_alice_password }}"
  run_once: true

- name: Set the password only when the user is created; users may change it later
  ctdb.cluster.samba_user:
    name: bob
    password: "{{ vault_bob_initial_password }}"
    update_password: on_create
  run_once: true

- name: Lock a user out without removing it
  ctdb.cluster.samba_user:
    name: bob
    enabled: false
  run_once: true

- name: Remove a user from the passdb
  ctdb.cluster.samba_user:
    name: carol
    state: absent
  run_once: true
'''

RETURN = r'''
user:
  description: The user after the task (predicted in check mode); null when it is not in the passdb. Never a hash.
  returned: success
  type: dict
  contains:
    name:
      description: The name as the passdb keeps it.
      type: str
      sample: alice
    uid:
      description: The Unix account's uid on this node; null when the Unix account does not exist.
      type: int
      sample: 20001
    enabled:
      description: False when the account is disabled (flag C(D)).
      type: bool
      sample: true
    flags:
      description: The account flags, in pdbedit's order (C(U) normal user, C(D) disabled, C(N) no password needed,
        C(X) password does not expire, C(L) locked after bad passwords, ...).
      type: str
      sample: U
    sid:
      description: The user's SID; null for a user added in check mode.
      type: str
      sample: S-1-5-21-716880451-1666182283-423108449-1000
password_changed:
  description: Whether the password was (in check mode, would be) set.
  returned: success
  type: bool
  sample: false
'''

import os
import pwd
from typing import List, Optional

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ctdb.cluster.plugins.module_utils import _passdb
from ansible_collections.ctdb.cluster.plugins.module_utils._errors import Result, run_module
from ansible_collections.ctdb.cluster.plugins.module_utils._md4 import nt_hash
from ansible_collections.ctdb.cluster.plugins.module_utils._passdb import PassdbEntry, SambaUserError
from ansible_collections.ctdb.cluster.plugins.module_utils._samba import SambaRunner


ARGUMENT_SPEC = dict(
    name=dict(type='str', required=True),
    password=dict(type='str', no_log=True),
    update_password=dict(type='str', choices=['always', 'on_create'], default='always', no_log=False),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    enabled=dict(type='bool'),
    smb_conf=dict(type='path', default='/etc/samba/smb.conf'),
)


def check_smb_conf(path: str) -> None:
    if not os.path.isfile(path) or not os.access(path, os.R_OK):
        raise SambaUserError('smb_conf %s does not exist or cannot be read: give the smb.conf of the Samba whose '
                             'passdb is managed (pdbedit and smbpasswd would otherwise fall back to their built-in '
                             'defaults)' % path, smb_conf=path)


def unix_uid(name: str) -> int:
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        raise SambaUserError('there is no Unix account %s on this node, and Samba needs one for every user: create '
                             'the account %s first on every node of the cluster, with the same UID everywhere, then '
                             'add the Samba user' % (name, name), name=name)


def read_entry(runner: SambaRunner, name: str) -> Optional[PassdbEntry]:
    rc, out, err = runner.run('pdbedit', ['-L', '-w', '-u', name], check_rc=False)
    return _passdb.lookup(rc, out, err, name, runner.smb_conf)


def read_sid(runner: SambaRunner, name: str) -> Optional[str]:
    out = runner.run('pdbedit', ['-L', '-v', '-u', name])[1]
    records = _passdb.parse_verbose(out)
    return records[0].get('User SID') if records else None


def apply(runner: SambaRunner, name: str, password: Optional[str], actions: List[str]) -> None:
    for action in actions:
        if action == 'add':
            runner.run('smbpasswd', ['-s', '-a', name], secret=password)
        elif action == 'set_password':
            runner.run('smbpasswd', ['-s', name], secret=password)
        elif action in ('disable', 'enable'):
            runner.run('smbpasswd', ['-d' if action == 'disable' else '-e', name])
        elif action == 'delete':
            runner.run('pdbedit', ['-x', '-u', name])


def verify(runner: SambaRunner, name: str, wanted: _passdb.Plan,
           password_hash: Optional[str]) -> Optional[_passdb.UserView]:
    """The user after the commands, checked against the plan; SambaUserError when the passdb disagrees."""
    entry = read_entry(runner, name)
    expected = wanted['after']
    if expected is None or entry is None:
        if entry is not None or expected is not None:
            raise SambaUserError('the commands for Samba user %s exited 0, but the user is %s the passdb of %s'
                                 % (name, 'still in' if entry else 'not in', runner.smb_conf), name=name)
        return None
    problems = []
    if wanted['password_changed'] and entry['nt_hash'] != password_hash:
        problems.append('its password is not the one given')
    if _passdb.enabled(entry['flags']) != expected['enabled']:
        problems.append('it is %s' % ('enabled' if _passdb.enabled(entry['flags']) else 'disabled'))
    if problems:
        raise SambaUserError('smbpasswd exited 0, but Samba user %s is not as asked: %s' % (name, ', '.join(problems)),
                             name=name)
    return _passdb.user_view(entry, read_sid(runner, name))


def manage_user(module: AnsibleModule) -> Result:
    params = module.params
    name = _passdb.check_name(params['name'])
    state = params['state']
    password = params['password'] if state == 'present' else None
    if password is not None:
        _passdb.check_password(password, name)
    check_smb_conf(params['smb_conf'])
    uid = unix_uid(name) if state == 'present' else None
    runner = SambaRunner.for_module(module, params['smb_conf'])
    current = read_entry(runner, name)
    sid = read_sid(runner, name) if current else None
    password_hash = nt_hash(password) if password is not None else None
    wanted = _passdb.plan(name, state, current, password_hash, params['update_password'],
                          params['enabled'] if state == 'present' else None, uid, sid)
    before = _passdb.user_view(current, sid) if current else None
    had_password = 'set' if current and current['nt_hash'] else 'none'
    new_password = 'changed' if current else 'set'
    result: Result = {'changed': bool(wanted['actions']), 'password_changed': wanted['password_changed'],
                      'user': wanted['after'] if wanted['actions'] else before}
    if module._diff:
        result['diff'] = {'before': _passdb.describe(before, had_password),
                          'after': _passdb.describe(wanted['after'],
                                                    new_password if wanted['password_changed'] else had_password),
                          'before_header': 'passdb user %s' % name, 'after_header': 'passdb user %s' % name}
    if module.check_mode or not wanted['actions']:
        return result
    apply(runner, name, password, wanted['actions'])
    result['user'] = verify(runner, name, wanted, password_hash)
    return result


def main() -> None:
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
    )
    run_module(module, manage_user)


if __name__ == '__main__':
    main()
