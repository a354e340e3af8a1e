# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that runs Samba's passdb tools (``pdbedit``, ``smbpasswd``) for a given smb.conf.

As :class:`~._runner.CtdbRunner` does for ctdb: argument lists, a C locale, the smb.conf on every
command (``pdbedit --configfile=PATH``, ``smbpasswd -L -c PATH``: smbpasswd's ``-s`` means "read
the password from stdin"), and failures raised as :class:`~._passdb.SambaUserError`. A secret
goes only to the command's standard input (``secret``), never into argv, the environment or an
error; an error carries stderr only, since pdbedit's stdout can hold hashes.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence

from ansible_collections.ctdb.cluster.plugins.module_utils._passdb import SambaUserError
from ansible_collections.ctdb.cluster.plugins.module_utils._runner import BinPath, CommandResult, RunCommand

if TYPE_CHECKING:  # pragma: no cover
    from ansible.module_utils.basic import AnsibleModule

PACKAGES = {'pdbedit': 'samba (Debian) or samba-common-tools (Fedora, EL)',
            'smbpasswd': 'samba-common-bin (Debian) or samba-client (Fedora, EL)'}


class SambaRunner:
    """Runs ``pdbedit`` or ``smbpasswd`` against ``smb_conf``; ``SambaRunner.for_module(module, smb_conf)``."""

    def __init__(self, run_command: RunCommand, bin_path: BinPath, smb_conf: str) -> None:
        self.smb_conf = smb_conf
        self._run_command = run_command
        self._bin_path = bin_path
        self._paths: Dict[str, str] = {}

    @classmethod
    def for_module(cls, module: 'AnsibleModule', smb_conf: str) -> 'SambaRunner':
        def bin_path(name: str) -> Optional[str]:
            found: Optional[str] = module.get_bin_path(name, opt_dirs=['/usr/bin', '/usr/sbin'])
            return found
        return cls(module.run_command, bin_path, smb_conf)

    def path(self, tool: str) -> str:
        if tool not in self._paths:
            found = self._bin_path(tool)
            if not found:
                raise SambaUserError('%s command not found: install %s on this node' % (tool, PACKAGES.get(tool, tool)))
            self._paths[tool] = found
        return self._paths[tool]

    def argv(self, tool: str, args: Sequence[Any]) -> List[str]:
        config = ['--configfile=%s' % self.smb_conf] if tool == 'pdbedit' else ['-L', '-c', self.smb_conf]
        return [self.path(tool)] + config + [str(arg) for arg in args]

    def run(self, tool: str, args: Sequence[Any], secret: Optional[str] = None, check_rc: bool = True) -> CommandResult:
        """Run ``tool`` with ``args`` -> ``(rc, stdout, stderr)``; ``secret`` (a password) is written twice to its
        stdin, each time with a newline, as ``smbpasswd -s`` asks. With check_rc, SambaUserError on a non-zero exit."""
        argv = self.argv(tool, args)
        extra: Dict[str, Any] = {}
        if secret is not None:
            extra = {'data': '%s\n%s\n' % (secret, secret), 'binary_data': True}
        rc, out, err = self._run_command(argv, environ_update={'LC_ALL': 'C', 'LANG': 'C'}, **extra)
        if rc != 0 and check_rc:
            words = ' '.join([tool] + [str(arg) for arg in args])
            raise SambaUserError('%s failed with exit code %d: %s' % (words, rc, (err or '').strip() or 'no output'),
                                 rc=rc, stderr=err, cmd=argv, smb_conf=self.smb_conf)
        return rc, out, err
