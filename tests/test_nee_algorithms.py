"""The oracle engine, the recording engine and the algorithms written as loops of engine calls."""

import json
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from l2e.nee.data import GRAPH_FAMILIES, graph_test_suite, training_graphs
from serving.algorithms.dijkstra import dijkstra
from serving.algorithms.merge_sort import merge_sort
from serving.algorithms.prim import prim
from serving.algorithms.selection_sort import selection_sort
from serving.engine import Engine, Step
from serving.numbers import END, INFINITY, MAX_FACTOR, RangeError
from serving.oracle import OracleEngine, RecordingEngine

ORACLE = OracleEngine()
REPOSITORY = Path(__file__).resolve().parents[1]


def _graph(weights: np.ndarray) -> nx.Graph:
    """The undirected networkx graph of one weight matrix [N, N] (INFINITY = no edge)."""
    graph = nx.Graph()
    graph.add_nodes_from(range(len(weights)))
    for u, v in zip(*np.nonzero(np.triu(weights != INFINITY, 1))):
        graph.add_edge(int(u), int(v), weight=int(weights[u, v]))
    return graph


def _test_graphs(seed: int):
    """Graphs of every family at a few small sizes, and small Erdos-Renyi training graphs
    (many disconnected, with unreachable nodes)."""
    rng = np.random.default_rng(seed)
    suites = [
        graph_test_suite(rng, family, n, count=4) for family in GRAPH_FAMILIES for n in (6, 11, 24)
    ]
    suites += [training_graphs(rng, 12, num_nodes=n) for n in (1, 2, 5, 8, 13)]
    return suites


def _local_conflicts(mask: np.ndarray, pointer: np.ndarray, next_mask: np.ndarray) -> int:
    """How many 3-wide neighbourhoods of (mask, one-hot pointer) map to two next-mask values.

    mask, next_mask bool [E, N], pointer int64 [E]; positions beyond the ends read as zero, as
    in a 'same'-padded convolution.
    """
    one_hot = np.arange(mask.shape[1]) == pointer[:, None]
    channels = np.pad(np.stack([mask, one_hot], axis=-1), ((0, 0), (1, 1), (0, 0)))
    windows = np.concatenate([channels[:, :-2], channels[:, 1:-1], channels[:, 2:]], axis=-1)
    keys = windows.reshape(-1, 6) @ (1 << np.arange(6))
    outputs = next_mask.reshape(-1)
    seen_true = np.bincount(keys[outputs], minlength=64) > 0
    seen_false = np.bincount(keys[~outputs], minlength=64) > 0
    return int((seen_true & seen_false).sum())


def _recorded_conflicts(recording: RecordingEngine, subroutine: str) -> int:
    conflicts = 0
    for call in recording.calls[subroutine]:
        conflicts += _local_conflicts(call.mask, call.step.pointer, call.step.next_mask)
    return conflicts


# --- the oracle engine, call by call -----------------------------------------------------------


def test_the_serving_runtime_imports_neither_tensorflow_nor_keras_nor_l2e():
    algorithms = ("selection_sort", "merge_sort", "dijkstra", "prim")
    modules = ["serving.oracle"] + [f"serving.algorithms.{name}" for name in algorithms]
    probe = f"import json, sys, {', '.join(modules)}; print(json.dumps(list(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPOSITORY, capture_output=True, text=True, check=True
    )
    roots = {name.split(".")[0] for name in json.loads(loaded.stdout)}
    assert "serving" in roots and not roots & {"tensorflow", "keras", "l2e"}


def test_both_engines_implement_the_engine_protocol():
    assert isinstance(ORACLE, Engine)
    assert isinstance(RecordingEngine(ORACLE), Engine)


def test_find_min_takes_the_first_smallest_unmasked_value_and_masks_it():
    mask = np.array([[0, 0, 0, 0], [0, 1, 0, 0]], dtype=bool)
    step = ORACLE.find_min([[5, 3, 3, 7], [9, 1, 8, END]], mask)
    assert step.value.tolist() == [3, 8]
    assert step.pointer.tolist() == [1, 2]
    assert step.next_mask.tolist() == [[False, True, False, False], [False, True, True, False]]


def test_merge_step_takes_the_smaller_head_and_advances_its_run():
    values = [[1, 4, END, 2, 3, END], [6, END, 2, END, 0, 0]]
    heads = np.array([[0, 1, 1, 0, 1, 1], [0, 1, 0, 1, 1, 1]], bool)
    step = ORACLE.merge_step(values, heads)
    assert step.value.tolist() == [1, 2]
    assert step.pointer.tolist() == [0, 2]
    assert step.next_mask.tolist() == [
        [True, False, True, False, True, True],
        [False, True, True, False, True, True],
    ]


