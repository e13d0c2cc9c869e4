"""Throughput of the composed algorithms: the onnxruntime engine against the in-process Keras engine.

    python tools/bench/compose.py --runs runs/find_min runs/merge_step runs/add
    python tools/bench/compose.py --random            # untrained paper-size NEE models
    python tools/bench/compose.py --widths            # the shipped models by number width, against classic code

Both engines get the same weights: every run is exported (``export.pipeline``) into a temporary
models directory for onnxruntime and loaded as ``.keras`` for Keras. Each table cell sorts B
lists (selection sort, merge sort) or solves B graphs (Dijkstra, Prim) of N elements and reports
instances per second, the median of ``--rounds`` interleaved timings; a second table gives, per
algorithm and N, how many times more instances per second the largest batch gets than batch 1
(the batching gain). The algorithms are driven by the oracle: on every call the engine runs its
model on the call's inputs (that is what is timed) and the loop continues with the exact answer,
so an untrained model does the same work a trained one would. A batch runs as the CLI runs it:
in ``serving.compose.shard_count`` shards side by side (``serving.compose.in_shards``; the
onnxruntime engine on a CPU: up to one per core, for batches large enough; the Keras engine:
one); the column ``onnxruntime unsharded`` is the same sessions with every batch whole, which
shows what the shards add. The last line is the start-up time of ``python -m serving sort`` (10
numbers) to its first answer.

``--widths`` times instead the shipped models through ``serving.compose`` (the CLI's path, 32-bit
numbers) at N = 100 and B = 64: selection sort and Dijkstra on 8-, 16- and 32-bit numbers (graph
weights below 2**bits / N, so that distances keep the width), beside ``sorted()`` and networkx's
Dijkstra on the same instances, one after the other, in ``--rounds`` interleaved rounds; each
cell is the median of its rounds, and each ratio (classic instances per second over neural ones)
the median of the rounds' ratios.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from l2e.cli import bounded_int
from serving.algorithms.dijkstra import dijkstra
from serving.algorithms.merge_sort import merge_sort
from serving.algorithms.prim import prim
from serving.algorithms.selection_sort import selection_sort
from serving.compose import concurrent_calls_of, in_shards, shard_count
from serving.onnx_engine import OnnxEngine
from serving.oracle import OracleEngine

ALGORITHMS = {
    "selection sort": (("find_min",), lambda engine, x: selection_sort(engine, x)),
    "merge sort": (("merge_step",), lambda engine, x: merge_sort(engine, x)),
    "dijkstra": (("find_min", "add"), lambda engine, x: dijkstra(engine, x, np.zeros(len(x), np.int64))),
    "prim": (("find_min",), lambda engine, x: prim(engine, x)),
}


class OracleDriven:
    """An engine that runs ``timed`` on every call and answers with the oracle (see module doc)."""

    def __init__(self, timed):
        self.timed, self.oracle = timed, OracleEngine()

    def __getattr__(self, subroutine):
        def call(*args):
            getattr(self.timed, subroutine)(*args)
            return getattr(self.oracle, subroutine)(*args)
        return call


def instances(algorithm: str, rng: np.random.Generator, batch: int, size: int) -> np.ndarray:
    """Lists int64 [batch, size], or symmetric graphs [batch, size, size] with INFINITY gaps."""
    if "sort" in algorithm:
        return rng.integers(0, 256, (batch, size))
    weights = rng.integers(0, 256 // size + 1, (batch, size, size))
    weights = np.where(rng.random(weights.shape) < 0.3, weights, 511)
    weights = np.minimum(weights, weights.transpose(0, 2, 1))
    ring = np.arange(size)
    weights[:, ring, (ring + 1) % size] = weights[:, (ring + 1) % size, ring] = 1  # connected
    weights[:, ring, ring] = 511
    return weights


def _rate(solve, count: int, min_seconds: float) -> float:
    """Instances per second of ``solve()`` (``count`` instances a call), after a warm-up."""
    solve()
    calls, start = 0, time.perf_counter()
    while calls == 0 or time.perf_counter() - start < min_seconds:
        solve()
        calls += 1
    return calls * count / (time.perf_counter() - start)


def per_second(engine, algorithm: str, batch: int, size: int, min_seconds: float) -> float:
    """Instances per second over repeated runs lasting at least ``min_seconds`` (after a warm-up),
    each batch in the engine's shards."""
    data = instances(algorithm, np.random.default_rng(size * 1000 + batch), batch, size)
    driven, shards = OracleDriven(engine), shard_count(concurrent_calls_of(engine), batch, size)
    return _rate(lambda: in_shards(lambda part: ALGORITHMS[algorithm][1](driven, part), data, shards), batch,
                 min_seconds)


