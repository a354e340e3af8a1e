# -*- coding: utf-8 -*-
# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reads the cluster through a CtdbRunner: node table, public address placement, tunables, databases.

The runner is passed in, failures raise CtdbError, and all the parsing is done by the pure
parsers (_status, _ips, _tunables); these functions only run the commands and glue.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from typing import Any, Dict, List, Optional, Sequence, Tuple, TypedDict

from ansible_collections.ctdb.cluster.plugins.module_utils._db import DbEntry
from ansible_collections.ctdb.cluster.plugins.module_utils._errors import CtdbError
from ansible_collections.ctdb.cluster.plugins.module_utils._ips import IpRow, Placement
from ansible_collections.ctdb.cluster.plugins.module_utils._runner import CtdbRunner
from ansible_collections.ctdb.cluster.plugins.module_utils._status import ClusterView
from ansible_collections.ctdb.cluster.plugins.module_utils import _db, _ips, _status, _tunables

NO_NODE_LINE = 'ctdb status printed no node line this module can read'


def run_or_raise(runner: CtdbRunner, args: Sequence[Any], timeout: Optional[float] = None) -> str:
    """Run ``ctdb ARGS``; the stdout, or the runner's CtdbError (ctdb's own words, and the fix when known)."""
    return runner.run(args, check_rc=True, timeout=timeout)[1]


class StatusRead(TypedDict):
    """What one read of ``ctdb status`` returns: the outputs as ctdb printed them, and what they say."""
    raw: str
    raw_machine: Optional[str]
    parsed: Dict[str, Any]
    cluster: ClusterView


def read_status_outputs(runner: CtdbRunner, machine_readable: str = 'auto',
                        timeout: Optional[float] = None) -> StatusRead:
    """``ctdb status``, and ``ctdb -X status`` when ``machine_readable`` is ``always``, or ``auto`` and the text
    has lines it cannot read; the machine table is merged into the cluster view when it reads."""
    out = run_or_raise(runner, ['status'], timeout)
    parsed = _status.parse_status_text(out)
    result = StatusRead(raw=out, raw_machine=None, parsed=parsed['parsed'], cluster=parsed['cluster'])
    if machine_readable == 'always' or (machine_readable == 'auto' and _status.needs_machine_readable(parsed)):
        machine_out = run_or_raise(runner, ['-X', 'status'], timeout)
        machine = _status.parse_status_machine(machine_out)
        result['raw_machine'] = machine_out
        if machine['nodes'] and not machine['unparsable']:
            result['cluster'] = _status.merge_machine_nodes(result['cluster'], machine)
        elif machine_readable == 'always':
            raise CtdbError('could not read the node table of ctdb -X status (lines: %s); use machine_readable=auto '
                            'to rely on the text output' % '; '.join(machine['unparsable'][:5] or ['none']),
                            raw=out, raw_machine=machine_out)
    if not result['cluster']['nodes']:
        raise CtdbError('%s: %r' % (NO_NODE_LINE, out[:500]), raw=out, parsed=result['parsed'])
    return result


def read_status(runner: CtdbRunner, timeout: Optional[float] = None) -> ClusterView:
    """The typed cluster view of ``ctdb status`` (``-X status`` too when the text has lines it cannot read)."""
    return read_status_outputs(runner, 'auto', timeout)['cluster']


def read_ips(runner: CtdbRunner, pnn: Optional[int] = None, verbose: bool = False,
             timeout: Optional[float] = None) -> List[IpRow]:
    """Rows of ``ctdb -X ip all`` (every address, serving node) or, with ``pnn``, ``ctdb -n PNN -X ip``."""
    args = (['-n', str(pnn)] if pnn is not None else []) + ['-X', 'ip'] + (['-v'] if verbose else [])
    if pnn is None:
        args.append('all')
    out = run_or_raise(runner, args, timeout)
    try:
        return _ips.parse_ip_machine(out)
    except _ips.IpsError as exc:
        raise CtdbError('cannot read the output of ctdb %s: %s' % (' '.join(args), exc), stdout=out)


def read_placement(runner: CtdbRunner, cluster: ClusterView,
                   timeout: Optional[float] = None) -> Tuple[List[IpRow], List[Placement]]:
    """(rows of ip all, placement list) with every answering node asked for its own addresses."""
    rows = read_ips(runner, timeout=timeout)
    node_rows: Dict[int, List[IpRow]] = {}
    for node in cluster['nodes']:
        if 'DISCONNECTED' in node['flags']:
            continue
        rc, out, dummy = runner.run(['-n', str(node['pnn']), '-X', 'ip', '-v'], check_rc=False, timeout=timeout)
        if rc == 0:
            try:
                node_rows[node['pnn']] = _ips.parse_ip_machine(out)
            except _ips.IpsError:
                continue
    return rows, _ips.placement(rows, node_rows, cluster['nodes'])


def read_tunables(runner: CtdbRunner, pnn: Optional[int] = None, timeout: Optional[float] = None) -> Dict[str, int]:
    """``{Name: int}`` of ``ctdb listvars`` (on node ``pnn`` when given)."""
    args = (['-n', str(pnn)] if pnn is not None else []) + ['listvars']
    values = _tunables.parse_listvars(run_or_raise(runner, args, timeout))
    if not values:
        raise CtdbError('ctdb listvars printed no tunable this module can read')
    return values


def read_dbmap(runner: CtdbRunner, timeout: Optional[float] = None) -> Tuple[List[DbEntry], str]:
    """(the attached databases, the output read) of ``ctdb -X getdbmap``, or of ``ctdb getdbmap`` when the
    machine-readable form has no column this module knows."""
    out = run_or_raise(runner, ['-X', 'getdbmap'], timeout)
    try:
        return _db.parse_dbmap_machine(out), out
    except _db.DbError:
        text = run_or_raise(runner, ['getdbmap'], timeout)
        return _db.parse_dbmap_text(text), text


def read_dbstatus(runner: CtdbRunner, name: str, timeout: Optional[float] = None) -> Tuple[Dict[str, str], str]:
    """(fields, output) of ``ctdb getdbstatus NAME``."""
    out = run_or_raise(runner, ['getdbstatus', name], timeout)
    return _db.parse_dbstatus(out), out


def read_seqnum(runner: CtdbRunner, name: str, timeout: Optional[float] = None) -> int:
    """The sequence number of the persistent database ``name`` (``ctdb getdbseqnum NAME``)."""
    return _db.parse_seqnum(run_or_raise(runner, ['getdbseqnum', name], timeout))
