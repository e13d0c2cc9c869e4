"""The onnxruntime engine: exported NEE step models execute the subroutine calls.

Every call is one ``session.run`` over the whole batch: B rows of N positions for a step,
M operand pairs (as N = 2 positions, nothing masked) for arithmetic. Inputs are checked and
coded as bits with ``serving.numbers``; the models' decoded outputs (value bits, pointer,
next mask; see ``export.signatures``) are turned into answers by ``serving.engine.LearnedEngine``,
which every learned engine shares.

On the CPU each run uses one thread, and the engine says it runs as many calls side by side as
there are cores (``concurrent_calls``), so ``serving.compose`` gives each core a shard of a batch:
the NEE models are small, and onnxruntime's threads within one run of them gained little (Dijkstra
on 64 graphs of 100 nodes: 107 graphs/s with one thread per run, 99 with the default, 183 as two
shards of 32 side by side; docs/RESULTS.md).
"""

from functools import partial

from serving.engine import ARITHMETIC_SUBROUTINES, STEP_SUBROUTINES, StepModelEngine
from serving.onnx_model import open_named, providers, usable_cores


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
        subroutine's NEE model with its number format's width. ValueError if one is missing.
        On the CPU, one thread per run and ``concurrent_calls`` = the usable cores; with CUDA,
        onnxruntime's default threads and one call at a time."""
        on_cpu = providers() == ["CPUExecutionProvider"]
        engine = cls.open(partial(open_named, models_dir, intra_op_threads=1 if on_cpu else 0), subroutines)
        engine.concurrent_calls = usable_cores() if on_cpu else 1
        return engine
