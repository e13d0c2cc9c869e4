"""The composition CLI's commands as functions: an engine and parsed instances -> JSON-able answers.

Each function runs one algorithm of ``serving.algorithms`` on a list of instances and returns
one answer per instance, in the CLI's JSON form, so the answers of two engines compare with
``==``. Instances of the same size run together: one batch of at most ``MAX_BATCH`` instances
per model call, which is what makes ``l2e-compose ... --batch`` fast. An engine that runs several
calls side by side (``concurrent_calls``: the onnxruntime engine on a CPU of several cores) gets
a large batch as up to that many shards, one per thread (``shard_count``).

Every function counts in ``serving.numbers.WIDE`` (values, weights and operands below 2**32,
through ``serving.wide.WideEngine``): 8-bit numbers go to the engine's subroutines as they are,
wider ones byte by byte; a sum that leaves the numbers raises ``serving.numbers.RangeError``.
"""

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from serving.algorithms.bellman_ford import bellman_ford
from serving.algorithms.dijkstra import dijkstra
from serving.algorithms.floyd_warshall import floyd_warshall
from serving.algorithms.kruskal import kruskal
from serving.algorithms.merge_sort import merge_sort
from serving.algorithms.prim import is_spanning_forest, prim
from serving.algorithms.selection_sort import selection_sort
from serving.engine import Engine, concurrent_calls_of
from serving.numbers import WIDE
from serving.parse import Graph
from serving.wide import WideEngine

MAX_BATCH = 64
"""Most instances in one batch of model calls (bounds memory: graphs of N nodes cost N x N each)."""


MIN_SHARD_POSITIONS = 2048
"""Fewest positions (instances x their size) worth a shard: with fewer, the Python work between
model calls, which holds the interpreter lock, outweighs what another core adds. Measured on 2
cores (docs/RESULTS.md): 64 lists or graphs of 25 (1,600 positions) ran slower in two shards
than in one, 64 of 100 (6,400) ran as fast or faster."""