def median_rates(engines: dict, algorithm: str, size: int, batches, min_seconds: float, rounds: int) -> dict:
    """{batch: {engine name: median instances per second}}: every (batch, engine) cell is timed
    once per round, the rounds interleaved, so that a slow spell of a noisy machine falls on all
    cells alike instead of on whichever was being timed."""
    rates = {batch: {name: [] for name in engines} for batch in batches}
    for _ in range(rounds):
        for batch in batches:
            for name, engine in engines.items():
                rates[batch][name].append(per_second(engine, algorithm, batch, size, min_seconds))
    return {batch: {name: float(np.median(values)) for name, values in by_name.items()}
            for batch, by_name in rates.items()}


def startup_seconds(models_dir: str) -> float:
    """Wall time of ``python -m serving sort`` on 10 numbers, to its answer."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "serving", "sort", *map(str, range(10, 0, -1)), "--models", models_dir],
                   check=True, capture_output=True)
    return time.perf_counter() - start


def width_rows(size: int, batch: int, min_seconds: float, rounds: int) -> list[str]:
    """Markdown rows of ``--widths`` (see the module docstring): per width, the median over
    ``rounds`` interleaved rounds of each rate, and of each round's classic : neural ratio (the
    two timed one after the other, so that a slow spell of the machine falls on both)."""
    import networkx as nx

    from serving import compose
    from serving.numbers import WIDE
    from serving.onnx_model import SHIPPED_MODELS
    from serving.parse import Graph

    engine, rng, timers = OnnxEngine.load(SHIPPED_MODELS, ("find_min", "add")), np.random.default_rng(0), {}
    for bits in (8, 16, 32):
        lists = list(rng.integers(0, 2**bits, (batch, size)))
        edges = instances("dijkstra", rng, batch, size) < 511
        weights = np.where(edges, rng.integers(0, max(2, 2**bits // size), edges.shape), WIDE.infinity)
        weights = np.minimum(weights, weights.transpose(0, 2, 1))
        graphs = [Graph(w[None], 0, False) for w in weights]
        nx_graphs = []
        for w in weights:
            graph = nx.Graph()
            graph.add_weighted_edges_from((int(u), int(v), int(w[u, v])) for u, v in zip(*np.nonzero(w < WIDE.infinity)))
            nx_graphs.append(graph)
        timers[bits] = (lambda lists=lists: compose.sorted_values(engine, lists),
                        lambda lists=lists: [sorted(values) for values in lists],
                        lambda graphs=graphs: compose.shortest_paths(engine, graphs),
                        lambda nx_graphs=nx_graphs: [nx.single_source_dijkstra_path_length(g, 0) for g in nx_graphs])
    rates = {bits: [] for bits in timers}  # per round: [neural sort, sorted(), neural Dijkstra, networkx]
    for _ in range(rounds):
        for bits, solvers in timers.items():
            rates[bits].append([_rate(solve, batch, min_seconds) for solve in solvers])
    rows = []
    for bits, measured in rates.items():
        neural_sort, classic_sort, neural_paths, classic_paths = np.median(measured, axis=0)
        sort_ratio = np.median([round_[1] / round_[0] for round_ in measured])
        path_ratio = np.median([round_[3] / round_[2] for round_ in measured])
        rows.append(f"| {bits} | {neural_sort:.1f} | {classic_sort:.0f} | {sort_ratio:.0f} | "
                    f"{neural_paths:.1f} | {classic_paths:.0f} | {path_ratio:.1f} |")
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--widths", action="store_true",
                        help="the shipped models by number width at N 100, B 64, against sorted() and networkx")
    source.add_argument("--runs", nargs="+", metavar="RUN_DIR", help="trained NEE runs (find_min, merge_step, add)")
    source.add_argument("--random", action="store_true", help="untrained models of the paper's size")
    parser.add_argument("--sizes", type=int, nargs="+", default=[25, 100], help="N (default 25 100)")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 64], help="B (default 1 64)")
    parser.add_argument("--min-seconds", type=float, default=1.0, help="timing per cell and round (default 1)")
    parser.add_argument("--rounds", type=bounded_int(1), default=3,
                        help="interleaved timings per cell; the table gives their median (default 3)")
    parser.add_argument("--algorithms", nargs="+", choices=ALGORITHMS, default=list(ALGORITHMS))
    args = parser.parse_args(argv)
    if args.widths:
        print("| bits | selection sort / s | sorted() / s | sorted() : neural | Dijkstra / s | networkx / s "
              "| networkx : neural |\n|---|---|---|---|---|---|---|")
        print("\n".join(width_rows(100, 64, args.min_seconds, args.rounds)))
        return 0
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from export.pipeline import export_run
    from export.run import load_run
    from l2e.nee.keras_engine import KerasEngine
    from l2e.nee.untrained import save_untrained_runs

    with tempfile.TemporaryDirectory() as root:
        runs = args.runs or save_untrained_runs(root)
        models_dir = os.path.join(root, "models")
        keras_paths = {}
        for run in runs:
            export_run(run, models_dir, parity_rows=100)
            keras_paths[load_run(run).config["subroutine"]] = os.path.join(run, "model.keras")
        onnx = OnnxEngine.load(models_dir, tuple(keras_paths))
        engines = {"onnxruntime": onnx, "onnxruntime unsharded": OnnxEngine(onnx.models),
                   "keras": KerasEngine.load(keras_paths)}
        print("Concurrent calls: " + ", ".join(f"{name} {concurrent_calls_of(engine)}"
                                               for name, engine in engines.items()) + "\n")
        print("| algorithm | N | B | onnxruntime shards | " + " | ".join(f"{name} / s" for name in engines)
              + " | onnxruntime : keras |")
        print("|---|---|---|---|" + "---|" * (len(engines) + 1))
        gains = []
        for algorithm in args.algorithms:
            if not set(ALGORITHMS[algorithm][0]) <= set(keras_paths):
                print(f"| {algorithm} | - | - | - | needs {', '.join(ALGORITHMS[algorithm][0])} |" + " |" * len(engines))
                continue
            for size in args.sizes:
                by_batch = median_rates(engines, algorithm, size, args.batches, args.min_seconds, args.rounds)
                for batch, rates in by_batch.items():
                    shards = shard_count(concurrent_calls_of(onnx), batch, size)
                    print(f"| {algorithm} | {size} | {batch} | {shards} | "
                          + " | ".join(f"{rate:.1f}" for rate in rates.values())
                          + f" | {rates['onnxruntime'] / rates['keras']:.2f} |", flush=True)
                small, large = min(by_batch), max(by_batch)
                if large > small:
                    gains.append(f"| {algorithm} | {size} | {large} : {small} | "
                                 + " | ".join(f"{by_batch[large][name] / by_batch[small][name]:.1f}"
                                              for name in engines) + " |")
        if gains:
            print("\nBatching gain, instances per second at the largest batch over batch 1:\n")
            print("| algorithm | N | B | " + " | ".join(engines) + " |")
            print("|---|---|---|" + "---|" * len(engines))
            print("\n".join(gains))
        if "find_min" in keras_paths:
            print(f"\nCLI start-up to the first answer (sort, 10 numbers): {startup_seconds(models_dir):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
