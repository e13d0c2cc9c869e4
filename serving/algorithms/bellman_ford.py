"""Bellman-Ford single-source shortest paths as rounds of edge relaxation: add, then find-min."""

import numpy as np

from serving.algorithms.inputs import check_graphs, check_sources
from serving.engine import Engine
from serving.wide import as_wide


def bellman_ford(engine: Engine, weights, source) -> np.ndarray:
    """Shortest-path distances from ``source`` in B graphs of N nodes, directed or not.

    Each round relaxes every edge u -> v out of a node u whose distance the round before lowered
    (at first the source; an edge out of an unchanged node was relaxed already): ``add`` gives
    dist(u) + w(u, v) for all of them at once, and one ``find_min`` per node v that receives a
    candidate, over ``[dist(v), its candidates]`` with the other positions masked, gives the new
    dist(v); its pointer is 0 exactly where no candidate is smaller. The rounds stop when no
    distance changes, after at most N.

    Args:
        engine: executes the steps; a ``serving.wide.WideEngine`` counts in its space, any other
            engine in 8 bits (``serving.wide.as_wide``).
        weights: int64 [B, N, N], weights[b, u, v] the weight of edge u -> v (0..max_value of
            the space), the space's INFINITY where there is none.
        source: int64 [B], the source node of each graph.

    Returns:
        int64 [B, N], the distance of every node from its graph's source; INFINITY for nodes
        the source does not reach.

    Raises:
        serving.numbers.RangeError (a ValueError) if a sum dist(u) + w(u, v) leaves the space.
    """
    engine = as_wide(engine)
    infinity = engine.space.infinity
    weights = check_graphs(weights, False, engine.space)
    source = check_sources(source, weights)
    batch, num_nodes = weights.shape[:2]
    graphs = np.arange(batch)
    distances = np.full((batch, num_nodes), infinity, dtype=np.int64)
    distances[graphs, source] = 0
    changed = np.zeros((batch, num_nodes), dtype=bool)
    changed[graphs, source] = True
    for _ in range(num_nodes):
        graph, u, v = np.nonzero(changed[:, :, None] & (weights < infinity))
        if not graph.size:
            break
        through_u = engine.add(weights[graph, u, v], distances[graph, u])
        candidates = np.full((batch, num_nodes, num_nodes + 1), infinity, dtype=np.int64)
        candidates[graph, v, u + 1] = through_u  # a sum is finite (or RangeError), so INFINITY = none
        row_graph, row_node = np.nonzero((candidates < infinity).any(axis=2))
        rows = candidates[row_graph, row_node]
        masked = rows == infinity
        masked[:, 0] = False
        rows[:, 0] = distances[row_graph, row_node]
        step = engine.find_min(rows, masked)
        changed[:] = False
        changed[row_graph, row_node] = step.pointer != 0
        distances[row_graph, row_node] = step.value
    return distances