def test_add_is_exact_on_every_pair_and_infinity_absorbs():
    operands = np.append(np.arange(256), INFINITY)
    a, b = (grid.ravel() for grid in np.meshgrid(operands, operands))
    sums = ORACLE.add(a, b)
    finite = (a != INFINITY) & (b != INFINITY)
    assert np.array_equal(sums[finite], a[finite] + b[finite])
    assert (sums[~finite] == INFINITY).all()


def test_mul_is_exact_on_every_pair():
    factors = np.arange(MAX_FACTOR + 1)
    a, b = (grid.ravel() for grid in np.meshgrid(factors, factors))
    assert np.array_equal(ORACLE.mul(a, b), a * b)


def test_engine_calls_refuse_bad_input_naming_the_parameter():
    with pytest.raises(ValueError, match="mask must leave"):
        ORACLE.find_min([[1, 2]], np.array([[True, True]]))
    with pytest.raises(ValueError, match="mask must be a bool"):
        ORACLE.find_min([[1, 2]], [[0, 1]])
    with pytest.raises(ValueError, match="values must hold"):
        ORACLE.merge_step([[1, 513]], np.zeros((1, 2), bool))
    with pytest.raises(ValueError, match="values must have shape"):
        ORACLE.find_min([1, 2], np.zeros(2, bool))
    with pytest.raises(ValueError, match="a must hold"):
        ORACLE.add([256], [1])
    with pytest.raises(ValueError, match="b must have the shape"):
        ORACLE.add([1, 2], [1])
    with pytest.raises(ValueError, match="b must hold"):
        ORACLE.mul([1], [MAX_FACTOR + 1])


# --- the algorithms on the oracle engine -------------------------------------------------------


