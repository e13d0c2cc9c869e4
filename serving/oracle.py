"""The exact numpy engine, and an engine wrapper that records every call (the training traces)."""

from dataclasses import dataclass

import numpy as np

from serving.engine import (
    ARITHMETIC_SUBROUTINES,
    FORMATS,
    STEP_SUBROUTINES,
    DispatchingEngine,
    Engine,
    Step,
    check_operands,
    check_step_inputs,
    exact_inputs,
)
from serving.numbers import INFINITY


def _one_hot(pointer: np.ndarray, length: int) -> np.ndarray:
    """bool [B, length], True at ``pointer`` [B]."""
    return np.arange(length) == pointer[:, None]


def _shift_right(flags: np.ndarray) -> np.ndarray:
    """bool [B, N]: position i holds ``flags[:, i - 1]``; position 0 holds False."""
    shifted = np.zeros_like(flags)
    shifted[:, 1:] = flags[:, :-1]
    return shifted


def _select_minimum(values: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, ...]:
    """Value [B], pointer [B] and one-hot pointer [B, N] of the first smallest unmasked value."""
    pointer = np.where(mask, np.iinfo(np.int64).max, values).argmin(axis=1)
    value = np.take_along_axis(values, pointer[:, None], axis=1)[:, 0]
    return value, pointer, _one_hot(pointer, values.shape[1])


class OracleEngine:
    """Executes every subroutine exactly, vectorized over the batch (implements ``Engine``)."""

    def find_min(self, values, mask) -> Step:
        """See ``Engine.find_min``; next_mask = mask | one_hot(pointer)."""
        values, mask = check_step_inputs(values, mask, FORMATS["find_min"])
        value, pointer, chosen = _select_minimum(values, mask)
        return Step(value, pointer, mask | chosen)

    def merge_step(self, values, mask) -> Step:
        """See ``Engine.merge_step``; next_mask = (mask | one_hot(p)) & ~one_hot(p + 1)."""
        values, mask = check_step_inputs(values, mask, FORMATS["merge_step"])
        value, pointer, chosen = _select_minimum(values, mask)
        return Step(value, pointer, (mask | chosen) & ~_shift_right(chosen))

    def add(self, a, b) -> np.ndarray:
        """See ``Engine.add``."""
        a, b = check_operands(a, b, FORMATS["add"])
        return np.where((a == INFINITY) | (b == INFINITY), INFINITY, a + b)

    def mul(self, a, b) -> np.ndarray:
        """See ``Engine.mul``."""
        a, b = check_operands(a, b, FORMATS["mul"])
        return a * b


@dataclass(frozen=True)
class StepCall:
    """One recorded step subroutine call: inputs values int64 [B, N], mask bool [B, N]; output."""

    values: np.ndarray
    mask: np.ndarray
    step: Step


@dataclass(frozen=True)
class ArithmeticCall:
    """One recorded arithmetic call: operands a, b int64 [M] and result int64 [M]."""

    a: np.ndarray
    b: np.ndarray
    result: np.ndarray


class RecordingEngine(DispatchingEngine):
    """Wraps an engine and records copies of every call's inputs and outputs (each of the four
    calls is ``inner``'s, recorded).

    Attributes:
        inner: the engine that executes the calls.
        calls: subroutine name -> its calls in order: ``StepCall`` for find_min and merge_step,
            ``ArithmeticCall`` for add and mul.
    """

    def __init__(self, inner: Engine):
        self.inner = inner
        self.calls: dict[str, list] = {
            name: [] for name in STEP_SUBROUTINES + ARITHMETIC_SUBROUTINES
        }

    @property
    def exact_inputs(self) -> dict[str, int]:
        """``inner``'s (``serving.engine.exact_inputs``)."""
        return exact_inputs(self.inner)

    def _step(self, name: str, values, mask) -> Step:
        step = getattr(self.inner, name)(values, mask)
        copied = Step(np.array(step.value), np.array(step.pointer), np.array(step.next_mask))
        self.calls[name].append(StepCall(np.array(values, dtype=np.int64), np.array(mask), copied))
        return step

    def _arithmetic(self, name: str, a, b) -> np.ndarray:
        result = getattr(self.inner, name)(a, b)
        operands = (np.array(a, dtype=np.int64), np.array(b, dtype=np.int64))
        self.calls[name].append(ArithmeticCall(*operands, np.array(result)))
        return result
