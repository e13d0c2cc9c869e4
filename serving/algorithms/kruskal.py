"""Kruskal's minimum spanning tree: edges merge-sorted by weight, the forest kept by union-find."""

import numpy as np

from serving.algorithms.inputs import check_graphs
from serving.algorithms.merge_sort import merge_sort_order
from serving.algorithms.union_find import UnionFind
from serving.engine import Engine
from serving.wide import as_wide


def edge_list(weights: np.ndarray, infinity: int) -> np.ndarray:
    """The edges u < v of an undirected graph weights int64 [N, N] (``infinity`` = none):
    int64 [E, 3] rows (u, v, w), in the order of u, then v."""
    u, v = np.nonzero(np.triu(weights < infinity, k=1))
    return np.stack([u, v, weights[u, v]], axis=1)


def kruskal(engine: Engine, weights) -> list[np.ndarray]:
    """Minimum spanning forests of B undirected graphs by Kruskal's algorithm.

    ``merge_sort_order`` sorts the weights of all B graphs' edges in one batch and gives the
    order it put them in (a graph with fewer edges is padded with the space's largest value,
    which sorts after every real edge because the merges are stable). In that order, an edge
    joins the forest if its ends lie in different trees, which a union-find in numpy keeps.

    Args:
        engine: executes the merge steps; a ``serving.wide.WideEngine`` counts in its space, any
            other engine in 8 bits (``serving.wide.as_wide``).
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
    padded = np.full((len(edges), most), engine.space.max_value, dtype=np.int64)
    for row, graph_edges in enumerate(edges):
        padded[row, :len(graph_edges)] = graph_edges[:, 2]
    order = merge_sort_order(engine, padded)[1]
    return [_forest(graph_edges, row_order[(row_order >= 0) & (row_order < len(graph_edges))], len(weights[0]))
            for graph_edges, row_order in zip(edges, order)]


def _forest(edges: np.ndarray, order: np.ndarray, num_nodes: int) -> np.ndarray:
    """The edges [K, 3] of ``edges`` [E, 3] that Kruskal takes in ``order`` (edge indices [E])."""
    trees = UnionFind(num_nodes)
    taken = [index for index in order if trees.join(edges[index, 0], edges[index, 1])]
    return edges[np.array(taken, dtype=np.int64)]
