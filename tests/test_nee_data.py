"""NEE data: list and graph generators, and training arrays from recorded oracle traces."""

import numpy as np
import pytest

from l2e.nee.data import (
    GRAPH_FAMILIES,
    NARROW_BAND_WIDTH,
    arithmetic_training_arrays,
    graph_test_suite,
    hop_diameters,
    list_test_suite,
    step_training_arrays,
    training_graphs,
    training_lists,
)
from serving.algorithms.dijkstra import dijkstra
from serving.algorithms.merge_sort import merge_sort
from serving.algorithms.selection_sort import selection_sort
from serving.numbers import END, INFINITY, from_bits
from serving.oracle import OracleEngine, RecordingEngine


def _progression_steps(values: np.ndarray) -> np.ndarray:
    """int64 [C]: the common difference of each sorted row; -1 where it is no progression."""
    differences = np.diff(np.sort(values, axis=1), axis=1)
    constant = (differences == differences[:, :1]).all(axis=1)
    return np.where(constant, differences[:, 0], -1)


def _all_pairs_distances(weights: np.ndarray) -> np.ndarray:
    """Floyd-Warshall over weights int64 [C, N, N] (INFINITY = no edge); unreachable: 10**9."""
    distances = np.where(weights == INFINITY, 10**9, weights)
    distances[:, np.arange(weights.shape[1]), np.arange(weights.shape[1])] = 0
    for k in range(weights.shape[1]):
        distances = np.minimum(distances, distances[:, :, k : k + 1] + distances[:, k : k + 1, :])
    return distances


def _check_graph_matrices(weights: np.ndarray) -> None:
    assert weights.dtype == np.int64
    assert np.array_equal(weights, weights.transpose(0, 2, 1))
    assert (np.diagonal(weights, axis1=1, axis2=2) == INFINITY).all()
    assert ((weights <= 255) | (weights == INFINITY)).all() and (weights >= 0).all()
    distances = _all_pairs_distances(weights)
    assert distances[distances < 10**9].max() <= 255


# --- lists -------------------------------------------------------------------------------------


def test_training_lists_mix_uniform_lists_with_shuffled_progressions():
    suite = training_lists(np.random.default_rng(0), 5000)
    assert suite.values.shape == (5000, 8) and suite.values.dtype == np.int64
    assert suite.values.min() == 0 and suite.values.max() == 255
    assert suite.is_progression.sum() == 2000
    assert 0 < suite.is_progression[:100].sum() < 100
    steps = _progression_steps(suite.values)
    assert set(steps[suite.is_progression].tolist()) == {1, 2, 3, 4}
    assert (steps[~suite.is_progression] == -1).mean() > 0.99
    progressions = suite.values[suite.is_progression]
    assert (np.diff(progressions, axis=1) < 0).any(axis=1).mean() > 0.9
    assert abs(suite.values[~suite.is_progression].mean() - 127.5) < 2


def test_list_test_suite_has_60_uniform_lists_then_40_progressions():
    suite = list_test_suite(np.random.default_rng(1), 25)
    assert suite.values.shape == (100, 25)
    assert not suite.is_progression[:60].any() and suite.is_progression[60:].all()
    assert set(_progression_steps(suite.values[60:]).tolist()) <= {1, 2, 3, 4}


def test_long_progressions_use_only_the_steps_that_fit_in_8_bits():
    suite = list_test_suite(np.random.default_rng(2), 100, num_uniform=0, num_progressions=400)
    assert set(_progression_steps(suite.values).tolist()) == {1, 2}
    assert suite.values.max() <= 255
    assert list_test_suite(np.random.default_rng(2), 256, 0, 3).values.max() == 255


def test_lists_longer_than_256_cycle_a_step_1_progression_round_0_to_255():
    suite = list_test_suite(np.random.default_rng(3), 500, num_uniform=2, num_progressions=5)
    assert suite.values.shape == (7, 500) and suite.values.min() >= 0 and suite.values.max() <= 255
    for values in suite.values[2:]:
        counts = np.bincount(values, minlength=256)
        assert set(counts.tolist()) == {1, 2} and counts.sum() == 500
        twice = np.flatnonzero(counts == 2)  # a run of 244 numbers, round the circle from the start
        assert len(twice) == 244 and len(set((np.diff(twice) % 256).tolist()) - {1, 13}) == 0


# --- graphs ------------------------------------------------------------------------------------


def test_hop_diameters_count_the_longest_shortest_hop_path_within_components():
    path = np.zeros((5, 5), dtype=bool)
    path[np.arange(4), np.arange(1, 5)] = True
    two_parts = np.zeros((5, 5), dtype=bool)
    two_parts[0, 1] = two_parts[2, 3] = two_parts[3, 4] = True
    graphs = np.stack([path, two_parts, np.zeros((5, 5), dtype=bool)])
    assert hop_diameters(graphs | graphs.transpose(0, 2, 1)).tolist() == [4, 2, 0]


def test_training_graphs_keep_path_sums_in_8_bits_and_mix_in_narrow_weight_bands():
    suite = training_graphs(np.random.default_rng(3), 500)
    assert suite.family == "erdos_renyi" and suite.weights.shape == (500, 8, 8)
    _check_graph_matrices(suite.weights)
    assert ((suite.sources >= 0) & (suite.sources < 8)).all()
    edges = (suite.weights != INFINITY).sum(axis=(1, 2)) // 2
    assert edges.min() <= 3 and edges.max() >= 25
    missing = suite.weights == INFINITY
    finite = np.where(missing, -1, suite.weights)
    spread = finite.max(axis=(1, 2)) - np.where(missing, 999, suite.weights).min(axis=(1, 2))
    narrow = spread[edges >= 2] < NARROW_BAND_WIDTH
    assert 0.35 < narrow.mean() < 0.6
    assert finite.max() > 200


