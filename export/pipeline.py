"""One export: run directory -> a new checked version in the models directory."""

import json
import os
import shutil

from export.parity import check_parity
from export.run import load_run, metadata
from export.savedmodel import next_version, write_models_config, write_savedmodel
from export.signatures import step_function
from export.to_onnx import to_onnx

ONNX_FILE = "model.onnx"
METADATA_FILE = "metadata.json"


def export_run(run_dir: str, models_dir: str, name: str | None = None, base_path: str | None = None,
               parity_rows: int = 1000, seed: int = 0) -> dict:
    """Export the run in ``run_dir`` as the next version of model ``name`` under ``models_dir``.

    Everything is written to a staging directory first; the version directory appears (by one
    rename) only after the parity check passed, so TF Serving never sees a partial version.

    Returns:
        ``name``, ``version``, ``path`` (the version directory), ``parity`` (summary line),
        ``models_config`` (its path).

    Raises:
        ValueError naming the problem: not a finished run, or TensorFlow and onnxruntime
        disagree (nothing is left behind then).
    """
    run = load_run(run_dir)
    info = metadata(run)
    if name is not None:
        info["name"] = name
    model_root = os.path.join(models_dir, info["name"])
    staging = os.path.join(model_root, f".staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        step = step_function(run)
        write_savedmodel(run.model, step, info, staging)
        with open(os.path.join(staging, ONNX_FILE), "wb") as f:
            f.write(to_onnx(step, info).SerializeToString())
        with open(os.path.join(staging, METADATA_FILE), "w") as f:
            json.dump(info, f, indent=1)
        report = check_parity(staging, os.path.join(staging, ONNX_FILE), info, rows=parity_rows, seed=seed)
        if not report.ok:
            raise ValueError(f"parity: TensorFlow and onnxruntime disagree: {report.summary()}")
        version = next_version(model_root)
        path = os.path.join(model_root, str(version))
        os.rename(staging, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {"name": info["name"], "version": version, "path": path, "parity": report.summary(),
            "models_config": write_models_config(models_dir, base_path)}
