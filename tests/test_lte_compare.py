"""l2e.lte.comparison and tools/lte_compare.py: combined against baseline, program by program on
one common test sample."""

import json

import numpy as np
import pytest
from tool_scripts import load_tool

from l2e.lte import comparison
from l2e.lte.sweeps import program_run_name


def _scores(correct, exact, answer_chars=(3, 3, 2, 2)):
    return {"answer_chars": np.array(answer_chars, float), "correct_chars": np.array(correct, float),
            "exact": np.array(exact, float)}


def test_paired_difference_is_the_gain_over_the_common_programs_with_its_standard_error():
    baseline = _scores([3, 1, 2, 0], [1, 0, 1, 0])
    combined = _scores([3, 2, 2, 2], [1, 0, 1, 1])
    d = comparison.paired_difference(baseline, combined)
    # gains per program: chars [0, 1, 0, 2] of 10 answer characters; whole answers [0, 0, 0, 1]
    assert d["char"] == pytest.approx(0.3)
    assert d["char_se"] == pytest.approx(np.std([0, 1, 0, 2], ddof=1) * 2 / 10)
    assert d["exact"] == pytest.approx(0.25)
    assert d["exact_se"] == pytest.approx(np.std([0, 0, 0, 1], ddof=1) / 2)


def test_mean_over_seeds_has_no_error_for_one_seed():
    assert comparison.mean_over_seeds([0.25]) == (0.25, None)
    mean, error = comparison.mean_over_seeds([0.1, 0.3])
    assert mean == pytest.approx(0.2)
    assert error == pytest.approx(0.1)


def _always_writing(character):
    """A 1 x 8 executor whose every prediction is ``character``."""
    from l2e.lte.model import build_lstm_executor
    from l2e.lte.vocab import CHAR_TO_ID

    model = build_lstm_executor(hidden_size=8, num_layers=1, seed=1)
    kernel, bias = model.get_layer("logits").get_weights()
    bias[:] = 0
    bias[CHAR_TO_ID[character]] = 10
    model.get_layer("logits").set_weights([np.zeros_like(kernel), bias])
    return model


def test_accuracy_by_operation_is_the_mean_over_seeds_on_the_programs_using_each():
    sources = ["print((3*4))", "print(5)", "a=5#print((a+3))", "print((2*(1 if 3<4 else 5)))",
               "b=0#for x in range(3):b+=4#print((b+1))"]
    seeds = [_scores([2, 1, 1, 0, 1], [1, 0, 0, 0, 0], answer_chars=(2, 1, 1, 1, 2)),
             _scores([2, 0, 1, 1, 2], [1, 0, 1, 1, 1], answer_chars=(2, 1, 1, 1, 2))]
    by_operation = comparison.accuracy_by_operation(seeds, sources)
    assert list(by_operation) == [*comparison.MARKED_OPERATIONS, comparison.NO_MARKED_OPERATION]
    count, char, exact = by_operation["multiply"]  # programs 0 and 3: 2 of 3, then 3 of 3 characters
    assert count == 2 and char == pytest.approx((2 / 3 + 1) / 2) and exact == pytest.approx(0.75)
    assert by_operation["if"] == (1, pytest.approx(0.5), pytest.approx(0.5))
    assert by_operation["variable"] == (1, 1.0, 0.5)
    assert by_operation["loop"] == (1, 0.75, 0.5)
    assert by_operation[comparison.NO_MARKED_OPERATION] == (1, 0.5, 0.0)


def _save_run(runs, strategy, seed, model, steps):
    out = runs / program_run_name(strategy, 1, 1, 40, seed)
    out.mkdir(parents=True)
    model.save(out / "model.keras")
    (out / "metrics.json").write_text(json.dumps({"config": {"num_layers": 1, "hidden_size": 8}, "final": {"step": steps}}))
    return str(out)


def test_both_models_of_a_seed_read_the_same_programs(tmp_path):
    runs = tmp_path / "runs"
    stop, one = _always_writing("."), _always_writing("1")
    pairs = {0: (_save_run(runs, "baseline", 0, stop, 30), _save_run(runs, "combined", 0, stop, 40)),
             1: (_save_run(runs, "baseline", 1, stop, 40), _save_run(runs, "combined", 1, one, 40))}
    sample, primer = comparison.common_sample(1, 1, 30)
    by_seed = {seed: comparison.compare_runs(*pair, sample, primer) for seed, pair in pairs.items()}
    assert by_seed[0]["difference"] == {"char": 0.0, "char_se": 0.0, "exact": 0.0, "exact_se": 0.0}
    assert by_seed[0]["baseline"]["steps"] == 30 and by_seed[0]["baseline"]["model"] == "1 x 8"
    # the same baseline model on the same sample whatever the seed of its run
    np.testing.assert_array_equal(by_seed[0]["baseline"]["scores"]["correct_chars"],
                                  by_seed[1]["baseline"]["scores"]["correct_chars"])
    # "." is right once per program; "1" as often as the answers have ones, which varies
    scores = by_seed[1]["baseline"]["scores"]
    np.testing.assert_array_equal(scores["correct_chars"], np.ones(30))
    assert by_seed[1]["difference"]["char_se"] > 0
    lte_compare = load_tool("lte_compare")
    table = lte_compare.comparison_table(1, 1, 40, by_seed, sample)
    assert "1 x 8 LSTM" in table and "| 0 | 30, 40 |" in table and "| +0.000 +- 0.000 | +0.000 +- 0.000 |" in table
    assert "(over seeds)" in next(line for line in table.splitlines() if line.startswith("| mean |"))
    rows = [line.split(" | ") for line in lte_compare.operations_table(by_seed, sample)[2:]]
    assert [row[0] for row in rows] == ["| loop", "| if", "| multiply", "| variable",
                                        "| none of these (pairs and identities only)"]
    assert sum(int(row[1]) for row in rows) == 30  # nesting 1: one operation per program at most
    identical = lte_compare.operations_table({0: by_seed[0]}, sample)
    assert all(line.endswith("| +0.000 |") for line in identical[2:])
    assert table.endswith("--steps 40 --seeds 0 1 --examples 30`")


def test_the_tool_finds_each_seeds_runs_by_their_sweep_names(tmp_path, monkeypatch):
    lte_compare = load_tool("lte_compare")
    monkeypatch.setattr(lte_compare, "RUNS", str(tmp_path))
    stop = _always_writing(".")
    _save_run(tmp_path, "baseline", 2, stop, 30)
    _save_run(tmp_path, "combined", 2, stop, 40)
    sample, primer = comparison.common_sample(1, 1, 2)
    result = lte_compare.evaluate_seed(1, 1, 40, 2, sample, primer)
    assert (result["baseline"]["steps"], result["combined"]["steps"]) == (30, 40)


def test_a_missing_run_is_a_one_line_error_and_exit_code_2(tmp_path, monkeypatch, capsys):
    lte_compare = load_tool("lte_compare")
    monkeypatch.setattr(lte_compare, "RUNS", str(tmp_path))
    assert lte_compare.main(["--length", "1", "--nesting", "1", "--steps", "40", "--seeds", "3"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "programs-baseline-L1N1-S40-s3 is not a finished run" in error
