"""The onnxruntime engine: exported NEE step models execute the subroutine calls.

Every call is one ``session.run`` over the whole batch: B rows of N positions for a step,
M operand pairs (as N = 2 positions, nothing masked) for arithmetic. Inputs are checked and
coded as bits with ``serving.numbers``; the models' decoded outputs (value bits, pointer,
next mask; see ``export.signatures``) are returned as ``serving.engine`` types. A step value
above END (10 bits reach 1023; only a wrong model writes one) is returned as END, as the Keras
engine does, so that a failing row ends instead of feeding an invalid code to the next call.
"""

import numpy as np

from serving.engine import (
    ARITHMETIC_SUBROUTINES,
    FORMATS,
    STEP_SUBROUTINES,
    Step,
    check_operands,
    check_step_inputs,
)
from serving.numbers import END, from_bits, to_bits
from serving.onnx_model import OnnxModel, find_model, open_model

STEP_OUTPUTS = ["value_bits", "pointer", "next_mask"]


class OnnxEngine:
    """Executes subroutine calls with ONNX models (implements ``serving.engine.Engine``).

    Args:
        models: subroutine name -> its open model; a call of a subroutine without a model
            raises ValueError.
    """

    def __init__(self, models: dict[str, OnnxModel]):
        self.models = models

    @classmethod
    def load(cls, models_dir: str, subroutines=STEP_SUBROUTINES + ARITHMETIC_SUBROUTINES) -> "OnnxEngine":
        """The engine with the models of ``subroutines`` from ``models_dir``, each found by its
        subroutine's name (``serving.onnx_model.find_model``) and checked to be that
        subroutine's NEE model with its number format's width. ValueError if one is missing."""
        models = {}
        for name in subroutines:
            models[name] = open_model(find_model(models_dir, name), "nee", subroutine=name,
                                      num_bits=FORMATS[name].num_bits)
        return cls(models)

    def _model(self, subroutine: str) -> OnnxModel:
        if subroutine not in self.models:
            raise ValueError(f"models: no {subroutine} model is loaded")
        return self.models[subroutine]

    def _run(self, subroutine: str, values: np.ndarray, mask: np.ndarray) -> list[np.ndarray]:
        """The model's step outputs for codes values int64 [B, N] and mask bool [B, N]."""
        feed = {"bits": to_bits(values, FORMATS[subroutine].num_bits).astype(np.float32),
                "mask": mask.astype(np.float32)}
        return self._model(subroutine).run(STEP_OUTPUTS, feed)

    def _step(self, subroutine: str, values, mask) -> Step:
        values, mask = check_step_inputs(values, mask, FORMATS[subroutine])
        value_bits, pointer, next_mask = self._run(subroutine, values, mask)
        value = np.minimum(from_bits(value_bits), END)
        return Step(value, pointer.astype(np.int64), next_mask.astype(bool))

    def _arithmetic(self, subroutine: str, a, b) -> np.ndarray:
        a, b = check_operands(a, b, FORMATS[subroutine])
        operands = np.stack([a, b], axis=1)
        value_bits, _, _ = self._run(subroutine, operands, np.zeros(operands.shape, dtype=bool))
        return from_bits(value_bits)

    def find_min(self, values, mask) -> Step:
        """See ``serving.engine.Engine.find_min``."""
        return self._step("find_min", values, mask)

    def merge_step(self, values, mask) -> Step:
        """See ``serving.engine.Engine.merge_step``."""
        return self._step("merge_step", values, mask)

    def add(self, a, b) -> np.ndarray:
        """See ``serving.engine.Engine.add``."""
        return self._arithmetic("add", a, b)

    def mul(self, a, b) -> np.ndarray:
        """See ``serving.engine.Engine.mul``."""
        return self._arithmetic("mul", a, b)
