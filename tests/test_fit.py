"""``python -m l2e.fit``: outputs, resume after kill -9 from the run's own settings, a time limit
that pauses, errors before TensorFlow starts, and multi-replica training equal to one replica at
the same global batch."""

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


def fit(*args):
    """``python -m l2e.fit`` with the TINY flags, in the environment a user has (TensorFlow's
    default log level, not the tests' quieter one)."""
    environment = {name: value for name, value in os.environ.items() if name != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run([sys.executable, "-m", "l2e.fit", *TINY, *args], capture_output=True, text=True,
                          env=environment)


NO_TENSORFLOW = "import sys; sys.modules['tensorflow'] = None; from l2e.fit import console_main; console_main()"
"""``python -m l2e.fit`` in a process where importing TensorFlow raises ImportError."""


def fit_before_tensorflow(*args):
    """Run l2e.fit where TensorFlow cannot be imported: an error must come before it is needed."""
    return subprocess.run([sys.executable, "-c", NO_TENSORFLOW, *args], capture_output=True, text=True)


def assert_one_line_error(result, *words):
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1 and "error:" in result.stderr and result.stdout == "", result.stderr
    for word in words:
        assert word in result.stderr


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
    assert metrics["arguments"]["preset"] == "quick" and metrics["arguments"]["steps"] == 10
    assert result.stderr.splitlines()[0].startswith("programs-L2N2-combined: 1 replica(s)"), result.stderr  # quiet
    # the same --out again without --resume is refused, and so is a --resume that contradicts the run
    assert_one_line_error(fit_before_tensorflow(*TINY, "--experiment", "programs", "--out", out), "--resume")
    assert_one_line_error(fit_before_tensorflow("--resume", "--out", out, "--hidden-size", "32"),
                          "--hidden-size 32", "hidden_size 16")
    assert_one_line_error(fit_before_tensorflow("--resume", "--out", out, "--experiment", "memorization"),
                          "--experiment memorization", "experiment programs")
    assert_one_line_error(fit_before_tensorflow("--resume", "--out", out, "--preset", "paper"), "preset quick")


@pytest.mark.parametrize("made", [False, True])
def test_resume_without_a_run_is_refused_and_creates_nothing(tmp_path, made):
    out = tmp_path / "run"
    if made:
        out.mkdir()
    assert_one_line_error(fit_before_tensorflow("--resume", "--out", str(out)), "holds no run")
    assert os.path.isdir(out) == made and (not made or os.listdir(out) == [])


def test_kill_9_then_resume_loses_nothing(tmp_path):
    """Kill the run with SIGKILL after a checkpoint; --resume must continue exactly as an
    uninterrupted run with the same seed: the same curriculum, learning rate and data."""
    common = ["--experiment", "memorization", "--length", "3", "--steps", "60", "--seed", "3"]
    straight = str(tmp_path / "straight")
    assert fit(*common, "--out", straight).returncode == 0

    killed = str(tmp_path / "killed")
    assert kill_after_first_checkpoint([*TINY, *common], killed, settle=0.3) == -signal.SIGKILL
    assert not os.path.exists(os.path.join(killed, "model.keras"))  # it did not get to the end

    # the run's own settings and step budget, from its directory alone
    resumed = subprocess.run([sys.executable, "-m", "l2e.fit", "--resume", "--out", killed, "--no-progress"],
                             capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    a, b = read_metrics(straight), read_metrics(killed)
    assert [r["step"] for r in b["history"]] == [r["step"] for r in a["history"]]
    for row_a, row_b in zip(a["history"], b["history"]):
        for key in ("length", "learning_rate", "train_char_accuracy", "char_accuracy"):
            assert row_a[key] == pytest.approx(row_b[key], abs=1e-4), (row_a["step"], key)
        assert row_a["loss"] == pytest.approx(row_b["loss"], rel=1e-4)
    assert a["final"]["test"]["char_accuracy"] == pytest.approx(b["final"]["test"]["char_accuracy"], abs=1e-3)


def test_a_time_limit_pauses_the_run_and_resume_finishes_it(tmp_path):
    """When --time-limit ends first, the run stops with a checkpoint and no final evaluation or
    model; --resume with a larger --steps continues it to the end."""
    out = str(tmp_path / "run")
    paused = fit("--experiment", "memorization", "--length", "2", "--steps", "100000", "--time-limit", "2",
                 "--out", out, "--json")
    assert paused.returncode == 0, paused.stderr
    assert json.loads(paused.stdout)["paused"] is True and "time limit reached" in paused.stderr
    metrics = read_metrics(out)
    assert "final" not in metrics and not os.path.exists(os.path.join(out, "model.keras"))
    with open(os.path.join(out, "checkpoints", "checkpoint")) as f:
        step = int(f.readline().split('"')[1].rsplit("-", 1)[1])
    assert 0 < step < 100000

    resumed = subprocess.run([sys.executable, "-m", "l2e.fit", "--resume", "--out", out, "--steps", str(step + 5),
                              "--no-progress"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    metrics = read_metrics(out)
    assert metrics["final"]["step"] == step + 5 and os.path.exists(os.path.join(out, "model.keras"))
    assert metrics["config"]["hidden_size"] == 16 and metrics["config"]["length"] == 2


def test_the_paper_preset_trains_memorization_for_the_papers_20_epochs():
    from l2e.fit import build_parser, run_settings

    def budget(*args):
        return run_settings(build_parser().parse_args(args))[1]

    assert budget("--experiment", "memorization") == 4000
    assert budget("--experiment", "programs") is None and budget("--experiment", "addition") is None
    assert budget("--experiment", "memorization", "--steps", "10") == 10
    assert budget("--experiment", "memorization", "--preset", "quick") == 1500


def test_resume_may_change_the_precision_and_a_later_resume_keeps_it(tmp_path):
    """--precision says how to compute, not what to train: a resumed run takes it when given (a
    run that predates the flag included) and keeps the one it last ran with when not."""
    from l2e import runs
    from l2e.fit import build_parser, given_arguments, resumed_arguments, run_settings

    def resumed(*argv):
        argv = ["--resume", "--out", str(tmp_path), *argv]
        args = resumed_arguments(build_parser().parse_args(argv), given_arguments(argv))
        return run_settings(args)[0]["precision"]

    start = ["--experiment", "addition", "--length", "9"]
    settings = run_settings(build_parser().parse_args(start))[0]
    arguments = {k: v for k, v in vars(build_parser().parse_args(start)).items() if k != "precision"}
    old = {k: v for k, v in settings.items() if k != "precision"}  # a run made before the flag
    runs.write_metrics(str(tmp_path), {"config": old, "arguments": arguments, "history": []})
    assert resumed() == "float32"
    assert resumed("--precision", "bfloat16") == "bfloat16"
    runs.write_metrics(str(tmp_path), {"config": {**old, "precision": "bfloat16"}, "arguments": arguments,
                                       "history": []})
    assert resumed() == "bfloat16"
    assert resumed("--precision", "float32") == "float32"


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
    ("--experiment", "nee-add", "--length", "3"), ("--experiment", "memorization", "--holdout", "3"),
    ("--experiment", "nee-find-min", "--holdout", "3"), ("--experiment", "nee-add", "--precision", "bfloat16"),
    ("--precision", "float16"),
])
def test_bad_usage_is_one_line_and_exit_2_before_tensorflow_starts(args):
    assert_one_line_error(fit_before_tensorflow(*args))


def test_the_progress_bar_shows_the_last_accuracies_after_the_curriculum_moves():
    """A check that makes the task harder (or lowers the rate) restarts the curriculum's
    training-accuracy history; the bar must still show that check's accuracies."""
    import tensorflow as tf

    from l2e.lte.config import LTEConfig
    from l2e.lte.experiment import LTEExperiment

    experiment = LTEExperiment(LTEConfig(length=3, hidden_size=8, batch_size=4, unroll=10, validation_examples=4),
                               tf.distribute.get_strategy())
    assert experiment.progress()["acc"] == "-"
    experiment.curriculum.threshold = -1.0  # every check triggers
    record = experiment.check({"loss": 1.0, "correct": 3.0, "count": 4.0, "steps": 1, "gradient_norm": 0.0})
    assert record["event"] == "harder" and experiment.curriculum.train_history == []
    assert experiment.progress()["acc"] == "0.750"
    assert experiment.progress()["val"] == f"{record['char_accuracy']:.3f}"


def test_difficulties_too_small_to_hold_out_are_measured_on_the_training_split():
    """Memorization at 1 or 2 digits has under 1000 distinct strings: the final grid measures them
    as the curriculum check does, on the training split, and the table says so."""
    import tensorflow as tf

    from l2e.lte.config import LTEConfig
    from l2e.lte.experiment import LTEExperiment

    experiment = LTEExperiment(LTEConfig(length=3, hidden_size=8, batch_size=4, unroll=10, test_examples=4,
                                         grid_examples=4), tf.distribute.get_strategy())
    final = experiment.final_evaluation()
    assert [(row["length"], row["split"]) for row in final["grid"]] == [(1, "train"), (2, "train"), (3, "test")]
    assert final["test"]["split"] == "test"
    table = LTEExperiment.summary_table(final)
    assert "| 1* | 1 |" in table and "| 3 | 1 |" in table and "training split" in table.splitlines()[-1]
