"""tools/lte_experiments.py reports the runs of one step budget together, wherever each stopped;
a larger budget continues a smaller one's run (l2e.lte.sweeps)."""

import json

import pytest
from tool_scripts import load_tool

from l2e.lte.sweeps import start_from_a_smaller_budget


@pytest.fixture
def lte_experiments():
    return load_tool("lte_experiments")


def _write_run(runs, strategy, budget, stopped_at, accuracy, seed=0):
    out = runs / f"programs-{strategy}-L1N1-S{budget}-s{seed}"
    out.mkdir(parents=True)
    cell = {"length": 1, "nesting": 1, "char_accuracy": accuracy, "exact_accuracy": accuracy / 2}
    metrics = {"config": {"strategy": strategy, "length": 1, "nesting": 1, "seed": seed},
               "final": {"step": stopped_at, "grid": [cell],
                         "test": {"char_accuracy": accuracy, "exact_accuracy": accuracy / 2, "examples": 500}}}
    (out / "metrics.json").write_text(json.dumps(metrics))
    (out / "model.keras").touch()  # finished: its final evaluation and its model


def _checkpoint(out):
    (out / "checkpoints").mkdir()
    (out / "checkpoints" / "checkpoint").write_text('model_checkpoint_path: "ckpt-1"\n')


def test_runs_that_stop_at_the_learning_rate_floor_stay_in_their_budget_block(tmp_path, monkeypatch, lte_experiments):
    monkeypatch.setattr(lte_experiments, "RUNS", str(tmp_path / "runs"))
    monkeypatch.setattr(lte_experiments, "DOCS", str(tmp_path))
    _write_run(tmp_path / "runs", "baseline", 500, 300, 0.75)
    _write_run(tmp_path / "runs", "combined", 500, 500, 0.5)
    blocks = lte_experiments.programs_report()
    assert list(blocks) == ["LTE-programs-L1N1-S500-s0"]
    block = blocks["LTE-programs-L1N1-S500-s0"]
    assert "| 1 | 1 | 0.750 (0.38) | 0.500 (0.25) | -0.250 |" in block
    assert "Steps trained: baseline 300 (learning rate below its floor), combined 500." in block
    assert "baseline 0.750 (0.38) of 500, combined 0.500 (0.25) of 500." in block
    assert "--steps 500 --strategies baseline combined`" in block
    assert (tmp_path / "programs_strategies_L1N1_S500_s0.png").exists()


def test_each_seed_of_a_budget_gets_its_own_block(tmp_path, monkeypatch, lte_experiments):
    monkeypatch.setattr(lte_experiments, "RUNS", str(tmp_path / "runs"))
    monkeypatch.setattr(lte_experiments, "DOCS", str(tmp_path))
    for seed, (baseline, combined) in enumerate([(0.75, 0.5), (0.5, 0.625)]):
        _write_run(tmp_path / "runs", "baseline", 500, 500, baseline, seed)
        _write_run(tmp_path / "runs", "combined", 500, 500, combined, seed)
    blocks = lte_experiments.programs_report()
    assert sorted(blocks) == ["LTE-programs-L1N1-S500-s0", "LTE-programs-L1N1-S500-s1"]
    assert "| 1 | 1 | 0.750 (0.38) | 0.500 (0.25) | -0.250 |" in blocks["LTE-programs-L1N1-S500-s0"]
    assert "| 1 | 1 | 0.500 (0.25) | 0.625 (0.31) | +0.125 |" in blocks["LTE-programs-L1N1-S500-s1"]
    assert "seed 1 (paper" in blocks["LTE-programs-L1N1-S500-s1"]
    assert "--steps 500 --seed 1 --strategies baseline combined`" in blocks["LTE-programs-L1N1-S500-s1"]
    assert (tmp_path / "programs_strategies_L1N1_S500_s1.png").exists()


def test_a_larger_budget_continues_the_run_of_the_largest_smaller_one(tmp_path):
    runs = tmp_path / "runs"
    for budget in (200, 500):
        _write_run(runs, "combined", budget, budget, budget / 1000)
        _checkpoint(runs / f"programs-combined-L1N1-S{budget}-s0")
    _write_run(runs, "baseline", 500, 300, 0.75)  # stopped at the learning-rate floor
    _checkpoint(runs / "programs-baseline-L1N1-S500-s0")

    assert start_from_a_smaller_budget(str(runs), "programs-combined-L1N1-S800-s0") == \
        "programs-combined-L1N1-S500-s0"
    continued = json.loads((runs / "programs-combined-L1N1-S800-s0" / "metrics.json").read_text())
    assert "final" not in continued and (runs / "programs-combined-L1N1-S800-s0" / "checkpoints").is_dir()

    assert start_from_a_smaller_budget(str(runs), "programs-baseline-L1N1-S800-s0") == \
        "programs-baseline-L1N1-S500-s0"
    finished = json.loads((runs / "programs-baseline-L1N1-S800-s0" / "metrics.json").read_text())
    assert finished["final"]["step"] == 300  # the floor comes at the same step whatever the budget

    for name in ("programs-combined-L1N1-S800-s0",  # exists now
                 "programs-combined-L1N1-S100-s0",  # no smaller budget
                 "programs-combined-L1N1-S800-s1",  # another seed
                 "programs-mix-L1N1-S800-s0"):  # another strategy
        assert start_from_a_smaller_budget(str(runs), name) is None
    assert not (runs / "programs-combined-L1N1-S100-s0").exists()


def test_a_block_without_both_baseline_and_combined_has_no_difference_column(tmp_path, monkeypatch,
                                                                             lte_experiments):
    monkeypatch.setattr(lte_experiments, "RUNS", str(tmp_path / "runs"))
    monkeypatch.setattr(lte_experiments, "DOCS", str(tmp_path))
    _write_run(tmp_path / "runs", "baseline", 500, 500, 0.75)
    block = lte_experiments.programs_report()["LTE-programs-L1N1-S500-s0"]
    assert "| length | nesting | baseline |\n|---|---|---|\n| 1 | 1 | 0.750 (0.38) |\n" in block
    assert "+nan" not in block and "the last column" not in block
