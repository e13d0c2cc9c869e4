"""tools/lte_compare.py: combined against baseline, program by program on one common test sample."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import lte_compare  # noqa: E402
import lte_experiments  # noqa: E402


def _scores(correct, exact, answer_chars=(3, 3, 2, 2)):
    return {"answer_chars": np.array(answer_chars, float), "correct_chars": np.array(correct, float),
            "exact": np.array(exact, float)}


def test_paired_difference_is_the_gain_over_the_common_programs_with_its_standard_error():
    baseline = _scores([3, 1, 2, 0], [1, 0, 1, 0])
    combined = _scores([3, 2, 2, 2], [1, 0, 1, 1])
    d = lte_compare.paired_difference(baseline, combined)
    # gains per program: chars [0, 1, 0, 2] of 10 answer characters; whole answers [0, 0, 0, 1]
    assert d["char"] == pytest.approx(0.3)
    assert d["char_se"] == pytest.approx(np.std([0, 1, 0, 2], ddof=1) * 2 / 10)
    assert d["exact"] == pytest.approx(0.25)
    assert d["exact_se"] == pytest.approx(np.std([0, 0, 0, 1], ddof=1) / 2)


def test_mean_over_seeds_has_no_error_for_one_seed():
    assert lte_compare.mean_over_seeds([0.25]) == (0.25, None)
    mean, error = lte_compare.mean_over_seeds([0.1, 0.3])
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


def _save_run(runs, strategy, seed, model, steps):
    out = runs / lte_experiments.program_run_name(strategy, 1, 1, 40, seed)
    out.mkdir(parents=True)
    model.save(out / "model.keras")
    (out / "metrics.json").write_text(json.dumps({"config": {"num_layers": 1, "hidden_size": 8}, "final": {"step": steps}}))


def test_both_models_of_a_seed_read_the_same_programs(tmp_path, monkeypatch):
    runs = tmp_path / "runs"
    monkeypatch.setattr(lte_compare, "RUNS", str(runs))
    stop, one = _always_writing("."), _always_writing("1")
    _save_run(runs, "baseline", 0, stop, 30)
    _save_run(runs, "combined", 0, stop, 40)
    _save_run(runs, "baseline", 1, stop, 40)
    _save_run(runs, "combined", 1, one, 40)
    sample, primer = lte_compare.common_sample(1, 1, 30)
    by_seed = {seed: lte_compare.evaluate_seed(1, 1, 40, seed, sample, primer) for seed in (0, 1)}
    assert by_seed[0]["difference"] == {"char": 0.0, "char_se": 0.0, "exact": 0.0, "exact_se": 0.0}
    assert by_seed[0]["baseline"]["steps"] == 30
    # the same baseline model on the same sample whatever the seed of its run
    np.testing.assert_array_equal(by_seed[0]["baseline"]["scores"]["correct_chars"],
                                  by_seed[1]["baseline"]["scores"]["correct_chars"])
    # "." is right once per program; "1" as often as the answers have ones, which varies
    scores = by_seed[1]["baseline"]["scores"]
    np.testing.assert_array_equal(scores["correct_chars"], np.ones(30))
    assert by_seed[1]["difference"]["char_se"] > 0
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


def test_a_missing_run_is_a_one_line_error_and_exit_code_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(lte_compare, "RUNS", str(tmp_path))
    assert lte_compare.main(["--length", "1", "--nesting", "1", "--steps", "40", "--seeds", "3"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "programs-baseline-L1N1-S40-s3 is not a finished run" in error
