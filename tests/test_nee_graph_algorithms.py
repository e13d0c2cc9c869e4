"""Bellman-Ford, Floyd-Warshall and Kruskal from the same subroutines, against networkx: on the
four graph families (directed ones too for the shortest paths), in 8 bits and in 32, through the
library, the CLI on exact stand-in models, and TF Serving."""

import json

import networkx as nx
import numpy as np
import pytest

from l2e.nee.data import GRAPH_FAMILIES, graph_test_suite
from onnx_models import write_exact_models
from serving.algorithms.bellman_ford import bellman_ford
from serving.algorithms.floyd_warshall import floyd_warshall
from serving.algorithms.kruskal import kruskal
from serving.algorithms.merge_sort import merge_sort, merge_sort_order
from serving.algorithms.prim import is_spanning_forest
from serving.numbers import INFINITY, WIDE, RangeError
from serving.oracle import OracleEngine, RecordingEngine
from serving.wide import WideEngine
from test_nee_wide import ByteOracle, _assert_every_call_is_8_bit
from test_serving_cli import _run

ORACLE = OracleEngine()


def _networkx(weights: np.ndarray, infinity: int, directed: bool) -> nx.Graph:
    graph = nx.DiGraph() if directed else nx.Graph()
    graph.add_nodes_from(range(len(weights)))
    for u, v in zip(*np.nonzero(weights < infinity)):
        graph.add_edge(int(u), int(v), weight=int(weights[u, v]))
    return graph


def _directed(rng, weights: np.ndarray, infinity: int) -> np.ndarray:
    """``weights`` [B, N, N] with about half the edges kept in one direction only."""
    return np.where(rng.random(weights.shape) < 0.3, infinity, weights)


def _wide(weights: np.ndarray) -> np.ndarray:
    """8-bit ``weights`` with the 32-bit INFINITY."""
    return np.where(weights == INFINITY, WIDE.infinity, weights)


def _suites(rng, infinity: int = INFINITY, scale: int = 1):
    """(family, weights [B, N, N], sources [B]) of every family at sizes 7 and 12; weights times
    ``scale``, missing edges ``infinity``."""
    for family in GRAPH_FAMILIES:
        for size in (7, 12):
            suite = graph_test_suite(rng, family, size, count=3)
            weights = np.where(suite.weights == INFINITY, infinity, suite.weights * scale)
            yield family, weights, suite.sources


def _assert_shortest_paths(engine, weights, sources, infinity, directed):
    from_source = bellman_ford(engine, weights, sources)
    all_pairs = floyd_warshall(engine, weights)
    for graph_weights, source, row, matrix in zip(weights, sources, from_source, all_pairs):
        graph = _networkx(graph_weights, infinity, directed)
        lengths = dict(nx.all_pairs_dijkstra_path_length(graph))
        nodes = range(len(graph_weights))
        assert row.tolist() == [lengths[int(source)].get(v, infinity) for v in nodes]
        assert matrix.tolist() == [[lengths[u].get(v, infinity) for v in nodes] for u in nodes]


def _assert_spanning_forests(engine, weights, infinity):
    for graph_weights, forest in zip(weights, kruskal(engine, weights)):
        graph = _networkx(graph_weights, infinity, directed=False)
        assert is_spanning_forest(graph_weights, forest[:, :2], infinity)
        assert (graph_weights[forest[:, 0], forest[:, 1]] == forest[:, 2]).all()
        assert forest[:, 2].sum() == nx.minimum_spanning_tree(graph).size(weight="weight")
        assert (np.diff(forest[:, 2]) >= 0).all() and (forest[:, 0] < forest[:, 1]).all()


def test_the_three_match_networkx_on_every_family_directed_too():
    """The Table-1 families' 8-bit weights, counted in 32 bits as the CLI does: Floyd-Warshall's
    d(i, k) + d(k, j) of two paths that are not yet shortest can pass 510 when no distance does."""
    rng = np.random.default_rng(0)
    wide = WideEngine(ORACLE, WIDE)
    for family, weights, sources in _suites(rng, WIDE.infinity):
        _assert_shortest_paths(wide, weights, sources, WIDE.infinity, directed=False)
        _assert_shortest_paths(wide, _directed(rng, weights, WIDE.infinity), sources, WIDE.infinity, directed=True)
        _assert_spanning_forests(wide, weights, WIDE.infinity)
    for family, weights, sources in _suites(rng):  # in 8 bits
        assert np.array_equal(bellman_ford(ORACLE, weights, sources), bellman_ford(wide, _wide(weights), sources)
                              .clip(max=INFINITY))
        _assert_spanning_forests(ORACLE, weights, INFINITY)


