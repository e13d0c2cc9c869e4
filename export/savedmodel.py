"""TF Serving's model layout: ``MODELS_DIR/<name>/<version>/`` SavedModels and ``models.config``.

TF Serving serves the highest numeric version directory of each model's base path and reads
the list of models from a text-format ``ModelServerConfig`` (``--model_config_file``).
"""

import os

import keras

from export.signatures import StepFunction, metadata_lookup
from l2e.runs import write_atomically
from serving.model import METADATA_SIGNATURE, SAVED_MODEL_FILE, SIGNATURE, versions

CONFIG_FILE = "models.config"


def next_version(model_root: str) -> int:
    """One above the highest version under ``model_root`` (1 for a new model)."""
    return max(versions(model_root, SAVED_MODEL_FILE), default=0) + 1


def write_savedmodel(model: keras.Model | None, step: StepFunction, metadata: dict, path: str) -> None:
    """Write ``step`` as the ``serving_default`` signature of a SavedModel at ``path``, and
    ``metadata`` as its ``l2e_metadata`` signature (``export.signatures.metadata_lookup``).

    The signature's inputs are named by ``step.input_signature``; its outputs by the keys of
    the dict ``step.function`` returns. ``model`` holds the variables ``step`` uses (None for
    a step without variables).
    """
    archive = keras.export.ExportArchive()
    if model is not None:
        archive.track(model)
    archive.add_endpoint(SIGNATURE, step.function)
    archive.add_endpoint(METADATA_SIGNATURE, metadata_lookup(metadata).function)
    archive.write_out(path, verbose=False)


def models_config(models_dir: str, base_path: str | None = None) -> str:
    """The text-format ModelServerConfig listing every model under ``models_dir``.

    Args:
        models_dir: the directory of models, one subdirectory each.
        base_path: the directory TF Serving sees ``models_dir`` as (``/models`` when mounted into
            the tensorflow/serving container); default: the absolute ``models_dir``.
    """
    base_path = base_path or os.path.abspath(models_dir)
    names = sorted(entry for entry in os.listdir(models_dir) if versions(os.path.join(models_dir, entry), SAVED_MODEL_FILE))
    entries = "".join(
        f'  config {{\n    name: "{name}"\n    base_path: "{base_path.rstrip("/")}/{name}"\n'
        f'    model_platform: "tensorflow"\n  }}\n' for name in names)
    return f"model_config_list {{\n{entries}}}\n"


def write_models_config(models_dir: str, base_path: str | None = None) -> str:
    """Write ``models_dir/models.config`` (see ``models_config``); returns its path."""
    path = os.path.join(models_dir, CONFIG_FILE)
    text = models_config(models_dir, base_path)

    def write(temporary):
        with open(temporary, "w") as f:
            f.write(text)

    write_atomically(path, write)
    return path
