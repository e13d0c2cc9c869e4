"""Dijkstra's single-source shortest paths as a loop of find-min and addition calls."""

import numpy as np

from serving.algorithms.inputs import check_graphs, check_sources
from serving.algorithms.loop import append_end, pairwise_min, visit_nodes
from serving.engine import Engine
from serving.wide import as_wide


def dijkstra(engine: Engine, weights, source) -> np.ndarray:
    """Shortest-path distances from ``source`` in B graphs of N nodes.

    Each step: ``find_min`` over the unvisited nodes' distances and END chooses the next node u
    and marks it visited (its next mask), until END comes out; then for every unvisited
    neighbour v, ``add`` gives w(u, v) + dist(u) and a ``find_min`` over the pair (dist(v), that
    sum) the new dist(v).

    Args:
        engine: executes the steps; a ``serving.wide.WideEngine`` counts in its space, any other
            engine in 8 bits (``serving.wide.as_wide``).
        weights: int64 [B, N, N], weights[b, u, v] the weight of edge u -> v (0..max_value of
            the space, 255 in 8 bits), the space's INFINITY (511 in 8 bits) where there is none.
        source: int64 [B], the source node of each graph.

    Returns:
        int64 [B, N], the distance of every node from its graph's source; INFINITY for nodes
        the source does not reach.

    Raises:
        serving.numbers.RangeError (a ValueError) if a sum dist(u) + w(u, v) leaves the space
        (above 510 in 8 bits): the answer is then never a wrong one.
    """
    engine = as_wide(engine)
    weights = check_graphs(weights, False, engine.space)
    source = check_sources(source, weights)
    batch, num_nodes = weights.shape[:2]
    candidates = append_end(np.full((batch, num_nodes), engine.space.infinity, dtype=np.int64), engine.space.end)
    candidates[np.arange(batch), source] = 0
    distances = candidates[:, :num_nodes]
    for visit in visit_nodes(engine, candidates, weights):
        through_node = engine.add(visit.weight, visit.node_key)
        old = distances[visit.graph, visit.other]
        distances[visit.graph, visit.other] = pairwise_min(engine, old, through_node).value
    return distances.copy()
