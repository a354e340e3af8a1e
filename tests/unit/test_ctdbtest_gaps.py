# Copyright: Contributors to the ctdb.cluster collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ctdbtest.longest_gaps: how long each address was seen served by no node, as the restart tests judge it."""
import pytest

from ctdbtest import ADDRESS_GAP_BOUND, longest_gaps

A, B = '10.0.0.1', '10.0.0.2'


def test_an_address_always_served_has_no_gap():
    assert longest_gaps([(0.0, {A: True}), (1.0, {A: True})]) == {A: 0.0}


def test_a_gap_runs_from_the_first_unserved_sample_to_the_last():
    samples = [(0.0, {A: True, B: True}), (1.0, {A: False, B: True}), (1.3, {A: False, B: True}),
               (1.6, {A: True, B: False}), (9.0, {A: True, B: True})]
    assert longest_gaps(samples) == {A: pytest.approx(0.3), B: 0.0}


def test_the_longest_of_several_gaps_counts():
    samples = [(0.0, {A: False}), (0.5, {A: False}), (1.0, {A: True}), (2.0, {A: False}), (9.0, {A: False}),
               (9.5, {A: True})]
    assert longest_gaps(samples) == {A: 7.0}


def test_a_plain_restart_gap_is_over_the_bound_and_one_move_is_under():
    plain = [(0.0, {A: False}), (6.0, {A: False}), (6.2, {A: True})]
    move = [(0.0, {A: False}), (0.46, {A: False}), (0.6, {A: True})]
    assert longest_gaps(plain)[A] > ADDRESS_GAP_BOUND > longest_gaps(move)[A]
