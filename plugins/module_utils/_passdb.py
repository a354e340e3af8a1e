# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Samba's passdb as data: pdbedit's listings parsed, the arguments checked, the plan of commands.

Pure code (no AnsibleModule, no I/O) for the ``samba_user`` module, tested on real outputs of
Debian's pdbedit 4.17 (tests/fixtures/samba/). A passdb entry never leaves this module with its
hash in a report: :func:`user_view` is what a module returns.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
from typing import Dict, List, Optional, TypedDict

from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError

# A Unix and Samba user name this module manages: letters, digits, "_", "." and "-", not starting
# with "-" (it would read as an option of pdbedit/smbpasswd) nor "."; 32 bytes at most (useradd's limit).
NAME_PATTERN = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]*$')
NAME_MAX = 32
# smbpasswd -s reads each line of stdin into 256 bytes (newline and NUL included).
PASSWORD_MAX_BYTES = 254
# pdbedit prints uid (uint32)-1 for an entry whose Unix account does not exist.
NO_UID = 4294967295
# The order in which pdbedit prints the account flags (pdb_encode_acct_ctrl).
FLAG_ORDER = 'NDHTUMWSLXI'
HEX32 = re.compile(r'^[0-9A-Fa-f]{32}$')
NOT_FOUND = 'Username not found!'
# What a plan may do, in this order: smbpasswd -a (add with password), smbpasswd (set the password),
# smbpasswd -d / -e, pdbedit -x.
ACTIONS = ('add', 'set_password', 'disable', 'enable', 'delete')


class SambaUserError(CtdbError):
    """A Samba user that cannot be managed as asked: the bad value and the fix."""


class PassdbEntry(TypedDict):
    """One line of ``pdbedit -L -w``. ``nt_hash`` (upper-case hex, or None when no password is
    stored) is for comparing only: never return it."""
    name: str
    uid: Optional[int]
    nt_hash: Optional[str]
    flags: str


class UserView(TypedDict):
    """What the module returns about a user: no hash, no password."""
    name: str
    uid: Optional[int]
    enabled: bool
    flags: str
    sid: Optional[str]


class Plan(TypedDict):
    """The commands to run (``actions``, in order), what they change, and the user after them."""
    actions: List[str]
    password_changed: bool
    after: Optional[UserView]


def check_name(name: str) -> str:
    """``name`` when it is a user name this module manages; SambaUserError naming it otherwise."""
    if not NAME_PATTERN.fullmatch(name or '') or len(name.encode('utf-8')) > NAME_MAX:
        raise SambaUserError(
            'invalid Samba user name %r: give the name of a Unix account, 1 to %d characters from A-Z, a-z, 0-9, '
            '"_", "." and "-", not starting with "-" or "."' % (name, NAME_MAX), name=name)
    return name


def check_password(password: str, name: str) -> None:
    """SambaUserError (never quoting the password) if smbpasswd cannot take ``password`` on stdin as it is."""
    problem = None
    if password == '':
        problem = 'it is empty: give a password, or leave out password to keep the current one'
    elif '\n' in password or '\r' in password or '\x00' in password:
        problem = ('it contains a line break or a NUL character, which smbpasswd cannot read on standard input: '
                   'choose a password without them')
    elif len(password.encode('utf-8')) > PASSWORD_MAX_BYTES:
        problem = ('it is %d bytes long in UTF-8, and smbpasswd reads at most %d: choose a shorter one'
                   % (len(password.encode('utf-8')), PASSWORD_MAX_BYTES))
    if problem:
        raise SambaUserError('the password given for Samba user %s cannot be used: %s' % (name, problem), name=name)


def _flags(field: str, line_number: int) -> str:
    match = re.match(r'^\[([A-Z ]*)\]$', field)
    if not match:
        raise SambaUserError('pdbedit -L -w line %d: account flags %r are not [LETTERS]' % (line_number, field))
    return ''.join(letter for letter in FLAG_ORDER if letter in match.group(1))


def parse_smbpasswd(text: str) -> List[PassdbEntry]:
    """The entries of ``pdbedit -L -w`` (``name:uid:LMHASH:NTHASH:[FLAGS]:LCT-XXXXXXXX:``), in order."""
    entries: List[PassdbEntry] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split(':')
        if len(fields) < 6 or not fields[1].isdigit():
            # the line holds hashes: say where, never what
            raise SambaUserError('pdbedit -L -w line %d is not name:uid:LMHASH:NTHASH:[FLAGS]:LCT-...: (%d fields)'
                                 % (number, len(fields)))
        uid = int(fields[1])
        nt_field = fields[3]
        entries.append({'name': fields[0], 'uid': None if uid == NO_UID else uid,
                        'nt_hash': nt_field.upper() if HEX32.match(nt_field) else None,
                        'flags': _flags(fields[4], number)})
    return entries


