"""Evaluating Neural Execution Engines: the algorithms run on an engine against the oracle.

Two metrics per suite of instances (REFERENCE section 2):

- ``per_number``: the paper's metric. Sorts and shortest paths: the share of output numbers equal
  to the oracle's (sorted list entries, node distances); minimum spanning trees: the share of
  graphs whose forest has the oracle's total weight.
- ``exact``: the share of instances whose whole output is right: the whole sorted list, every
  distance, or a parent array that is a minimum spanning forest of the graph (its edges exist,
  it has no cycle, it spans every component, and its weight is the minimum; graphs with equal
  weights may have several).

An instance on which a learned engine produces an input the next call rejects (an invalid code, a
row masked everywhere) counts as wrong in both metrics.
"""

import time
from collections.abc import Callable, Iterable

import numpy as np

from l2e.nee.data import GRAPH_FAMILIES, GraphSuite, graph_test_suite, list_test_suite
from l2e.validation import check_choice
from serving.algorithms.dijkstra import dijkstra
from serving.algorithms.merge_sort import merge_sort
from serving.algorithms.prim import is_spanning_forest as spans
from serving.algorithms.prim import prim
from serving.algorithms.selection_sort import selection_sort
from serving.engine import Engine
from serving.numbers import INFINITY, MAX_FACTOR, MAX_LIST_VALUE
from serving.oracle import OracleEngine

LIST_ALGORITHMS = {"selection_sort": selection_sort, "merge_sort": merge_sort}
GRAPH_ALGORITHMS = ("dijkstra", "prim")
COMPOSITIONS = {"selection_sort": ("find_min",), "merge_sort": ("merge_step",), "dijkstra": ("find_min", "add"),
                "prim": ("find_min",)}
"""The Table-1 algorithms and the subroutines each composes."""
FAILED = -1
"""The output entry of an instance whose run was rejected."""


def output_scores(predicted: np.ndarray, expected: np.ndarray) -> dict:
    """Per-number accuracy and exact match of outputs int [C, K] against expected [C, K]."""
    right = np.asarray(predicted) == np.asarray(expected)
    return {"per_number": float(right.mean()), "exact": float(right.all(axis=1).mean()),
            "instances": len(right)}


def is_spanning_forest(weights: np.ndarray, parent: np.ndarray) -> bool:
    """Whether parent int [N] (-1 for roots) is a spanning forest of the graph weights [N, N]."""
    children = np.flatnonzero(parent >= 0)
    return spans(weights, zip(parent[children].tolist(), children.tolist()))


def forest_scores(weights: np.ndarray, parent: np.ndarray, total: np.ndarray, expected_total: np.ndarray) -> dict:
    """Scores of spanning forests: weights [C, N, N], parent [C, N], totals [C] vs expected [C]."""
    weight_right = np.asarray(total) == np.asarray(expected_total)
    minimal = [bool(w) and is_spanning_forest(g, p) for g, p, w in zip(weights, parent, weight_right)]
    return {"per_number": float(weight_right.mean()), "exact": float(np.mean(minimal)),
            "instances": len(weight_right)}


def run_rows(run: Callable[[np.ndarray], np.ndarray], count: int, width: int) -> np.ndarray:
    """``run(rows)`` -> int64 [len(rows), width] for all ``count`` rows at once; if the engine
    rejects an input (ValueError), row by row, with the rejected rows filled with ``FAILED``."""
    try:
        return run(np.arange(count))
    except ValueError:
        outputs = np.full((count, width), FAILED, dtype=np.int64)
        for row in range(count):
            try:
                outputs[row] = run(np.array([row]))[0]
            except ValueError:
                pass
        return outputs


def evaluate_lists(engine: Engine, algorithm: str, values: np.ndarray) -> dict:
    """Scores of a sort on ``engine`` over lists int64 [C, N] (a ``ListSuite``'s values)."""
    sort = LIST_ALGORITHMS[check_choice("algorithm", algorithm, tuple(LIST_ALGORITHMS))]
    predicted = run_rows(lambda rows: sort(engine, values[rows]), len(values), values.shape[1])
    return output_scores(predicted, np.sort(values, axis=1))


