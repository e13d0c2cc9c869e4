"""The seq2seq sorting baseline (l2e.nee.baseline), its experiment nee-sort-vanilla on the shared
loop and tools/nee_baseline.py."""

import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from l2e import fit, runs
from l2e.nee import experiment
from l2e.nee.baseline import (
    DECODER_BITS, NUM_VALUES, VALUE_BITS, build_baseline_model, decoder_tokens, greedy_sort,
    sinusoidal_positions, teacher_forcing_arrays,
)
from l2e.nee.evaluation import output_scores, table_lists

TOOL = Path(__file__).resolve().parents[1] / "tools" / "nee_baseline.py"

TINY = ["--experiment", "nee-sort-vanilla", "--d-model", "8", "--layers", "1", "--ff-dim", "16", "--batch-size", "8",
        "--check-every", "5", "--patience", "0", "--no-progress"]


def test_shapes_and_causality():
    keras.utils.set_random_seed(0)
    model = build_baseline_model(d_model=16, num_layers=1, ff_dim=32)
    bits, decoder_bits, targets = teacher_forcing_arrays(np.array([[5, 3, 9, 1, 7], [0, 255, 4, 4, 2]]))
    assert bits.shape == (2, 5, VALUE_BITS) and decoder_bits.shape == (2, 5, DECODER_BITS)
    assert targets.tolist() == [[1, 3, 5, 7, 9], [0, 2, 4, 4, 255]]
    outputs = model({"bits": bits, "decoder_bits": decoder_bits})
    assert tuple(outputs["logits"].shape) == (2, 5, NUM_VALUES)
    assert tuple(outputs["cross_attention"].shape) == (2, 5, 5)
    np.testing.assert_allclose(np.asarray(outputs["cross_attention"]).sum(-1), 1.0, rtol=1e-5)
    # a later decoder token does not change earlier steps
    changed = decoder_bits.copy()
    changed[:, -1, 1:] = 1 - changed[:, -1, 1:]
    other = model({"bits": bits, "decoder_bits": changed})["logits"]
    np.testing.assert_allclose(np.asarray(other)[:, :-1], np.asarray(outputs["logits"])[:, :-1], atol=1e-5)
    # another input length runs with the same weights
    longer = model({"bits": np.zeros((1, 11, VALUE_BITS), np.float32),
                    "decoder_bits": decoder_tokens(np.zeros((1, 3), np.int64))})
    assert tuple(longer["cross_attention"].shape) == (1, 4, 11)


def test_decoder_tokens_and_positions():
    tokens = decoder_tokens(np.array([[3]]))
    assert tokens[0, 0].tolist() == [1] + [0] * VALUE_BITS
    assert tokens[0, 1].tolist() == [0, 0, 0, 0, 0, 0, 0, 1, 1]
    positions = np.asarray(sinusoidal_positions(4, 6))
    assert positions.shape == (4, 6)
    np.testing.assert_allclose(positions[0], [0, 1, 0, 1, 0, 1], atol=1e-6)
    np.testing.assert_allclose(positions[2, 0], np.sin(2.0), atol=1e-6)


def test_tiny_model_overfits_a_few_lists():
    keras.utils.set_random_seed(1)
    lists = np.array([[200, 13, 77, 140], [5, 250, 66, 31], [90, 91, 12, 180], [33, 8, 129, 64]])
    bits, decoder_bits, targets = (tf.constant(a) for a in teacher_forcing_arrays(lists))
    model = build_baseline_model(d_model=32, num_layers=1, ff_dim=64)
    optimizer = keras.optimizers.Adam(1e-2)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            logits = model({"bits": bits, "decoder_bits": decoder_bits}, training=True)["logits"]
            loss = loss_fn(targets, logits)
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                                      model.trainable_variables))
        return loss

    for _ in range(80):
        loss = float(step())
    assert loss < 0.05
    output, attention = greedy_sort(model, lists, return_attention=True)
    assert output.tolist() == np.sort(lists, axis=1).tolist()
    assert attention.shape == (4, 4, 4)