def parse_verbose(text: str) -> List[Dict[str, str]]:
    """The records of ``pdbedit -L -v`` (``Key: value`` lines; records apart by a line of dashes)."""
    records: List[Dict[str, str]] = []
    current: Dict[str, str] = {}
    for line in text.splitlines():
        if re.match(r'^-{3,}\s*$', line):
            if current:
                records.append(current)
            current = {}
            continue
        if ':' not in line:
            continue
        key, value = line.split(':', 1)
        current[key.strip()] = value.strip()
    if current:
        records.append(current)
    return records


def lookup(rc: int, stdout: str, stderr: str, name: str, smb_conf: str) -> Optional[PassdbEntry]:
    """The entry of ``name`` from ``pdbedit -L -w -u NAME`` (its rc, stdout, stderr); None when not in the passdb.

    pdbedit exits 255 and prints "Username not found!" for a missing user, but also after failing to open the
    passdb or to load smb.conf, with more lines before it: only that line alone means "no such user".
    """
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if rc != 0:
        if lines == [NOT_FOUND]:
            return None
        raise SambaUserError('pdbedit could not read Samba user %s from the passdb of %s (exit code %d): %s: check '
                             'smb_conf and its passdb backend, private dir and state directory'
                             % (name, smb_conf, rc, '; '.join(lines) or 'no output'),
                             rc=rc, stderr=stderr, name=name, smb_conf=smb_conf)
    found = [entry for entry in parse_smbpasswd(stdout) if entry['name'].lower() == name.lower()]
    if not found:
        raise SambaUserError('pdbedit -L -w -u %s exited 0 without a line for %s' % (name, name), name=name)
    return found[0]


def enabled(flags: str) -> bool:
    return 'D' not in flags


def _with_disabled(flags: str, disabled: bool) -> str:
    letters = set(flags.replace('D', '')) | ({'D'} if disabled else set())
    return ''.join(letter for letter in FLAG_ORDER if letter in letters)


def user_view(entry: PassdbEntry, sid: Optional[str] = None) -> UserView:
    """The reportable part of an entry (no hash)."""
    return {'name': entry['name'], 'uid': entry['uid'], 'enabled': enabled(entry['flags']), 'flags': entry['flags'],
            'sid': sid}


def plan(name: str, state: str, current: Optional[PassdbEntry], password_hash: Optional[str],
         update_password: str, want_enabled: Optional[bool], uid: Optional[int], sid: Optional[str] = None) -> Plan:
    """What to run to get from ``current`` (None: not in the passdb) to what is asked.

    ``password_hash`` is the NT hash of the password given (None: none given), ``want_enabled`` None keeps the
    account as it is, ``uid`` is the Unix account's (for the predicted entry of a new user). smbpasswd enables a
    disabled account when it sets its password, so a disabled account is disabled again afterwards.
    """
    if state == 'absent':
        return {'actions': ['delete'] if current else [], 'password_changed': False, 'after': None}
    if current is None:
        if password_hash is None:
            raise SambaUserError('Samba user %s does not exist yet, and a new user needs a password: give password '
                                 '(or state=absent)' % name, name=name)
        actions = ['add'] + (['disable'] if want_enabled is False else [])
        after: PassdbEntry = {'name': name, 'uid': uid, 'nt_hash': None,
                              'flags': _with_disabled('U', want_enabled is False)}
        return {'actions': actions, 'password_changed': True, 'after': user_view(after)}
    was_enabled = enabled(current['flags'])
    keep_enabled = was_enabled if want_enabled is None else want_enabled
    change_password = (password_hash is not None and update_password == 'always'
                       and current['nt_hash'] != password_hash)
    if change_password:
        actions = ['set_password'] + ([] if keep_enabled else ['disable'])
    elif keep_enabled != was_enabled:
        actions = ['enable' if keep_enabled else 'disable']
    else:
        actions = []
    after = {'name': current['name'], 'uid': current['uid'], 'nt_hash': None,
             'flags': _with_disabled(current['flags'], not keep_enabled)}
    return {'actions': actions, 'password_changed': change_password, 'after': user_view(after, sid)}


def describe(view: Optional[UserView], password: str) -> str:
    """A user as the diff shows it: no hash, the password only as ``password``'s word (set, changed)."""
    if view is None:
        return ''
    return 'name: %s\nuid: %s\nenabled: %s\nflags: [%s]\npassword: %s\n' % (
        view['name'], view['uid'], 'yes' if view['enabled'] else 'no', view['flags'], password)
