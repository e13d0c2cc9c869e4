"""Selection sort: find-min over the list and the end token until the end token comes out."""

import numpy as np

from serving.algorithms.inputs import check_lists
from serving.algorithms.loop import append_end, collect_until_end
from serving.engine import Engine
from serving.wide import as_wide


def selection_sort(engine: Engine, values) -> np.ndarray:
    """Sort B lists of N numbers with ``engine.find_min``.

    Each step takes the smallest unmasked element of ``[list, END]`` (its value is the next
    output) and masks it (the step's next mask); the row stops when END comes out.

    Args:
        engine: executes the find-min steps; a ``serving.wide.WideEngine`` counts in its space,
            any other engine in 8 bits (``serving.wide.as_wide``).
        values: integers 0..max_value of the space (255 in 8 bits), shape [B, N].

    Returns:
        int64 [B, N], each row in ascending order (with an exact engine).
    """
    engine = as_wide(engine)
    values = check_lists(values, engine.space)
    candidates = append_end(values, engine.space.end)
    return collect_until_end(
        engine.find_min, candidates, np.zeros(candidates.shape, dtype=bool), values.shape[1], engine.space.end
    )