def test_the_baseline_trains_through_the_shared_loop_checkpoints_resumes_and_evaluates(tmp_path, monkeypatch):
    """A nee-sort-vanilla run of 5 steps, extended to 10 by --resume from its checkpoint (weights,
    optimizer, position in the data), checks and evaluates as a run of 10 steps does; l2e.runs
    reads both, and the saved model is the one evaluated."""
    monkeypatch.setattr(experiment, "VANILLA_TEST_SIZES", (8, 12))  # the table's lengths only take longer
    straight, extended = str(tmp_path / "straight"), str(tmp_path / "extended")
    assert fit.main([*TINY, "--steps", "10", "--out", straight]) == 0
    assert fit.main([*TINY, "--steps", "5", "--out", extended]) == 0
    assert runs.finished_metrics(extended)["final"]["step"] == 5
    assert fit.main(["--resume", "--steps", "10", "--out", extended, "--no-progress"]) == 0

    a, b = runs.finished_metrics(straight), runs.finished_metrics(extended)
    assert a["config"]["name"] == "nee-sort-vanilla-d8-L1" and "warmup" not in a["config"]
    assert [row["step"] for row in b["history"]] == [row["step"] for row in a["history"]] == [5, 10]
    for row_a, row_b in zip(a["history"], b["history"]):
        for key in ("loss", "val_per_number_accuracy", "val_exact_accuracy", "learning_rate"):
            assert row_b[key] == pytest.approx(row_a[key], rel=1e-4, abs=1e-6), (row_a["step"], key)
    assert b["final"]["step"] == 10 and runs.has_checkpoint(extended)
    lists = b["final"]["lists"]
    assert [(row["size"], row["instances"]) for row in lists] == [(8, 100), (12, 100)]
    for row_a, row_b in zip(a["final"]["lists"], lists):
        assert row_b["per_number"] == pytest.approx(row_a["per_number"])
    values = table_lists(8)
    sorted_by_model = greedy_sort(runs.load_model(extended), values)
    assert output_scores(sorted_by_model, np.sort(values, axis=1))["per_number"] == lists[0]["per_number"]


@pytest.mark.parametrize("flags", [["--holdout", "64"], ["--warmup", "100"], ["--scalable-softmax", "all"],
                                   ["--encoder-layers", "0"]])
def test_flags_of_the_subroutine_models_are_one_line_errors_for_the_baseline(tmp_path, flags):
    out = tmp_path / "never"
    result = subprocess.run([sys.executable, "-m", "l2e.fit", "--experiment", "nee-sort-vanilla", *flags,
                             "--out", str(out)], capture_output=True, text=True)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    assert f"{flags[0][2:]}: applies to the subroutine experiments" in result.stderr and not out.exists()


def _tool(*args):
    return subprocess.run([sys.executable, str(TOOL), *args], capture_output=True, text=True)


def test_the_tool_launches_l2e_fit_and_tabulates_a_runs_final_evaluation(tmp_path):
    refused = _tool("train", "--out", str(tmp_path / "never"), "--encoder-layers", "0")
    assert refused.returncode == 2 and refused.stderr.startswith("nee_baseline.py: error: encoder-layers"), \
        refused.stderr
    run = tmp_path / "run"
    final = {"step": 9000, "lists": [{"size": 8, "per_number": 0.97375, "exact": 0.93, "instances": 100},
                                     {"size": 16, "per_number": 0.62125, "exact": 0.3, "instances": 100}]}
    run.mkdir()
    runs.write_metrics(str(run), {"config": {"experiment": "nee-sort-vanilla"}, "history": [], "final": final})
    (run / "model.keras").write_bytes(b"")  # (evaluate reads metrics.json only)
    figure = tmp_path / "accuracy.png"
    result = _tool("evaluate", "--out", str(run), "--figure", str(figure))
    assert result.returncode == 0, result.stderr
    assert "| 8 | 97.37 | 93 |\n| 16 | 62.12 | 30 |" in result.stdout and figure.stat().st_size > 0
    runs.write_metrics(str(run), {"config": {"experiment": "nee-find-min"}, "history": [], "final": final})
    result = _tool("evaluate", "--out", str(run), "--figure", "")
    assert result.returncode == 2 and "is not a nee-sort-vanilla run" in result.stderr, result.stderr
