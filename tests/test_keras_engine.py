"""The Keras engine on tiny models, and the NEE evaluation metrics on hand-made predictions."""

import keras
import numpy as np
import pytest

from l2e.nee.keras_engine import KerasEngine
from l2e.nee.evaluation import (
    FAILED,
    addition_scores,
    evaluate_compositions,
    evaluate_graphs,
    evaluate_lists,
    forest_scores,
    is_spanning_forest,
    multiplication_scores,
    output_scores,
    run_rows,
    table_graphs,
    table_json_lines,
    table_lists,
)
from l2e.nee.data import GRAPH_FAMILIES, graph_test_suite, list_test_suite
from l2e.nee.model import build_nee_model
from serving.algorithms.dijkstra import dijkstra
from serving.algorithms.merge_sort import merge_sort
from serving.algorithms.prim import prim
from serving.algorithms.selection_sort import selection_sort
from serving.engine import FORMATS, Engine
from serving.numbers import END, INFINITY, WIDE, to_bits
from serving.oracle import OracleEngine
from serving.parse import graph_from_json

INF = INFINITY


def _constant_model(subroutine, value):
    """A tiny NEE model whose value head always writes ``value`` and whose mask network never
    excludes a position (so that every algorithm runs to its step cap without an invalid input)."""
    keras.utils.set_random_seed(0)
    num_bits = FORMATS[subroutine].num_bits
    model = build_nee_model(num_bits, d_model=8, num_layers=1, ff_dim=16, dropout=0.0)
    engine = model.get_layer("engine")
    signs = to_bits(np.array(value), num_bits).astype("float32") * 2 - 1
    engine.value_head.kernel.assign(np.zeros(engine.value_head.kernel.shape, "float32"))
    engine.value_head.bias.assign(10 * signs)
    readout = engine.mask_update.readout
    readout.kernel.assign(np.zeros(readout.kernel.shape, "float32"))
    readout.bias.assign(np.full(readout.bias.shape, -10.0, "float32"))
    return model


@pytest.fixture(scope="module")
def constant_engine():
    # the add constant fits in 8 bits, so the engine's comparisons of its sums stay one model call
    # (serving.wide: a learned find-min is trusted on 8-bit numbers only; wider ones go byte by byte)
    values = {"find_min": 7, "merge_step": 9, "add": 200, "mul": 4095}
    return KerasEngine({name: _constant_model(name, v) for name, v in values.items()})


def test_keras_engine_implements_the_interface_and_decodes_the_models_outputs(constant_engine):
    assert isinstance(constant_engine, Engine)
    values = np.array([[5, 3, END], [1, 1, END]])
    mask = np.array([[False, True, False], [True, False, False]])
    step = constant_engine.find_min(values, mask)
    assert step.value.tolist() == [7, 7] and step.value.dtype == np.int64
    assert step.pointer.shape == (2,) and not mask[np.arange(2), step.pointer].any()  # never a masked one
    assert step.next_mask.dtype == np.bool_ and not step.next_mask.any()
    assert constant_engine.merge_step(values, mask).value.tolist() == [9, 9]
    assert constant_engine.add(np.array([1, INF]), np.array([2, 3])).tolist() == [200, 200]
    assert constant_engine.mul(np.array([63]), np.array([63])).tolist() == [4095]


def test_keras_engine_runs_every_algorithm_with_the_right_shapes(constant_engine):
    rng = np.random.default_rng(0)
    lists = list_test_suite(rng, 11, 3, 2).values
    assert selection_sort(constant_engine, lists).tolist() == [[7] * 11] * 5  # capped at N outputs
    assert merge_sort(constant_engine, lists).shape == (5, 11)
    graphs = graph_test_suite(rng, "erdos_renyi", 9, 4)
    distances = dijkstra(constant_engine, graphs.weights, graphs.sources)
    # each relaxed neighbour of the chosen node gets the model's constant 7; the rest keep 0 or INF
    assert distances.shape == (4, 9) and set(np.unique(distances)) <= {0, 7, INF} and (distances == 7).any()
    forest = prim(constant_engine, graphs.weights)
    assert forest.parent.shape == (4, 9) and forest.total_weight.shape == (4,)


