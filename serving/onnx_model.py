"""Finding exported ONNX models in a models directory and opening them with onnxruntime.

A models directory holds models by name in either of two layouts:

- ``DIR/NAME/VERSION/model.onnx``: what ``l2e-export`` writes (TF Serving's layout, the
  SavedModel beside it); the highest numeric version wins;
- ``DIR/NAME.onnx``: a flat file, the layout of the models shipped in ``serving/models/``.

Each model carries its metadata as ONNX ``metadata_props``: key -> the JSON of its value
(``kind``, ``name``, and per kind what a runtime needs; see ``export.run.metadata``).
"""

import json
import os
from dataclasses import dataclass

import numpy as np
import onnxruntime

from serving.model import ModelError, check_metadata, first_line, versions

SHIPPED_MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
"""The models shipped with the package (the default models directory)."""

ONNX_FILE = "model.onnx"


def providers() -> list[str]:
    """onnxruntime providers to use: CUDA when this onnxruntime has it, the CPU otherwise."""
    if "CUDAExecutionProvider" in onnxruntime.get_available_providers():
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity where the OS tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def model_names(models_dir: str) -> list[str]:
    """The names of the models in ``models_dir`` (either layout), sorted."""
    names = set()
    for entry in os.listdir(models_dir):
        if entry.endswith(".onnx") and os.path.isfile(os.path.join(models_dir, entry)):
            names.add(entry[: -len(".onnx")])
        elif _latest_version(os.path.join(models_dir, entry)) is not None:
            names.add(entry)
    return sorted(names)


def _latest_version(model_root: str) -> str | None:
    """Path of the highest numeric version's model.onnx under ``model_root``, None if none."""
    numbers = versions(model_root, ONNX_FILE)
    return os.path.join(model_root, str(numbers[-1]), ONNX_FILE) if numbers else None


def find_model(models_dir: str, name: str) -> str:
    """The ONNX file of model ``name`` in ``models_dir``; ModelError saying how to get one."""
    if not os.path.isdir(models_dir):
        raise ModelError(f"models: {models_dir} is not a directory")
    path = _latest_version(os.path.join(models_dir, name))
    flat = os.path.join(models_dir, f"{name}.onnx")
    if path is None and os.path.isfile(flat):
        path = flat
    if path is None:
        raise ModelError(f"models: no {name} model in {models_dir} (looked for {name}/VERSION/{ONNX_FILE} "
                         f"and {name}.onnx); export one with: l2e-export RUN_DIR --out {models_dir}")
    return path


@dataclass(frozen=True)
class OnnxModel:
    """An exported model open in onnxruntime.

    Attributes:
        path: its ONNX file.
        session: the onnxruntime session.
        metadata: its decoded ``metadata_props``.
    """

    path: str
    session: onnxruntime.InferenceSession
    metadata: dict

    def run(self, outputs: list[str], feed: dict[str, np.ndarray]) -> list[np.ndarray]:
        """The named outputs for the inputs ``feed``; ModelError naming the model on failure."""
        try:
            return self.session.run(outputs, feed)
        except Exception as error:  # onnxruntime's errors derive from Exception only
            raise ModelError(f"model {self.path} failed: {first_line(error)}") from None


def _decode_metadata(session: onnxruntime.InferenceSession) -> dict:
    try:
        return {key: json.loads(value) for key, value in session.get_modelmeta().custom_metadata_map.items()}
    except json.JSONDecodeError:
        return {}


def open_model(path: str, kind: str, intra_op_threads: int = 0, **expected) -> OnnxModel:
    """Open the ONNX model at ``path`` and check its metadata.

    Args:
        path: an ONNX file.
        kind: the metadata ``kind`` it must have (``nee`` or ``lte``).
        intra_op_threads: threads one run of the model may use (0: onnxruntime's default, one
            per core).
        **expected: further metadata entries it must have, e.g. ``subroutine="find_min"``.

    Raises:
        ModelError naming ``path``: missing, not a valid ONNX model, or other metadata.
    """
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = intra_op_threads
    try:
        session = onnxruntime.InferenceSession(path, options, providers=providers())
    except Exception as error:  # onnxruntime's errors derive from Exception only
        raise ModelError(f"model {path} cannot be loaded: {first_line(error)}") from None
    metadata = _decode_metadata(session)
    check_metadata(path, metadata, kind, **expected)
    return OnnxModel(path, session, metadata)


def open_named(models_dir: str, name: str, kind: str, intra_op_threads: int = 0, **expected) -> OnnxModel:
    """Model ``name`` of ``models_dir`` (``find_model``), opened and checked (``open_model``)."""
    return open_model(find_model(models_dir, name), kind, intra_op_threads, **expected)
