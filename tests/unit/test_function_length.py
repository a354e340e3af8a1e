# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""No function of the collection's code (plugins/, the etcd lock helper) is longer than 40 lines, its
docstring included: a longer one is split into named steps."""
import ast
import glob
import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAX_LINES = 40
SOURCES = sorted(glob.glob(os.path.join(REPO, 'plugins', '**', '*.py'), recursive=True)) + [
    os.path.join(REPO, 'roles', 'etcd_lock', 'files', 'ctdb_etcd_lock'),
    os.path.join(REPO, 'roles', 'ctdb_metrics', 'files', 'ctdb_metrics_collector')]


def long_functions(path):
    with open(path, encoding='utf-8') as handle:
        tree = ast.parse(handle.read(), filename=path)
    return ['%s:%d %s (%d lines)' % (os.path.relpath(path, REPO), node.lineno, node.name,
                                     node.end_lineno - node.lineno + 1)
            for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_LINES]


def test_no_function_is_longer_than_40_lines():
    assert len(SOURCES) > 20
    found = [entry for path in SOURCES for entry in long_functions(path)]
    assert not found, 'split into named steps: %s' % ', '.join(found)


def test_the_check_counts_a_long_function(tmp_path):
    path = tmp_path / 'long.py'
    path.write_text('def short():\n    return 1\n\n\ndef long():\n' + '    x = 1\n' * 40)
    assert long_functions(str(path)) == ['%s:5 long (41 lines)' % os.path.relpath(str(path), REPO)]
