"""l2e.runs: what a run directory holds, and when a run is finished."""

import json

import pytest

from l2e import runs


def _metrics(run, **metrics):
    run.mkdir(exist_ok=True)
    (run / "metrics.json").write_text(json.dumps({"config": {"name": "x"}, "history": [], **metrics}))


def test_a_run_is_finished_with_its_final_evaluation_and_its_model(tmp_path):
    run = tmp_path / "run"
    assert runs.read_metrics(str(run)) is None and not runs.is_finished(str(run))
    (run / "checkpoints").mkdir(parents=True)
    (run / "checkpoints" / "checkpoint").write_text('model_checkpoint_path: "ckpt-5"\n')
    assert runs.read_metrics(str(run)) == {} and runs.has_checkpoint(str(run))
    _metrics(run)  # paused or stopped: checkpoints and metrics, no final evaluation
    assert not runs.is_finished(str(run))
    with pytest.raises(ValueError, match="no final evaluation"):
        runs.finished_metrics(str(run))
    _metrics(run, final={"step": 5})  # the model is written after the final evaluation
    assert not runs.is_finished(str(run))
    with pytest.raises(ValueError, match="model.keras does not exist"):
        runs.finished_metrics(str(run))
    (run / "model.keras").write_bytes(b"")
    assert runs.is_finished(str(run)) and runs.finished_metrics(str(run))["final"] == {"step": 5}


def test_a_damaged_metrics_file_is_an_error_naming_it_and_not_a_finished_run(tmp_path):
    (tmp_path / "metrics.json").write_text("{")
    with pytest.raises(ValueError, match="cannot read .*metrics.json"):
        runs.read_metrics(str(tmp_path))
    assert not runs.is_finished(str(tmp_path))


def test_finished_runs_lists_only_finished_ones_by_name(tmp_path):
    for name, final in (("b-done", True), ("a-done", True), ("a-paused", False)):
        _metrics(tmp_path / name, **({"final": {"step": 1}} if final else {}))
        (tmp_path / name / "model.keras").write_bytes(b"")
    assert list(runs.finished_runs(str(tmp_path))) == ["a-done", "b-done"]
    assert list(runs.finished_runs(str(tmp_path), "b-")) == ["b-done"]
    assert runs.finished_runs(str(tmp_path / "none")) == {}


def test_metrics_are_written_whole(tmp_path):
    runs.write_metrics(str(tmp_path), {"history": [1]})
    assert runs.read_metrics(str(tmp_path)) == {"history": [1]}
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]  # no temporary file left


def test_a_damaged_model_is_an_error_naming_it(tmp_path):
    (tmp_path / "model.keras").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="cannot load .*model.keras"):
        runs.load_model(str(tmp_path))
    with pytest.raises(ValueError, match="does not exist"):
        runs.load_model(str(tmp_path / "other.keras"))
