"""Data of the Neural Execution Engines: lists and graphs to run algorithms on, and training arrays.

Training data are traces: an algorithm run on ``serving.oracle.RecordingEngine(OracleEngine())``
records every subroutine call, and ``step_training_arrays`` / ``arithmetic_training_arrays``
turn the recording into ``Examples`` (bits, masks and targets)::

    recording = RecordingEngine(OracleEngine())
    selection_sort(recording, training_lists(rng, 1000).values)
    examples = step_training_arrays(recording, "find_min")[9]    # lists of 8 + the end token

Lists hold numbers 0..255. Graphs are weight matrices int64 [C, N, N], symmetric, INFINITY
(511) for a missing edge and on the diagonal; their weights are at most 255 // D, D the largest
hop distance between two connected nodes, so every shortest-path distance fits 8 bits.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

import networkx as nx
import numpy as np

from l2e.validation import check_choice, check_int
from serving.engine import ARITHMETIC_SUBROUTINES, FORMATS, STEP_SUBROUTINES
from serving.numbers import INFINITY, MAX_LIST_VALUE, to_bits
from serving.oracle import RecordingEngine

TRAINING_SIZE = 8
"""Length of a training list and node count of a training graph (the paper's)."""

MAX_PROGRESSION_STEP = 4
"""Arithmetic progressions, the hard lists, have a step of 1..4."""

NARROW_BAND_WIDTH = 4
"""A hard graph's weights take at most this many consecutive values."""

GRAPH_FAMILIES = ("erdos_renyi", "newman_watts_strogatz", "barabasi_albert", "random_regular")
"""The test graph families; the last three draw k, m or d from 2..5."""

MIN_TEST_GRAPH_NODES = 6
"""Fewest nodes of a test graph: every family must admit a parameter of 5."""


@dataclass(frozen=True)
class ListSuite:
    """Lists to sort.

    Attributes:
        values: int64 [C, N], numbers 0..255.
        is_progression: bool [C], True for a shuffled arithmetic progression.
    """

    values: np.ndarray
    is_progression: np.ndarray


@dataclass(frozen=True)
class GraphSuite:
    """Weighted undirected graphs of one family and size.

    Attributes:
        family: one of ``GRAPH_FAMILIES``.
        weights: int64 [C, N, N], symmetric; 0..255 on edges, INFINITY elsewhere.
        sources: int64 [C], a random source node per graph (for shortest paths).
    """

    family: str
    weights: np.ndarray
    sources: np.ndarray


def _check_rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    return rng


def _check_fraction(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}")
    return float(value)


def _uniform_lists(rng: np.random.Generator, count: int, size: int) -> np.ndarray:
    """int64 [count, size], independent uniform numbers 0..255."""
    return rng.integers(0, MAX_LIST_VALUE + 1, size=(count, size))


def _progression_lists(rng: np.random.Generator, count: int, size: int) -> np.ndarray:
    """int64 [count, size], shuffled arithmetic progressions within 0..255.

    The step is uniform over the steps of 1..4 whose progression of ``size`` terms fits (step 1
    does up to 256 terms); the start is uniform over the starts that fit. Longer lists cannot
    hold that many distinct numbers: they run a step-1 progression round 0..255 from a uniform
    start, so every number appears ``size // 256`` or ``size // 256 + 1`` times.
    """
    if size > MAX_LIST_VALUE + 1:
        start = rng.integers(0, MAX_LIST_VALUE + 1, size=count)
        cycled = (start[:, None] + np.arange(size)) % (MAX_LIST_VALUE + 1)
        return rng.permuted(cycled, axis=1)
    steps = np.arange(1, MAX_PROGRESSION_STEP + 1)
    steps = steps[(size - 1) * steps <= MAX_LIST_VALUE]
    step = rng.choice(steps, size=count)
    start = rng.integers(0, MAX_LIST_VALUE + 1 - (size - 1) * step)
    progressions = start[:, None] + step[:, None] * np.arange(size)
    return rng.permuted(progressions, axis=1)


def _mixed_lists(
    rng: np.random.Generator, num_uniform: int, num_progressions: int, size: int
) -> ListSuite:
    """``num_uniform`` uniform lists, then ``num_progressions`` progressions, of ``size``."""
    values = np.concatenate(
        [_uniform_lists(rng, num_uniform, size), _progression_lists(rng, num_progressions, size)]
    )
    is_progression = np.arange(num_uniform + num_progressions) >= num_uniform
    return ListSuite(values, is_progression)


def training_lists(
    rng, count: int, size: int = TRAINING_SIZE, progression_fraction=0.4
) -> ListSuite:
    """Training lists: uniform lists mixed with shuffled arithmetic progressions, in random order.

    Args:
        rng: numpy.random.Generator.
        count: number of lists, at least 1.
        size: length of every list, 1..256.
        progression_fraction: share of progressions (rounded to whole lists), 0..1.

    Returns:
        ListSuite with values [count, size].
    """
    rng = _check_rng(rng)
    count = check_int("count", count, 1)
    size = check_int("size", size, 1, MAX_LIST_VALUE + 1)
    num_progressions = round(count * _check_fraction("progression_fraction", progression_fraction))
    suite = _mixed_lists(rng, count - num_progressions, num_progressions, size)
    order = rng.permutation(count)
    return ListSuite(suite.values[order], suite.is_progression[order])


def list_test_suite(rng, size: int, num_uniform: int = 60, num_progressions: int = 40) -> ListSuite:
    """The paper's test lists of one size: 60 uniform lists, then 40 shuffled progressions.

    Args:
        rng: numpy.random.Generator.
        size: length of every list, at least 1 (above 256 the progressions repeat numbers).
        num_uniform: uniform lists, at least 0.
        num_progressions: progressions with step 1..4, at least 0.

    Returns:
        ListSuite with values [num_uniform + num_progressions, size].
    """
    rng = _check_rng(rng)
    size = check_int("size", size, 1)
    num_uniform = check_int("num_uniform", num_uniform, 0)
    num_progressions = check_int("num_progressions", num_progressions, 0)
    return _mixed_lists(rng, num_uniform, num_progressions, size)


def hop_diameters(adjacency: np.ndarray) -> np.ndarray:
    """Largest number of hops between two connected nodes of each graph.

    Args:
        adjacency: bool [B, N, N], symmetric, False on the diagonal.

    Returns:
        int64 [B]; 0 for a graph without edges.
    """
    edges = adjacency.astype(np.float32)
    reach = np.broadcast_to(np.eye(adjacency.shape[1], dtype=bool), adjacency.shape)
    diameters = np.zeros(len(adjacency), dtype=np.int64)
    while True:
        grown = reach | (reach.astype(np.float32) @ edges > 0)
        changed = (grown != reach).any(axis=(1, 2))
        if not changed.any():
            return diameters
        diameters += changed
        reach = grown


def _weigh(rng: np.random.Generator, adjacency: np.ndarray, narrow_band: np.ndarray) -> np.ndarray:
    """Weight matrices int64 [B, N, N] for adjacency bool [B, N, N].

    A graph's weights are uniform over 0..255 // D (D its hop diameter), or for a graph with
    ``narrow_band`` (bool [B]) over ``NARROW_BAND_WIDTH`` consecutive values inside that range.
    """
    max_weight = MAX_LIST_VALUE // np.maximum(hop_diameters(adjacency), 1)
    spread = np.where(narrow_band, np.minimum(NARROW_BAND_WIDTH - 1, max_weight), max_weight)
    low = rng.integers(0, max_weight - spread + 1)
    draws = low[:, None, None] + rng.integers(0, spread[:, None, None] + 1, size=adjacency.shape)
    upper = np.triu(draws, 1)
    return np.where(adjacency, upper + upper.transpose(0, 2, 1), INFINITY)


def _erdos_renyi(rng: np.random.Generator, count: int, num_nodes: int) -> np.ndarray:
    """Adjacency bool [count, N, N] of G(N, p) graphs, p uniform on [0, 1) per graph."""
    p = rng.random(count)
    upper = np.triu(rng.random((count, num_nodes, num_nodes)) < p[:, None, None], 1)
    return upper | upper.transpose(0, 2, 1)


def _networkx_graph(rng: np.random.Generator, family: str, num_nodes: int) -> nx.Graph:
    """One graph of a networkx family with its parameter (k, m or d) drawn from 2..5."""
    seed = int(rng.integers(2**31))
    if family == "newman_watts_strogatz":
        neighbours, shortcut_probability = int(rng.integers(2, 6)), rng.random()
        return nx.newman_watts_strogatz_graph(num_nodes, neighbours, shortcut_probability, seed)
    if family == "barabasi_albert":
        return nx.barabasi_albert_graph(num_nodes, int(rng.integers(2, 6)), seed)
    degrees = [d for d in range(2, 6) if d * num_nodes % 2 == 0]
    return nx.random_regular_graph(int(rng.choice(degrees)), num_nodes, seed)


def _adjacency(graph: nx.Graph, num_nodes: int) -> np.ndarray:
    """bool [N, N] adjacency of a graph on nodes 0..N-1."""
    adjacency = np.zeros((num_nodes, num_nodes), dtype=bool)
    edges = np.array(graph.edges, dtype=np.int64).reshape(-1, 2)
    adjacency[edges[:, 0], edges[:, 1]] = True
    return adjacency | adjacency.T


def training_graphs(
    rng, count: int, num_nodes: int = TRAINING_SIZE, narrow_band_fraction=0.4
) -> GraphSuite:
    """Erdos-Renyi training graphs (p uniform on [0, 1)), some with narrow weight bands.

    Args:
        rng: numpy.random.Generator.
        count: number of graphs, at least 1.
        num_nodes: nodes per graph, at least 1.
        narrow_band_fraction: share of graphs (rounded) whose weights span ``NARROW_BAND_WIDTH``
            consecutive values, 0..1.

    Returns:
        GraphSuite of family "erdos_renyi" with weights [count, N, N].
    """
    rng = _check_rng(rng)
    count = check_int("count", count, 1)
    num_nodes = check_int("num_nodes", num_nodes, 1)
    num_narrow = round(count * _check_fraction("narrow_band_fraction", narrow_band_fraction))
    narrow_band = rng.permutation(np.arange(count) < num_narrow)
    weights = _weigh(rng, _erdos_renyi(rng, count, num_nodes), narrow_band)
    return GraphSuite("erdos_renyi", weights, rng.integers(0, num_nodes, size=count))


def graph_test_suite(rng, family: str, num_nodes: int, count: int = 100) -> GraphSuite:
    """The paper's test graphs of one family and size, with uniform weights.

    Args:
        rng: numpy.random.Generator.
        family: one of ``GRAPH_FAMILIES``.
        num_nodes: nodes per graph, at least 6.
        count: number of graphs, at least 1.

    Returns:
        GraphSuite with weights [count, num_nodes, num_nodes].
    """
    rng = _check_rng(rng)
    family = check_choice("family", family, GRAPH_FAMILIES)
    num_nodes = check_int("num_nodes", num_nodes, MIN_TEST_GRAPH_NODES)
    count = check_int("count", count, 1)
    if family == "erdos_renyi":
        adjacency = _erdos_renyi(rng, count, num_nodes)
    else:
        adjacency = np.stack(
            [_adjacency(_networkx_graph(rng, family, num_nodes), num_nodes) for _ in range(count)]
        )
    # One graph at a time: the diameter search then stops at each graph's own diameter.
    uniform = np.zeros(1, dtype=bool)
    weights = np.concatenate([_weigh(rng, graph[None], uniform) for graph in adjacency])
    return GraphSuite(family, weights, rng.integers(0, num_nodes, size=count))


class Examples(NamedTuple):
    """E training examples of one sequence length N, float32: the model's inputs, then its targets.

    Attributes:
        bits: [E, N, num_bits], the input numbers, most significant bit first (arithmetic: the
            two operands, N = 2).
        mask: [E, N], 1 = excluded (all 0 for arithmetic).
        pointer: [E, N], the true one-hot pointer, fed to the mask network (teacher forcing;
            all 0 for arithmetic).
        value_bits: [E, num_bits], the true value (the step's value, or the result).
        pointer_target: [E, N], the pointer target spread evenly over the unmasked positions that
            hold the smallest value (positions a model without positional encodings cannot tell
            apart; all 0 for arithmetic).
        next_mask: [E, N], the true next mask (all 0 for arithmetic).
    """

    bits: np.ndarray
    mask: np.ndarray
    pointer: np.ndarray
    value_bits: np.ndarray
    pointer_target: np.ndarray
    next_mask: np.ndarray

    def take(self, rows) -> "Examples":
        """The examples of ``rows`` (an index array or slice)."""
        return Examples(*(a[rows] for a in self))


def _check_recording(recording) -> RecordingEngine:
    if not isinstance(recording, RecordingEngine):
        raise ValueError(f"recording must be a RecordingEngine, got {type(recording).__name__}")
    return recording


def step_training_arrays(recording, subroutine: str) -> dict[int, Examples]:
    """The recorded calls of a step subroutine as training examples, grouped by sequence length.

    Args:
        recording: a RecordingEngine that ran algorithms (normally around the oracle engine).
        subroutine: "find_min" or "merge_step".

    Returns:
        sequence length N -> ``Examples`` of every recorded call row of that length, in call
        order; bits of the subroutine's format (``serving.engine.FORMATS``).
    """
    subroutine = check_choice("subroutine", subroutine, STEP_SUBROUTINES)
    num_bits = FORMATS[subroutine].num_bits
    by_length = defaultdict(list)
    for call in _check_recording(recording).calls[subroutine]:
        by_length[call.values.shape[1]].append(call)
    examples = {}
    for length, group in sorted(by_length.items()):
        values = np.concatenate([call.values for call in group])                  # [E, N]
        mask = np.concatenate([call.mask for call in group])
        smallest = np.where(mask, np.iinfo(np.int64).max, values).min(axis=1, keepdims=True)
        tied = (~mask & (values == smallest)).astype(np.float32)
        examples[length] = Examples(
            bits=to_bits(values, num_bits).astype(np.float32), mask=mask.astype(np.float32),
            pointer=np.eye(length, dtype=np.float32)[np.concatenate([call.step.pointer for call in group])],
            value_bits=to_bits(np.concatenate([call.step.value for call in group]), num_bits).astype(np.float32),
            pointer_target=tied / tied.sum(axis=1, keepdims=True),
            next_mask=np.concatenate([call.step.next_mask for call in group]).astype(np.float32))
    return examples


def arithmetic_training_arrays(recording, subroutine: str) -> Examples:
    """The recorded calls of an arithmetic subroutine as training examples (N = 2: the operands).

    Args:
        recording: a RecordingEngine that ran algorithms (normally around the oracle engine).
        subroutine: "add" or "mul".

    Returns:
        ``Examples`` of every recorded operand pair, in call order (E = 0 if none).
    """
    subroutine = check_choice("subroutine", subroutine, ARITHMETIC_SUBROUTINES)
    calls = _check_recording(recording).calls[subroutine]
    num_bits = FORMATS[subroutine].num_bits
    a, b, result = (
        np.concatenate([np.zeros(0, dtype=np.int64)] + [getattr(call, field) for call in calls])
        for field in ("a", "b", "result")
    )
    empty = np.zeros((len(a), 2), np.float32)
    return Examples(to_bits(np.stack([a, b], axis=1), num_bits).astype(np.float32), empty, empty,
                    to_bits(result, num_bits).astype(np.float32), empty, empty)
