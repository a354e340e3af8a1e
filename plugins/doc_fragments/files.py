# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    """What the modules that write one of CTDB's files share (ctdb_conf, ctdb_nodes, ctdb_addresses)."""

    DOCUMENTATION = r'''
options:
  path:
    description:
      - The file to manage, by default in the CTDB configuration directory (see O(ctdb_base)).
      - When it is a symbolic link (for example into the cluster file system, see M(ctdb.cluster.ctdb_link)),
        the link's target is written and the link kept.
    type: path
  backup:
    description:
      - Keep a timestamped copy of the old file next to it when it changes; its name is returned as RV(backup_file).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details: Computes the new file and reports whether it would change, writing nothing.
  diff_mode:
    support: full
    details: Returns the file's text before and after.
notes:
  - The new file is written to a temporary file and moved over the old one, so a reader sees the old or the new
    file, never a part; an existing file keeps its owner and mode.
  - Nothing on disk changes when a value is refused.
'''
