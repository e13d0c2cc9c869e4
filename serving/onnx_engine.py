"""The onnxruntime engine: exported NEE step models execute the subroutine calls.

Every call is one ``session.run`` over the whole batch: B rows of N positions for a step,
M operand pairs (as N = 2 positions, nothing masked) for arithmetic. Inputs are checked and
coded as bits with ``serving.numbers``; the models' decoded outputs (value bits, pointer,
next mask; see ``export.signatures``) are turned into answers by ``serving.engine.LearnedEngine``,
which every learned engine shares.
"""

from functools import partial

from serving.engine import ARITHMETIC_SUBROUTINES, STEP_SUBROUTINES, StepModelEngine
from serving.onnx_model import open_named


class OnnxEngine(StepModelEngine):
    """Executes subroutine calls with ONNX models (implements ``serving.engine.Engine``).

    Args:
        models: subroutine name -> its open ``serving.onnx_model.OnnxModel``; a call of a
            subroutine without a model raises ValueError.
    """

    @classmethod
    def load(cls, models_dir: str, subroutines=STEP_SUBROUTINES + ARITHMETIC_SUBROUTINES) -> "OnnxEngine":
        """The engine with the models of ``subroutines`` from ``models_dir``, each found by its
        subroutine's name (``serving.onnx_model.find_model``) and checked to be that
        subroutine's NEE model with its number format's width. ValueError if one is missing."""
        return cls.open(partial(open_named, models_dir), subroutines)