def test_the_three_match_networkx_with_32_bit_weights_in_8_bit_calls():
    rng = np.random.default_rng(1)
    recording = RecordingEngine(ByteOracle())
    wide = WideEngine(recording, WIDE)
    for family, weights, sources in _suites(rng, WIDE.infinity, scale=2**20 + 12345):
        _assert_shortest_paths(wide, _directed(rng, weights, WIDE.infinity), sources, WIDE.infinity, directed=True)
        _assert_spanning_forests(wide, weights, WIDE.infinity)
    _assert_every_call_is_8_bit(recording)


def test_bellman_ford_relaxes_only_out_of_changed_nodes_and_stops():
    """A path 0 -> 1 -> ... -> 5: one round per hop, each relaxing the one edge out of the node
    the round before reached, and a last round that changes nothing."""
    recording = RecordingEngine(ORACLE)
    path = np.full((1, 6, 6), INFINITY)
    path[0, np.arange(5), np.arange(1, 6)] = 3
    assert bellman_ford(recording, path, [0]).tolist() == [[0, 3, 6, 9, 12, 15]]
    assert [len(call.a) for call in recording.calls["add"]] == [1] * 5
    assert len(recording.calls["find_min"]) == 5


def test_merge_sort_order_is_the_stable_argsort_in_8_and_32_bits():
    rng = np.random.default_rng(12)
    for bits, size in ((8, 1), (8, 7), (8, 33), (32, 21)):
        values = rng.integers(0, 2**bits, (5, size)) // 64 * 64  # many equal numbers
        engine = ORACLE if bits == 8 else WideEngine(ByteOracle(), WIDE)
        ordered, order = merge_sort_order(engine, values)
        assert np.array_equal(order, np.argsort(values, axis=1, kind="stable"))
        assert np.array_equal(ordered, np.take_along_axis(values, order, axis=1))


def test_kruskal_merges_the_weights_alone_in_their_own_width():
    """The weights are sorted as they are, with their order: 8-bit weights take exactly the
    merge steps of an 8-bit merge sort of the same (padded) rows, never a wider number."""
    suite = graph_test_suite(np.random.default_rng(13), "erdos_renyi", 12, 4)
    recording = RecordingEngine(ORACLE)
    kruskal(recording, suite.weights)
    rows = [np.sort(w[np.triu(w < INFINITY, k=1)]) for w in suite.weights]
    padded = np.full((len(rows), max(map(len, rows))), 255)
    for row, weights in zip(padded, rows):
        row[:len(weights)] = weights
    sorting = RecordingEngine(ORACLE)
    merge_sort(sorting, padded)
    assert len(recording.calls["merge_step"]) == len(sorting.calls["merge_step"])
    _assert_every_call_is_8_bit(recording)


def test_kruskal_takes_equal_weights_in_edge_order_and_handles_graphs_without_edges():
    triangle = np.full((1, 3, 3), INFINITY)
    for u, v in ((0, 1), (0, 2), (1, 2)):
        triangle[0, u, v] = triangle[0, v, u] = 7
    assert kruskal(ORACLE, triangle)[0].tolist() == [[0, 1, 7], [0, 2, 7]]
    lonely = np.full((2, 2, 2), INFINITY)
    assert [forest.shape for forest in kruskal(ORACLE, lonely)] == [(0, 3), (0, 3)]


def test_sums_that_leave_the_numbers_are_refused():
    path = np.full((1, 3, 3), INFINITY)
    path[0, 0, 1] = path[0, 1, 2] = 255  # directed: Bellman-Ford relaxes no edge back from 2
    assert bellman_ford(ORACLE, path, [0]).tolist() == [[0, 255, 510]]
    four = np.full((1, 4, 4), INFINITY)
    four[0, [0, 1, 2], [1, 2, 3]] = [255, 255, 1]
    for algorithm in (lambda w: bellman_ford(ORACLE, w, [0]), lambda w: floyd_warshall(ORACLE, w)):
        with pytest.raises(RangeError, match="the sum 511 leaves the range of 8-bit numbers"):
            algorithm(four)


# --- through l2e-compose, on exact stand-in models ---------------------------------------------


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    out = tmp_path_factory.mktemp("models")
    write_exact_models(str(out))
    return str(out)


def _compose(capsys, monkeypatch, argv, stdin=""):
    """(exit code, stdout, stderr) of ``l2e-compose argv`` reading ``stdin``."""
    return _run(capsys, *argv, stdin=stdin, monkeypatch=monkeypatch)