def test_keras_engine_batches_large_calls_and_checks_its_inputs(tmp_path):
    model = _constant_model("find_min", 12)
    model.save(tmp_path / "find_min.keras")
    engine = KerasEngine.load({"find_min": str(tmp_path / "find_min.keras")}, max_positions=20)
    step = engine.find_min(np.zeros((7, 9), np.int64), np.zeros((7, 9), bool))  # 3 rows per pass
    assert step.value.tolist() == [12] * 7
    with pytest.raises(ValueError, match="mask"):
        engine.find_min(np.zeros((1, 3), np.int64), np.ones((1, 3), bool))
    with pytest.raises(ValueError, match="no add model"):
        engine.add(np.array([1]), np.array([2]))
    with pytest.raises(ValueError, match="needs 9"):
        KerasEngine({"add": model})


# --- evaluation metrics -------------------------------------------------------------------


def test_output_scores_count_numbers_and_whole_outputs():
    predicted = np.array([[1, 2, 3, 4], [1, 2, 4, 3], [FAILED] * 4])
    expected = np.array([[1, 2, 3, 4]] * 3)
    assert output_scores(predicted, expected) == {"per_number": 6 / 12, "exact": 1 / 3, "instances": 3}


def _square():
    """A 4-cycle 0-1-2-3-0 with weights 1, 1, 1, 2 and no diagonal: the MST drops edge 3-0."""
    w = np.full((4, 4), INF)
    for u, v, weight in [(0, 1, 1), (1, 2, 1), (2, 3, 1), (3, 0, 2)]:
        w[u, v] = w[v, u] = weight
    return w


def test_spanning_forests_must_use_edges_avoid_cycles_and_span_each_component():
    w = _square()
    assert is_spanning_forest(w, np.array([-1, 0, 1, 2]))
    assert not is_spanning_forest(w, np.array([-1, 0, 0, 2]))  # edge 0-2 does not exist
    assert not is_spanning_forest(w, np.array([-1, 2, 1, 2]))  # cycle 1-2, node 0 cut off
    assert not is_spanning_forest(w, np.array([-1, 0, 1, -1]))  # two trees in one component
    disconnected = np.full((3, 3), INF)
    disconnected[0, 1] = disconnected[1, 0] = 5
    assert is_spanning_forest(disconnected, np.array([-1, 0, -1]))


def test_forest_scores_paper_metric_is_the_total_weight_exact_needs_a_minimum_forest():
    w = np.stack([_square()] * 3)
    parent = np.array([[-1, 0, 1, 2], [-1, 0, 1, 0], [-1, 0, 0, 2]])
    totals = np.array([3, 4, 3])  # the third has the right total through a missing edge
    scores = forest_scores(w, parent, totals, np.array([3, 3, 3]))
    assert scores == {"per_number": 2 / 3, "exact": 1 / 3, "instances": 3}


class _WrongOnLargeValues(OracleEngine):
    """The oracle, except that find_min returns END for any row holding the value 200."""

    def find_min(self, values, mask):
        step = super().find_min(values, mask)
        spoiled = (np.asarray(values) == 200).any(axis=1)
        return type(step)(np.where(spoiled, END, step.value), step.pointer, step.next_mask)


def test_evaluation_on_the_oracle_is_perfect_and_counts_a_wrong_engine():
    rng = np.random.default_rng(1)
    lists = list_test_suite(rng, 6, 4, 0).values
    for algorithm in ("selection_sort", "merge_sort"):
        assert evaluate_lists(OracleEngine(), algorithm, lists)["exact"] == 1.0
    lists[0, 2] = 200
    scores = evaluate_lists(_WrongOnLargeValues(), "selection_sort", lists)
    assert scores["exact"] == 0.75 and scores["per_number"] < 1.0
    graphs = graph_test_suite(rng, "barabasi_albert", 7, 3)
    for algorithm in ("dijkstra", "prim"):
        assert evaluate_graphs(OracleEngine(), algorithm, graphs.weights, graphs.sources)["exact"] == 1.0


