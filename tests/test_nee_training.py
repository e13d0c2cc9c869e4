"""NEE training through ``python -m l2e.fit``: outputs, exact resume after kill -9 under two replicas,
bad flags, and a briefly trained tiny find-min model whose mask network moves the mask as the
oracle does."""

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
from kill_run import kill_after_first_checkpoint

from l2e.nee.config import NEEConfig
from l2e.nee.data import step_training_arrays, training_lists
from l2e.nee.experiment import NEEExperiment
from l2e.train.distribute import make_strategy
from serving.algorithms.selection_sort import selection_sort
from serving.oracle import OracleEngine, RecordingEngine

TINY = ["--d-model", "8", "--layers", "1", "--ff-dim", "16", "--batch-size", "8", "--check-every", "5",
        "--warmup", "20", "--no-progress"]


def fit(*args):
    return subprocess.run([sys.executable, "-m", "l2e.fit", *TINY, *args], capture_output=True, text=True)


def read_metrics(out):
    with open(os.path.join(out, "metrics.json")) as f:
        return json.load(f)


def test_kill_9_then_resume_with_two_replicas_continues_exactly(tmp_path):
    """A 2-replica addition run (dropout on, 100 of the numbers) killed after its first checkpoint
    and resumed matches an uninterrupted run: the same losses and accuracies at every check."""
    common = ["--experiment", "nee-add", "--holdout", "100", "--steps", "20", "--seed", "4", "--cpu-replicas", "2", "--patience", "0"]
    straight = str(tmp_path / "straight")
    result = fit(*common, "--out", straight, "--json")
    assert result.returncode == 0, result.stderr
    a = read_metrics(straight)
    assert a["config"]["replicas"] == 2 and a["config"]["subroutine"] == "add"
    assert [r["step"] for r in a["history"]] == [5, 10, 15, 20]
    assert os.path.exists(os.path.join(straight, "model.keras"))
    assert any(name.startswith("events") for name in os.listdir(os.path.join(straight, "tensorboard")))
    final = json.loads(result.stdout)["final"]
    assert final["step"] == 20 and final["addition"]["seen_count"] == 100

    killed = str(tmp_path / "killed")
    assert kill_after_first_checkpoint([*TINY, *common], killed) == -signal.SIGKILL
    assert not os.path.exists(os.path.join(killed, "model.keras"))

    resumed = fit(*common, "--out", killed, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    b = read_metrics(killed)
    assert [r["step"] for r in b["history"]] == [r["step"] for r in a["history"]]
    for row_a, row_b in zip(a["history"], b["history"]):
        for key in ("loss", "value_loss", "val_step_accuracy", "learning_rate"):
            assert row_b[key] == pytest.approx(row_a[key], rel=1e-4, abs=1e-6), (row_a["step"], key)


@pytest.mark.parametrize("flags, message", [
    (["--experiment", "nee-find-min", "--holdout", "64"], "holdout"),
    (["--experiment", "nee-add", "--hidden-size", "8"], "hidden-size"),
    (["--experiment", "memorization"], "nee-* experiments only"),
    (["--experiment", "nee-add", "--holdout", "300"], "holdout"),
    (["--experiment", "nee-mul", "--dropout", "1.5"], "dropout"),
])
def test_bad_flags_are_one_line_errors_with_exit_code_2(flags, message):
    result = fit(*flags, "--out", "/nonexistent/never-written")
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def _oracle_steps(size, count, seed):
    recording = RecordingEngine(OracleEngine())
    selection_sort(recording, training_lists(np.random.default_rng(seed), count, size).values)
    return step_training_arrays(recording, "find_min")[size + 1]


def test_briefly_trained_tiny_find_min_mask_network_moves_the_mask_as_the_oracle():
    config = NEEConfig(experiment="nee-find-min", d_model=8, num_layers=1, ff_dim=16, dropout=0.0, batch_size=32,
                       warmup=30, check_every=100, validation_chunks=1, seed=2)
    experiment = NEEExperiment(config, make_strategy())
    untrained = experiment.validate()["val_mask_accuracy"]
    for _ in range(60):
        experiment.train_step()
    assert untrained < 0.5
    for size in (8, 40):  # the training size, and a length never seen: the convolution is local
        steps = _oracle_steps(size, 20, seed=size)
        outputs = experiment.model({"bits": steps.bits, "mask": steps.mask, "pointer": steps.pointer})
        np.testing.assert_array_equal(np.asarray(outputs["next_mask_logits"]) > 0, steps.next_mask > 0.5)