@pytest.mark.parametrize("family", GRAPH_FAMILIES)
def test_graph_test_suites_have_the_family_structure_and_8_bit_path_sums(family):
    num_nodes = 30
    suite = graph_test_suite(np.random.default_rng(4), family, num_nodes, count=20)
    assert suite.family == family and suite.weights.shape == (20, num_nodes, num_nodes)
    _check_graph_matrices(suite.weights)
    assert ((suite.sources >= 0) & (suite.sources < num_nodes)).all()
    adjacency = suite.weights != INFINITY
    degrees = adjacency.sum(axis=2)
    if family == "random_regular":
        assert (degrees == degrees[:, :1]).all() and set(degrees[:, 0].tolist()) <= {2, 3, 4, 5}
    if family == "barabasi_albert":
        edges = adjacency.sum(axis=(1, 2)) // 2
        assert set(edges.tolist()) <= {m * (num_nodes - m) for m in range(2, 6)}
    if family == "newman_watts_strogatz":
        ring = np.arange(num_nodes)
        assert adjacency[:, ring, (ring + 1) % num_nodes].all()
    assert len({int(graph.sum()) for graph in adjacency}) > 1 or family == "random_regular"


# --- training arrays from traces ---------------------------------------------------------------


def test_find_min_training_arrays_encode_the_recorded_selection_sort_steps():
    values = training_lists(np.random.default_rng(5), 16).values
    recording = RecordingEngine(OracleEngine())
    selection_sort(recording, values)
    arrays = step_training_arrays(recording, "find_min")
    assert list(arrays) == [9]
    steps = arrays[9]
    assert steps.bits.shape == (16 * 9, 9, 10) and steps.bits.dtype == np.float32
    assert steps.value_bits.shape == (16 * 9, 10)
    inputs = from_bits(steps.bits.astype(np.uint8))
    assert np.array_equal(inputs[:16, :8], values) and (inputs[:, 8] == END).all()
    pointer = steps.pointer.argmax(axis=1)
    assert np.array_equal(steps.pointer, np.eye(9)[pointer])
    chosen = inputs[np.arange(len(inputs)), pointer]
    assert np.array_equal(chosen, from_bits(steps.value_bits.astype(np.uint8)))
    assert np.array_equal(steps.next_mask, np.maximum(steps.mask, steps.pointer))
    # the pointer target: evenly over the unmasked positions holding the smallest value
    np.testing.assert_allclose(steps.pointer_target.sum(axis=1), 1.0)
    assert (steps.pointer_target[np.arange(len(inputs)), pointer] > 0).all()
    assert (steps.pointer_target[steps.mask > 0] == 0).all()


def test_training_arrays_group_calls_by_sequence_length():
    suite = training_graphs(np.random.default_rng(6), 8)
    recording = RecordingEngine(OracleEngine())
    dijkstra(recording, suite.weights, suite.sources)
    merge_sort(recording, training_lists(np.random.default_rng(7), 4).values)
    assert sorted(step_training_arrays(recording, "find_min")) == [2, 9]
    assert sorted(step_training_arrays(recording, "merge_step")) == [4, 6, 10]
    sums = arithmetic_training_arrays(recording, "add")
    edges = int(np.triu(suite.weights < INFINITY, k=1).sum())  # each edge relaxed once
    assert sums.bits.shape == (edges, 2, 9) and sums.mask.shape == (edges, 2)
    a, b = from_bits(sums.bits.astype(np.uint8)).T
    expected = np.where((a == INFINITY) | (b == INFINITY), INFINITY, a + b)
    assert np.array_equal(from_bits(sums.value_bits.astype(np.uint8)), expected)
    assert arithmetic_training_arrays(recording, "mul").bits.shape == (0, 2, 12)


# --- argument checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, parameter",
    [
        (lambda: training_lists(np.random.default_rng(0), 0), "count"),
        (lambda: training_lists(7, 10), "rng"),
        (lambda: training_lists(np.random.default_rng(0), 10, size=257), "size"),
        (
            lambda: training_lists(np.random.default_rng(0), 9, progression_fraction=2),
            "progression_fraction",
        ),
        (lambda: list_test_suite(np.random.default_rng(0), 10, num_uniform=-1), "num_uniform"),
        (lambda: training_graphs(np.random.default_rng(0), 10, num_nodes=0), "num_nodes"),
        (
            lambda: training_graphs(np.random.default_rng(0), 9, narrow_band_fraction=-1),
            "narrow_band_fraction",
        ),
        (lambda: graph_test_suite(np.random.default_rng(0), "grid", 10), "family"),
        (lambda: graph_test_suite(np.random.default_rng(0), "barabasi_albert", 5), "num_nodes"),
        (lambda: graph_test_suite(np.random.default_rng(0), "erdos_renyi", 10, count=2.5), "count"),
        (lambda: step_training_arrays(RecordingEngine(OracleEngine()), "add"), "subroutine"),
        (lambda: arithmetic_training_arrays(OracleEngine(), "add"), "recording"),
    ],
)
def test_bad_arguments_raise_value_error_naming_the_parameter(call, parameter):
    with pytest.raises(ValueError, match=f"^{parameter} "):
        call()
