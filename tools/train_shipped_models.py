"""Train, export and ship the models that ``l2e-compose`` uses by default (``serving/models/``).

    python tools/train_shipped_models.py                      # train what is missing, export, ship
    python tools/train_shipped_models.py --only find_min mul  # just these
    python tools/train_shipped_models.py --no-train           # ship already trained runs
    python tools/train_shipped_models.py --check-only         # just score what is shipped

Every shipped model is trained by ``python -m l2e.fit`` with the recipe in ``RECIPES`` (the
``quick`` preset, sized for a CPU), into ``--runs DIR/<name>`` (an interrupted run resumes; a
finished one is reused), exported by ``export.pipeline.export_run`` (SavedModel + ONNX with the
TensorFlow/onnxruntime parity check) into ``--runs DIR/export``, and its ONNX model and metadata
copied flat into ``serving/models/<name>.onnx`` and ``<name>.json``, where the runtime finds
them. Finally the shipped models are scored through onnxruntime on the fixed-seed test suites at
``--sizes`` (whole-output exact match), which is what ``tests/test_shipped_models.py`` asserts.
"""

import json
import os
import shutil
import subprocess
import sys

from l2e import runs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIPPED_DIR = os.path.join(ROOT, "serving", "models")

RECIPES = {
    "find_min": ["--experiment", "nee-find-min", "--preset", "quick", "--layers", "1", "--encoder-layers", "0",
                 "--scalable-softmax", "all", "--steps", "32000", "--patience", "0"],
    "merge_step": ["--experiment", "nee-merge", "--preset", "quick", "--layers", "1", "--encoder-layers", "0",
                   "--scalable-softmax", "all", "--steps", "12000"],
    "add": ["--experiment", "nee-add", "--preset", "quick", "--encoder-layers", "0", "--steps", "24000"],
    "mul": ["--experiment", "nee-mul", "--preset", "quick", "--steps", "96000", "--patience", "0"],
    "lte-programs": ["--experiment", "programs", "--preset", "quick"],
}
"""Shipped model name -> the ``python -m l2e.fit`` flags that train it (``--out`` is added)."""


def build_parser():
    from l2e.cli import ArgumentParser, bounded_int

    p = ArgumentParser(prog="python tools/train_shipped_models.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", default=os.path.join(ROOT, "runs", "shipped"), metavar="DIR",
                   help="where the training runs and the full export go (default runs/shipped)")
    p.add_argument("--only", nargs="+", choices=sorted(RECIPES), metavar="NAME",
                   help=f"ship only these models (default all: {', '.join(RECIPES)})")
    p.add_argument("--no-train", action="store_true",
                   help="do not train: ship the finished runs in --runs (error if one is missing)")
    p.add_argument("--check-only", action="store_true",
                   help="neither train nor export: score the models shipped now at --sizes")
    p.add_argument("--sizes", nargs="*", type=bounded_int(1, 256), default=[25, 50, 75, 100],
                   help="list and graph sizes of the final check (default 25 50 75 100; none to skip)")
    return p


def train(name: str, run_dir: str) -> None:
    """Run (or resume) ``python -m l2e.fit`` with the recipe of ``name`` unless it finished."""
    if runs.is_finished(run_dir):
        print(f"{name}: trained run in {run_dir}", file=sys.stderr)
        return
    command = [sys.executable, "-m", "l2e.fit", *RECIPES[name], "--out", run_dir]
    if runs.has_checkpoint(run_dir):
        command.append("--resume")
    print(f"{name}: {' '.join(command[1:])}", file=sys.stderr, flush=True)
    subprocess.run(command, cwd=ROOT, check=True)


def ship(name: str, run_dir: str, export_dir: str) -> dict:
    """Export the run as a new version under ``export_dir`` and copy it flat into serving/models."""
    from export.pipeline import METADATA_FILE, export_run
    from serving.onnx_model import ONNX_FILE

    result = export_run(run_dir, export_dir, name=name)
    os.makedirs(SHIPPED_DIR, exist_ok=True)
    shutil.copyfile(os.path.join(result["path"], ONNX_FILE), os.path.join(SHIPPED_DIR, f"{name}.onnx"))
    shutil.copyfile(os.path.join(result["path"], METADATA_FILE), os.path.join(SHIPPED_DIR, f"{name}.json"))
    print(f"{name}: shipped version {result['version']} ({result['parity']})", file=sys.stderr, flush=True)
    return result


def check_shipped(sizes) -> list[dict]:
    """Whole-output exact match of the shipped NEE models on the fixed-seed suites at ``sizes``."""
    from l2e.nee.evaluation import evaluate_compositions
    from serving.onnx_engine import OnnxEngine

    subroutines = ("find_min", "merge_step", "add")

    def progress(row):
        print(f"{row['algorithm']} {row['family']} {row['size']}: exact {row['exact']:.2f}, "
              f"per number {row['per_number']:.4f}", file=sys.stderr, flush=True)

    return evaluate_compositions(OnnxEngine.load(SHIPPED_DIR, subroutines), subroutines, sizes, seed=0,
                                 progress=progress)


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    names = [] if args.check_only else args.only or list(RECIPES)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    for name in names:
        run_dir = os.path.join(args.runs, name)
        if args.no_train and not runs.is_finished(run_dir):
            raise ValueError(f"no-train: {run_dir} is not a finished run")
        if not args.no_train:
            train(name, run_dir)
        ship(name, run_dir, os.path.join(args.runs, "export"))
    rows = check_shipped(args.sizes) if args.sizes else []
    print(json.dumps({"shipped": names, "exact": rows}, indent=1))
    return 0


if __name__ == "__main__":
    from l2e.cli import run_main

    sys.exit(run_main(main))
