"""One export: a trained run (or a shipped ONNX model, ``export.shipped``) -> a new checked
version in the models directory."""

import json
import os
import shutil
from collections.abc import Callable

from export.parity import check_parity
from export.run import load_run, metadata
from export.savedmodel import next_version, write_models_config, write_savedmodel
from export.signatures import step_function
from export.to_onnx import to_onnx
from serving.onnx_model import ONNX_FILE

METADATA_FILE = "metadata.json"


def write_version(models_dir: str, name: str, info: dict, write: Callable[[str], None], parity_rows: int = 1000,
                  seed: int = 0) -> dict:
    """Add the next version of model ``name`` under ``models_dir``, checked.

    ``write(directory)`` writes the SavedModel and ``model.onnx`` into a staging directory;
    ``metadata.json`` (``info``) goes beside them. The version directory appears (by one rename)
    only after the SavedModel and onnxruntime agreed on ``parity_rows`` random inputs
    (``export.parity``), so TF Serving never sees a partial version.

    Returns:
        ``name``, ``version``, ``path`` (the version directory), ``parity`` (summary line).

    Raises:
        ValueError if the models directory cannot be written, or the two disagree (nothing is
        left behind then).
    """
    model_root = os.path.join(models_dir, name)
    try:
        os.makedirs(model_root, exist_ok=True)
    except OSError as error:
        raise ValueError(f"out: cannot create {model_root}: {error.strerror}") from None
    staging = os.path.join(model_root, f".staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        write(staging)
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
    return {"name": name, "version": version, "path": path, "parity": report.summary()}


def export_run(run_dir: str, models_dir: str, name: str | None = None, base_path: str | None = None,
               parity_rows: int = 1000, seed: int = 0) -> dict:
    """Export the run in ``run_dir`` as the next version of model ``name`` under ``models_dir``
    (``write_version``), then rewrite ``models_dir/models.config``.

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

    def write(staging: str) -> None:
        step = step_function(run)
        write_savedmodel(run.model, step, info, staging)
        with open(os.path.join(staging, ONNX_FILE), "wb") as f:
            f.write(to_onnx(step, info).SerializeToString())

    result = write_version(models_dir, info["name"], info, write, parity_rows, seed)
    return {**result, "models_config": write_models_config(models_dir, base_path)}
