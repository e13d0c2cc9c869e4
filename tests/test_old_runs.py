"""Runs written before ``l2e`` was regrouped by paper still resume and load.

``fixtures/old_runs`` holds two tiny finished runs made by the code of commit 14ea840 (modules
``l2e.models.lstm``, ``l2e.train.lte``, ``l2e.train.nee``), trimmed to their last checkpoint:

    python -m l2e.fit --experiment memorization --reverse --preset quick --steps 20 --check-every 10 \\
        --hidden-size 4 --layers 1 --batch-size 2 --unroll 10 --out lte
    python -m l2e.fit --experiment nee-find-min --preset quick --steps 20 --check-every 10 --layers 1 \\
        --encoder-layers 0 --d-model 4 --ff-dim 4 --batch-size 8 --out nee

Their ``metrics.json`` (config, recorded arguments, history), checkpoints (``ckpt-20`` with its
side files) and ``model.keras`` (whose layers name their old modules) are what today's code must
read.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

OLD_RUNS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "old_runs")


def _copy(name: str, tmp_path) -> str:
    out = str(tmp_path / name)
    shutil.copytree(os.path.join(OLD_RUNS, name), out)
    return out


def _metrics(out: str) -> dict:
    with open(os.path.join(out, "metrics.json")) as f:
        return json.load(f)


@pytest.mark.parametrize("name", ["lte", "nee"])
def test_an_old_run_resumes_from_its_checkpoint_with_its_own_settings(name, tmp_path):
    out = _copy(name, tmp_path)
    before = _metrics(out)
    # a time limit: train a little past step 20, then pause (no final evaluation, which is slow)
    resumed = subprocess.run([sys.executable, "-m", "l2e.fit", "--resume", "--out", out, "--steps", "100000",
                              "--time-limit", "2", "--no-progress", "--json"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["paused"] is True
    after = _metrics(out)
    with open(os.path.join(out, "checkpoints", "checkpoint")) as f:
        latest = int(f.readline().split('"')[1].rsplit("-", 1)[1])
    assert latest > 20
    assert after["history"][:2] == before["history"][:2]
    assert {k: v for k, v in after["config"].items() if k in before["config"]} == before["config"]


def test_old_models_load_in_a_fresh_process():
    """Loading registers the layers itself: nothing else needs importing, and the old module
    paths the files name (``l2e.models.lstm``) are not needed."""
    code = ("import sys; from l2e.runs import load_model; load_model(sys.argv[1]); load_model(sys.argv[2]); "
            "from export.run import load_run, metadata; "
            "runs = [load_run(sys.argv[1]), load_run(sys.argv[2])]; "
            "print([(r.kind, r.name, type(r.model).__name__) for r in runs]); metadata(runs[0]); metadata(runs[1])")
    done = subprocess.run([sys.executable, "-c", code, os.path.join(OLD_RUNS, "lte"), os.path.join(OLD_RUNS, "nee")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "('lte', 'lte-memorization-reverse', 'Functional'), ('nee', 'find_min', 'Functional')" in done.stdout