@pytest.mark.parametrize("sort", [selection_sort, merge_sort])
def test_sorts_reproduce_sorted_on_random_lists_of_every_size(sort):
    rng = np.random.default_rng(7)
    for size in range(1, 101):
        high = 256 if size % 2 else max(2, size // 3)
        values = rng.integers(0, high, size=(3, size))
        assert np.array_equal(sort(ORACLE, values), np.sort(values, axis=1)), size


def test_dijkstra_matches_networkx_on_every_family_with_infinity_for_unreachable_nodes():
    unreachable = 0
    for suite in _test_graphs(seed=3):
        distances = dijkstra(ORACLE, suite.weights, suite.sources)
        for weights, source, row in zip(suite.weights, suite.sources, distances):
            expected = np.full(len(weights), INFINITY)
            lengths = nx.single_source_dijkstra_path_length(_graph(weights), int(source))
            expected[list(lengths)] = list(lengths.values())
            assert np.array_equal(row, expected), suite.family
            unreachable += int((row == INFINITY).sum())
    assert unreachable > 0


def test_prim_matches_networkx_spanning_forest_weights():
    forests = 0
    for suite in _test_graphs(seed=4):
        parent, total_weight = prim(ORACLE, suite.weights)
        for weights, parents, total in zip(suite.weights, parent, total_weight):
            graph = _graph(weights)
            assert total == nx.minimum_spanning_tree(graph).size(weight="weight"), suite.family
            children = np.flatnonzero(parents >= 0)
            assert (weights[parents[children], children] != INFINITY).all()
            forest = nx.Graph(list(zip(parents[children].tolist(), children.tolist())))
            forest.add_nodes_from(range(len(weights)))
            assert nx.is_forest(forest)
            components = nx.number_connected_components(graph)
            assert nx.number_connected_components(forest) == components
            assert (parents == -1).sum() == components and parents[0] == -1
            forests += components > 1
    assert forests > 0


def test_algorithms_refuse_bad_input_naming_the_parameter():
    with pytest.raises(ValueError, match="values must hold integers in 0..255"):
        selection_sort(ORACLE, [[1, 256]])
    with pytest.raises(ValueError, match="values must hold integers"):
        merge_sort(ORACLE, [[1.5, 2.0]])
    with pytest.raises(ValueError, match="values must have shape"):
        merge_sort(ORACLE, [3, 1, 2])
    square = np.full((1, 3, 3), INFINITY)
    with pytest.raises(ValueError, match="source must hold integers in 0..2"):
        dijkstra(ORACLE, square, [3])
    with pytest.raises(ValueError, match="source must have shape"):
        dijkstra(ORACLE, square, [0, 1])
    with pytest.raises(ValueError, match="weights must have shape"):
        dijkstra(ORACLE, np.full((1, 2, 3), INFINITY), [0])
    asymmetric = square.copy()
    asymmetric[0, 0, 1] = 4
    with pytest.raises(ValueError, match="weights must be symmetric"):
        prim(ORACLE, asymmetric)
    with pytest.raises(ValueError, match="weights must hold"):
        prim(ORACLE, square - 512)


def test_dijkstra_in_8_bits_gives_sums_up_to_510_and_refuses_larger_ones():
    path = np.full((1, 4, 4), INFINITY)
    for u in range(3):
        path[0, u, u + 1] = path[0, u + 1, u] = 200
    assert dijkstra(ORACLE, path[:, :3, :3], [0]).tolist() == [[0, 200, 400]]
    with pytest.raises(RangeError, match="the sum 600 leaves the range of 8-bit numbers and their sums"):
        dijkstra(ORACLE, path, [0])


# --- loops stay bounded with an engine that errs -----------------------------------------------


class _EndAtOnce:
    """An engine whose find-min returns END straight away."""

    def find_min(self, values, mask):
        return Step(np.full(len(values), END), np.zeros(len(values), dtype=np.int64), mask)


class _NeverEnds:
    """An engine whose find-min never returns END and never changes the mask."""

    def find_min(self, values, mask):
        zeros = np.zeros(len(values), dtype=np.int64)
        return Step(zeros, zeros, mask)


def test_selection_sort_pads_with_end_when_the_engine_ends_early():
    assert selection_sort(_EndAtOnce(), [[3, 1, 2]]).tolist() == [[END, END, END]]


def test_selection_sort_stops_after_n_plus_one_steps_when_the_engine_never_ends():
    recording = RecordingEngine(_NeverEnds())
    assert selection_sort(recording, [[3, 1, 2]]).tolist() == [[0, 0, 0]]
    assert len(recording.calls["find_min"]) == 4


# --- recorded traces ---------------------------------------------------------------------------


def test_recording_holds_every_call_of_selection_sort_and_replays_exactly():
    values = np.random.default_rng(1).integers(0, 256, size=(4, 8))
    recording = RecordingEngine(ORACLE)
    assert np.array_equal(selection_sort(recording, values), np.sort(values, axis=1))
    calls = recording.calls["find_min"]
    assert len(calls) == 9
    assert not any(recording.calls[name] for name in ("merge_step", "add", "mul"))
    assert not calls[0].mask.any() and calls[-1].mask[:, :8].all()
    assert (calls[-1].step.value == END).all()
    for call in calls:
        assert call.values.shape == call.mask.shape == (4, 9)
        replay = ORACLE.find_min(call.values, call.mask)
        assert np.array_equal(replay.value, call.step.value)
        assert np.array_equal(replay.pointer, call.step.pointer)
        assert np.array_equal(replay.next_mask, call.step.next_mask)


def test_recording_of_merge_sort_shows_only_two_heads_per_merge_step():
    recording = RecordingEngine(ORACLE)
    merge_sort(recording, np.random.default_rng(2).integers(0, 256, size=(2, 11)))
    calls = recording.calls["merge_step"]
    assert calls and not recording.calls["find_min"]
    assert {call.values.shape[1] for call in calls} == {4, 5, 6, 10, 13}
    for call in calls:
        assert ((~call.mask).sum(axis=1) == 2).all()
        assert (call.values[~call.mask[:, -1], -1] == END).all()


def test_recording_of_dijkstra_and_prim_holds_their_subroutines():
    suite = training_graphs(np.random.default_rng(5), 6)
    shortest = RecordingEngine(ORACLE)
    dijkstra(shortest, suite.weights, suite.sources)
    assert {call.values.shape[1] for call in shortest.calls["find_min"]} == {2, 9}
    edges = int(np.triu(suite.weights < INFINITY, k=1).sum())  # undirected: each relaxed once
    assert sum(len(call.a) for call in shortest.calls["add"]) == edges
    assert all((call.a < INFINITY).all() for call in shortest.calls["add"])  # edge weights only
    spanning = RecordingEngine(ORACLE)
    prim(spanning, suite.weights)
    assert spanning.calls["find_min"] and not spanning.calls["add"]
    pairs = [call for call in spanning.calls["find_min"] if call.values.shape[1] == 2]
    assert sum(len(call.values) for call in pairs) == edges


def test_recorded_next_masks_are_local_functions_of_mask_and_pointer():
    rng = np.random.default_rng(6)
    recording = RecordingEngine(ORACLE)
    for size in (1, 5, 8, 17):
        values = rng.integers(0, 256, size=(5, size))
        selection_sort(recording, values)
        merge_sort(recording, values)
    suite = training_graphs(rng, 20)
    dijkstra(recording, suite.weights, suite.sources)
    prim(recording, suite.weights)
    assert _recorded_conflicts(recording, "find_min") == 0
    assert _recorded_conflicts(recording, "merge_step") == 0


def test_the_locality_check_catches_a_rule_that_looks_further_than_a_neighbour():
    mask = np.zeros((2, 6), dtype=bool)
    pointer = np.array([0, 2])
    one_hot = np.arange(6) == pointer[:, None]
    far_reaching = mask | one_hot
    far_reaching[pointer == 0, -1] = True
    assert _local_conflicts(mask, pointer, mask | one_hot) == 0
    assert _local_conflicts(mask, pointer, far_reaching) > 0
