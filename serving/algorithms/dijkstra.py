"""Dijkstra's single-source shortest paths as a loop of find-min and addition calls."""

import numpy as np

from serving.algorithms.inputs import check_graphs
from serving.algorithms.loop import append_end, pairwise_min, visit_nodes
from serving.engine import Engine
from serving.numbers import INFINITY, check_integers


def dijkstra(engine: Engine, weights, source) -> np.ndarray:
    """Shortest-path distances from ``source`` in B graphs of N nodes.

    Each step: ``find_min`` over the unvisited nodes' distances and END chooses the next node u
    and marks it visited (its next mask), until END comes out; then for every unvisited
    neighbour v, ``add`` gives w(u, v) + dist(u) and a ``find_min`` over the pair (dist(v), that
    sum) the new dist(v).

    Args:
        engine: executes the steps.
        weights: int64 [B, N, N], weights[b, u, v] the weight of edge u -> v (0..255), INFINITY
            (511) where there is none. Every shortest-path distance must be at most 255, the
            addition operand range (else the engine raises ValueError naming its operand).
        source: int64 [B], the source node of each graph.

    Returns:
        int64 [B, N], the distance of every node from its graph's source; INFINITY for nodes
        the source does not reach.
    """
    weights = check_graphs(weights, symmetric=False)
    batch, num_nodes = weights.shape[:2]
    source = check_integers(source, "source", num_nodes - 1)
    if source.shape != (batch,):
        raise ValueError(f"source must have shape [B] = ({batch},), got {source.shape}")
    candidates = append_end(np.full((batch, num_nodes), INFINITY, dtype=np.int64))
    candidates[np.arange(batch), source] = 0
    distances = candidates[:, :num_nodes]
    for visit in visit_nodes(engine, candidates, weights):
        through_node = engine.add(visit.weight, visit.node_key)
        old = distances[visit.graph, visit.other]
        distances[visit.graph, visit.other] = pairwise_min(engine, old, through_node).value
    return distances.copy()
