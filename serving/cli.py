"""``l2e-compose`` (``python -m serving``): algorithms composed from exported neural subroutines.

    l2e-compose sort 5 3 9 1 --models models
    l2e-compose merge-sort 5 3 9 1 --format json --check
    echo '{"nodes": 3, "edges": [[0, 1, 4], [1, 2, 5]], "source": 0}' | l2e-compose shortest-path
    l2e-compose mst graph.json
    l2e-compose add 100 55
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

from serving import compose
from serving.commandline import ArgumentParser, run_main
from serving.engine import FORMATS
from serving.executor import Executor
from serving.model import ModelError
from serving.onnx_engine import OnnxEngine
from serving.onnx_model import SHIPPED_MODELS, model_names
from serving.oracle import OracleEngine
from serving.parse import Graph, parse_graph, parse_int, parse_values, read_text
from serving.tfserving import DEFAULT_URL, TFServingClient, TFServingEngine

PROG = "l2e-compose"
EXIT_DISAGREE = 1

GRAPH_HELP = ('JSON file of the graph, "-" (the default) for stdin: {"nodes": N, "edges": [[u, v, w], ...], '
              '"source": 0}; nodes 0..N-1, weights 0..255, undirected unless "directed": true '
              "(shortest-path only)")


@dataclass(frozen=True)
class Composition:
    """A command that runs an algorithm on NEE subroutine models.

    Attributes:
        subroutines: the models it needs.
        read: parsed arguments -> the input of ``compute``.
        compute: (engine, input) -> the JSON-able answer.
        help: one line for ``--help``.
    """

    subroutines: tuple[str, ...]
    read: Callable[[argparse.Namespace], object]
    compute: Callable[[object, object], dict]
    help: str


def _values(args):
    return parse_values(args.values)


def _graph(args) -> Graph:
    return parse_graph(read_text(args.graph))


def _checked_graph(args) -> Graph:
    graph = _graph(args)
    compose.check_distance_range(graph)
    return graph


def _operands(subroutine: str) -> Callable[[argparse.Namespace], tuple[int, int]]:
    largest = FORMATS[subroutine].max_input
    return lambda args: (parse_int(args.a, "a", largest), parse_int(args.b, "b", largest))


COMPOSITIONS = {
    "sort": Composition(("find_min",), _values, compose.sorted_values,
                        "selection sort of integers 0..255 (find_min model)"),
    "merge-sort": Composition(("merge_step",), _values, compose.merge_sorted_values,
                              "merge sort of integers 0..255 (merge_step model)"),
    "shortest-path": Composition(("find_min", "add"), _checked_graph, compose.shortest_paths,
                                 "Dijkstra's distances from the source (find_min and add models)"),
    "mst": Composition(("find_min",), _graph, compose.spanning_tree,
                       "Prim's minimum spanning tree, a forest if disconnected (find_min model)"),
    "add": Composition(("add",), _operands("add"), lambda engine, ab: compose.sum_of(engine, *ab),
                       f"A + B for A, B in 0..{FORMATS['add'].max_input} (add model)"),
    "mul": Composition(("mul",), _operands("mul"), lambda engine, ab: compose.product_of(engine, *ab),
                       f"A * B for A, B in 0..{FORMATS['mul'].max_input} (mul model)"),
}


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
    common.add_argument("--format", choices=("text", "json"), default="text",
                        help='text (default) or one JSON object: {"output": [...]} for sorts, {"distances": '
                        '[...]} (null = unreachable) for shortest-path, {"edges": [[u, v, w], ...], "weight": W} '
                        'for mst, {"result": N} for add and mul, {"output": "..."} for execute')
    checked = ArgumentParser(add_help=False)
    checked.add_argument("--check", action="store_true",
                         help="also run the exact oracle engine and report whether it agrees (exit code 1 if not)")

    parser = ArgumentParser(
        prog=PROG,
        description="Run algorithms composed from neural subroutines (Neural Execution Engines) and programs "
        "through a Learning-to-Execute LSTM, on onnxruntime (CUDA when available, else the CPU) or against a TF "
        "Serving model server (--engine tfserving --url URL).",
        epilog="Errors (bad input, missing or corrupt models) are one line on stderr with exit code 2. "
        "See `%(prog)s COMMAND --help`.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in ("sort", "merge-sort"):
        sub = commands.add_parser(name, parents=[common, checked], help=COMPOSITIONS[name].help,
                                  description=COMPOSITIONS[name].help)
        sub.add_argument("values", nargs="*", metavar="VALUES", help="the integers to sort, each 0..255")
    for name in ("shortest-path", "mst"):
        sub = commands.add_parser(name, parents=[common, checked], help=COMPOSITIONS[name].help,
                                  description=COMPOSITIONS[name].help)
        sub.add_argument("graph", nargs="?", default="-", metavar="GRAPH", help=GRAPH_HELP)
    for name in ("add", "mul"):
        sub = commands.add_parser(name, parents=[common, checked], help=COMPOSITIONS[name].help,
                                  description=COMPOSITIONS[name].help)
        sub.add_argument("a", metavar="A", help="first operand")
        sub.add_argument("b", metavar="B", help="second operand")
    execute = commands.add_parser(
        "execute", parents=[common], help="what a Python program prints, as the LSTM executor reads it",
        description="Feed a program to a Learning-to-Execute LSTM executor (after the primer stored in its "
        "metadata) and print the answer it writes greedily. Programs are those of the paper (python -m "
        "l2e.data --task programs shows some); newlines may be written as # or as real newlines.")
    execute.add_argument("program", metavar="PROGRAM", help='the program text, "-" to read it from stdin')
    execute.add_argument("--executor", default="lte-programs", metavar="NAME",
                         help="the executor model's name in the models directory (default lte-programs)")
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
    if command == "shortest-path":
        return "\n".join(f"{node}: {'unreachable' if d is None else d}" for node, d in enumerate(answer["distances"]))
    if command == "mst":
        return "\n".join([f"{u} - {v}: {w}" for u, v, w in answer["edges"]] + [f"weight: {answer['weight']}"])
    if command == "execute":
        return answer["output"]
    return str(answer["result"])


def run(args) -> tuple[dict, int]:
    """(JSON answer, exit code) of the parsed command line."""
    server = _served(args)
    if args.command == "execute":
        program = sys.stdin.read() if args.program == "-" else args.program
        executor = (Executor(server.open_model(args.executor, "lte")) if server else
                    Executor.load(models_dir(args), args.executor))
        return {"output": executor.execute([program])[0]}, 0
    composition = COMPOSITIONS[args.command]
    instance = composition.read(args)
    engine = (TFServingEngine.open(server.open_model, composition.subroutines) if server else
              OnnxEngine.load(models_dir(args), composition.subroutines))
    try:
        answer = composition.compute(engine, instance)
    except ModelError:
        raise
    except ValueError as error:  # the input was checked: a model's output broke the next call
        raise ValueError(f"{args.command}: a model's output is not a valid input of the next call: {error}") from None
    if not args.check:
        return answer, 0
    oracle = composition.compute(OracleEngine(), instance)
    agree = oracle == answer
    return {**answer, "check": {"agree": agree, "oracle": oracle}}, 0 if agree else EXIT_DISAGREE


def _print(args, answer: dict) -> None:
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
    answer, code = run(args)
    _print(args, answer)
    return code


def main(argv=None) -> int:
    """The command line; bad input and model problems are one-line errors with exit code 2."""
    return run_main(_compose, argv, PROG)
