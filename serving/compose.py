"""The composition CLI's commands as functions: an engine and parsed input -> a JSON-able result.

Each runs one algorithm of ``serving.algorithms`` on one instance (a batch of one) and writes
the answer in the CLI's JSON form, so the answers of two engines compare with ``==``.
"""

import numpy as np

from serving.algorithms.dijkstra import dijkstra
from serving.algorithms.merge_sort import merge_sort
from serving.algorithms.prim import prim
from serving.algorithms.selection_sort import selection_sort
from serving.engine import Engine
from serving.numbers import INFINITY, MAX_LIST_VALUE
from serving.oracle import OracleEngine
from serving.parse import Graph


def sorted_values(engine: Engine, values: np.ndarray) -> dict:
    """``{"output": [...]}``: the list values int64 [1, N] sorted by selection sort."""
    return {"output": selection_sort(engine, values)[0].tolist()}


def merge_sorted_values(engine: Engine, values: np.ndarray) -> dict:
    """``{"output": [...]}``: the list values int64 [1, N] sorted by merge sort."""
    return {"output": merge_sort(engine, values)[0].tolist()}


def check_distance_range(graph: Graph) -> None:
    """ValueError if Dijkstra would have to add an edge to a distance above 255: the engines add
    8-bit numbers (the paper's), so a shortest path may pass 255 only on its last edge. Found by
    running Dijkstra on the oracle engine, whose addition refuses such an operand."""
    try:
        dijkstra(OracleEngine(), graph.weights, np.array([graph.source]))
    except ValueError:
        raise ValueError(f"graph: a shortest path from node {graph.source} is longer than {MAX_LIST_VALUE} "
                         "and goes on; the engines add 8-bit numbers (distances above 255 only on a "
                         "path's last edge)") from None


def shortest_paths(engine: Engine, graph: Graph) -> dict:
    """``{"distances": [...]}``: Dijkstra's distance of every node from the source, None if
    unreachable. Call ``check_distance_range`` first."""
    distances = dijkstra(engine, graph.weights, np.array([graph.source]))[0]
    return {"distances": [None if d == INFINITY else int(d) for d in distances]}


def spanning_tree(engine: Engine, graph: Graph) -> dict:
    """``{"edges": [[parent, node, weight], ...], "weight": W}``: Prim's minimum spanning tree
    (a forest when the graph is disconnected), edges in node order."""
    if graph.directed:
        raise ValueError("graph: a minimum spanning tree needs an undirected graph")
    forest = prim(engine, graph.weights)
    parent, weights = forest.parent[0], graph.weights[0]
    edges = [[int(parent[node]), node, int(weights[parent[node], node])]
             for node in range(len(parent)) if parent[node] >= 0]
    return {"edges": edges, "weight": int(forest.total_weight[0])}


def sum_of(engine: Engine, a: int, b: int) -> dict:
    """``{"result": a + b}`` by the engine's addition."""
    return {"result": int(engine.add(np.array([a]), np.array([b]))[0])}


def product_of(engine: Engine, a: int, b: int) -> dict:
    """``{"result": a * b}`` by the engine's multiplication."""
    return {"result": int(engine.mul(np.array([a]), np.array([b]))[0])}