def test_compositions_cover_each_suite_once_and_follow_the_subroutines_given():
    rows = evaluate_compositions(OracleEngine(), ("find_min", "add"), [6, 8], seed=3)
    assert [(r["algorithm"], r["family"], r["size"]) for r in rows] == [
        (algorithm, family, size) for size in (6, 8)
        for algorithm, families in (("selection_sort", ["lists"]), ("dijkstra", GRAPH_FAMILIES),
                                    ("prim", GRAPH_FAMILIES))
        for family in families]
    assert all(r["exact"] == 1.0 and r["per_number"] == 1.0 for r in rows)
    spoiled = evaluate_compositions(_WrongOnLargeValues(), ("find_min",), [40], seed=3)
    assert spoiled[0]["algorithm"] == "selection_sort" and spoiled[0]["exact"] < 1.0
    fewer = evaluate_compositions(OracleEngine(), ("find_min",), [6], seed=3, graphs=7)
    assert [r["instances"] for r in fewer] == [100] + [7] * len(GRAPH_FAMILIES)  # sort, then prim


def test_table_json_lines_are_the_table1_suites_as_the_cli_reads_them():
    assert table_json_lines("lists", 6, seed=3, count=5) == [("lists", table_lists(6, 3)[:5].tolist())]
    graphs = table_json_lines("graphs", 6, seed=3, count=2)
    assert [family for family, _ in graphs] == list(GRAPH_FAMILIES)
    for (_, lines), suite in zip(graphs, table_graphs(6, 3)):
        assert len(lines) == 2
        for line, weights, source in zip(lines, suite.weights, suite.sources):
            graph = graph_from_json(line)
            edges = weights <= 255
            assert graph.source == source and not graph.directed
            np.testing.assert_array_equal(graph.weights[0], np.where(edges, weights, WIDE.infinity))
    wide = np.array(table_json_lines("lists", 6, seed=3, bits=32, count=5)[0][1])
    assert wide.shape == (5, 6) and 255 < wide.max() < 2**32
    for (_, narrow), (_, widened) in zip(graphs, table_json_lines("graphs", 6, seed=3, bits=32, count=2)):
        for line, wide_line in zip(narrow, widened):  # the same edges, weights that keep distances in 32 bits
            assert [edge[:2] for edge in line["edges"]] == [edge[:2] for edge in wide_line["edges"]]
            assert max(edge[2] for edge in wide_line["edges"]) < 2**32 // 5
    with pytest.raises(ValueError, match="inputs"):
        table_json_lines("trees", 6)


def test_run_rows_falls_back_to_single_rows_and_marks_rejected_ones():
    def run(rows):
        if 1 in rows:
            raise ValueError("values: invalid")
        return np.stack([np.full(2, r) for r in rows])

    assert run_rows(run, 3, 2).tolist() == [[0, 0], [FAILED, FAILED], [2, 2]]


class _OffByOneOnSeven(OracleEngine):
    def add(self, a, b):
        return super().add(a, b) + (np.asarray(a) == 7)

    def mul(self, a, b):
        return super().mul(a, b) + (np.asarray(b) == 0)


def test_arithmetic_scores_split_seen_and_unseen_pairs():
    perfect = addition_scores(OracleEngine(), np.arange(256))
    assert perfect == {"all": 1.0, "unseen": None, "seen": 1.0, "infinity": 1.0, "seen_count": 256}
    scores = addition_scores(_OffByOneOnSeven(), np.arange(128))  # 7 is seen
    assert scores["all"] == pytest.approx(1 - 256 / 65536)
    assert scores["seen"] == pytest.approx(1 - 128 / 128**2)
    assert scores["unseen"] == pytest.approx(1 - 128 / (65536 - 128**2))
    assert scores["infinity"] == pytest.approx(1 - 1 / 513)  # 7 + INFINITY -> 512
    assert multiplication_scores(_OffByOneOnSeven()) == {"all": 1 - 64 / 4096, "pairs": 4096}
