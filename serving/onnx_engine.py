"""The onnxruntime engine: exported NEE step models execute the subroutine calls.

Every call is one ``session.run`` over the whole batch: B rows of N positions for a step,
M operand pairs (as N = 2 positions, nothing masked) for arithmetic. Inputs are checked and
coded as bits with ``serving.numbers``; the models' decoded outputs (value bits, pointer,
next mask; see ``export.signatures``) are turned into answers by ``serving.engine.LearnedEngine``,
which every learned engine shares.
"""

import numpy as np

from serving.engine import ARITHMETIC_SUBROUTINES, FORMATS, STEP_SUBROUTINES, LearnedEngine
from serving.onnx_model import OnnxModel, find_model, open_model

STEP_OUTPUTS = ["value_bits", "pointer", "next_mask"]


class OnnxEngine(LearnedEngine):
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

    def _predict(self, subroutine: str, bits: np.ndarray, mask: np.ndarray):
        """See ``serving.engine.LearnedEngine._predict``: one ``session.run``."""
        return self._model(subroutine).run(STEP_OUTPUTS, {"bits": bits, "mask": mask})