def evaluate_graphs(engine: Engine, algorithm: str, weights: np.ndarray, sources: np.ndarray) -> dict:
    """Scores of ``dijkstra`` (from ``sources`` int64 [C]) or ``prim`` on graphs weights [C, N, N]."""
    check_choice("algorithm", algorithm, GRAPH_ALGORITHMS)
    count, num_nodes = weights.shape[:2]
    if algorithm == "dijkstra":
        predicted = run_rows(lambda rows: dijkstra(engine, weights[rows], sources[rows]), count, num_nodes)
        return output_scores(predicted, dijkstra(OracleEngine(), weights, sources))

    def spanning_forest(rows):
        forest = prim(engine, weights[rows])
        return np.concatenate([forest.parent, forest.total_weight[:, None]], axis=1)

    predicted = run_rows(spanning_forest, count, num_nodes + 1)
    return forest_scores(weights, predicted[:, :-1], predicted[:, -1], prim(OracleEngine(), weights).total_weight)


def evaluate_compositions(engine: Engine, subroutines: Iterable[str], sizes: Iterable[int], seed: int = 0,
                          progress: Callable[[dict], None] | None = None, graphs: int = 100) -> list[dict]:
    """The Table-1 analogue: every composition whose subroutines are all in ``subroutines``, on
    the test suites of each size (lists: ``list_test_suite``; graphs: ``graphs`` per family of
    ``graph_test_suite``, the first of the 100 when fewer), all drawn from ``seed`` alone, so a
    seed and a size name one suite.

    Returns:
        one dict per (size, algorithm, family): ``algorithm``, ``family`` ("lists" for sorts),
        ``size``, the scores of ``evaluate_lists`` / ``evaluate_graphs`` and ``seconds``.
        ``progress`` (if given) is called with each dict as it is done.
    """
    rows = []
    for size in sizes:
        for algorithm, needs in COMPOSITIONS.items():
            if set(needs) <= set(subroutines):
                for family, score in _suites(algorithm, size, seed, graphs):
                    started = time.monotonic()
                    rows.append({"algorithm": algorithm, "family": family, "size": size, **score(engine),
                                 "seconds": round(time.monotonic() - started, 1)})
                    if progress:
                        progress(rows[-1])
    return rows


def table_lists(size: int, seed: int = 0) -> np.ndarray:
    """The Table-1 lists of ``size`` drawn from ``seed``: int64 [100, size] (``list_test_suite``)."""
    return list_test_suite(np.random.default_rng([seed, size]), size).values


def table_graphs(size: int, seed: int = 0) -> list[GraphSuite]:
    """The Table-1 graphs of ``size`` drawn from ``seed``: one ``GraphSuite`` of 100 per family."""
    return [graph_test_suite(np.random.default_rng([seed, size, index]), family, size)
            for index, family in enumerate(GRAPH_FAMILIES)]


