"""The curriculum strategies and the advance / learning-rate state machine."""

import collections
import random

import pytest

from l2e.lte.curriculum import Curriculum


def test_naive_and_combined_start_easy_baseline_and_mix_at_target():
    assert (Curriculum("naive", 5, 3).length, Curriculum("naive", 5, 3).nesting) == (1, 1)
    assert (Curriculum("combined", 5, 3).length, Curriculum("combined", 5, 3).nesting) == (1, 1)
    assert Curriculum("baseline", 5, 3).at_target and Curriculum("mix", 5, 3).at_target


def test_baseline_always_draws_the_target():
    rng = random.Random(0)
    c = Curriculum("baseline", 6, 2)
    assert {c.sample_length(rng) for _ in range(500)} == {6}
    assert {c.sample_nesting(rng) for _ in range(500)} == {2}


def test_mix_draws_uniformly_up_to_the_target():
    rng = random.Random(1)
    c = Curriculum("mix", 4, 3)
    lengths = collections.Counter(c.sample_length(rng) for _ in range(8000))
    nestings = collections.Counter(c.sample_nesting(rng) for _ in range(6000))
    assert set(lengths) == {1, 2, 3, 4} and all(abs(v - 2000) < 200 for v in lengths.values())
    assert set(nestings) == {1, 2, 3} and all(abs(v - 2000) < 200 for v in nestings.values())


def test_combined_draws_mix_one_time_in_five():
    rng = random.Random(2)
    c = Curriculum("combined", 10, 1)
    c.length = 1  # naive part draws 1; mix part draws 1..10 uniformly
    draws = [c.sample_length(rng) for _ in range(20_000)]
    not_one = sum(d != 1 for d in draws)
    # P(draw != 1) = 1/5 * 9/10 = 0.18
    assert abs(not_one / len(draws) - 0.18) < 0.015


def test_validation_above_threshold_makes_it_harder_length_then_nesting():
    c = Curriculum("naive", 2, 2)
    steps = [c.check(0.5, 0.96) for _ in range(3)]
    assert steps == ["harder"] * 3
    assert (c.length, c.nesting) == (2, 2) and c.at_target
    # (1,1) -> (2,1) -> (1,2) -> (2,2)


def test_no_trigger_no_change():
    c = Curriculum("naive", 3, 1)
    assert c.check(0.5, 0.95) is None  # not strictly above the threshold
    assert (c.length, c.learning_rate) == (1, 0.5)


def test_training_accuracy_lower_than_five_checks_ago_triggers():
    c = Curriculum("naive", 3, 1)
    for accuracy in (0.50, 0.60, 0.61, 0.62, 0.63):
        assert c.check(accuracy, 0.1) is None
    assert c.check(0.49, 0.1) == "harder"  # below the 0.50 of five checks before
    # history restarted: the same low value does not trigger again at once
    assert c.check(0.10, 0.1) is None


def test_at_target_the_trigger_decays_the_learning_rate_until_finished():
    c = Curriculum("baseline", 3, 1, learning_rate=0.5)
    decays = 0
    while not c.finished:
        assert c.check(0.9, 0.99) == "decay"
        decays += 1
    # 0.5 * 0.8^k < 1e-3  <=>  k >= 28
    assert decays == 28 and (c.length, c.nesting) == (3, 1)


def test_memorization_moves_length_only():
    c = Curriculum("naive", 3, 1)
    for _ in range(5):
        c.check(0.0, 1.0)
    assert (c.length, c.nesting) == (3, 1)
    assert c.learning_rate == pytest.approx(0.5 * 0.8**3)


def test_state_dict_round_trip():
    c = Curriculum("combined", 4, 2)
    for accuracy in (0.3, 0.4, 0.2):
        c.check(accuracy, 0.99)
    restored = Curriculum("combined", 4, 2)
    restored.load_state_dict(c.state_dict())
    assert restored == c
    with pytest.raises(ValueError, match="strategy"):
        Curriculum("mix", 4, 2).load_state_dict(c.state_dict())


@pytest.mark.parametrize("kwargs, name", [
    (dict(strategy="greedy", target_length=3), "strategy"),
    (dict(strategy="mix", target_length=0), "length"),
    (dict(strategy="mix", target_length=3, target_nesting=-1), "nesting"),
    (dict(strategy="mix", target_length=3, decay=1.5), "decay"),
])
def test_bad_arguments_name_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        Curriculum(**kwargs)
