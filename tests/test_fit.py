"""``python -m l2e.fit``: outputs, resume after kill -9, and multi-replica training equal to one
replica at the same global batch."""

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
from kill_run import kill_after_first_checkpoint

TINY = ["--hidden-size", "16", "--batch-size", "4", "--unroll", "10", "--check-every", "5", "--no-progress",
        "--preset", "quick"]


def fit(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "l2e.fit", *TINY, *args], capture_output=True, text=True,
                          **kwargs)


def read_metrics(out):
    with open(os.path.join(out, "metrics.json")) as f:
        return json.load(f)


def test_a_run_writes_checkpoints_tensorboard_metrics_and_model(tmp_path):
    out = str(tmp_path / "run")
    result = fit("--experiment", "programs", "--length", "2", "--nesting", "2", "--steps", "10", "--out", out,
                 "--json")
    assert result.returncode == 0, result.stderr
    metrics = read_metrics(out)
    row = metrics["history"][-1]
    for field in ("step", "char_accuracy", "exact_accuracy", "length", "nesting", "learning_rate", "strategy"):
        assert field in row
    assert [r["step"] for r in metrics["history"]] == [5, 10]
    assert metrics["final"]["test"]["examples"] == 500
    assert {(r["length"], r["nesting"]) for r in metrics["final"]["grid"]} == {(1, 1), (2, 1), (1, 2), (2, 2)}
    assert os.path.exists(os.path.join(out, "model.keras"))
    assert any(name.startswith("events") for name in os.listdir(os.path.join(out, "tensorboard")))
    assert json.loads(result.stdout)["final"]["test"]["length"] == 2
    # the same --out again without --resume is refused
    again = fit("--experiment", "programs", "--steps", "10", "--out", out)
    assert again.returncode == 2 and "--resume" in again.stderr


def test_kill_9_then_resume_loses_nothing(tmp_path):
    """Kill the run with SIGKILL after a checkpoint; --resume must continue exactly as an
    uninterrupted run with the same seed: the same curriculum, learning rate and data."""
    common = ["--experiment", "memorization", "--length", "3", "--steps", "60", "--seed", "3"]
    straight = str(tmp_path / "straight")
    assert fit(*common, "--out", straight).returncode == 0

    killed = str(tmp_path / "killed")
    assert kill_after_first_checkpoint([*TINY, *common], killed, settle=0.3) == -signal.SIGKILL
    assert not os.path.exists(os.path.join(killed, "model.keras"))  # it did not get to the end

    resumed = fit(*common, "--out", killed, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    a, b = read_metrics(straight), read_metrics(killed)
    assert [r["step"] for r in b["history"]] == [r["step"] for r in a["history"]]
    for row_a, row_b in zip(a["history"], b["history"]):
        for key in ("length", "learning_rate", "train_char_accuracy", "char_accuracy"):
            assert row_a[key] == pytest.approx(row_b[key], abs=1e-4), (row_a["step"], key)
        assert row_a["loss"] == pytest.approx(row_b["loss"], rel=1e-4)
    assert a["final"]["test"]["char_accuracy"] == pytest.approx(b["final"]["test"]["char_accuracy"], abs=1e-3)


def losses_with_replicas(tmp_path, replicas):
    out = str(tmp_path / f"replicas{replicas}")
    result = fit("--experiment", "programs", "--length", "2", "--nesting", "1", "--steps", "15", "--seed", "5",
                 "--cpu-replicas", str(replicas), "--out", out)
    assert result.returncode == 0, result.stderr
    return [r["loss"] for r in read_metrics(out)["history"]], read_metrics(out)["config"]["replicas"]


def test_two_cpu_replicas_train_like_one_at_the_same_global_batch(tmp_path):
    one, replicas_one = losses_with_replicas(tmp_path, 1)
    two, replicas_two = losses_with_replicas(tmp_path, 2)
    assert (replicas_one, replicas_two) == (1, 2)
    np.testing.assert_allclose(two, one, rtol=1e-3)
    assert one[-1] < one[0]  # and it learns


@pytest.mark.parametrize("args", [
    ("--experiment", "addition", "--nesting", "2"), ("--experiment", "programs", "--reverse"),
    ("--resume",), ("--length", "0"), ("--steps", "-3"), ("--experiment", "sorting"),
])
def test_bad_usage_is_one_line_and_exit_2(args):
    result = subprocess.run([sys.executable, "-m", "l2e.fit", *args], capture_output=True, text=True)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and "Traceback" not in result.stderr and result.stdout == ""


def test_the_progress_bar_shows_the_last_accuracies_after_the_curriculum_moves():
    """A check that makes the task harder (or lowers the rate) restarts the curriculum's
    training-accuracy history; the bar must still show that check's accuracies."""
    import tensorflow as tf

    from l2e.train.lte import LTEConfig, LTEExperiment

    experiment = LTEExperiment(LTEConfig(length=3, hidden_size=8, batch_size=4, unroll=10, validation_examples=4),
                               tf.distribute.get_strategy())
    assert experiment.progress()["acc"] == "-"
    experiment.curriculum.threshold = -1.0  # every check triggers
    record = experiment.check({"loss": 1.0, "correct": 3.0, "count": 4.0, "steps": 1, "gradient_norm": 0.0})
    assert record["event"] == "harder" and experiment.curriculum.train_history == []
    assert experiment.progress()["acc"] == "0.750"
    assert experiment.progress()["val"] == f"{record['char_accuracy']:.3f}"
