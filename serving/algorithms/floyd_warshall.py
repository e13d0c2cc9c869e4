"""Floyd-Warshall all-pairs shortest paths: per intermediate node, one add and one pairwise min."""

import numpy as np

from serving.algorithms.inputs import check_graphs
from serving.algorithms.loop import pairwise_min
from serving.engine import Engine
from serving.wide import as_wide


def floyd_warshall(engine: Engine, weights) -> np.ndarray:
    """Distances between every pair of nodes of B graphs of N nodes, directed or not.

    Starts from the edge weights (0 from a node to itself); round k lowers every d(i, j) to
    d(i, k) + d(k, j) where that is smaller: one ``add`` over every pair whose two parts are
    finite (INFINITY could lower nothing, so no call is spent on it), then one ``find_min`` over
    each pair ``[d(i, j), d(i, k) + d(k, j)]``.

    Args:
        engine: executes the steps; a ``serving.wide.WideEngine`` counts in its space, any other
            engine in 8 bits (``serving.wide.as_wide``).
        weights: int64 [B, N, N], weights[b, u, v] the weight of edge u -> v (0..max_value of
            the space), the space's INFINITY where there is none.

    Returns:
        int64 [B, N, N], distances[b, i, j] from node i to node j; INFINITY where j is
        unreachable from i.

    Raises:
        serving.numbers.RangeError (a ValueError) if a sum leaves the space.
    """
    engine = as_wide(engine)
    infinity = engine.space.infinity
    distances = check_graphs(weights, False, engine.space).copy()
    batch, num_nodes = distances.shape[:2]
    distances[:, np.arange(num_nodes), np.arange(num_nodes)] = 0
    for k in range(num_nodes):
        graph, i, j = np.nonzero((distances[:, :, k, None] < infinity) & (distances[:, None, k, :] < infinity))
        if graph.size:
            through_k = engine.add(distances[graph, i, k], distances[graph, k, j])
            distances[graph, i, j] = pairwise_min(engine, distances[graph, i, j], through_k).value
    return distances
