"""Exact-match accuracy of the composition CLI itself on the Table-1 test suites.

    python tools/cli_accuracy.py                       # the shipped models, sizes 25 50 75 100
    python tools/cli_accuracy.py --models DIR --sizes 25 200 --markdown

For every size, each suite of ``l2e.evaluation.nee`` (the same seeded lists and graphs as the
Table-1 analogue: 100 lists; 100 graphs per family) is written as JSON lines and answered by one
``python -m serving COMMAND --batch FILE --check --format json`` process, exactly as a user would
run it: ``sort`` and ``merge-sort`` for the lists, ``shortest-path`` and ``mst`` for the graphs.
The share of lines whose ``check`` agrees with the exact oracle is the whole-output exact match
(for ``mst``: any minimum spanning forest). Also printed: each command's wall time, start-up
included.
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
GRAPH_COMMANDS = {"shortest-path": "Dijkstra", "mst": "Prim"}


def build_parser():
    from l2e.cli import ArgumentParser, bounded_int

    p = ArgumentParser(prog="python tools/cli_accuracy.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--models", metavar="DIR", help="models directory for --models (default: the shipped models)")
    p.add_argument("--sizes", nargs="+", type=bounded_int(1, 1000), default=[25, 50, 75, 100],
                   help="list and graph sizes (default 25 50 75 100)")
    p.add_argument("--seed", type=bounded_int(0), default=0, help="suite seed (default 0, the Table-1 suites)")
    p.add_argument("--commands", nargs="+", choices=[*LIST_COMMANDS, *GRAPH_COMMANDS],
                   default=[*LIST_COMMANDS, *GRAPH_COMMANDS], help="which commands (default all four)")
    p.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    return p


def graph_line(weights: np.ndarray, source: int) -> dict:
    """The CLI's JSON form of one undirected graph (weights int64 [N, N], INFINITY = no edge)."""
    from serving.numbers import MAX_LIST_VALUE

    u, v = np.nonzero(np.triu(weights <= MAX_LIST_VALUE, k=1))
    return {"nodes": int(len(weights)), "edges": [[int(a), int(b), int(weights[a, b])] for a, b in zip(u, v)],
            "source": int(source)}


def suites(command: str, size: int, seed: int) -> list[tuple[str, list]]:
    """(family, JSON lines) of the Table-1 suites of ``command`` at ``size``."""
    from l2e.evaluation.nee import table_graphs, table_lists

    if command in LIST_COMMANDS:
        return [("lists", [row.tolist() for row in table_lists(size, seed)])]
    return [(suite.family, [graph_line(w, s) for w, s in zip(suite.weights, suite.sources)])
            for suite in table_graphs(size, seed)]


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
            for family, lines in suites(command, size, args.seed):
                exact, seconds = run_cli(command, lines, args.models)
                rows.append({"command": command, "family": family, "size": size, "exact": exact,
                             "instances": len(lines), "seconds": round(seconds, 1)})
                print(f"{command} {family} {size}: exact {100 * exact:.0f}% of {len(lines)} "
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
