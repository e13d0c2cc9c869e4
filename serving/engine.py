"""The engine interface: what executes one subroutine call of an algorithm.

An algorithm (``serving.algorithms``) is a loop of subroutine calls; an engine executes them.
The oracle engine (``serving.oracle``) is exact numpy; learned engines (Keras, onnxruntime,
TF Serving) implement the same four methods. Every call is batch-first, and the batch rows are
independent.

Step subroutines (``find_min``, ``merge_step``) take integer codes ``values`` [B, N] and a
boolean ``mask`` [B, N] (True = excluded) and return a ``Step``:

- ``pointer``: the position of the smallest unmasked value, the first one among equals (a
  model without positional encodings sees equal values alike, and its argmax falls back to the
  first of them);
- ``value``: the value at ``pointer``;
- ``next_mask``: a function of the mask and the one-hot pointer that looks only at a position
  and its two neighbours (so that a kernel-3 convolution over ``[mask, one-hot pointer]`` can
  learn it at one length and apply it at any other). ``find_min`` excludes the chosen position;
  ``merge_step`` excludes it and admits the position after it, which advances a list head.

Arithmetic subroutines (``add``, ``mul``) map two int64 operand vectors [M] to results [M].
Numbers are codes of ``serving.numbers``: each subroutine's ``NumberFormat`` is in ``FORMATS``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from serving.model import Model
from serving.numbers import (
    ADDITION_FORMAT,
    COMPARISON_FORMAT,
    END,
    MAX_LIST_VALUE,
    MULTIPLICATION_FORMAT,
    from_bits,
    to_bits,
    NumberFormat,
)

STEP_SUBROUTINES = ("find_min", "merge_step")
"""Subroutines that map (values, mask) to a Step."""

ARITHMETIC_SUBROUTINES = ("add", "mul")
"""Subroutines that map two operand vectors to a result vector."""

FORMATS: dict[str, NumberFormat] = {
    "find_min": COMPARISON_FORMAT,
    "merge_step": COMPARISON_FORMAT,
    "add": ADDITION_FORMAT,
    "mul": MULTIPLICATION_FORMAT,
}
"""The number format of each subroutine's inputs and outputs."""

EXACT_INPUTS: dict[str, int] = {name: fmt.max_input for name, fmt in FORMATS.items()}
"""Largest finite input of each subroutine that an engine computes exactly, unless the engine
says less (``exact_inputs``): its whole number format, as the oracle does. ``serving.wide``
writes larger numbers as digits within these bounds."""


def exact_inputs(engine) -> dict[str, int]:
    """Subroutine name -> the largest finite input ``engine`` computes exactly: its attribute
    ``exact_inputs``, else ``EXACT_INPUTS``."""
    return getattr(engine, "exact_inputs", EXACT_INPUTS)


def concurrent_calls_of(engine) -> int:
    """The engine's ``concurrent_calls`` (see ``DispatchingEngine``); 1 for an engine that does not say."""
    return getattr(engine, "concurrent_calls", 1)


@dataclass(frozen=True)
class Step:
    """The result of one step subroutine call on B rows of N positions.

    Attributes:
        value: int64 [B], the chosen value of each row.
        pointer: int64 [B], its position, in 0..N-1.
        next_mask: bool [B, N], the mask for the next call (True = excluded).
    """

    value: np.ndarray
    pointer: np.ndarray
    next_mask: np.ndarray