def table_json_lines(inputs: str, size: int, seed: int = 0, bits: int = 8, count: int = 100) -> list[tuple[str, list]]:
    """The Table-1 suites at ``size`` as ``l2e-compose --batch`` reads them: (family, lines) for
    the lists (``inputs="lists"``: one family, ``"lists"``) or for each graph family
    (``"graphs"``), each line the decoded JSON of one of the suite's first ``count`` instances: a
    list of ``size`` ints, or a graph ``{"nodes": N, "edges": [[u, v, w], ...] (u < v), "source": s}``.

    ``bits`` 16 or 32 keeps the lists' sizes and the graphs' edges but draws the numbers anew
    (seeded by ``seed``, ``size`` and ``bits``): list values uniform below ``2**bits``, edge
    weights uniform below ``2**bits`` or below ``2**32 // (size - 1)`` where that is smaller, so
    that every distance fits in 32 bits; 8 keeps the suites' own numbers.
    """
    check_choice("inputs", inputs, ("lists", "graphs"))
    check_choice("bits", bits, (8, 16, 32))
    rng = np.random.default_rng([seed, size, bits])
    if inputs == "lists":
        return [("lists", [row.tolist() for row in _widened(rng, table_lists(size, seed)[:count], bits)])]
    lines = []
    for suite in table_graphs(size, seed):
        weights, edges = suite.weights[:count], suite.weights[:count] <= MAX_LIST_VALUE
        weights = _widened(rng, weights, bits, 2**32 // max(1, size - 1))  # _graph_line reads u < v only
        lines.append((suite.family, [_graph_line(w, s, e) for w, s, e in zip(weights, suite.sources, edges)]))
    return lines


def _widened(rng: np.random.Generator, values: np.ndarray, bits: int, largest: int | None = None) -> np.ndarray:
    """``values`` (int64, any shape) redrawn uniform below ``2**bits`` (and below ``largest``
    if given); 8 bits keeps them as they are."""
    if bits == 8:
        return values
    return rng.integers(0, min(2**bits, largest or 2**bits), values.shape, dtype=np.int64)


def _graph_line(weights: np.ndarray, source: int, edges: np.ndarray) -> dict:
    """The JSON form of one undirected graph: weights int64 [N, N] where ``edges`` bool [N, N]
    (symmetric) is set."""
    u, v = np.nonzero(np.triu(edges, k=1))
    return {"nodes": int(len(weights)), "edges": [[int(a), int(b), int(weights[a, b])] for a, b in zip(u, v)],
            "source": int(source)}


def _suites(algorithm: str, size: int, seed: int, graphs: int = 100) -> list[tuple[str, Callable[[Engine], dict]]]:
    """(family, engine -> scores) for each test suite of ``algorithm`` at ``size`` (the first
    ``graphs`` graphs of each family's 100)."""
    if algorithm in LIST_ALGORITHMS:
        values = table_lists(size, seed)
        return [("lists", lambda engine: evaluate_lists(engine, algorithm, values))]
    return [(suite.family, lambda engine, suite=suite: evaluate_graphs(
        engine, algorithm, suite.weights[:graphs], suite.sources[:graphs])) for suite in table_graphs(size, seed)]


def _accuracy(engine_results: np.ndarray, expected: np.ndarray, where: np.ndarray) -> float | None:
    return float((engine_results == expected)[where].mean()) if where.any() else None


def addition_scores(engine: Engine, seen: np.ndarray) -> dict:
    """Addition over every pair of 0..255 and every pair with INFINITY (66049 pairs).

    Returns the accuracy over ``all`` pairs of numbers, over the pairs with an ``unseen`` operand
    (not in ``seen``, int [K]; None when every number was seen), over those with both operands
    ``seen``, and over the pairs with ``infinity``; and ``seen_count`` K.
    """
    numbers = np.arange(256)
    a, b = (x.ravel() for x in np.meshgrid(numbers, numbers, indexing="ij"))
    a = np.concatenate([a, numbers, np.full(257, INFINITY)])
    b = np.concatenate([b, np.full(256, INFINITY), np.append(numbers, INFINITY)])
    results = engine.add(a, b)
    expected = OracleEngine().add(a, b)
    finite = (a != INFINITY) & (b != INFINITY)
    both_seen = np.isin(a, seen) & np.isin(b, seen)
    return {"all": _accuracy(results, expected, finite), "unseen": _accuracy(results, expected, finite & ~both_seen),
            "seen": _accuracy(results, expected, finite & both_seen),
            "infinity": _accuracy(results, expected, ~finite), "seen_count": int(len(seen))}


def multiplication_scores(engine: Engine) -> dict:
    """Accuracy of ``engine.mul`` over all 4096 pairs of 6-bit factors."""
    a, b = (x.ravel() for x in np.meshgrid(np.arange(MAX_FACTOR + 1), np.arange(MAX_FACTOR + 1), indexing="ij"))
    return {"all": float((engine.mul(a, b) == a * b).mean()), "pairs": int(len(a))}
