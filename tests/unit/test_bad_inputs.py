# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bad-input tables (tests/integration/bad_inputs) are well-formed, and docs/bad_inputs.md is theirs."""
import string

import pytest
import yaml

from ctdbtest import bad_inputs

TABLES = bad_inputs.tables()
PLACEHOLDERS = dict(base='/b', host='node0', subnet='127.0.9', tmp='/t',
                    **{'a%d' % i: 'A%d' % i for i in range(8)}, **{'p%d' % i: 'P%d' % i for i in range(8)})


def test_docs_bad_inputs_md_is_generated_from_the_tables():
    with open(bad_inputs.DOC, encoding='utf-8') as handle:
        current = handle.read()
    assert current == bad_inputs.markdown(TABLES), 'docs/bad_inputs.md is stale: run make bad-inputs-doc'


def test_every_module_has_a_table():
    modules = {table['module'] for table in TABLES}
    waiting = ('status', 'node', 'ip')  # every module that waits refuses a bad timeout or delay
    assert {'ctdb.cluster.ctdb_%s' % name for name in ('nodes', 'addresses', 'conf', 'link', 'log') + waiting} <= modules


@pytest.mark.parametrize('table', TABLES, ids=[table['name'] for table in TABLES])
def test_table_names_its_module_and_fills_every_placeholder(table):
    assert table['module'] == 'ctdb.cluster.' + table['name']
    whats = [case['what'] for case in table['cases']]
    assert len(whats) == len(set(whats)), 'two cases of %s say the same "what"' % table['name']
    for case in table['cases']:
        bad_inputs.render(case, PLACEHOLDERS)  # KeyError names an unknown ${placeholder}
    bad_inputs.render(table['files'], PLACEHOLDERS)


def test_render_fills_nested_values_and_keeps_other_types():
    assert bad_inputs.render({'k${host}': ['${base}/x', 3, None, {'d': '$$5'}]}, PLACEHOLDERS) == \
        {'knode0': ['/b/x', 3, None, {'d': '$5'}]}
    with pytest.raises(KeyError):
        bad_inputs.render('${nosuch}', PLACEHOLDERS)


def test_cases_vars_marks_every_string_unsafe_and_round_trips():
    args = {'node0': [{'content': '{{ lookup("pipe", "id") }}\x00', 'list': ['a', 1]}]}
    text = bad_inputs.cases_vars(args)
    assert text.count('!unsafe') == 2  # the strings; keys are option names
    loader = type('Loader', (yaml.SafeLoader,), {})
    loader.add_constructor('!unsafe', lambda load, node: load.construct_scalar(node))
    assert yaml.load(text, Loader=loader) == {'bad_args': args}


def test_load_refuses_a_case_without_a_message(tmp_path):
    path = tmp_path / 'ctdb_x.yml'
    path.write_text('module: ctdb.cluster.ctdb_x\ncases:\n  - what: w\n    args: {}\n    mesage: typo\n')
    with pytest.raises(bad_inputs.TableError, match="missing \\['message'\\], unknown \\['mesage'\\]"):
        bad_inputs.load(str(path))


def test_every_case_runs_in_check_mode_then_for_real():
    table = {'cases': [{'what': 'a'}, {'what': 'b'}]}
    runs = [(index, check) for index, dummy, check in bad_inputs.runs(table)]
    assert runs == [(0, True), (0, False), (1, True), (1, False)]


def test_markdown_escapes_bars_and_unprintable_characters():
    table = {'module': 'ctdb.cluster.ctdb_x', 'cases': [
        {'what': 'a | b', 'message': 'NUL \x00 and `tick`', 'args': {}}]}
    assert '| a \\| b | `NUL \\x00 and \'tick\'` |' in bad_inputs.markdown([table]).splitlines()


def test_placeholders_are_string_template_identifiers():
    for name in PLACEHOLDERS:
        assert string.Template('${%s}' % name).substitute(PLACEHOLDERS) == PLACEHOLDERS[name]
