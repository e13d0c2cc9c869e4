"""Exact-match accuracy of the composition CLI itself: the Table-1 suites, or an executor's test split.

    python tools/cli_accuracy.py                       # the shipped models, sizes 25 50 75 100
    python tools/cli_accuracy.py --models DIR --sizes 25 200 --markdown
    python tools/cli_accuracy.py --bits 32 --sizes 64 --count 20   # 32-bit values and weights
    python tools/cli_accuracy.py --executor lte-programs --count 200 --markdown   # l2e-compose execute
    python tools/cli_accuracy.py --executor lte-addition --cells 9,1 --count 1000

For every size, each suite of ``l2e.nee.evaluation`` (the same seeded lists and graphs as the
Table-1 analogue: 100 lists; 100 graphs per family) is written as JSON lines and answered by one
``python -m serving COMMAND --batch FILE --check --format json`` process, exactly as a user would
run it: ``sort`` and ``merge-sort`` for the lists; ``shortest-path``, ``mst``, ``bellman-ford``,
``floyd-warshall`` and ``kruskal`` for the graphs. The share of lines whose ``check`` agrees with
the exact oracle is the whole-output exact match (for ``mst`` and ``kruskal``: any minimum
spanning forest). Also printed: each command's wall time, start-up included.

``--bits 16`` or ``32`` keeps the suites' lists' sizes and graphs' edges but draws the numbers
anew (seeded by the suite; ``l2e.nee.evaluation.table_json_lines``): list values uniform below
2**bits, edge weights uniform below 2**bits, or below 2**32 / (N - 1) where that is smaller, so
that every distance fits in 32 bits.

``--executor NAME`` measures a Learning-to-Execute executor (programs or addition) instead: for
every (length, nesting) cell up to its training target (its metadata's ``training``), or the
``--cells`` given, ``--count`` test-split examples are drawn as the training's own evaluation
draws them (the baseline strategy at that cell, seeded by ``--seed``) and answered by one
``python -m serving execute --batch FILE --check --format json --executor NAME`` process. A line
is right when ``agrees`` is true: the greedy answer equals the exact interpreter's. Also
printed: the mean ``confidence`` of the right and of the wrong answers.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from l2e.results import percent

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

LIST_COMMANDS = {"sort": "selection sort", "merge-sort": "merge sort"}
GRAPH_COMMANDS = {"shortest-path": "Dijkstra", "mst": "Prim", "bellman-ford": "Bellman-Ford",
                  "floyd-warshall": "Floyd-Warshall", "kruskal": "Kruskal"}
BITS = (8, 16, 32)
EXECUTOR_TASKS = ("programs", "addition")


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
    p.add_argument("--count", type=bounded_int(1, 100_000),
                   help="the first COUNT lists, and graphs per family, of each suite (at most 100, the default); "
                   "with --executor: programs per cell (default 200)")
    p.add_argument("--executor", metavar="NAME", help="measure this LTE executor through execute (see above)")
    p.add_argument("--cells", nargs="+", metavar="L,N",
                   help="with --executor: the (length, nesting) cells (default: every cell up to its training target)")
    p.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    return p


def run_cli(arguments: list[str], lines: list, models: str | None) -> tuple[list[dict], float]:
    """The JSON answers of one ``python -m serving ARGUMENTS --batch FILE --check --format json``
    run over ``lines``, and its seconds (start-up included)."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        f.write("".join(json.dumps(line) + "\n" for line in lines))
    argv = [sys.executable, "-m", "serving", *arguments, "--batch", f.name, "--check", "--format", "json"]
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
        raise RuntimeError(f"{arguments[0]}: {len(answers)} answers for {len(lines)} instances")
    return answers, seconds


def executor_training(models: str, name: str) -> dict:
    """The executor's training settings (its metadata's ``training``); ValueError for a missing
    or non-LTE model, or a task whose inputs are not programs."""
    from serving.onnx_model import open_named

    training = open_named(models, name, "lte").metadata["training"]
    if training["task"] not in EXECUTOR_TASKS:
        raise ValueError(f"executor: {name} executes {training['task']}, not programs or addition")
    return training


def parse_cell(text: str) -> tuple[int, int]:
    """``"L,N"`` as (length, nesting)."""
    try:
        length, nesting = (int(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"cells: expected L,N such as 2,1, got {text!r}") from None
    if length < 1 or nesting < 1:
        raise ValueError(f"cells: length and nesting must be at least 1, got {text!r}")
    return length, nesting


def executor_inputs(task_name: str, length: int, nesting: int, count: int, seed: int) -> list[str]:
    """``count`` test-split inputs at (length, nesting), as a user types them (newlines for ``#``)."""
    from l2e.lte.curriculum import Curriculum
    from l2e.lte.data.tasks import make_task
    from l2e.lte.evaluation import sample_examples

    examples, _ = sample_examples(make_task(task_name), Curriculum("baseline", length, nesting), count, "test", seed)
    return [example.source.replace("#", "\n") for example in examples]


def executor_rows(args) -> list[dict]:
    """One row per cell: exact share and mean confidence of the right and the wrong answers."""
    from l2e.cli import import_tensorflow
    from serving.onnx_model import SHIPPED_MODELS

    training = executor_training(args.models or SHIPPED_MODELS, args.executor)
    cells = ([parse_cell(cell) for cell in args.cells] if args.cells else
             [(length, nesting) for nesting in range(1, training["nesting"] + 1)
              for length in range(1, training["length"] + 1)])
    import_tensorflow()  # the sampling imports it; quietly, once
    rows = []
    for length, nesting in cells:
        lines = executor_inputs(training["task"], length, nesting, args.count or 200, args.seed)
        answers, seconds = run_cli(["execute", "--executor", args.executor], lines, args.models)
        right = [a["confidence"] for a in answers if a["agrees"]]
        wrong = [a["confidence"] for a in answers if not a["agrees"]]
        rows.append({"length": length, "nesting": nesting, "count": len(answers), "exact": len(right) / len(answers),
                     "confidence_right": np.mean(right) if right else None,
                     "confidence_wrong": np.mean(wrong) if wrong else None})
        print(f"({length}, {nesting}): exact {rows[-1]['exact']:.3f} of {len(answers)} ({seconds:.1f} s)", flush=True)
    return rows


def executor_markdown(rows: list[dict]) -> str:
    """Exact match and mean confidences per (length, nesting) cell."""
    def number(value):
        return "-" if value is None else f"{value:.3f}"

    lines = ["| length | nesting | programs | exact match | mean confidence, right | mean confidence, wrong |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['length']} | {r['nesting']} | {r['count']} | {r['exact']:.3f} | {number(r['confidence_right'])} "
              f"| {number(r['confidence_wrong'])} |" for r in rows]
    return "\n".join(lines)


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.executor:
        rows = executor_rows(args)
        if args.markdown:
            print(executor_markdown(rows))
        return 0
    if args.count is not None and args.count > 100:
        raise ValueError(f"count: the Table-1 suites hold 100 instances, got {args.count}")
    from l2e.nee.evaluation import table_json_lines

    rows = []
    for size in args.sizes:
        for command in args.commands:
            inputs = "lists" if command in LIST_COMMANDS else "graphs"
            for family, lines in table_json_lines(inputs, size, args.seed, args.bits, args.count or 100):
                answers, seconds = run_cli([command], lines, args.models)
                exact = sum(answer["check"]["agree"] for answer in answers) / len(answers)
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
