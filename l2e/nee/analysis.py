"""Where a find-min engine errs: single steps along exact selection sorts, crowded minima, pairs.

Three measurements of any ``serving.engine.Engine`` with a find-min subroutine (a trained model
through ``l2e.nee.keras_engine.KerasEngine``; ``tools/nee_step_errors.py`` prints them):

- ``step_errors``: every step of selection sort on lists of one size (60 uniform + 40 shuffled
  progressions, ``list_test_suite`` seeded by the size, so not the Table-1 suites), fed the
  oracle's mask, so one error does not spoil the steps after it;
- ``crowd_errors``: lists whose minimum ``CROWD_MINIMUM`` competes with K numbers just above it,
  either 64, 65, ... (``dense``, up to K = ``DENSE_SIZES``) or drawn from 64..79 with repeats
  (``near``); a model whose attention fades as the candidates multiply fails here first;
- ``pair_errors``: find-min of every pair of numbers 0..255 and INFINITY (Dijkstra's and Prim's
  pairwise minimum).

No TensorFlow.
"""

import numpy as np

from l2e.nee.data import list_test_suite
from serving.algorithms.loop import append_end
from serving.engine import Engine
from serving.numbers import END, INFINITY, MAX_LIST_VALUE
from serving.oracle import OracleEngine

CROWD_SIZES = (8, 16, 32, 64, 100, 200, 500, 1000)
"""The numbers in a crowded list, minimum included."""
DENSE_SIZES = 100
"""The dense crowd 64, 65, ... goes up to this many numbers (it must stay within 0..255)."""
CROWD_MINIMUM = 63


def step_errors(engine: Engine, size: int, shown: int = 8) -> dict:
    """Wrong values and pointers over the selection-sort steps of the 100 lists of ``size``.

    Returns ``size``; ``steps`` (find-min calls: 100 lists x (size + 1) steps, the last finding
    END); ``value`` and ``pointer``, how many steps returned a wrong value or pointed at a number
    other than the minimum; and ``first_errors``, up to ``shown`` wrong steps as [true minimum,
    value returned, number pointed to, candidates left].
    """
    values = append_end(list_test_suite(np.random.default_rng(size), size).values, END)  # int64 [100, size + 1]
    mask = np.zeros(values.shape, dtype=bool)
    oracle, counts, first = OracleEngine(), {"steps": 0, "value": 0, "pointer": 0}, []
    rows = np.arange(len(values))
    for _ in range(size + 1):
        expected, got = oracle.find_min(values, mask), engine.find_min(values, mask)
        wrong_value, wrong_pointer = got.value != expected.value, values[rows, got.pointer] != expected.value
        counts["steps"] += len(values)
        counts["value"] += int(wrong_value.sum())
        counts["pointer"] += int(wrong_pointer.sum())
        for row in np.flatnonzero(wrong_value | wrong_pointer)[: max(shown - len(first), 0)]:
            first.append([int(expected.value[row]), int(got.value[row]), int(values[row, got.pointer[row]]),
                          int((~mask[row]).sum())])
        mask = expected.next_mask
    return {"size": size, **counts, "first_errors": first}


def crowd_errors(engine: Engine, trials: int, seed: int = 0) -> list[dict]:
    """Share of wrong values when the minimum has close competitors: per list size in
    ``CROWD_SIZES`` (the minimum and size - 1 competitors), ``numbers`` (the size) and the share
    over ``trials`` lists of each kind, ``near`` and (up to ``DENSE_SIZES`` numbers) ``dense``."""
    rng = np.random.default_rng(seed)
    rows = []
    for size in CROWD_SIZES:
        kinds = {"near": np.stack([rng.permutation(np.concatenate(
            [[CROWD_MINIMUM], rng.integers(CROWD_MINIMUM + 1, CROWD_MINIMUM + 17, size - 1)])) for _ in range(trials)])}
        if size <= DENSE_SIZES:
            kinds["dense"] = np.stack([rng.permutation(np.arange(CROWD_MINIMUM, CROWD_MINIMUM + size))
                                       for _ in range(trials)])
        row = {"numbers": size}
        for kind, lists in kinds.items():  # int64 [trials, size]
            candidates = append_end(lists, END)
            step = engine.find_min(candidates, np.zeros(candidates.shape, dtype=bool))
            row[kind] = float(np.mean(step.value != CROWD_MINIMUM))
        rows.append(row)
    return rows


def pair_errors(engine: Engine) -> dict:
    """Wrong values of find-min over every ordered pair of numbers 0..255 and INFINITY:
    ``pairs`` (257**2) and ``wrong``."""
    numbers = np.append(np.arange(MAX_LIST_VALUE + 1), INFINITY)
    pairs = np.stack([grid.ravel() for grid in np.meshgrid(numbers, numbers)], axis=1)  # int64 [257**2, 2]
    step = engine.find_min(pairs, np.zeros(pairs.shape, dtype=bool))
    return {"pairs": len(pairs), "wrong": int((step.value != pairs.min(axis=1)).sum())}
