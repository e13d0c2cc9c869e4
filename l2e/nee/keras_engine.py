"""The Keras engine: trained NEE models execute the subroutine calls of ``serving.algorithms``.

    engine = KerasEngine.load({"find_min": "runs/find-min/model.keras", "add": "runs/add/model.keras"})
    distances = dijkstra(engine, weights, sources)

Each subroutine has its own model (any model of ``l2e.nee.model.build_nee_model``, or loaded from
its ``.keras`` file); the engine runs its inference model (``inference_model``: the mask network
fed the argmax of the model's own pointer) in one compiled forward pass per chunk of a call's rows.
Outputs are decoded as the paper's NEE does: the value from the value head's bits (logit > 0),
the pointer as the first maximal pointer logit, the next mask from the mask network's logits > 0.
"""

from collections.abc import Mapping

import keras
import numpy as np
import tensorflow as tf

from l2e.nee.model import engine_layer, inference_model
from l2e.validation import check_choice
from serving.engine import ARITHMETIC_SUBROUTINES, FORMATS, STEP_SUBROUTINES, LearnedEngine


class CompiledStep:
    """The inference model of one NEE model as a compiled function of (bits, mask).

    Args:
        model: an NEE model (training or inference variant).
        max_positions: rows x N per forward pass; larger calls are cut into chunks of rows.

    Call arguments:
        bits: float32 [B, N, num_bits]; mask: float32 [B, N], 1 = excluded.

    Returns:
        dict of numpy arrays: ``value_logits`` [B, num_bits], ``pointer_logits`` [B, N],
        ``next_mask_logits`` [B, N].
    """

    def __init__(self, model: keras.Model, max_positions: int = 1 << 17):
        self.num_bits = engine_layer(model).num_bits
        self.max_positions = max_positions
        serving = inference_model(model)
        signature = [tf.TensorSpec([None, None, self.num_bits], tf.float32), tf.TensorSpec([None, None], tf.float32)]
        self._forward = tf.function(lambda bits, mask: serving({"bits": bits, "mask": mask}, training=False),
                                    input_signature=signature)

    def __call__(self, bits: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
        rows = max(1, self.max_positions // bits.shape[1])
        parts = [self._forward(tf.constant(bits[start:start + rows], tf.float32),
                               tf.constant(mask[start:start + rows], tf.float32))
                 for start in range(0, max(len(bits), 1), rows)]
        return {name: np.concatenate([np.asarray(part[name]) for part in parts]) for name in parts[0]}


class KerasEngine(LearnedEngine):
    """Implements ``serving.engine.Engine`` with trained NEE models.

    Args:
        models: subroutine name ("find_min", "merge_step", "add", "mul") -> NEE model whose
            number width is that subroutine's (``serving.engine.FORMATS``). A subroutine without
            a model raises ValueError when called.
        max_positions: rows x N per forward pass.
    """

    def __init__(self, models: Mapping[str, keras.Model], max_positions: int = 1 << 17):
        self._steps = {}
        for name, model in models.items():
            check_choice("subroutine", name, STEP_SUBROUTINES + ARITHMETIC_SUBROUTINES)
            compiled = CompiledStep(model, max_positions)
            if compiled.num_bits != FORMATS[name].num_bits:
                raise ValueError(f"models: the {name} model has {compiled.num_bits} bits, "
                                 f"{name} needs {FORMATS[name].num_bits}")
            self._steps[name] = compiled

    @classmethod
    def load(cls, paths: Mapping[str, str], max_positions: int = 1 << 17) -> "KerasEngine":
        """An engine of the models saved at ``paths`` (subroutine name -> ``.keras`` file)."""
        return cls({name: keras.saving.load_model(path, compile=False) for name, path in paths.items()},
                   max_positions)

    @property
    def subroutines(self) -> tuple[str, ...]:
        return tuple(self._steps)

    def _predict(self, subroutine: str, bits: np.ndarray, mask: np.ndarray):
        """See ``serving.engine.LearnedEngine._predict``: one compiled pass per chunk of rows."""
        if subroutine not in self._steps:
            raise ValueError(f"subroutine: this engine has no {subroutine} model")
        outputs = self._steps[subroutine](bits, mask)
        return (outputs["value_logits"] > 0, np.argmax(outputs["pointer_logits"], axis=1),
                outputs["next_mask_logits"] > 0)
