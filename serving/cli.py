"""``l2e-compose`` (``python -m serving``): algorithms composed from exported neural subroutines.

    l2e-compose sort 5 3 9 1 --models models
    l2e-compose merge-sort 5 3 9 1 --format json --check
    echo '{"nodes": 3, "edges": [[0, 1, 4], [1, 2, 5]], "source": 0}' | l2e-compose shortest-path
    l2e-compose mst graph.json
    l2e-compose add 100 55
    printf '[5, 3, 9]\n[7, 1]\n' | l2e-compose sort --batch - --check
    l2e-compose execute 'print(12+34)' --executor lte-addition
    l2e-compose sort 5 3 9 1 --engine tfserving --url http://localhost:8501

Only numpy and onnxruntime run here (no TensorFlow); ``--engine tfserving`` sends the same
model calls to a TF Serving model server instead (``serving.tfserving``). Errors are one line on
stderr with exit code 2; ``--check`` exits 1 when the models and the exact oracle disagree.
"""

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass

from serving import compose, execute_command
from serving.commandline import ArgumentParser, run_main
from serving.executor import Executor
from serving.model import ModelError
from serving.numbers import RangeError
from serving.onnx_engine import OnnxEngine
from serving.onnx_model import SHIPPED_MODELS, model_names
from serving.oracle import OracleEngine
from serving.parse import (Graph, graph_from_json, parse_graph, parse_int, parse_int_pair, parse_value_list,
                           parse_values, read_text)
from serving.tfserving import DEFAULT_URL, TFServingClient, TFServingEngine

PROG = "l2e-compose"
EXIT_DISAGREE = 1

GRAPH_HELP = ('JSON file of the graph, "-" (the default) for stdin: {"nodes": N, "edges": [[u, v, w], ...], '
              '"source": 0}; nodes 0..N-1, weights 0..4294967295 (2^32 - 1), undirected unless "directed": true '
              "(shortest-path, bellman-ford and floyd-warshall)")


@dataclass(frozen=True)
class Composition:
    """A command that runs an algorithm on NEE subroutine models.

    Attributes:
        subroutines: the models it needs.
        read: parsed arguments -> one instance.
        read_line: one ``--batch`` line's JSON value -> one instance.
        compute: (engine, instances) -> their JSON-able answers, in order.
        help: one line for ``--help``.
        line_help: what a ``--batch`` line holds.
        agrees: (instance, answer, oracle's answer) -> whether ``--check`` counts the answer as
            right (default: equal to the oracle's).
    """

    subroutines: tuple[str, ...]
    read: Callable[[argparse.Namespace], object]
    read_line: Callable[[object], object]
    compute: Callable[[object, list], list[dict]]
    help: str
    line_help: str
    agrees: Callable[[object, dict, dict], bool] = lambda instance, answer, oracle: answer == oracle


def _values(args):
    return parse_values(args.values)


def _graph(args) -> Graph:
    return parse_graph(read_text(args.graph or "-"))


def _checked(check: Callable[[Graph], None], read: Callable[..., Graph]) -> Callable[..., Graph]:
    def read_checked(source) -> Graph:
        graph = read(source)
        check(graph)
        return graph

    return read_checked


def _operands(args) -> tuple[int, int]:
    if args.a is None or args.b is None:
        raise ValueError("give the operands A and B (or --batch FILE)")
    return parse_int(args.a, "a"), parse_int(args.b, "b")


_LIST_LINE = "a JSON list of integers 0..4294967295 (2^32 - 1)"
_GRAPH_LINE = "a graph as one JSON object (see GRAPH)"

COMPOSITIONS = {
    "sort": Composition(("find_min",), _values, parse_value_list, compose.sorted_values,
                        "selection sort of integers below 2^32 (find_min model, byte by byte above 255)",
                        _LIST_LINE),
    "merge-sort": Composition(("merge_step",), _values, parse_value_list, compose.merge_sorted_values,
                              "merge sort of integers below 2^32 (merge_step model, byte by byte above 255)",
                              _LIST_LINE),
    "shortest-path": Composition(("find_min", "add"), _graph, graph_from_json, compose.shortest_paths,
                                 "Dijkstra's distances from the source (find_min and add models)", _GRAPH_LINE),
    "mst": Composition(("find_min",), _checked(compose.check_undirected, _graph),
                       _checked(compose.check_undirected, graph_from_json), compose.spanning_tree,
                       "Prim's minimum spanning tree, a forest if disconnected (find_min model)", _GRAPH_LINE,
                       compose.is_minimum_spanning_forest),
    "bellman-ford": Composition(("find_min", "add"), _graph, graph_from_json, compose.bellman_ford_distances,
                                "Bellman-Ford's distances from the source, by rounds of edge relaxation (find_min "
                                "and add models)", _GRAPH_LINE),
    "floyd-warshall": Composition(("find_min", "add"), _graph, graph_from_json, compose.all_pairs_distances,
                                  "Floyd-Warshall's distances between every pair of nodes (find_min and add models)",
                                  _GRAPH_LINE),
    "kruskal": Composition(("merge_step",), _checked(compose.check_undirected, _graph),
                           _checked(compose.check_undirected, graph_from_json), compose.kruskal_forest,
                           "Kruskal's minimum spanning tree, a forest if disconnected: the edges merge-sorted by "
                           "weight (merge_step model), the trees kept by union-find", _GRAPH_LINE,
                           compose.is_minimum_spanning_forest),
    "add": Composition(("add",), _operands, parse_int_pair, compose.sums,
                       "A + B for A, B below 2^32 (add model, byte by byte with carries above 255)", "[A, B]"),
    "mul": Composition(("mul", "add"), _operands, parse_int_pair, compose.products,
                       "A * B, the full product, for A, B below 2^32 (mul model on 6-bit digits and add model: "
                       "schoolbook above 63)", "[A, B]"),
}