@runtime_checkable
class Engine(Protocol):
    """Executes subroutine calls; see the module docstring for the semantics."""

    def find_min(self, values: np.ndarray, mask: np.ndarray) -> Step:
        """Smallest unmasked value of each row, and the mask with its position excluded.

        Args:
            values: int64 [B, N], codes of ``COMPARISON_FORMAT``.
            mask: bool [B, N], True = excluded; every row keeps at least one position.

        Returns:
            Step with value [B], pointer [B], next_mask [B, N] = mask | one_hot(pointer).
        """

    def merge_step(self, values: np.ndarray, mask: np.ndarray) -> Step:
        """One step of a merge of ``[run1, END, run2, END]`` whose mask shows the two heads.

        Args:
            values: int64 [B, N], codes of ``COMPARISON_FORMAT``.
            mask: bool [B, N], True = excluded; every row keeps at least one position.

        Returns:
            Step with the smaller head's value [B] and pointer [B] (the first head among
            equals), and next_mask [B, N]: the chosen position excluded and the one after it
            (the next element of the same run) admitted.
        """

    def add(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Sums: int64 [M] operands of ``ADDITION_FORMAT`` -> int64 [M], INFINITY absorbing."""

    def mul(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Products: int64 [M] operands of ``MULTIPLICATION_FORMAT`` -> int64 [M]."""


def check_step_inputs(values, mask, fmt: NumberFormat) -> tuple[np.ndarray, np.ndarray]:
    """Validated ``(values int64 [B, N], mask bool [B, N])`` of a step subroutine call.

    Raises:
        ValueError naming ``values`` or ``mask``: values not a [B, N] array with N >= 1 of valid
        codes, mask not a boolean array of the same shape, or a row with every position masked.
    """
    values = fmt.check(values, "values")
    if values.ndim != 2 or values.shape[1] == 0:
        raise ValueError(f"values must have shape [B, N] with N >= 1, got {values.shape}")
    mask = np.asarray(mask)
    if mask.dtype != np.bool_ or mask.shape != values.shape:
        raise ValueError(
            f"mask must be a bool array of shape {values.shape}, got {mask.dtype} {mask.shape}"
        )
    if mask.all(axis=1).any():
        raise ValueError("mask must leave at least one position of every row unmasked")
    return values, mask


def check_operands(a, b, fmt: NumberFormat) -> tuple[np.ndarray, np.ndarray]:
    """Validated operands ``(a int64 [M], b int64 [M])`` of an arithmetic subroutine call.

    Raises:
        ValueError naming ``a`` or ``b``: not a vector of valid codes, or lengths differ.
    """
    a = fmt.check(a, "a")
    b = fmt.check(b, "b")
    if a.ndim != 1:
        raise ValueError(f"a must have shape [M], got {a.shape}")
    if b.shape != a.shape:
        raise ValueError(f"b must have the shape of a, {a.shape}, got {b.shape}")
    return a, b


LARGEST_OUTPUT = {"find_min": END, "merge_step": END, "add": 2**9 - 1, "mul": 2**12 - 1}
"""The largest code each subroutine may return. A 10-bit comparison output above END (possible
only for a wrong model) is returned as END, so that a failing row ends instead of feeding an
invalid code to the next call."""


class DispatchingEngine:
    """An engine whose four calls go to two methods by kind: ``_step(name, values, mask)`` for
    find_min and merge_step, ``_arithmetic(name, a, b)`` for add and mul.

    Attributes:
        concurrent_calls: how many calls from different threads the engine runs side by side
            with a gain (1 unless a subclass knows better); ``serving.compose`` splits a batch
            into that many shards run in threads.
    """

    concurrent_calls = 1

    def find_min(self, values, mask) -> Step:
        """See :meth:`Engine.find_min`."""
        return self._step("find_min", values, mask)

    def merge_step(self, values, mask) -> Step:
        """See :meth:`Engine.merge_step`."""
        return self._step("merge_step", values, mask)

    def add(self, a, b) -> np.ndarray:
        """See :meth:`Engine.add`."""
        return self._arithmetic("add", a, b)

    def mul(self, a, b) -> np.ndarray:
        """See :meth:`Engine.mul`."""
        return self._arithmetic("mul", a, b)


class LearnedEngine(DispatchingEngine):
    """What every engine of trained NEE step models shares (Keras, onnxruntime, TF Serving):
    input checks, bit coding of the operands, decoding of the outputs. A subclass implements
    :meth:`_predict` for its backend.

    Attributes:
        exact_inputs: the comparisons are trusted on 8-bit values and the tokens only, the
            numbers the models were trained to order: on the codes 256..510 the shipped find-min
            model was wrong on 65,485 of 261,121 pairs (min(236, 256) = 227). ``serving.wide``
            compares larger numbers byte by byte.
    """

    exact_inputs = {**EXACT_INPUTS, "find_min": MAX_LIST_VALUE, "merge_step": MAX_LIST_VALUE}

    def _predict(self, subroutine: str, bits: np.ndarray, mask: np.ndarray):
        """The model's decoded step for bits float32 [B, N, num_bits] and mask float32 [B, N]
        (1 = excluded): (value bits 0/1 [B, num_bits], pointer int [B], next mask bool [B, N])."""
        raise NotImplementedError

    def _decoded(self, subroutine: str, values: np.ndarray, mask: np.ndarray) -> Step:
        """The model's step on checked codes ``values`` int64 [B, N] and ``mask`` bool [B, N]:
        values capped at ``LARGEST_OUTPUT``, pointers int64, next masks bool."""
        value_bits, pointer, next_mask = self._predict(
            subroutine, to_bits(values, FORMATS[subroutine].num_bits).astype(np.float32), mask.astype(np.float32))
        value = np.minimum(from_bits(np.asarray(value_bits).astype(np.int64)), LARGEST_OUTPUT[subroutine])
        return Step(value, np.asarray(pointer).astype(np.int64), np.asarray(next_mask).astype(bool))

    def _step(self, subroutine: str, values, mask) -> Step:
        return self._decoded(subroutine, *check_step_inputs(values, mask, FORMATS[subroutine]))

    def _arithmetic(self, subroutine: str, a, b) -> np.ndarray:
        operands = np.stack(check_operands(a, b, FORMATS[subroutine]), axis=1)
        return self._decoded(subroutine, operands, np.zeros(operands.shape, dtype=bool)).value


STEP_OUTPUTS = ["value_bits", "pointer", "next_mask"]
"""The decoded outputs of an exported NEE step model that an engine reads (``export.signatures``)."""


class StepModelEngine(LearnedEngine):
    """Executes subroutine calls with exported NEE step models, one ``Model.run`` of the
    subroutine's model per call over the whole batch, whichever runtime holds the models
    (onnxruntime: ``serving.onnx_engine``; TF Serving: ``serving.tfserving``).

    Args:
        models: subroutine name -> its open model; a call of a subroutine without a model
            raises ValueError.
    """

    def __init__(self, models: dict[str, Model]):
        self.models = models

    @classmethod
    def open(cls, open_model: Callable[..., Model], subroutines=STEP_SUBROUTINES + ARITHMETIC_SUBROUTINES):
        """The engine with the models of ``subroutines``: ``open_model(name, kind, **expected)``
        opens each by its subroutine's name and checks that it is that subroutine's NEE model
        with its number format's width (ModelError otherwise)."""
        return cls({name: open_model(name, "nee", subroutine=name, num_bits=FORMATS[name].num_bits)
                    for name in subroutines})

    def _model(self, subroutine: str) -> Model:
        if subroutine not in self.models:
            raise ValueError(f"models: no {subroutine} model is loaded")
        return self.models[subroutine]

    def _predict(self, subroutine: str, bits: np.ndarray, mask: np.ndarray):
        """See :meth:`LearnedEngine._predict`: one ``run`` of the subroutine's model."""
        return self._model(subroutine).run(STEP_OUTPUTS, {"bits": bits, "mask": mask})
