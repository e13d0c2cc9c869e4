"""Bottom-up merge sort: each merge is a loop of merge steps over ``[run1, END, run2, END]``."""

import numpy as np

from serving.algorithms.inputs import check_lists
from serving.algorithms.loop import emitted_until_end
from serving.engine import Engine
from serving.wide import WideEngine, as_wide


def merge_runs(engine: WideEngine, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge sorted runs with ``engine.merge_step``: left [R, n1], right [R, n2] -> the merged
    values [R, n1 + n2] and where each came from, its column in ``[left, right]`` [R, n1 + n2]
    (-1 where an inexact engine emitted nothing).

    All arrays are int64.

    The steps run on ``[left, END, right, END]`` with a mask that shows only the two current
    heads; each emits the smaller head (the left one of equal heads, so the merge is stable) and
    moves that run's head on, until END comes out.
    """
    num_left, end = left.shape[1], engine.space.end
    end_column = np.full((len(left), 1), end, dtype=np.int64)
    sequence = np.concatenate([left, end_column, right, end_column], axis=1)
    heads_only = np.ones(sequence.shape, dtype=bool)
    heads_only[:, [0, num_left + 1]] = False
    values, pointers = emitted_until_end(engine.merge_step, sequence, heads_only, num_left + right.shape[1], end)
    return values, np.where(pointers > num_left, pointers - 1, pointers)  # END's column is not a source


def _merge_level(engine: WideEngine, runs: np.ndarray, order: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Merge each pair of adjacent runs of ``width`` in runs int64 [B, N] -> [B, N], and move
    ``order`` int64 [B, N] (each value's index in the input) along (-1 where an inexact engine
    lost a value).

    All full pairs of all rows go to the engine as one batch; the last pair, whose right run is
    shorter, as a second one; a last run without partner stays as it is.
    """
    batch, length = runs.shape
    merged, merged_order = runs.copy(), order.copy()
    full_length = length // (2 * width) * 2 * width
    blocks = [(0, full_length, 2 * width)] if full_length else []
    if length - full_length > width:
        blocks.append((full_length, length, length - full_length))
    for start, stop, size in blocks:
        pairs = runs[:, start:stop].reshape(-1, size)
        values, sources = merge_runs(engine, pairs[:, :width], pairs[:, width:])
        pair_order = np.take_along_axis(order[:, start:stop].reshape(-1, size), np.maximum(sources, 0), axis=1)
        merged[:, start:stop] = values.reshape(batch, stop - start)
        merged_order[:, start:stop] = np.where(sources >= 0, pair_order, -1).reshape(batch, stop - start)
    return merged, merged_order


def merge_sort(engine: Engine, values) -> np.ndarray:
    """Sort B lists of N numbers by merging runs of width 1, 2, 4, ... with ``engine.merge_step``.

    Args:
        engine: executes the merge steps; a ``serving.wide.WideEngine`` counts in its space,
            any other engine in 8 bits (``serving.wide.as_wide``).
        values: integers 0..max_value of the space (255 in 8 bits), shape [B, N].

    Returns:
        int64 [B, N], each row in ascending order (with an exact engine).
    """
    return merge_sort_order(engine, values)[0]


def merge_sort_order(engine: Engine, values) -> tuple[np.ndarray, np.ndarray]:
    """:func:`merge_sort`, and the order it put the numbers in: (sorted int64 [B, N], order int64
    [B, N]), ``order[b, i]`` the index in ``values[b]`` of the i-th number of the sorted row.
    Every merge is stable, so equal numbers keep their input order (with an exact engine, order
    is ``np.argsort(values, kind="stable")``); -1 marks a number an inexact engine lost.
    """
    engine = as_wide(engine)
    runs = check_lists(values, engine.space)
    order = np.broadcast_to(np.arange(runs.shape[1]), runs.shape).copy()
    width = 1
    while width < runs.shape[1]:
        runs, order = _merge_level(engine, runs, order, width)
        width *= 2
    return runs, order
