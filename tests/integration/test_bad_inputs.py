# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module's bad-input table (tests/integration/bad_inputs/*.yml) through real ansible-playbook.

Each case runs on every sandbox node, in check mode and for real: the module fails with
exactly the table's message, changes nothing it reports, and leaves every file of the nodes
and of the scratch directory byte-identical (content, mode, mtime; no file added or removed).
"""

import pytest

from ctdbtest import bad_inputs
from ctdbtest.snapshot import tree_snapshot

TABLES = bad_inputs.tables()
# ctdbd's own databases, sockets and log change while it runs, whatever a module does.
DAEMON_OWNED = ('db', 'run', 'log.ctdb')


def snapshot(sandbox, tmp):
    state = {}
    for index in range(sandbox.nodes):
        state.update(tree_snapshot(sandbox.node_base(index), skip=DAEMON_OWNED))
    state.update(tree_snapshot(str(tmp)))
    return state


@pytest.mark.parametrize('table', TABLES, ids=[table['name'] for table in TABLES])
def test_bad_inputs_are_refused_and_change_nothing(sandbox, run_playbook, tmp_path, table):
    scratch = tmp_path / 'scratch'
    scratch.mkdir()
    hosts = ['node%d' % index for index in range(sandbox.nodes)]
    mappings = {host: bad_inputs.placeholders(sandbox, index, scratch) for index, host in enumerate(hosts)}
    bad_inputs.write_files(table, mappings[hosts[0]])
    vars_path = tmp_path / 'bad_args.yml'
    vars_path.write_text(bad_inputs.cases_vars(
        {host: [bad_inputs.render(case['args'], mappings[host]) for case in table['cases']] for host in hosts}))
    before = snapshot(sandbox, scratch)

    run = run_playbook(bad_inputs.playbook(table, str(vars_path)))

    assert run.rc == 0, run
    wrong = []
    for index, case, check in bad_inputs.runs(table):
        for host in hosts:
            result = run.result(bad_inputs.task_name(index, check), host)
            expected = bad_inputs.render(case['message'], mappings[host])
            got = (result['_status'], result.get('_ignored'), result.get('changed'), result.get('msg'))
            if got != ('failed', True, False, expected):
                wrong.append('%s, %s%s:\n  want %r\n  got  %r' % (
                    case['what'], host, ' (check mode)' if check else '', expected, got))
    assert not wrong, '\n'.join(wrong)
    assert snapshot(sandbox, scratch) == before
