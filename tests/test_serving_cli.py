"""The onnxruntime engine, the executor and ``l2e-compose`` on exact stand-in models (see
``onnx_models``): answers, output formats, --check, and one-line errors for bad input."""

import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading

import numpy as np
import pytest

import serving.cli
import serving.compose
import serving.parse
from onnx_models import write_exact_models, write_executor
from serving.algorithms.dijkstra import dijkstra
from serving.algorithms.merge_sort import merge_sort
from serving.algorithms.prim import prim
from serving.algorithms.selection_sort import selection_sort
from serving.cli import main
from serving.engine import Engine
from serving.numbers import INFINITY, WIDE
from serving.onnx_engine import OnnxEngine
from serving.onnx_model import providers, usable_cores
from serving.oracle import OracleEngine

GRAPH = {"nodes": 5, "edges": [[0, 1, 4], [1, 2, 5], [0, 2, 20], [2, 3, 1], [1, 3, 9]], "source": 0}


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    out = tmp_path_factory.mktemp("models")
    write_exact_models(str(out))
    write_executor(str(out), end_bias=100.0)
    return str(out)


@pytest.fixture(scope="module")
def engine(models):
    return OnnxEngine.load(models)


def _graphs(rng, batch, num_nodes):
    """Random undirected graphs int64 [batch, N, N]: weights 0..255 // N, about half the edges."""
    weights = rng.integers(0, 256 // num_nodes, (batch, num_nodes, num_nodes))
    weights = np.where(rng.random(weights.shape) < 0.5, weights, INFINITY)
    weights = np.minimum(weights, weights.transpose(0, 2, 1))
    weights[:, np.arange(num_nodes), np.arange(num_nodes)] = INFINITY
    return weights


def test_onnx_engine_implements_the_interface_and_runs_the_algorithms_batched(engine):
    assert isinstance(engine, Engine)
    oracle, rng = OracleEngine(), np.random.default_rng(0)
    lists = rng.integers(0, 256, (64, 25))
    np.testing.assert_array_equal(selection_sort(engine, lists), np.sort(lists, axis=1))
    np.testing.assert_array_equal(merge_sort(engine, lists[:, :11]), np.sort(lists[:, :11], axis=1))
    graphs, sources = _graphs(rng, 16, 12), rng.integers(0, 12, 16)
    np.testing.assert_array_equal(dijkstra(engine, graphs, sources), dijkstra(oracle, graphs, sources))
    np.testing.assert_array_equal(prim(engine, graphs).parent, prim(oracle, graphs).parent)
    a, b = rng.integers(0, 64, 100), rng.integers(0, 64, 100)
    np.testing.assert_array_equal(engine.mul(a, b), a * b)
    a[::7] = 511
    np.testing.assert_array_equal(engine.add(a, b * 4), oracle.add(a, b * 4))


def test_onnx_engine_checks_its_inputs_like_the_oracle(engine):
    with pytest.raises(ValueError, match="values must hold integers"):
        engine.find_min(np.array([[3, 600]]), np.zeros((1, 2), bool))
    with pytest.raises(ValueError, match="mask must leave at least one"):
        engine.find_min(np.array([[3, 4]]), np.ones((1, 2), bool))
    with pytest.raises(ValueError, match="a must hold integers"):
        engine.mul(np.array([64]), np.array([1]))


def test_cuda_is_used_when_onnxruntime_has_it(monkeypatch):
    monkeypatch.setattr("onnxruntime.get_available_providers",
                        lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    assert providers() == ["CUDAExecutionProvider", "CPUExecutionProvider"]
    monkeypatch.setattr("onnxruntime.get_available_providers", lambda: ["CPUExecutionProvider"])
    assert providers() == ["CPUExecutionProvider"]


def _run(capsys, *argv, stdin=None, monkeypatch=None):
    """(exit code, stdout, stderr) of ``main(argv)``, reading ``stdin`` if given."""
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    try:
        code = main(list(argv))
    except SystemExit as stop:  # argparse's own usage errors
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", ["sort", "merge-sort"])
def test_sorts(models, capsys, command):
    assert _run(capsys, command, "5", "3", "255", "0", "3", "--models", models) == (0, "0 3 3 5 255\n", "")
    code, out, _ = _run(capsys, command, "7", "--models", models, "--format", "json")
    assert code == 0 and json.loads(out) == {"output": [7]}


def test_shortest_path_and_mst_read_json_from_a_file_or_stdin(models, capsys, monkeypatch, tmp_path):
    path = tmp_path / "graph.json"
    path.write_text(json.dumps({**GRAPH, "source": 3}))
    code, out, _ = _run(capsys, "shortest-path", str(path), "--models", models, "--format", "json")
    assert code == 0 and json.loads(out) == {"distances": [10, 6, 1, 0, None]}
    code, out, _ = _run(capsys, "shortest-path", "--models", models, stdin=json.dumps(GRAPH), monkeypatch=monkeypatch)
    assert code == 0 and out == "0: 0\n1: 4\n2: 9\n3: 10\n4: unreachable\n"
    directed = {**GRAPH, "directed": True, "source": 2}
    code, out, _ = _run(capsys, "shortest-path", "-", "--models", models, "--format", "json",
                        stdin=json.dumps(directed), monkeypatch=monkeypatch)
    assert json.loads(out) == {"distances": [None, None, 0, 1, None]}
    code, out, _ = _run(capsys, "mst", str(path), "--models", models, "--format", "json")
    assert code == 0 and json.loads(out) == {"edges": [[0, 1, 4], [1, 2, 5], [2, 3, 1]], "weight": 10}
    code, out, _ = _run(capsys, "mst", str(path), "--models", models)
    assert out == "0 - 1: 4\n1 - 2: 5\n2 - 3: 1\nweight: 10\n"


def test_arithmetic(models, capsys):
    assert _run(capsys, "add", "255", "255", "--models", models) == (0, "510\n", "")
    code, out, _ = _run(capsys, "mul", "63", "62", "--models", models, "--format", "json")
    assert json.loads(out) == {"result": 3906}


def test_check_reports_agreement_and_disagreement(models, capsys, monkeypatch):
    code, out, _ = _run(capsys, "sort", "4", "2", "--models", models, "--check")
    assert code == 0 and out == "2 4\ncheck: agrees with the oracle\n"

    class WrongOracle(OracleEngine):
        def add(self, a, b):
            return super().add(a, b) + 1

    monkeypatch.setattr(serving.cli, "OracleEngine", WrongOracle)
    code, out, _ = _run(capsys, "add", "1", "2", "--models", models, "--check", "--format", "json")
    assert code == 1 and json.loads(out) == {"result": 3, "check": {"agree": False, "oracle": {"result": 4}}}


def test_execute_runs_the_executor(models, capsys, monkeypatch):
    """The test executor's end-of-output logit is raised so far that it answers at once."""
    code, out, _ = _run(capsys, "execute", "print((12+34))", "--models", models, "--format", "json")
    answer = json.loads(out)
    assert code == 0 and answer["output"] == "" and set(answer) == {"output", "confidence"}
    assert 0.99 < answer["confidence"] <= 1.0  # the end mark's logit is 100 above the others
    code, out, _ = _run(capsys, "execute", "-", "--models", models, stdin="a=3\nprint(a)\n", monkeypatch=monkeypatch)
    assert code == 0 and out.startswith("\nconfidence: 100.0%")


def test_execute_check_gives_the_interpreters_answer_and_exit_code_1_when_wrong(models, capsys):
    code, out, _ = _run(capsys, "execute", "b=4#print((b*3))", "--models", models, "--check", "--format", "json")
    assert code == 1 and json.loads(out) == {"output": "", "confidence": json.loads(out)["confidence"],
                                             "expected": "12", "agrees": False}
    code, out, _ = _run(capsys, "execute", "b=4#print((b*3))", "--models", models, "--check")
    assert code == 1 and "check: WRONG, the program prints 12" in out


def test_execute_batch_reads_json_lines_and_answers_each(models, capsys, monkeypatch):
    lines = '"print((5+3))"\n\n"c=7#for x in range(3):c-=2#print(c)"\n'
    code, out, err = _run(capsys, "execute", "--batch", "-", "--models", models, "--check", stdin=lines,
                          monkeypatch=monkeypatch)
    answers = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and [a["expected"] for a in answers] == ["8", "1"]
    assert "check: 0 of 2 answers agree with the interpreter" in err
    _assert_one_line_error(*_run(capsys, "execute", "--batch", "-", "--models", models, stdin='"print(1)"\n[3]\n',
                                 monkeypatch=monkeypatch), "batch line 2: expected a JSON string")
    _assert_one_line_error(*_run(capsys, "execute", "--batch", "-", "--models", models,
                                 stdin='"print(1)"\n"print(g)"\n', monkeypatch=monkeypatch),
                           "batch line 2: program: undefined variable 'g'")


BAD_INPUT = [
    (["sort", "1", "x"], "values must be an integer, got 'x'"),
    (["sort", "1", "2.5"], "values must be an integer"),
    (["sort", "4294967296"], "values must be between 0 and 4294967295 (2^32 - 1), got 4294967296"),
    (["sort", "3", "-1"], "values must be between 0 and 4294967295 (2^32 - 1), got -1"),
    (["sort"], "values: give at least one number"),
    (["merge-sort", ""], "values must be an integer"),
    (["add", "1", "4294967296"], "b must be between 0 and 4294967295"),
    (["mul", "4294967296", "1"], "a must be between 0 and 4294967295"),
    (["mul", "1"], "give the operands A and B"),
    (["execute", "print(x!)"], "program: characters outside the vocabulary: '!'"),
    (["execute", "PRINT(1)"], "characters outside the vocabulary: 'INPRT'"),
    (["execute", "print(1)@"], "'@' marks the end of the input"),
    (["execute", "  "], "program: empty"),
    (["execute", "print((a+3))"], "program: undefined variable 'a'"),
    (["execute", "a=1"], "program: must end with exactly one print(...), found 0"),
    (["execute", "print(1)#print(2)"], "found 2"),
    (["execute", "print(((1+2)"], "program: unbalanced parentheses"),
    (["execute", "a=1#if (a<3):a+=1#print(a)"], "is not a statement of the language"),
    (["execute", "print((1000+2))"], "the number 1000 is larger than this executor was trained on"),
    (["execute", "a=1#for x in range(9):a+=2#print(a)"], "the multiplier or loop bound 9 is larger"),
    (["execute"], "give the PROGRAM (or --batch FILE)"),
    (["sort", "1", "--format", "xml"], "invalid choice: 'xml'"),
    (["divide", "1", "2"], "invalid choice: 'divide'"),
]

BAD_GRAPHS = [
    ("", "graph: empty input"),
    ("{\"nodes\": 3, ", "graph: malformed JSON"),
    ("[1, 2]", "graph: expected a JSON object"),
    ('{"nodes": 3, "edges": [[0, 3, 1]]}', "node 3 does not exist (nodes are 0..2)"),
    ('{"nodes": 3, "edges": [[0, 1, -4]]}', "negative weight -4"),
    ('{"nodes": 3, "edges": [[0, 1, 4294967296]]}', "weight 4294967296 is above 4294967295 (2^32 - 1)"),
    ('{"nodes": 3, "edges": [[0, 1]]}', "must be three integers [u, v, w]"),
    ('{"nodes": 3, "edges": [[0, 1, 2.5]]}', "must be three integers"),
    ('{"nodes": 0, "edges": []}', "nodes must be an integer between 1 and 1000, got 0"),
    ('{"nodes": "3", "edges": []}', "nodes must be an integer"),
    ('{"nodes": 3, "edges": {}}', "edges must be a list"),
    ('{"nodes": 3, "edges": [], "source": 3}', "source must be a node, 0..2, got 3"),
    ('{"nodes": 3, "edges": [], "sources": 1}', "unknown key 'sources'"),
    ('{"nodes": 3, "edges": [], "directed": 1}', "directed must be true or false"),
]

LONG_PATHS = [  # (graph, its distances, the spanning tree's weight)
    # issue 16: the sum 300 is compared with 220, byte by byte, and every distance fits
    ('{"nodes": 3, "edges": [[0, 1, 200], [0, 2, 220], [1, 2, 100]]}', [0, 200, 220], 300),
    ('{"nodes": 3, "edges": [[0, 1, 200], [1, 2, 100]]}', [0, 200, 300], 300),
    ('{"nodes": 3, "edges": [[0, 1, 250], [1, 2, 100], [0, 2, 240]]}', [0, 250, 240], 340),
]


def _assert_one_line_error(code, out, err, expected):
    assert code == 2 and out == ""
    # usage errors name the subcommand too ("l2e-compose add: error: ...")
    assert re.match(r"l2e-compose( [a-z-]+)?: error: ", err) and err.count("\n") == 1 and expected in err, err


@pytest.mark.parametrize("argv, expected", BAD_INPUT)
def test_bad_input_is_a_one_line_error(models, capsys, argv, expected):
    _assert_one_line_error(*_run(capsys, *argv, "--models", models), expected)


@pytest.mark.parametrize("text, expected", BAD_GRAPHS)
@pytest.mark.parametrize("command", ["shortest-path", "mst"])
def test_bad_graphs_are_one_line_errors(models, capsys, monkeypatch, command, text, expected):
    _assert_one_line_error(*_run(capsys, command, "--models", models, stdin=text, monkeypatch=monkeypatch), expected)


@pytest.mark.parametrize("text, distances, tree_weight", LONG_PATHS)
def test_sums_above_255_are_compared_byte_by_byte_and_exact(models, capsys, monkeypatch, text, distances,
                                                           tree_weight):
    code, out, _ = _run(capsys, "shortest-path", "--models", models, "--format", "json", stdin=text,
                        monkeypatch=monkeypatch)
    assert code == 0 and json.loads(out) == {"distances": distances}
    code, out, _ = _run(capsys, "mst", "--models", models, stdin=text, monkeypatch=monkeypatch)
    assert code == 0 and out.endswith(f"weight: {tree_weight}\n")


def test_a_sum_that_leaves_the_numbers_is_a_one_line_error(models, capsys, monkeypatch):
    text = '{"nodes": 4, "edges": [[0, 1, 4294967295], [1, 2, 4294967295], [2, 3, 1]]}'
    _assert_one_line_error(*_run(capsys, "shortest-path", "--models", models, stdin=text, monkeypatch=monkeypatch),
                           "shortest-path: the sum 8589934591 leaves the range of 32-bit numbers")


TOP = 2**32 - 1


@pytest.mark.parametrize("command", ["sort", "merge-sort"])
def test_sorts_of_16_and_32_bit_numbers_are_exact(models, capsys, monkeypatch, command):
    rng = np.random.default_rng(8)
    lists = [rng.integers(0, 2**bits, size).tolist() for bits in (16, 32) for size in (1, 7, 30)]
    lists.append([TOP, 0, TOP, 256, 255, 65536, 65535])
    code, out, err = _run(capsys, command, "--batch", "-", "--models", models, "--check",
                          stdin="".join(json.dumps(values) + "\n" for values in lists), monkeypatch=monkeypatch)
    assert code == 0 and err == f"check: {len(lists)} of {len(lists)} instances agree with the oracle\n"
    assert [json.loads(line)["output"] for line in out.splitlines()] == [sorted(values) for values in lists]


def test_wide_add_and_the_full_product(models, capsys, monkeypatch):
    pairs = [[TOP, TOP], [255, 1], [65535, 1], [0, 0], [TOP, 0], [63, 64], [4096, 4096], [0xDEADBEEF, 0xCAFEBABE]]
    for command, operation in (("add", lambda a, b: a + b), ("mul", lambda a, b: a * b)):
        code, out, _ = _run(capsys, command, "--batch", "-", "--models", models,
                            stdin="".join(json.dumps(pair) + "\n" for pair in pairs), monkeypatch=monkeypatch)
        assert code == 0 and [json.loads(line)["result"] for line in out.splitlines()] == [
            operation(a, b) for a, b in pairs]
    assert _run(capsys, "mul", str(TOP), str(TOP), "--models", models) == (0, f"{TOP * TOP}\n", "")


def test_long_paths_and_wide_weights_give_exact_distances(models, capsys, monkeypatch):
    """Issue 17: a 300-node path of weight 5, Les Miserables with weights up to 255 (distances up
    to about 500), and a graph of 32-bit weights; each was refused before."""
    import networkx as nx

    rng = np.random.default_rng(9)
    path = nx.path_graph(300)
    nx.set_edge_attributes(path, 5, "weight")
    miserables = nx.convert_node_labels_to_integers(nx.les_miserables_graph())
    wide = nx.connected_watts_strogatz_graph(30, 4, 0.3, seed=1)
    for graph, largest in ((miserables, 255), (wide, TOP // 40)):
        for u, v in graph.edges:
            graph.edges[u, v]["weight"] = int(rng.integers(0, largest + 1))
    for graph in (path, miserables, wide):
        text = json.dumps({"nodes": len(graph), "edges": [[u, v, w] for u, v, w in graph.edges(data="weight")]})
        code, out, _ = _run(capsys, "shortest-path", "--models", models, "--format", "json", stdin=text,
                            monkeypatch=monkeypatch)
        expected = nx.single_source_dijkstra_path_length(graph, 0)
        assert code == 0 and json.loads(out)["distances"] == [expected[node] for node in range(len(graph))]
        code, out, _ = _run(capsys, "mst", "--models", models, "--format", "json", stdin=text, monkeypatch=monkeypatch)
        assert json.loads(out)["weight"] == nx.minimum_spanning_tree(graph).size(weight="weight")


def test_graph_problems_outside_the_json(models, capsys, monkeypatch, tmp_path):
    _assert_one_line_error(*_run(capsys, "mst", str(tmp_path / "none.json"), "--models", models),
                           "graph: cannot read")
    directed = json.dumps({**GRAPH, "directed": True})
    _assert_one_line_error(*_run(capsys, "mst", "--models", models, stdin=directed, monkeypatch=monkeypatch),
                           "needs an undirected graph")


def test_missing_corrupt_and_mismatched_models_are_one_line_errors(models, capsys, tmp_path, monkeypatch):
    _assert_one_line_error(*_run(capsys, "sort", "1", "--models", str(tmp_path / "nowhere")),
                           "is not a directory")
    _assert_one_line_error(*_run(capsys, "sort", "1", "--models", str(tmp_path)),
                           f"no find_min model in {tmp_path}")
    _assert_one_line_error(*_run(capsys, "execute", "print(1)", "--models", str(tmp_path)),
                           "no lte-programs model")

    (tmp_path / "find_min.onnx").write_bytes(b"\x08\x07garbage")  # the flat layout
    _assert_one_line_error(*_run(capsys, "sort", "1", "--models", str(tmp_path)), "cannot be loaded")

    shutil.copytree(os.path.join(models, "add"), tmp_path / "merge_step")
    _assert_one_line_error(*_run(capsys, "merge-sort", "1", "--models", str(tmp_path)),
                           "has subroutine 'add', expected 'merge_step'")

    monkeypatch.setattr(serving.cli, "SHIPPED_MODELS", str(tmp_path / "shipped"))
    _assert_one_line_error(*_run(capsys, "sort", "1"), "no models are shipped yet")


def test_the_module_entry_point_prints_help_and_one_line_errors():
    help_run = subprocess.run([sys.executable, "-m", "serving", "--help"], capture_output=True, text=True)
    assert help_run.returncode == 0
    for command in ("sort", "merge-sort", "shortest-path", "mst", "add", "mul", "execute"):
        assert command in help_run.stdout
    bad = subprocess.run([sys.executable, "-m", "serving", "shortest-path"], input="{oops",
                         capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("l2e-compose: error: graph: malformed JSON") and bad.stderr.count("\n") == 1


# --- --batch -----------------------------------------------------------------------------------

BATCH_LISTS = [[5, 3, 255], [9], [200, 7, 7, 1], [0, 255, 128], [4, 4]]


@pytest.mark.parametrize("command", ["sort", "merge-sort"])
def test_batch_answers_every_line_in_order_as_one_instance_would(models, capsys, monkeypatch, command):
    lines = "\n".join(json.dumps(values) for values in BATCH_LISTS) + "\n\n"
    code, out, err = _run(capsys, command, "--batch", "-", "--models", models, "--check",
                          stdin=lines, monkeypatch=monkeypatch)
    answers = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and err == "check: 5 of 5 instances agree with the oracle\n"
    assert [a["output"] for a in answers] == [sorted(values) for values in BATCH_LISTS]
    assert all(a["check"]["agree"] for a in answers)


def test_batch_of_graphs_and_operands(models, capsys, monkeypatch, tmp_path):
    graphs = [GRAPH, {**GRAPH, "source": 3}, {"nodes": 2, "edges": [[0, 1, 7]]}]
    path = tmp_path / "graphs.jsonl"
    path.write_text("".join(json.dumps(graph) + "\n" for graph in graphs))
    for command in ("shortest-path", "mst"):
        code, out, _ = _run(capsys, command, "--batch", str(path), "--models", models)
        singles = []
        for graph in graphs:
            _, single, _ = _run(capsys, command, "--models", models, "--format", "json",
                                stdin=json.dumps(graph), monkeypatch=monkeypatch)
            singles.append(json.loads(single))
        assert code == 0 and [json.loads(line) for line in out.splitlines()] == singles
    code, out, _ = _run(capsys, "mul", "--batch", "-", "--models", models, stdin="[63, 62]\n[0, 5]\n",
                        monkeypatch=monkeypatch)
    assert code == 0 and out == '{"result": 3906}\n{"result": 0}\n'


def test_batch_check_counts_disagreements_and_exits_1(models, capsys, monkeypatch):
    class WrongOracle(OracleEngine):
        def add(self, a, b):
            return np.where(a == 1, super().add(a, b) + 1, super().add(a, b))

    monkeypatch.setattr(serving.cli, "OracleEngine", WrongOracle)
    code, out, err = _run(capsys, "add", "--batch", "-", "--models", models, "--check",
                          stdin="[1, 2]\n[3, 4]\n[1, 1]\n", monkeypatch=monkeypatch)
    assert code == 1 and err == "check: 1 of 3 instances agree with the oracle\n"
    assert [json.loads(line)["check"]["agree"] for line in out.splitlines()] == [False, True, False]


class CountingOracle(OracleEngine):
    def __init__(self):
        self.calls = 0

    def find_min(self, values, mask):
        self.calls += 1
        return super().find_min(values, mask)


def _find_min_calls(lists) -> int:
    engine = CountingOracle()
    assert serving.compose.sorted_values(engine, [np.array(v) for v in lists]) == [
        {"output": sorted(v)} for v in lists]
    return engine.calls


def test_batch_runs_same_size_instances_together_in_chunks(monkeypatch):
    rng = np.random.default_rng(3)
    fives, fours = rng.integers(0, 256, (10, 5)).tolist(), rng.integers(0, 256, (3, 4)).tolist()
    one_five, one_four = _find_min_calls(fives[:1]), _find_min_calls(fours[:1])
    mixed = [fives[0], *fours[:2], *fives[1:], fours[2]]
    assert _find_min_calls(mixed) == one_five + one_four
    monkeypatch.setattr(serving.compose, "MAX_BATCH", 4)
    assert _find_min_calls(fives) == 3 * one_five


def test_shards_only_for_engines_that_run_calls_side_by_side_and_batches_large_enough():
    assert serving.compose.shard_count(2, 64, 100) == 2
    assert serving.compose.shard_count(16, 64, 100) == 6400 // serving.compose.MIN_SHARD_POSITIONS
    assert serving.compose.shard_count(2, 64, 25) == 1  # 1,600 positions: slower in two shards
    assert serving.compose.shard_count(1, 64, 100) == 1
    assert serving.compose.shard_count(4, 1, 100) == 1
    assert serving.compose.concurrent_calls_of(OracleEngine()) == 1


@pytest.mark.parametrize("items", [list(range(10)), np.arange(10)])
def test_in_shards_solves_consecutive_parts_in_threads_and_keeps_the_order(items):
    parts, threads = [], set()

    def solve(part):
        parts.append(list(part))
        threads.add(threading.get_ident())
        return [2 * item for item in part]

    assert list(serving.compose.in_shards(solve, items, 3)) == [2 * i for i in range(10)]
    assert sorted(parts) == [[0, 1, 2], [3, 4, 5], [6, 7, 8, 9]]
    assert threading.get_ident() not in threads
    parts.clear()
    assert serving.compose.in_shards(solve, items[:2], 5) == [0, 2]
    assert sorted(parts) == [[0], [1]]


def test_onnx_engine_on_the_cpu_runs_one_thread_per_call_and_a_call_per_core(models, monkeypatch):
    engine = OnnxEngine.load(models)
    assert engine.concurrent_calls == usable_cores()
    for model in engine.models.values():
        assert model.session.get_session_options().intra_op_num_threads == 1
    monkeypatch.setattr("serving.onnx_engine.providers", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    engine = OnnxEngine.load(models)  # the GPU takes whole batches, with onnxruntime's default threads
    assert engine.concurrent_calls == 1
    for model in engine.models.values():
        assert model.session.get_session_options().intra_op_num_threads == 0


def test_a_large_batch_runs_in_shards_with_the_answers_of_one(models, monkeypatch):
    engine = OnnxEngine.load(models, ("find_min", "add"))
    engine.concurrent_calls = 2
    shard_counts = []
    in_shards = serving.compose.in_shards

    def counting(solve, items, shards):
        shard_counts.append(shards)
        return in_shards(solve, items, shards)

    monkeypatch.setattr(serving.compose, "in_shards", counting)
    rng = np.random.default_rng(4)
    wide = _graphs(rng, 70, 70)
    wide[wide == INFINITY] = WIDE.infinity  # the CLI's graphs count in 32 bits
    graphs = [serving.parse.Graph(weights[None], source=int(source), directed=False)
              for weights, source in zip(wide, rng.integers(0, 70, 70))]
    answers = serving.compose.shortest_paths(engine, graphs)
    assert shard_counts == [2, 1]  # 64 graphs of 70 nodes (4,480 positions), then the other 6
    assert answers == serving.compose.shortest_paths(OracleEngine(), graphs)


BAD_BATCHES = [
    (["sort"], "[1, 2]\n[1, x]\n", "batch line 2: malformed JSON"),
    (["sort"], "[1, 2]\n\n{\"a\": 1}\n", "batch line 3: values: expected a JSON list"),
    (["sort"], "[]\n", "batch line 1: values: expected a JSON list of at least one integer"),
    (["merge-sort"], "[1, 4294967296]\n", "batch line 1: values must be between 0 and 4294967295 (2^32 - 1), got 4294967296"),
    (["sort"], "[1, 2.5]\n", "batch line 1: values must be an integer, got 2.5"),
    (["sort"], "\n  \n", "batch: - holds no instances"),
    (["sort", "3"], "[1]\n", "--batch reads the instances from -; give no VALUES as well"),
    (["sort", "--format", "text"], "[1]\n", "--batch answers in JSON lines"),
    (["add"], "[1, 2, 3]\n", "batch line 1: operands: expected [A, B]"),
    (["mul"], "[1, -1]\n", "batch line 1: b must be between 0 and 4294967295 (2^32 - 1), got -1"),
    (["shortest-path"], '{"nodes": 2, "edges": [[0, 2, 1]]}\n', "batch line 1: graph: edge 0 [0, 2, 1]: node 2"),
    (["mst"], '{"nodes": 2, "edges": [], "directed": true}\n', "batch line 1: graph: a minimum spanning tree needs"),
]


@pytest.mark.parametrize("argv, stdin, expected", BAD_BATCHES)
def test_bad_batch_lines_are_one_line_errors_naming_the_line(models, capsys, monkeypatch, argv, stdin, expected):
    _assert_one_line_error(*_run(capsys, *argv, "--batch", "-", "--models", models, stdin=stdin,
                                 monkeypatch=monkeypatch), expected)


def test_batch_file_that_cannot_be_read_is_a_one_line_error(models, capsys, tmp_path):
    _assert_one_line_error(*_run(capsys, "sort", "--batch", str(tmp_path / "missing.jsonl"), "--models", models),
                           "batch: cannot read")


def test_mst_check_accepts_any_minimum_spanning_forest():
    from serving.parse import graph_from_json

    triangle = graph_from_json({"nodes": 4, "edges": [[0, 1, 1], [1, 2, 1], [0, 2, 1]]})  # node 3 alone
    oracle = {"edges": [[0, 1, 1], [1, 2, 1]], "weight": 2}
    agrees = serving.compose.is_minimum_spanning_forest
    assert agrees(triangle, {"edges": [[0, 1, 1], [0, 2, 1]], "weight": 2}, oracle)
    assert not agrees(triangle, {"edges": [[0, 1, 1], [1, 0, 1]], "weight": 2}, oracle)  # a cycle
    assert not agrees(triangle, {"edges": [[0, 1, 1]], "weight": 1}, oracle)  # spans too little
    assert not agrees(triangle, {"edges": [[0, 1, 1], [2, 3, 1]], "weight": 2}, oracle)  # no edge 2-3
    assert not agrees(triangle, {"edges": [[0, 1, 1], [1, 2, 1]], "weight": 3}, oracle)  # wrong weight