def read_batch(path: str, read_line: Callable[[object], object]) -> list:
    """The instances of a ``--batch`` file (``-``: stdin), one JSON value per non-blank line;
    ValueError naming the line of the first bad one."""
    instances = []
    for number, line in enumerate(read_text(path, "batch").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            instances.append(read_line(json.loads(line)))
        except json.JSONDecodeError as error:
            raise ValueError(f"batch line {number}: malformed JSON: {error}") from None
        except ValueError as error:
            raise ValueError(f"batch line {number}: {error}") from None
    if not instances:
        raise ValueError(f"batch: {path} holds no instances (one JSON value per line)")
    return instances


def build_parser() -> ArgumentParser:
    common = ArgumentParser(add_help=False)
    common.add_argument("--models", metavar="DIR",
                        help="models directory, as written by l2e-export (DIR/NAME/VERSION/model.onnx, newest "
                        "version) or flat (DIR/NAME.onnx); NEE models are named by subroutine: find_min, "
                        "merge_step, add, mul (default: the models shipped in serving/models/)")
    common.add_argument("--engine", choices=("onnxruntime", "tfserving"), default="onnxruntime",
                        help="what runs the models: onnxruntime on the --models directory (default), or the "
                        "TF Serving model server at --url, which holds them under the same names (the latest "
                        "version answers; one request per model call, the whole batch in it)")
    common.add_argument("--url", metavar="URL",
                        help=f"the model server of --engine tfserving: http://HOST:8501 (REST) or grpc://HOST:8500 "
                        f"(gRPC; needs the tensorflow-serving-api package) (default {DEFAULT_URL})")
    common.add_argument("--format", choices=("text", "json"),
                        help='text (the default for one instance) or one JSON object: {"output": [...]} for sorts, '
                        '{"distances": [...]} (null = unreachable) for shortest-path and bellman-ford, {"edges": [[u, v, w], ...], '
                        '"weight": W} for mst and kruskal, {"distances": [[...], ...]} for floyd-warshall, {"result": N} for add and mul, {"output": "...", "confidence": P} for execute')
    checked = ArgumentParser(add_help=False)
    checked.add_argument("--check", action="store_true",
                         help="also run the exact oracle engine and report whether it agrees (exit code 1 if not; "
                         "with --batch, a count of agreeing instances on stderr); for mst any minimum spanning "
                         "forest agrees, as equal weights can give several")
    checked.add_argument("--batch", metavar="FILE",
                         help='answer many instances: one per line of FILE ("-" for stdin), as JSON (see LINES '
                         "below); one JSON answer per line comes out, in order. Instances of the same size run "
                         "together, many per model call, which is much faster than one command per instance")

    parser = ArgumentParser(
        prog=PROG,
        description="Run algorithms composed from neural subroutines (Neural Execution Engines) and programs "
        "through a Learning-to-Execute LSTM, on onnxruntime (CUDA when available, else the CPU) or against a TF "
        "Serving model server (--engine tfserving --url URL).",
        epilog="Errors (bad input, missing or corrupt models) are one line on stderr with exit code 2. "
        "See `%(prog)s COMMAND --help`.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    subcommands = {}
    for name, composition in COMPOSITIONS.items():
        subcommands[name] = commands.add_parser(
            name, parents=[common, checked], help=composition.help, description=composition.help,
            epilog=f"LINES of --batch: each {composition.line_help}.")
    for name in ("sort", "merge-sort"):
        subcommands[name].add_argument("values", nargs="*", metavar="VALUES", help="the integers to sort, each 0..4294967295 (2^32 - 1)")
    for name in ("shortest-path", "mst", "bellman-ford", "floyd-warshall", "kruskal"):
        subcommands[name].add_argument("graph", nargs="?", metavar="GRAPH", help=GRAPH_HELP)
    for name in ("add", "mul"):
        subcommands[name].add_argument("a", nargs="?", metavar="A", help="first operand, 0..4294967295 (2^32 - 1)")
        subcommands[name].add_argument("b", nargs="?", metavar="B", help="second operand, 0..4294967295 (2^32 - 1)")
    execute_command.add_parser(commands, [common, checked])
    return parser


def models_dir(args) -> str:
    """The models directory to use; ValueError if it is the shipped one and it is empty."""
    if args.models is not None:
        return args.models
    try:
        shipped = model_names(SHIPPED_MODELS)
    except FileNotFoundError:
        shipped = []
    if not shipped:
        raise ValueError("models: no models are shipped yet; export trained runs with `l2e-export RUN_DIR "
                         "--out DIR` and pass --models DIR")
    return SHIPPED_MODELS


def _served(args) -> TFServingClient | None:
    """The model server client of ``--engine tfserving`` (None for onnxruntime); ValueError for
    flags of the other engine."""
    if args.engine == "onnxruntime":
        if args.url is not None:
            raise ValueError("--url is for --engine tfserving (onnxruntime reads --models)")
        return None
    if args.models is not None:
        raise ValueError("--models is for --engine onnxruntime (the model server reads its own models.config)")
    return TFServingClient(args.url or DEFAULT_URL)


def render(command: str, answer: dict) -> str:
    """The text form of a command's JSON answer."""
    if command in ("sort", "merge-sort"):
        return " ".join(map(str, answer["output"]))
    if command in ("shortest-path", "bellman-ford"):
        return "\n".join(f"{node}: {'unreachable' if d is None else d}" for node, d in enumerate(answer["distances"]))
    if command == "floyd-warshall":  # one row per node, "-" = unreachable
        return "\n".join(f"{node}: " + " ".join("-" if d is None else str(d) for d in row)
                         for node, row in enumerate(answer["distances"]))
    if command in ("mst", "kruskal"):
        return "\n".join([f"{u} - {v}: {w}" for u, v, w in answer["edges"]] + [f"weight: {answer['weight']}"])
    return str(answer["result"])


def _instances(args, composition: Composition) -> list:
    """The instances of the command line: one from its arguments, or those of ``--batch``."""
    if args.batch is None:
        return [composition.read(args)]
    given = next((name for name in ("values", "graph", "a", "b") if getattr(args, name, None)), None)
    if given is not None:
        raise ValueError(f"--batch reads the instances from {args.batch}; give no {given.upper()} as well")
    if args.format == "text":
        raise ValueError("--batch answers in JSON lines; --format text is for one instance")
    return read_batch(args.batch, composition.read_line)


def _programs(args) -> list[str]:
    """The programs of ``execute``: its PROGRAM argument (``-``: stdin), or the ``--batch`` lines."""
    if args.batch is None:
        if args.program is None:
            raise ValueError("give the PROGRAM (or --batch FILE)")
        return [sys.stdin.read() if args.program == "-" else args.program]
    if args.program is not None:
        raise ValueError(f"--batch reads the programs from {args.batch}; give no PROGRAM as well")
    if args.format == "text":
        raise ValueError("--batch answers in JSON lines; --format text is for one instance")
    return read_batch(args.batch, execute_command.read_program_line)


def run(args) -> tuple[list[dict], int]:
    """(JSON answers, one per instance, and the exit code) of the parsed command line."""
    server = _served(args)
    if args.command == "execute":
        programs = _programs(args)
        executor = (Executor(server.open_model(args.executor, "lte")) if server else
                    Executor.load(models_dir(args), args.executor))
        return execute_command.run(args, executor, programs)
    composition = COMPOSITIONS[args.command]
    instances = _instances(args, composition)
    engine = (TFServingEngine.open(server.open_model, composition.subroutines) if server else
              OnnxEngine.load(models_dir(args), composition.subroutines))
    try:
        answers = composition.compute(engine, instances)
    except ModelError:
        raise
    except RangeError as error:
        raise ValueError(f"{args.command}: {error}") from None
    except ValueError as error:  # the input was checked: a model's output broke the next call
        raise ValueError(f"{args.command}: a model's output is not a valid input of the next call: {error}") from None
    if not args.check:
        return answers, 0
    oracles = composition.compute(OracleEngine(), instances)
    agree = [composition.agrees(instance, answer, oracle)
             for instance, answer, oracle in zip(instances, answers, oracles)]
    checked = [{**answer, "check": {"agree": same, "oracle": oracle}}
               for answer, oracle, same in zip(answers, oracles, agree)]
    return checked, 0 if all(agree) else EXIT_DISAGREE


def _print(args, answers: list[dict]) -> None:
    if args.command == "execute":
        execute_command.print_answers(args, answers)
        return
    if getattr(args, "batch", None) is not None:
        for answer in answers:
            print(json.dumps(answer))
        if args.check:
            agreeing = sum(answer["check"]["agree"] for answer in answers)
            print(f"check: {agreeing} of {len(answers)} instances agree with the oracle", file=sys.stderr)
        return
    answer = answers[0]
    if args.format == "json":
        print(json.dumps(answer))
        return
    print(render(args.command, answer))
    if "check" in answer:
        check = answer["check"]
        print("check: agrees with the oracle" if check["agree"] else
              f"check: DISAGREES with the oracle, which gives:\n{render(args.command, check['oracle'])}")


def _compose(argv) -> int:
    args = build_parser().parse_args(argv)
    answers, code = run(args)
    _print(args, answers)
    return code


def main(argv=None) -> int:
    """The command line; bad input and model problems are one-line errors with exit code 2."""
    return run_main(_compose, argv, PROG)
