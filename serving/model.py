"""An exported model as the runtime sees it, whichever runtime holds it (onnxruntime, TF Serving).

Every exported model (``export.signatures``) has named inputs and named outputs and carries its
metadata (``export.run.metadata``): in ONNX as ``metadata_props``, in the SavedModel as the
``l2e_metadata`` signature, which maps metadata keys (string [K]) to the JSON of their values
(string [K], ``null`` for an absent key), so that a model server can hand it out.
"""

import os
from typing import Protocol

import numpy as np

SIGNATURE = "serving_default"
"""The SavedModel signature that runs the model's step (TF Serving's default signature)."""

METADATA_SIGNATURE = "l2e_metadata"
"""The SavedModel signature that holds the metadata: input ``keys``, output ``values``."""

METADATA_KEYS = ("kind", "name", "training", "accuracy",
                 "subroutine", "num_bits", "max_input", "tokens",
                 "task", "vocab", "newline", "end_of_input", "end_of_output", "primer", "num_layers",
                 "hidden_size")
"""Every metadata key an export writes (common, NEE, LTE; see ``export.run.metadata``): what a
runtime asks the ``l2e_metadata`` signature for."""


SAVED_MODEL_FILE = "saved_model.pb"


def versions(model_root: str, holding: str) -> list[int]:
    """The numeric version directories under ``model_root`` (TF Serving's layout
    ``NAME/VERSION/``) that hold the file ``holding`` (``saved_model.pb``, ``model.onnx``), ascending."""
    if not os.path.isdir(model_root):
        return []
    return sorted(int(entry) for entry in os.listdir(model_root)
                  if entry.isdigit() and os.path.isfile(os.path.join(model_root, entry, holding)))


class ModelError(ValueError):
    """A model that is missing, cannot be loaded, has other metadata, or fails to run."""


class Model(Protocol):
    """An exported model open in a runtime.

    Attributes:
        metadata: its decoded metadata (``kind``, ``name``, ...).
    """

    metadata: dict

    def run(self, outputs: list[str], feed: dict[str, np.ndarray]) -> list[np.ndarray]:
        """The named outputs for the named inputs ``feed``; ModelError naming the model on failure."""


def first_line(error: BaseException | str) -> str:
    """The first line of an exception's message (or of a text), or its type's name if empty."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def check_metadata(where: str, metadata: dict, kind: str, **expected) -> None:
    """ModelError naming ``where`` unless ``metadata`` has ``kind`` and every ``expected`` entry
    (e.g. ``subroutine="find_min"``)."""
    if "kind" not in metadata:
        raise ModelError(f"model {where} has no l2e metadata (was it written by l2e-export?)")
    for key, value in {"kind": kind, **expected}.items():
        if metadata.get(key) != value:
            raise ModelError(f"model {where} has {key} {metadata.get(key)!r}, expected {value!r}")
