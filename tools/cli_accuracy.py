"""Exact-match accuracy of the composition CLI itself on the Table-1 test suites.

    python tools/cli_accuracy.py                       # the shipped models, sizes 25 50 75 100
    python tools/cli_accuracy.py --models DIR --sizes 25 200 --markdown
    python tools/cli_accuracy.py --bits 32 --sizes 64 --count 20   # 32-bit values and weights

For every size, each suite of ``l2e.nee.evaluation`` (the same seeded lists and graphs as the
Table-1 analogue: 100 lists; 100 graphs per family) is written as JSON lines and answered by one
``python -m serving COMMAND --batch FILE --check --format json`` process, exactly as a user would
run it: ``sort`` and ``merge-sort`` for the lists; ``shortest-path``, ``mst``, ``bellman-ford``,
``floyd-warshall`` and ``kruskal`` for the graphs. The share of lines whose ``check`` agrees with
the exact oracle is the whole-output exact match (for ``mst`` and ``kruskal``: any minimum
spanning forest). Also printed: each command's wall time, start-up included.

``--bits 16`` or ``32`` keeps the suites' lists' sizes and graphs' edges but draws the numbers
anew (seeded by the suite): list values uniform below 2**bits, edge weights uniform below
2**bits, or below 2**32 / (N - 1) where that is smaller, so that every distance fits in 32 bits.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from results_markdown import percent

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

LIST_COMMANDS = {"sort": "selection sort", "merge-sort": "merge sort"}
GRAPH_COMMANDS = {"shortest-path": "Dijkstra", "mst": "Prim", "bellman-ford": "Bellman-Ford",
                  "floyd-warshall": "Floyd-Warshall", "kruskal": "Kruskal"}
BITS = (8, 16, 32)


def build_parser():
    from l2e.cli import ArgumentParser, bounded_int

    p = ArgumentParser(prog="python tools/cli_accuracy.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--models", metavar="DIR", help="models directory for --models (default: the shipped models)")
    p.add_argument("--sizes", nargs="+", type=bounded_int(1, 1000), default=[25, 50, 75, 100],
                   help="list and graph sizes (default 25 50 75 100)")
    p.add_argument("--seed", type=bounded_int(0), default=0, help="suite seed (default 0, the Table-1 suites)")
    p.add_argument("--commands", nargs="+", choices=[*LIST_COMMANDS, *GRAPH_COMMANDS],
                   default=[*LIST_COMMANDS, *GRAPH_COMMANDS], help="which commands (default all)")
    p.add_argument("--bits", type=int, choices=BITS, default=8,
                   help="width of the numbers (default 8: the suites as they are; see above)")
    p.add_argument("--count", type=bounded_int(1, 100), default=100,
                   help="the first COUNT lists, and graphs per family, of each suite (default 100)")
    p.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    return p


def graph_line(weights: np.ndarray, source: int, edges: np.ndarray) -> dict:
    """The CLI's JSON form of one undirected graph: weights int64 [N, N] where ``edges`` bool
    [N, N] (symmetric) is set."""
    u, v = np.nonzero(np.triu(edges, k=1))
    return {"nodes": int(len(weights)), "edges": [[int(a), int(b), int(weights[a, b])] for a, b in zip(u, v)],
            "source": int(source)}


def widened(rng, values: np.ndarray, bits: int, largest: int | None = None) -> np.ndarray:
    """``values`` (int64, any shape) redrawn uniform below ``2**bits`` (and below ``largest``
    if given); 8 bits keeps them as they are."""
    if bits == 8:
        return values
    return rng.integers(0, min(2**bits, largest or 2**bits), values.shape, dtype=np.int64)


def suites(command: str, size: int, seed: int, bits: int = 8, count: int = 100) -> list[tuple[str, list]]:
    """(family, JSON lines) of the first ``count`` instances of each Table-1 suite of
    ``command`` at ``size``, numbers ``bits`` wide (``widened``)."""
    from l2e.nee.evaluation import table_graphs, table_lists
    from serving.numbers import MAX_LIST_VALUE

    rng = np.random.default_rng([seed, size, bits])
    if command in LIST_COMMANDS:
        return [("lists", [row.tolist() for row in widened(rng, table_lists(size, seed)[:count], bits)])]
    lines = []
    for suite in table_graphs(size, seed):
        weights, edges = suite.weights[:count], suite.weights[:count] <= MAX_LIST_VALUE
        weights = widened(rng, weights, bits, 2**32 // max(1, size - 1))  # graph_line reads u < v only
        lines.append((suite.family, [graph_line(w, s, e) for w, s, e in zip(weights, suite.sources, edges)]))
    return lines


def run_cli(command: str, lines: list, models: str | None) -> tuple[float, float]:
    """(share of lines that agree with the oracle, seconds) of one ``--batch --check`` run."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        f.write("".join(json.dumps(line) + "\n" for line in lines))
    argv = [sys.executable, "-m", "serving", command, "--batch", f.name, "--check", "--format", "json"]
    if models:
        argv += ["--models", models]
    started = time.monotonic()
    try:
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    seconds = time.monotonic() - started
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(argv[1:])} failed ({done.returncode}): {done.stderr.strip()}")
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    if len(answers) != len(lines):
        raise RuntimeError(f"{command}: {len(answers)} answers for {len(lines)} instances")
    return sum(a["check"]["agree"] for a in answers) / len(answers), seconds


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    rows = []
    for size in args.sizes:
        for command in args.commands:
            for family, lines in suites(command, size, args.seed, args.bits, args.count):
                exact, seconds = run_cli(command, lines, args.models)
                rows.append({"command": command, "family": family, "size": size, "exact": exact,
                             "instances": len(lines), "seconds": round(seconds, 1)})
                print(f"{command} {family} {size} ({args.bits} bits): exact {100 * exact:.0f}% of {len(lines)} "
                      f"({seconds:.1f} s)", flush=True)
    if args.markdown:
        print(markdown(rows, args.sizes))
    return 0


def markdown(rows: list[dict], sizes: list[int]) -> str:
    """Exact match (%) per command and family (rows) and size (columns)."""
    keys = list(dict.fromkeys((r["command"], r["family"]) for r in rows))
    cells = {(r["command"], r["family"], r["size"]): r for r in rows}
    lines = ["| command | instances | " + " | ".join(str(s) for s in sizes) + " |",
             "|---|---|" + "---|" * len(sizes)]
    for command, family in keys:
        name = command if family == "lists" else f"{command} ({family.replace('_', ' ')})"
        values = [percent(cells[(command, family, s)]["exact"], 0) for s in sizes]
        lines.append(f"| `{name}` | {cells[(command, family, sizes[0])]['instances']} | " + " | ".join(values) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    from l2e.cli import run_main

    sys.exit(run_main(main))
