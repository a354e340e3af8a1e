# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  ctdb_base:
    description:
      - CTDB's configuration directory on the managed node, as the C(CTDB_BASE) environment variable gives it to the ctdb tools.
      - When not set, the C(CTDB_BASE) environment variable of the task is used (set it with the task's or play's C(environment) keyword),
        and C(/etc/ctdb) when that is not set either.
      - Files such as C(nodes), C(public_addresses) and C(ctdb.conf) default to this directory, and C(ctdb) commands are run with it.
    type: path
notes:
  - Commands are run with C(LC_ALL=C). C(CTDB_TEST_MODE) in the task's environment is passed to the ctdb tools unchanged,
    which is how the collection's sandbox runs several local daemons on one machine.
'''
