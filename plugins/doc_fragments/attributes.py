# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    """The attributes every module documents, as community.general's attributes fragment.

    A module extends ``ctdb.cluster.attributes`` (what check_mode and diff_mode mean; the platform,
    posix, as every module runs on a CTDB node), then gives each attribute's ``support`` and its own
    ``details``; a module that only reads also extends ``ctdb.cluster.attributes.read_only`` instead
    of giving check_mode and diff_mode.
    """

    DOCUMENTATION = r'''
options: {}
attributes:
  check_mode:
    description: Can run in check mode and then returns what would change, changing nothing.
  diff_mode:
    description: Returns what changed (or, in check mode, what would change) when run in diff mode.
  platform:
    support: full
    platforms: posix
    description: Runs on the CTDB node itself (the managed node), with its ctdb tools.
'''

    READ_ONLY = r'''
options: {}
attributes:
  check_mode:
    support: full
    details: The module only reads; it runs the same way in check mode.
  diff_mode:
    support: none
    details: Nothing is changed, so there is nothing to show.
'''
