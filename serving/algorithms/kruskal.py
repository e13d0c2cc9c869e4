"""Kruskal's minimum spanning tree: edges merge-sorted by weight, the forest kept by union-find."""

import numpy as np

from serving.algorithms.inputs import check_graphs
from serving.algorithms.merge_sort import merge_sort
from serving.algorithms.union_find import UnionFind
from serving.engine import Engine
from serving.numbers import NumberSpace
from serving.wide import WideEngine, as_wide


def edge_list(weights: np.ndarray, infinity: int) -> np.ndarray:
    """The edges u < v of an undirected graph weights int64 [N, N] (``infinity`` = none):
    int64 [E, 3] rows (u, v, w), in the order of u, then v."""
    u, v = np.nonzero(np.triu(weights < infinity, k=1))
    return np.stack([u, v, weights[u, v]], axis=1)


def kruskal(engine: Engine, weights) -> list[np.ndarray]:
    """Minimum spanning forests of B undirected graphs by Kruskal's algorithm.

    Each edge gets the key ``w << b | index`` (its weight's bits, then its index in
    ``edge_list`` in b bits: the bits moved, nothing added), so that equal weights keep the
    edges' order and every key names its edge. ``merge_sort`` sorts the keys of all B graphs in
    one batch (a graph with fewer edges is padded with the largest key of the space, which sorts
    last). In key order, an edge joins the forest if its ends lie in different trees, which a
    union-find in numpy keeps.

    Args:
        engine: executes the merge steps; a ``serving.wide.WideEngine`` counts in its space, any
            other engine in 8 bits (``serving.wide.as_wide``); the keys are compared in a space
            b bits wider.
        weights: int64 [B, N, N], symmetric, weights[b, u, v] the weight of edge u - v
            (0..max_value of the space), the space's INFINITY where there is none.

    Returns:
        One int64 array [K_b, 3] per graph: the forest's edges (u, v, w), u < v, in the order
        Kruskal takes them (ascending weight).
    """
    engine = as_wide(engine)
    weights = check_graphs(weights, True, engine.space)
    edges = [edge_list(graph, engine.space.infinity) for graph in weights]
    most = max(len(graph_edges) for graph_edges in edges)
    if most == 0:
        return [graph_edges for graph_edges in edges]
    index_bits = most.bit_length()  # index `most` is never an edge's, so a real key is below the padding
    keys_space = NumberSpace(engine.space.bits + index_bits)
    keys = np.full((len(edges), most), keys_space.max_value, dtype=np.int64)
    for row, graph_edges in enumerate(edges):
        keys[row, :len(graph_edges)] = (graph_edges[:, 2] << index_bits) | np.arange(len(graph_edges))
    order = merge_sort(WideEngine(engine.inner, keys_space), keys) & (2**index_bits - 1)
    return [_forest(graph_edges, row_order[row_order < len(graph_edges)], len(weights[0]))
            for graph_edges, row_order in zip(edges, order)]


def _forest(edges: np.ndarray, order: np.ndarray, num_nodes: int) -> np.ndarray:
    """The edges [K, 3] of ``edges`` [E, 3] that Kruskal takes in ``order`` (edge indices [E])."""
    trees = UnionFind(num_nodes)
    taken = [index for index in order if trees.join(edges[index, 0], edges[index, 1])]
    return edges[np.array(taken, dtype=np.int64)]
