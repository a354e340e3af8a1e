# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module test harness itself (utils.py): the fake answers as documented, a case fails when it should."""
import pytest

from ansible_collections.ctdb.cluster.tests.unit.plugins.modules.utils import (
    UNEXPECTED, FakeCtdb, assert_matches, command_key)


def test_answers_in_turn_then_the_last_one_repeats():
    fake = FakeCtdb()
    fake.answer('status', 'a', (1, 'b', 'e'), {'rc': 2, 'stderr': 'c'})
    argv = ['/usr/bin/ctdb', '--timelimit=5', 'status']
    got = [fake.run_command(None, argv) for dummy in range(4)]
    assert got == [(0, 'a', ''), (1, 'b', 'e'), (2, '', 'c'), (2, '', 'c')]
    assert fake.commands() == [['status']] * 4


def test_a_callable_answer_sees_the_arguments_and_other_binaries_are_named():
    fake = FakeCtdb()
    fake.answer('ctdb-config validate', lambda args: (0, ' '.join(args), ''))
    assert fake.run_command(None, ['/usr/libexec/ctdb/ctdb-config', 'validate']) == (0, 'validate', '')
    assert command_key(['/usr/bin/ctdb', '-X', 'status']) == '-X status'


def test_unanswered_commands_get_the_default():
    fake = FakeCtdb()
    assert fake.run_command(None, ['/usr/bin/ctdb', 'pnn'])[0] == 1  # ctdbd not running
    fake.default = UNEXPECTED
    with pytest.raises(AssertionError, match="unexpected command 'pnn'"):
        fake.run_command(None, ['/usr/bin/ctdb', 'pnn'])


@pytest.mark.parametrize('actual, expected', [
    ({'a': 1, 'b': {'c': 2, 'd': 3}}, {'b': {'c': 2}}),          # a nested mapping is whole
    ({'a': [1, 2]}, {'a': [1]}),                                  # a list is whole
    ({'a': 1}, {'a': True}),                                      # true is not 1
    ({'a': None}, {'a': False}),
    ({'a': 1}, {'b': 1}),
])
def test_assert_matches_refuses(actual, expected):
    with pytest.raises(AssertionError):
        assert_matches(actual, expected)


def test_assert_matches_accepts_a_partial_top_and_marked_partial_nested():
    assert_matches({'a': 1, 'b': {'c': 2, 'd': 3}, 'e': [{'f': 1, 'g': 2}]},
                   {'b': {'_partial': True, 'c': 2}, 'e': [{'_partial': True, 'f': 1}]})
