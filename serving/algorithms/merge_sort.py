"""Bottom-up merge sort: each merge is a loop of merge steps over ``[run1, END, run2, END]``."""

import numpy as np

from serving.algorithms.inputs import check_lists
from serving.algorithms.loop import collect_until_end
from serving.engine import Engine
from serving.wide import WideEngine, as_wide


def merge_runs(engine: WideEngine, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Merge sorted runs with ``engine.merge_step``: left [R, n1], right [R, n2] -> [R, n1 + n2].

    All arrays are int64.

    The steps run on ``[left, END, right, END]`` with a mask that shows only the two current
    heads; each emits the smaller head and moves that run's head on, until END comes out.
    """
    num_left, end = left.shape[1], engine.space.end
    end_column = np.full((len(left), 1), end, dtype=np.int64)
    sequence = np.concatenate([left, end_column, right, end_column], axis=1)
    heads_only = np.ones(sequence.shape, dtype=bool)
    heads_only[:, [0, num_left + 1]] = False
    return collect_until_end(engine.merge_step, sequence, heads_only, num_left + right.shape[1], end)


def _merge_level(engine: WideEngine, runs: np.ndarray, width: int) -> np.ndarray:
    """Merge each pair of adjacent runs of ``width`` in runs int64 [B, N] -> [B, N].

    All full pairs of all rows go to the engine as one batch; the last pair, whose right run is
    shorter, as a second one; a last run without partner stays as it is.
    """
    batch, length = runs.shape
    merged = runs.copy()
    full_length = length // (2 * width) * 2 * width
    if full_length:
        pairs = runs[:, :full_length].reshape(-1, 2 * width)
        merged[:, :full_length] = merge_runs(engine, pairs[:, :width], pairs[:, width:]).reshape(
            batch, full_length
        )
    if length - full_length > width:
        tail = runs[:, full_length:]
        merged[:, full_length:] = merge_runs(engine, tail[:, :width], tail[:, width:])
    return merged


def merge_sort(engine: Engine, values) -> np.ndarray:
    """Sort B lists of N numbers by merging runs of width 1, 2, 4, ... with ``engine.merge_step``.

    Args:
        engine: executes the merge steps; a ``serving.wide.WideEngine`` counts in its space,
            any other engine in 8 bits (``serving.wide.as_wide``).
        values: integers 0..max_value of the space (255 in 8 bits), shape [B, N].

    Returns:
        int64 [B, N], each row in ascending order (with an exact engine).
    """
    engine = as_wide(engine)
    runs = check_lists(values, engine.space)
    width = 1
    while width < runs.shape[1]:
        runs = _merge_level(engine, runs, width)
        width *= 2
    return runs
