# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error type the collection's helpers raise.

Helpers (the runner, the file writer, planners) never call ``fail_json``: they raise
:class:`CtdbError` with the message a person can act on and the data to return beside
it. Each module turns it into ``fail_json`` in one place (:func:`run_module`), so the
helpers are tested without an ``AnsibleModule``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from typing import TYPE_CHECKING, Any, Callable, Dict, Optional

if TYPE_CHECKING:  # pragma: no cover
    from ansible.module_utils.basic import AnsibleModule

# What a module reports: the keyword arguments of exit_json.
Result = Dict[str, Any]


class CtdbError(Exception):
    """A failure with a message naming the bad value and the fix, plus result data."""

    def __init__(self, msg: str, **data: Any) -> None:
        super(CtdbError, self).__init__(msg)
        self.msg = msg
        self.data = data

    def located(self, path: Optional[str]) -> 'CtdbError':
        """This error about the file ``path``: ``PATH: message``, with ``path`` in the data (unchanged if None)."""
        if path is None:
            return self
        return type(self)('%s: %s' % (path, self.msg), **dict(self.data, path=path))


def run_module(module: 'AnsibleModule', body: Callable[['AnsibleModule'], Result]) -> None:
    """Run ``body(module)`` -> result dict; exit with it, or fail with a CtdbError's message and data."""
    try:
        result = body(module)
    except CtdbError as exc:
        module.fail_json(msg=exc.msg, **exc.data)
    module.exit_json(**result)
