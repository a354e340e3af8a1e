# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""At least 95% of the functions of plugins/ have full signatures (every argument but self/cls, and the
return annotated); mypy.ini checks the fully annotated modules with disallow_untyped_defs."""
from ctdbtest import annotations

FLOOR = 0.95


def test_plugins_are_annotated():
    annotated, total, missing = annotations.count(annotations.sources())
    assert total > 300
    assert annotated >= FLOOR * total, 'annotate: %s' % ', '.join(missing)


def test_the_count_needs_every_argument_and_the_return(tmp_path):
    path = tmp_path / 'sample.py'
    path.write_text('class C:\n'
                    '    def method(self, a: int) -> int:\n        return a\n\n'
                    '    @classmethod\n    def other(cls) -> None:\n        pass\n\n\n'
                    'def no_return(a: int):\n    return a\n\n\n'
                    'def untyped_kwargs(a: int, **rest) -> None:\n    pass\n\n\n'
                    'def untyped_keyword_only(*, key) -> None:\n    pass\n\n\n'
                    'def full(a: int, *args: str, key: bool = False, **rest: int) -> None:\n'
                    '    def inner(b):\n        return b\n')
    names = dict((name, typed) for name, dummy, typed in annotations.functions(str(path)))
    assert names == {'method': True, 'other': True, 'no_return': False, 'untyped_kwargs': False,
                     'untyped_keyword_only': False, 'full': True, 'inner': False}
