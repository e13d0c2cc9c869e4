"""Prim's minimum spanning tree (a forest on disconnected graphs) as a loop of find-min calls."""

from typing import NamedTuple

import numpy as np

from serving.algorithms.inputs import check_graphs
from serving.algorithms.loop import append_end, pairwise_min, visit_nodes
from serving.algorithms.union_find import UnionFind
from serving.engine import Engine
from serving.numbers import INFINITY
from serving.wide import as_wide


class SpanningForest(NamedTuple):
    """Prim's result for B graphs of N nodes.

    Attributes:
        parent: int64 [B, N], the node each node joined the tree by (an edge parent -> node of
            the forest), -1 for a root: node 0 and the first node of every other component.
        total_weight: int64 [B], the sum of the forest's edge weights.
    """

    parent: np.ndarray
    total_weight: np.ndarray


def prim(engine: Engine, weights) -> SpanningForest:
    """Minimum spanning forest of B undirected graphs, grown from node 0.

    Each step: ``find_min`` over the keys of the nodes outside the tree and END chooses the next
    node u and adds it to the tree (its next mask), until END comes out; then for every neighbour v
    outside, a ``find_min`` over the pair (key(v), w(u, v)) gives the new key, and its pointer
    tells whether the edge from u is the new best (then parent(v) = u). A node chosen with key
    INFINITY is unreachable from the tree so far and starts a new tree of the forest.

    Args:
        engine: executes the steps; a ``serving.wide.WideEngine`` counts in its space, any other
            engine in 8 bits (``serving.wide.as_wide``).
        weights: int64 [B, N, N], symmetric, weights[b, u, v] the weight of edge u - v (0..max_value
            of the space, 255 in 8 bits), the space's INFINITY (511 in 8 bits) where there is none.

    Returns:
        SpanningForest(parent [B, N], total_weight [B]).
    """
    engine = as_wide(engine)
    weights = check_graphs(weights, True, engine.space)
    batch, num_nodes = weights.shape[:2]
    candidates = append_end(np.full((batch, num_nodes), engine.space.infinity, dtype=np.int64), engine.space.end)
    candidates[:, 0] = 0
    keys = candidates[:, :num_nodes]
    parent = np.full((batch, num_nodes), -1, dtype=np.int64)
    for visit in visit_nodes(engine, candidates, weights):
        closer = pairwise_min(engine, keys[visit.graph, visit.other], visit.weight)
        keys[visit.graph, visit.other] = closer.value
        by_edge = closer.pointer == 1
        parent[visit.graph[by_edge], visit.other[by_edge]] = visit.node[by_edge]
    has_parent = parent >= 0
    graph_index = np.arange(batch)[:, None]
    edge_weights = weights[graph_index, np.where(has_parent, parent, 0), np.arange(num_nodes)]
    return SpanningForest(parent, np.where(has_parent, edge_weights, 0).sum(axis=1))


def is_spanning_forest(weights: np.ndarray, edges, infinity: int = INFINITY) -> bool:
    """Whether ``edges`` ((u, v) pairs of nodes) form a spanning forest of the undirected graph
    weights [N, N] (``infinity``, by default the 8-bit INFINITY, = no edge): every edge exists,
    none closes a cycle, and they join every component of the graph into one tree. Any minimum
    spanning forest passes; so does a heavier one, which the caller rules out by its weight."""
    num_nodes, trees = len(weights), UnionFind(len(weights))
    for u, v in edges:
        if not (0 <= u < num_nodes and 0 <= v < num_nodes) or weights[u, v] >= infinity or not trees.join(u, v):
            return False
    # spanning: no edge of the graph still joins two of the forest's trees
    return not any(trees.join(u, v) for u, v in zip(*np.nonzero(np.triu(weights < infinity, k=1))))