def _graph_lines(rng, directed: bool) -> list[dict]:
    lines = []
    for family, weights, sources in _suites(rng, WIDE.infinity, scale=1000):
        for graph_weights, source in zip(weights[:2], sources[:2]):
            u, v = np.nonzero(graph_weights < WIDE.infinity if directed else np.triu(graph_weights < WIDE.infinity))
            lines.append({"nodes": len(graph_weights), "source": int(source), "directed": directed,
                          "edges": [[int(a), int(b), int(graph_weights[a, b])] for a, b in zip(u, v)]})
    return lines


@pytest.mark.parametrize("command, directed", [("bellman-ford", True), ("floyd-warshall", True),
                                               ("kruskal", False)])
def test_cli_batch_check_json_matches_networkx(models, capsys, monkeypatch, command, directed):
    lines = _graph_lines(np.random.default_rng(2), directed)
    code, out, err = _compose(capsys, monkeypatch, [command, "--batch", "-", "--models", models, "--check"],
                              "".join(json.dumps(line) + "\n" for line in lines))
    assert code == 0 and err == f"check: {len(lines)} of {len(lines)} instances agree with the oracle\n"
    for line, answer in zip(lines, map(json.loads, out.splitlines())):
        graph = nx.DiGraph() if directed else nx.Graph()
        graph.add_nodes_from(range(line["nodes"]))
        graph.add_weighted_edges_from(line["edges"])
        if command == "kruskal":
            assert answer["weight"] == nx.minimum_spanning_tree(graph).size(weight="weight")
            continue
        lengths = dict(nx.all_pairs_dijkstra_path_length(graph))
        nodes = range(line["nodes"])
        expected = ([lengths[line["source"]].get(v) for v in nodes] if command == "bellman-ford" else
                    [[lengths[u].get(v) for v in nodes] for u in nodes])
        assert answer["distances"] == expected


GRAPH = '{"nodes": 4, "edges": [[0, 1, 4], [1, 2, 5], [0, 2, 20], [2, 1, 1]], "directed": true}'


@pytest.mark.parametrize("command, text", [
    ("bellman-ford", "0: 0\n1: 4\n2: 9\n3: unreachable\n"),
    ("floyd-warshall", "0: 0 4 9 -\n1: - 0 5 -\n2: - 1 0 -\n3: - - - 0\n"),
])
def test_cli_text_answers(models, capsys, monkeypatch, command, text):
    assert _compose(capsys, monkeypatch, [command, "--models", models], GRAPH) == (0, text, "")


def test_cli_kruskal_text_and_one_line_errors(models, capsys, monkeypatch):
    undirected = GRAPH.replace('"directed": true', '"directed": false')
    assert _compose(capsys, monkeypatch, ["kruskal", "--models", models], undirected) == (
        0, "1 - 2: 1\n0 - 1: 4\nweight: 5\n", "")
    code, out, err = _compose(capsys, monkeypatch, ["kruskal", "--models", models], GRAPH)
    assert (code, out) == (2, "") and err == "l2e-compose: error: graph: a minimum spanning tree needs an undirected graph\n"
    too_long = '{"nodes": 3, "edges": [[0, 1, 4294967295], [1, 2, 4294967295], [2, 0, 1]], "directed": true}'
    for command in ("bellman-ford", "floyd-warshall"):
        code, out, err = _compose(capsys, monkeypatch, [command, "--models", models], too_long)
        assert (code, out) == (2, "") and err.count("\n") == 1
        assert err.startswith(f"l2e-compose: error: {command}: the sum 8589934590") or "8589934591" in err


@pytest.mark.slow
def test_the_three_through_tfserving_print_what_onnxruntime_prints(tmp_path, capsys, monkeypatch):
    from export.server.model_config import read_model_config
    from export.server.rest_server import ModelServer
    from onnx_models import write_served_models

    models = str(tmp_path / "served")
    with open(write_served_models(models)) as f:
        configs = read_model_config(f.read())
    lines = _graph_lines(np.random.default_rng(3), directed=False)[:6]
    batch = "".join(json.dumps(line) + "\n" for line in lines)
    with ModelServer(configs, port=0, poll_seconds=0) as server:
        for command in ("bellman-ford", "floyd-warshall", "kruskal"):
            local = _compose(capsys, monkeypatch, [command, "--batch", "-", "--models", models, "--check"], batch)
            remote = _compose(capsys, monkeypatch, [command, "--batch", "-", "--engine", "tfserving",
                                                    "--url", server.url, "--check"], batch)
            assert local[0] == 0 and remote[:2] == local[:2]  # stderr: the server logs into it too
