# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the module unit tests share: module arguments in, exit_json/fail_json out as exceptions."""

from ansible.module_utils.testing import patch_module_args  # noqa: F401  pylint: disable=unused-import


class ExitJson(Exception):
    """Raised in place of AnsibleModule.exit_json; its argument is the result."""


class FailJson(Exception):
    """Raised in place of AnsibleModule.fail_json; its argument is the result."""
