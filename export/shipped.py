"""The models shipped with the package as a TF Serving model base (``l2e-export --shipped``).

The package ships its trained models as ONNX only (``serving/models/NAME.onnx`` with its
metadata ``NAME.json``, see ``serving.onnx_model``). Every NAME with both files becomes model
NAME of the models directory, in the layout ``export.pipeline`` writes for a trained run:

    MODELS_DIR/NAME/V/saved_model.pb, variables/   the SavedModel, built from the ONNX model
    MODELS_DIR/NAME/V/model.onnx                   the shipped ONNX model, copied
    MODELS_DIR/NAME/V/metadata.json                its metadata
    MODELS_DIR/models.config                       every model of MODELS_DIR

The SavedModel runs the ONNX graph itself (``export.from_onnx``), with the shipped weights:
retraining does not reproduce them bit for bit (a retrained merge step differs in 20 of its
32 weight tensors), so this is the only way to have the ONNX model and the SavedModel be one model.
The parity check of ``export.pipeline.write_version`` confirms it before a version appears. A
model whose latest version already holds the same ONNX file is left as it is.
"""

import json
import os
import shutil

import onnx
from google.protobuf.message import DecodeError

from export.from_onnx import OnnxGraph
from export.pipeline import write_version
from export.savedmodel import write_models_config, write_savedmodel
from serving.model import SAVED_MODEL_FILE, first_line, versions
from serving.onnx_model import ONNX_FILE, SHIPPED_MODELS


def shipped_names(source: str = SHIPPED_MODELS) -> list[str]:
    """The models in ``source``: each NAME with ``NAME.json`` and ``NAME.onnx``, sorted."""
    if not os.path.isdir(source):
        raise ValueError(f"shipped: {source} is not a directory")
    names = sorted(entry[: -len(".json")] for entry in os.listdir(source)
                   if entry.endswith(".json") and os.path.isfile(os.path.join(source, entry[: -len(".json")] + ".onnx")))
    if not names:
        raise ValueError(f"shipped: {source} holds no models (NAME.json with NAME.onnx)")
    return names


def read_shipped(source: str, name: str) -> tuple[onnx.ModelProto, dict]:
    """The ONNX model ``name`` and its metadata; ValueError if either cannot be read or the JSON
    file differs from the ONNX model's own metadata."""
    onnx_path, json_path = (os.path.join(source, name + suffix) for suffix in (".onnx", ".json"))
    try:
        proto = onnx.load(onnx_path)
        with open(json_path) as f:
            info = json.load(f)
        embedded = {entry.key: json.loads(entry.value) for entry in proto.metadata_props}
    except (OSError, ValueError, DecodeError) as error:
        raise ValueError(f"shipped: cannot read {name}: {first_line(error)}") from None
    if info != embedded:
        raise ValueError(f"shipped: {json_path} differs from the metadata of {onnx_path}")
    return proto, info


def _exported(model_root: str, onnx_path: str) -> int | None:
    """The latest version under ``model_root`` if its model.onnx is the file at ``onnx_path``."""
    latest = max(versions(model_root, SAVED_MODEL_FILE), default=None)
    if latest is None:
        return None
    candidate = os.path.join(model_root, str(latest), ONNX_FILE)
    if not os.path.isfile(candidate):
        return None
    with open(candidate, "rb") as a, open(onnx_path, "rb") as b:
        return latest if a.read() == b.read() else None


def export_shipped(models_dir: str, source: str = SHIPPED_MODELS, base_path: str | None = None,
                   parity_rows: int = 1000, seed: int = 0) -> dict:
    """Write every model of ``source`` into ``models_dir`` as a new version (see the module
    docstring), then rewrite ``models_dir/models.config``.

    Returns:
        ``models``: per model ``name``, ``version``, ``path``, ``parity`` (its summary line, or
        ``unchanged`` for a model already exported); ``models_config``: its path.

    Raises:
        ValueError naming the model and the problem (the models done before it stay, listed
        in models.config).
    """
    names = shipped_names(source)
    done = []
    try:
        for name in names:
            onnx_path = os.path.join(source, name + ".onnx")
            model_root = os.path.join(models_dir, name)
            version = _exported(model_root, onnx_path)
            if version is not None:
                done.append({"name": name, "version": version, "path": os.path.join(model_root, str(version)),
                             "parity": "unchanged"})
                continue
            proto, info = read_shipped(source, name)

            def write(staging: str, proto=proto, info=info, onnx_path=onnx_path) -> None:
                graph = OnnxGraph(proto)
                write_savedmodel(graph, graph.step(), info, staging)
                shutil.copyfile(onnx_path, os.path.join(staging, ONNX_FILE))

            try:
                done.append(write_version(models_dir, name, info, write, parity_rows, seed))
            except ValueError as error:
                raise ValueError(f"{name}: {error}") from None
    finally:
        config = write_models_config(models_dir, base_path) if done else None
    return {"models": done, "models_config": config}
