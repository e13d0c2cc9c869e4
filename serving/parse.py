"""Parsing the composition CLI's input: numbers and graphs. Each problem is a ValueError with
a one-line message naming it.

Numbers (values to sort, weights, operands) are integers 0..2**32 - 1, the values of
``serving.numbers.WIDE``. A graph is JSON ``{"nodes": N, "edges": [[u, v, w], ...], "source": 0}``:
nodes 0..N-1, edge weights 0..2**32 - 1, ``source`` (default 0) for shortest paths, and ``"directed": true`` for
directed edges (shortest paths only; undirected by default). Parallel edges keep the lightest;
self-loops never lie on a shortest path or a spanning tree and change nothing.
"""

import json
import re
import sys
from dataclasses import dataclass

import numpy as np

from serving.numbers import WIDE

MAX_VALUE = WIDE.max_value
"""Largest number of the input: 2**32 - 1."""

MAX_NODES = 1000
"""Most nodes of a graph: the engines see N x N weights."""

GRAPH_KEYS = {"nodes", "edges", "source", "directed"}
_INTEGER = re.compile(r"[+-]?[0-9]+")


def parse_int(text: str, name: str) -> int:
    """``text`` as an integer in 0..MAX_VALUE; ValueError naming ``name`` otherwise."""
    if not _INTEGER.fullmatch(text.strip()):
        raise ValueError(f"{name} must be an integer, got {text!r}")
    return _in_range(int(text), name)


def _in_range(value: int, name: str) -> int:
    """``value`` if it lies in 0..MAX_VALUE; ValueError naming ``name`` otherwise."""
    if not 0 <= value <= MAX_VALUE:
        raise ValueError(f"{name} must be between 0 and {MAX_VALUE} (2^32 - 1), got {value}")
    return value


def parse_values(texts: list[str]) -> np.ndarray:
    """Numbers to sort: int64 [N] from N >= 1 texts, each an integer in 0..MAX_VALUE."""
    if not texts:
        raise ValueError("values: give at least one number (or --batch FILE)")
    return np.array([parse_int(text, "values") for text in texts], dtype=np.int64)


def _check_json_int(value, name: str) -> int:
    if not _is_int(value):
        raise ValueError(f"{name} must be an integer, got {json.dumps(value)}")
    return _in_range(value, name)


def parse_value_list(value) -> np.ndarray:
    """Numbers to sort given as a JSON list: int64 [N], N >= 1, each an integer in 0..MAX_VALUE."""
    if not isinstance(value, list) or not value:
        raise ValueError(f"values: expected a JSON list of at least one integer, got {json.dumps(value)[:40]}")
    return np.array([_check_json_int(v, "values") for v in value], dtype=np.int64)


def parse_int_pair(value) -> tuple[int, int]:
    """Operands given as a JSON list ``[a, b]``, each an integer in 0..MAX_VALUE."""
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError(f"operands: expected [A, B], got {json.dumps(value)[:40]}")
    return _check_json_int(value[0], "a"), _check_json_int(value[1], "b")


@dataclass(frozen=True)
class Graph:
    """A parsed graph.

    Attributes:
        weights: int64 [1, N, N], weights[0, u, v] the lightest edge u -> v, ``WIDE.infinity`` if none.
        source: the source node (shortest paths).
        directed: whether edges go one way.
    """

    weights: np.ndarray
    source: int
    directed: bool


def read_text(path: str, what: str = "graph") -> str:
    """The text of file ``path``, or of stdin for ``-``; ValueError naming ``what`` if it cannot be read."""
    try:
        if path == "-":
            return sys.stdin.read()
        with open(path) as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"{what}: cannot read {path}: {getattr(error, 'strerror', None) or error}") from None


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_edge(index: int, edge, num_nodes: int) -> tuple[int, int, int]:
    where = f"graph: edge {index} {json.dumps(edge)}"
    if not (isinstance(edge, list) and len(edge) == 3 and all(_is_int(x) for x in edge)):
        raise ValueError(f"{where} must be three integers [u, v, w]")
    u, v, w = edge
    for node in (u, v):
        if not 0 <= node < num_nodes:
            raise ValueError(f"{where}: node {node} does not exist (nodes are 0..{num_nodes - 1})")
    if w < 0:
        raise ValueError(f"{where}: negative weight {w} (weights are 0..{MAX_VALUE})")
    if w > MAX_VALUE:
        raise ValueError(f"{where}: weight {w} is above {MAX_VALUE} (2^32 - 1)")
    return u, v, w


def parse_graph(text: str) -> Graph:
    """The graph written as JSON in ``text`` (see the module docstring)."""
    if not text.strip():
        raise ValueError("graph: empty input")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"graph: malformed JSON: {error}") from None
    return graph_from_json(data)


def graph_from_json(data) -> Graph:
    """The graph of a decoded JSON value (see the module docstring)."""
    if not isinstance(data, dict):
        raise ValueError("graph: expected a JSON object {\"nodes\": N, \"edges\": [[u, v, w], ...]}")
    unknown = sorted(set(data) - GRAPH_KEYS)
    if unknown:
        raise ValueError(f"graph: unknown key {unknown[0]!r} (keys: {', '.join(sorted(GRAPH_KEYS))})")
    num_nodes = data.get("nodes")
    if not _is_int(num_nodes) or not 1 <= num_nodes <= MAX_NODES:
        raise ValueError(f"graph: nodes must be an integer between 1 and {MAX_NODES}, got {json.dumps(num_nodes)}")
    edges = data.get("edges", [])
    if not isinstance(edges, list):
        raise ValueError("graph: edges must be a list of [u, v, w]")
    source = data.get("source", 0)
    if not _is_int(source) or not 0 <= source < num_nodes:
        raise ValueError(f"graph: source must be a node, 0..{num_nodes - 1}, got {json.dumps(source)}")
    directed = data.get("directed", False)
    if not isinstance(directed, bool):
        raise ValueError(f"graph: directed must be true or false, got {json.dumps(directed)}")
    weights = np.full((num_nodes, num_nodes), WIDE.infinity, dtype=np.int64)
    for index, edge in enumerate(edges):
        u, v, w = _check_edge(index, edge, num_nodes)
        weights[u, v] = min(weights[u, v], w)
        if not directed:
            weights[v, u] = min(weights[v, u], w)
    return Graph(weights[None], source, directed)
