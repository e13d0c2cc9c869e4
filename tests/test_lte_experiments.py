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


def _write_memorization_run(root, scheme, length, accuracy):
    out = root / f"memorization-{scheme}-L{length}-s0"
    out.mkdir(parents=True)
    test = {"char_accuracy": accuracy, "exact_accuracy": accuracy / 2, "examples": 500}
    metrics = {"config": {"reverse": "reverse" in scheme, "double": "double" in scheme, "length": length},
               "final": {"step": 4000, "test": test}}
    (out / "metrics.json").write_text(json.dumps(metrics))
    (out / "model.keras").touch()


def test_paper_figure_7_trains_the_paper_preset_and_is_drawn_beside_the_cpu_scale_one(tmp_path, monkeypatch,
                                                                                       lte_experiments):
    presets = {name: (str(tmp_path / name), *rest[1:]) for name, rest in lte_experiments.MEMORIZATION.items()}
    monkeypatch.setattr(lte_experiments, "MEMORIZATION", presets)
    monkeypatch.setattr(lte_experiments, "DOCS", str(tmp_path))
    calls = []
    monkeypatch.setattr(lte_experiments, "run_fit", lambda *args: calls.append(args))
    monkeypatch.setattr(lte_experiments, "report", lambda: None)
    monkeypatch.setattr("sys.argv", ["lte_experiments.py", "memorization", "--preset", "paper", "--precision",
                                     "bfloat16"])
    lte_experiments.main()
    assert [call[0] for call in calls] == [f"memorization-{scheme}-L{length}-s0" for length in (5, 15, 35, 65)
                                           for scheme in ("none", "reverse+double")]
    name, flags, preset, root = calls[-1]
    assert (preset, root) == ("paper", str(tmp_path / "paper"))
    assert flags[:5] == ["--experiment", "memorization", "--reverse", "--double", "--precision"]
    assert flags[flags.index("--steps") + 1] == "4000" and flags[flags.index("--length") + 1] == "65"

    _write_memorization_run(tmp_path / "quick", "none", 5, 0.5)
    _write_memorization_run(tmp_path / "paper", "none", 5, 0.75)
    _write_memorization_run(tmp_path / "paper", "reverse+double", 5, 1.0)
    quick, paper = lte_experiments.memorization_report("quick"), lte_experiments.memorization_report("paper")
    assert list(quick) == ["LTE-memorization"] and list(paper) == ["LTE-memorization-paper"]
    block = paper["LTE-memorization-paper"]
    assert "2 x 400 LSTM" in block and "| none | 0.750 / 0.375 |" in block and "| reverse+double | 1.000 / 0.500 |" in block
    assert "![memorization schemes](memorization_schemes_paper.png) ![CPU scale](memorization_schemes.png)" in block
    assert "--preset paper --lengths 5 --steps 4000 --schemes none reverse+double`" in block
    assert "| none | 0.500 / 0.250 |" in quick["LTE-memorization"]
    assert (tmp_path / "memorization_schemes_paper.png").exists() and (tmp_path / "memorization_schemes.png").exists()
