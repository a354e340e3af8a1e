# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How much of plugins/ is annotated: functions whose arguments (but self/cls) and return all are.

``python -m ctdbtest.annotations [--list]`` prints the share per directory and in all, and with
``--list`` the functions still missing an annotation (tests/unit/test_annotations.py holds the floor).
"""
import ast
import glob
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def _arguments(node):
    args = node.args
    positional = args.posonlyargs + args.args
    if positional and positional[0].arg in ('self', 'cls'):
        positional = positional[1:]
    named = positional + args.kwonlyargs + [extra for extra in (args.vararg, args.kwarg) if extra]
    return named


def functions(path):
    """``(name, line, fully_annotated)`` for every function (methods and nested ones included) in ``path``."""
    with open(path, encoding='utf-8') as handle:
        tree = ast.parse(handle.read(), filename=path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            typed = node.returns is not None and all(arg.annotation is not None for arg in _arguments(node))
            found.append((node.name, node.lineno, typed))
    return found


def sources(root=REPO):
    return sorted(glob.glob(os.path.join(root, 'plugins', '**', '*.py'), recursive=True))


def count(paths):
    """``(annotated, total, missing)``; ``missing`` lists ``path:line name``."""
    annotated = total = 0
    missing = []
    for path in paths:
        for name, line, typed in functions(path):
            total += 1
            annotated += typed
            if not typed:
                missing.append('%s:%d %s' % (os.path.relpath(path, REPO), line, name))
    return annotated, total, missing


def main(argv):
    paths = sources()
    for directory in sorted({os.path.dirname(path) for path in paths}):
        annotated, total, dummy = count([path for path in paths if os.path.dirname(path) == directory])
        if total:
            print('%-28s %3d/%3d %5.1f%%' % (os.path.relpath(directory, REPO), annotated, total, 100.0 * annotated / total))
    annotated, total, missing = count(paths)
    print('%-28s %3d/%3d %5.1f%%' % ('plugins (all)', annotated, total, 100.0 * annotated / total))
    if '--list' in argv:
        print('\n'.join(missing))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