def shard_count(concurrent_calls: int, batch: int, size: int) -> int:
    """Shards for ``batch`` instances of ``size`` on an engine of ``concurrent_calls``: as many
    as it runs side by side, but none under ``MIN_SHARD_POSITIONS`` positions; at least 1."""
    return max(1, min(concurrent_calls, batch * size // MIN_SHARD_POSITIONS))


def in_shards(solve: Callable[[Sequence], Sequence], items: Sequence, shards: int) -> list:
    """``solve`` over ``shards`` consecutive parts of ``items`` (a list or an array; fewer parts
    if there are fewer items), side by side in threads; the answers in the order of ``items``.
    The parts overlap because engines run their models outside Python's interpreter lock."""
    shards = min(shards, len(items))
    if shards <= 1:
        return list(solve(items))
    bounds = np.linspace(0, len(items), shards + 1).astype(int)
    with ThreadPoolExecutor(shards) as pool:
        parts = pool.map(solve, [items[start:stop] for start, stop in zip(bounds, bounds[1:])])
        return [answer for part in parts for answer in part]


def in_batches(instances: Sequence, size_of: Callable[[object], int],
               solve: Callable[[list], list], concurrent_calls: int = 1) -> list:
    """``solve`` over batches of same-size instances (at most ``MAX_BATCH`` each, each split by
    ``in_shards`` into ``shard_count`` shards); the answers in the order of ``instances``."""
    groups: dict[int, list[int]] = {}
    for index, instance in enumerate(instances):
        groups.setdefault(size_of(instance), []).append(index)
    answers = [None] * len(instances)
    for size, indices in groups.items():
        for start in range(0, len(indices), MAX_BATCH):
            chunk = indices[start:start + MAX_BATCH]
            shards = shard_count(concurrent_calls, len(chunk), size)
            for index, answer in zip(chunk, in_shards(solve, [instances[i] for i in chunk], shards)):
                answers[index] = answer
    return answers


def _wide(engine: Engine) -> WideEngine:
    return WideEngine(engine, WIDE)


def sorted_values(engine: Engine, lists: Sequence[np.ndarray]) -> list[dict]:
    """``{"output": [...]}`` per list (int64 [N]), sorted by selection sort."""
    return in_batches(lists, len, lambda group: [
        {"output": row.tolist()} for row in selection_sort(_wide(engine), np.stack(group))], concurrent_calls_of(engine))


def merge_sorted_values(engine: Engine, lists: Sequence[np.ndarray]) -> list[dict]:
    """``{"output": [...]}`` per list (int64 [N]), sorted by merge sort."""
    return in_batches(lists, len, lambda group: [
        {"output": row.tolist()} for row in merge_sort(_wide(engine), np.stack(group))], concurrent_calls_of(engine))


def check_undirected(graph: Graph) -> None:
    """ValueError for a directed graph, which has no minimum spanning tree."""
    if graph.directed:
        raise ValueError("graph: a minimum spanning tree needs an undirected graph")


def _nodes(graph: Graph) -> int:
    return graph.weights.shape[1]


def _stacked_weights(group: list[Graph]) -> np.ndarray:
    return np.concatenate([graph.weights for graph in group])


def _finite(row: np.ndarray) -> list:
    """Distances int64 [N] as JSON: None where unreachable."""
    return [None if d == WIDE.infinity else int(d) for d in row]


def _from_source(algorithm: Callable, engine: Engine, graphs: Sequence[Graph]) -> list[dict]:
    """``{"distances": [...]}`` per graph: ``algorithm(engine, weights [B, N, N], sources [B])``'s
    distance of every node from the source, None if unreachable."""
    def solve(group):
        distances = algorithm(_wide(engine), _stacked_weights(group), np.array([graph.source for graph in group]))
        return [{"distances": _finite(row)} for row in distances]

    return in_batches(graphs, _nodes, solve, concurrent_calls_of(engine))


def shortest_paths(engine: Engine, graphs: Sequence[Graph]) -> list[dict]:
    """``{"distances": [...]}`` per graph by Dijkstra (``_from_source``);
    ``serving.numbers.RangeError`` if a sum Dijkstra forms leaves the numbers."""
    return _from_source(dijkstra, engine, graphs)


def bellman_ford_distances(engine: Engine, graphs: Sequence[Graph]) -> list[dict]:
    """``{"distances": [...]}`` per graph by Bellman-Ford (``_from_source``); RangeError as Dijkstra."""
    return _from_source(bellman_ford, engine, graphs)


def all_pairs_distances(engine: Engine, graphs: Sequence[Graph]) -> list[dict]:
    """``{"distances": [[...], ...]}`` per graph by Floyd-Warshall: row i the distances from node
    i, None where unreachable; RangeError if a sum leaves the numbers."""
    def solve(group):
        return [{"distances": [_finite(row) for row in matrix]}
                for matrix in floyd_warshall(_wide(engine), _stacked_weights(group))]

    return in_batches(graphs, _nodes, solve, concurrent_calls_of(engine))


def spanning_tree(engine: Engine, graphs: Sequence[Graph]) -> list[dict]:
    """``{"edges": [[parent, node, weight], ...], "weight": W}`` per undirected graph: Prim's
    minimum spanning tree (a forest when the graph is disconnected), edges in node order."""
    def solve(group):
        weights = _stacked_weights(group)
        forest = prim(_wide(engine), weights)
        answers = []
        for row, parent in enumerate(forest.parent):
            edges = [[int(parent[node]), node, int(weights[row, parent[node], node])]
                     for node in range(len(parent)) if parent[node] >= 0]
            answers.append({"edges": edges, "weight": int(forest.total_weight[row])})
        return answers

    return in_batches(graphs, _nodes, solve, concurrent_calls_of(engine))


def kruskal_forest(engine: Engine, graphs: Sequence[Graph]) -> list[dict]:
    """``{"edges": [[u, v, weight], ...], "weight": W}`` per undirected graph: Kruskal's minimum
    spanning forest, edges in the order taken (ascending weight), u < v."""
    def solve(group):
        return [{"edges": forest.tolist(), "weight": int(forest[:, 2].sum())}
                for forest in kruskal(_wide(engine), _stacked_weights(group))]

    return in_batches(graphs, _nodes, solve, concurrent_calls_of(engine))


def is_minimum_spanning_forest(graph: Graph, answer: dict, oracle: dict) -> bool:
    """Whether ``answer`` (``spanning_tree``'s form) is a minimum spanning forest of ``graph`` as
    good as the oracle's: a spanning forest (``prim.is_spanning_forest``) whose edges weigh what it
    says, in total as much as the oracle's. A graph with equal weights can have several such
    forests; any of them is right."""
    weights = graph.weights[0]
    edges = [(u, v) for u, v, _ in answer["edges"]]
    return (is_spanning_forest(weights, edges, WIDE.infinity)
            and all(weights[u, v] == w for u, v, w in answer["edges"])
            and sum(w for _, _, w in answer["edges"]) == answer["weight"] == oracle["weight"])


def _arithmetic(operation: Callable[[np.ndarray, np.ndarray], np.ndarray], pairs: Sequence[tuple[int, int]],
                concurrent_calls: int):
    """``{"result": operation(a, b)}`` per pair, all pairs in batches of ``MAX_BATCH``."""
    def solve(group):
        a, b = np.array(group, dtype=np.int64).T
        return [{"result": int(r)} for r in operation(a, b)]

    return in_batches(pairs, lambda pair: 2, solve, concurrent_calls)


def sums(engine: Engine, pairs: Sequence[tuple[int, int]]) -> list[dict]:
    """``{"result": a + b}`` per pair (a, b), by the engine's addition (byte by byte above 255)."""
    return _arithmetic(_wide(engine).add, pairs, concurrent_calls_of(engine))


def products(engine: Engine, pairs: Sequence[tuple[int, int]]) -> list[dict]:
    """``{"result": a * b}`` per pair (a, b), the full product, by the engine's multiplication
    (schoolbook on 6-bit digits above 63)."""
    return _arithmetic(_wide(engine).mul, pairs, concurrent_calls_of(engine))
