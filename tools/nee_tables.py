"""Neural Execution Engine tables: trained subroutines composed into algorithms on the test suites.

    python tools/nee_tables.py --runs runs/shipped [--sizes 25 50 75 100] [--write]

``--runs DIR`` holds finished ``python -m l2e.fit`` runs of the nee-* experiments, one per
subroutine (any directory names; addition on all 256 numbers), and optionally more addition runs
with ``--holdout K`` for the held-out rows; other runs are ignored, missing subroutines are left
out of the tables. Measured:

- Table 1 analogue: selection sort (find-min), merge sort (merge step) on ``list_test_suite``
  (60 uniform + 40 progressions per size), shortest paths (find-min + addition) and minimum
  spanning trees (find-min) on ``graph_test_suite`` (100 graphs per family and size), with the
  paper's per-number accuracy and the whole-output exact match (``l2e.nee.evaluation``);
- Table 2 analogue: addition accuracy against the numbers seen in training; 12-bit
  multiplication accuracy;
- each run's training steps and wall time.

Results go to ``DIR/nee-tables.json``; ``--write`` also rewrites the blocks of the NEE section of
docs/RESULTS.md that this run measured (``NEE-table1``: Table 1 and the training of the composed
subroutines; ``NEE-table2``: held-out additions and multiplication), keeping the other block.
"""

import json
import os
import sys

from l2e.results import percent, write_blocks

PAPER_TABLE_2 = {256: 100.0, 224: 100.0, 192: 100.0, 128: 100.0, 89: 100.0, 76: 99.00, 64: 96.53}
PAPER_TABLE_1 = "100.00 at 25, 50, 75, 100 (shortest path 99.99 / 99.98 at 92 / 97 nodes)"


def build_parser():
    from l2e.cli import ArgumentParser, bounded_int

    p = ArgumentParser(prog="python tools/nee_tables.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", required=True, metavar="DIR", help="directory of the nee-* runs (see above)")
    p.add_argument("--sizes", type=bounded_int(6, 1000), nargs="+", default=[25, 50, 75, 100],
                   help="list lengths and graph sizes to test (default 25 50 75 100)")
    p.add_argument("--seed", type=bounded_int(0), default=0, help="seed of the test suites (default 0)")
    p.add_argument("--graphs", type=bounded_int(1, 100), default=100,
                   help="graphs per family and size: the first GRAPHS of the suite's 100 (default 100; fewer "
                   "makes large sizes affordable)")
    p.add_argument("--keep", action="store_true",
                   help="keep the rows of other sizes from DIR/nee-tables.json when it scored the same runs "
                   "(to add a size, e.g. --sizes 500 --graphs 20, without redoing the others)")
    p.add_argument("--write", action="store_true", help="write the tables into docs/RESULTS.md")
    p.add_argument("--write-only", action="store_true",
                   help="evaluate nothing: write the Markdown of DIR/nee-tables.json into docs/RESULTS.md")
    p.add_argument("--note", action="append", default=[], metavar="TEXT",
                   help="a paragraph to add under the tables (repeatable; not part of the shown command)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def fit_command(config: dict, steps: int) -> str:
    """The ``python -m l2e.fit`` command that trains a run of ``config`` for ``steps`` steps."""
    from l2e.nee.config import PRESETS, NEEConfig

    holdout = f" --holdout {config['holdout']}" if config["subroutine"] == "add" and config["holdout"] != 256 else ""
    layers = (f" --layers {config['num_layers']}"
              if config["num_layers"] != PRESETS[config["preset"]].settings["num_layers"] else "")
    encoder = f" --encoder-layers {config['encoder_layers']}" if config.get("encoder_layers") is not None else ""
    scaled = f" --scalable-softmax {config['scalable_softmax']}" if config.get("scalable_softmax", "none") != "none" else ""
    patience = f" --patience {config['patience']}" if config["patience"] != NEEConfig.patience else ""
    dropout = (f" --dropout {config['dropout']}"
               if config["dropout"] != PRESETS[config["preset"]].settings["dropout"] else "")
    return (f"python -m l2e.fit --experiment {config['experiment']} --preset {config['preset']}{holdout}{layers}"
            f"{encoder}{scaled}{dropout} --steps {steps}{patience}")


def goal_line(table1: list[dict]) -> str:
    """Whether every composition and family is exactly right on every instance at sizes 25..100."""
    misses = [f"{r['algorithm']} {r['family']} {r['size']} ({r['exact'] * 100:.0f}%)" for r in table1
              if 25 <= r["size"] <= 100 and r["exact"] < 1.0]
    if not misses:
        return "Goal (exact match 100% at sizes 25 to 100 everywhere): met."
    return "Goal (exact match 100% at sizes 25 to 100 everywhere): not met: " + ", ".join(misses) + "."


SECTION_TITLE = "## Neural Execution Engines: subroutines trained at size 8, composed into algorithms"


def training_table(runs: list[dict]) -> list[str]:
    """Markdown rows: each run's command, model, steps, wall time and held-out step accuracy."""
    lines = ["| subroutine | command | model | steps | wall time | held-out size-8 steps |", "|---|---|---|---|---|---|"]
    for run in runs:
        c = run["config"]
        encoder_layers = c["num_layers"] if c.get("encoder_layers") is None else c["encoder_layers"]
        scaled = "" if c.get("scalable_softmax", "none") == "none" else ", Scalable-Softmax " + c["scalable_softmax"]
        lines.append(f"| {c['subroutine']} | `{fit_command(c, run['steps'])}` | {encoder_layers}+{c['num_layers']} "
                     f"layers, d={c['d_model']}, ff {c['ff_dim']}{scaled} | {run['steps']} | "
                     f"{run['seconds'] / 60:.1f} min | {percent(run['val_step_accuracy'])}% |")
    return lines


def is_table2_run(run: dict) -> bool:
    """Whether a run belongs to Table 2 (an addition trained on fewer than 256 numbers) or to
    multiplication, rather than to the compositions of Table 1."""
    from l2e.nee.config import NUMBERS

    config = run["config"]
    return config["subroutine"] == "mul" or (config["subroutine"] == "add" and config["holdout"] != NUMBERS)


def table1_markdown(results: dict, command: str) -> list[str]:
    """Training of the composed subroutines and the Table-1 analogue."""
    lines = [f"`{command}` evaluates the models of the runs below on the test suites of `l2e.nee.data` (seed "
             f"{results['seed']}). Machine: 2 CPU cores shared with other work, no GPU.", "",
             "### Training", "", *training_table(composed_runs(results["runs"]))]
    table1 = results["algorithms"]
    sizes = sorted({r["size"] for r in table1})
    graph_counts = {r["size"]: r["instances"] for r in table1 if r["family"] != "lists"}
    fewer = ", ".join(f"{count} at size {size}" for size, count in sorted(graph_counts.items()) if count != 100)
    lines += ["", "### Table 1 analogue: per-number accuracy / whole-output exact match (%)", "",
              f"Paper (per number): {PAPER_TABLE_1}. Lists: 60 uniform + 40 shuffled progressions per size "
              "(above 256 numbers the progressions repeat numbers); graphs: 100 per family and size"
              f"{' (' + fewer + ')' if fewer else ''}. Minimum spanning tree: per number = the forest's total "
              "weight is right (the paper's count), exact = the parent array is a minimum spanning forest.", "",
              "| algorithm | inputs | " + " | ".join(str(s) for s in sizes) + " |",
              "|---|---|" + "---|" * len(sizes)]
    keys = list(dict.fromkeys((r["algorithm"], r["family"]) for r in table1))
    for algorithm, family in keys:
        cells = {r["size"]: f"{percent(r['per_number'])} / {percent(r['exact'], 0)}" for r in table1
                 if (r["algorithm"], r["family"]) == (algorithm, family)}
        lines.append(f"| {algorithm} | {family} | " + " | ".join(cells.get(s, "-") for s in sizes) + " |")
    return lines + ["", goal_line(table1)]


def table2_markdown(results: dict, command: str) -> list[str]:
    """Training of the held-out additions and multiplication, the Table-2 analogue, multiplication."""
    measured = sorted((run for run in results["runs"] if run["config"]["subroutine"] in ("add", "mul")),
                      key=lambda run: (run["config"]["subroutine"], -run["config"].get("holdout", 0)))
    lines = [f"`{command}` measures the addition and multiplication runs below.", "", "### Training", "",
             *training_table(measured)]
    if results["addition"]:
        lines += ["", "### Table 2 analogue: addition vs numbers seen in training (%)", "",
                  "Pairs of 0..255 with at least one operand not seen in training (all pairs when K = 256); "
                  "`x + INFINITY` pairs beside.", "",
                  "| numbers seen K | pairs with an unseen operand | all 65536 pairs | with INFINITY | paper |",
                  "|---|---|---|---|---|"]
        for row in sorted(results["addition"], key=lambda r: -r["seen_count"]):
            headline = row["unseen"] if row["unseen"] is not None else row["all"]
            paper = PAPER_TABLE_2.get(row["seen_count"])
            lines.append(f"| {row['seen_count']} | {percent(headline)} | {percent(row['all'])} | "
                         f"{percent(row['infinity'])} | {'-' if paper is None else f'{paper:.2f}'} |")
    if results["multiplication"]:
        m = results["multiplication"]
        lines += ["", f"Multiplication, 12-bit products of all {m['pairs']} pairs of 6-bit factors: "
                  f"{percent(m['all'])}% (paper: 100%)."]
    return lines


def markdown(results: dict, command: str, notes: list[str]) -> dict[str, str]:
    """The blocks of the NEE section of docs/RESULTS.md that ``results`` measured:
    ``NEE-table1`` when it composed algorithms, ``NEE-table2`` when it had held-out additions or
    multiplication; ``notes`` go under the last of them."""
    blocks = {}
    if results["algorithms"]:
        blocks["NEE-table1"] = table1_markdown(results, command)
    if any(row["unseen"] is not None for row in results["addition"]) or results["multiplication"]:
        blocks["NEE-table2"] = table2_markdown(results, command)
    if blocks:
        for note in notes:
            blocks[list(blocks)[-1]] += ["", note]
    return {key: "\n".join(lines) for key, lines in blocks.items()}


def composed_runs(runs: list[dict]) -> list[dict]:
    """The runs whose models the Table-1 compositions use (those not in Table 2)."""
    return [run for run in runs if not is_table2_run(run)]


def kept_rows(path: str, runs: list[dict], args) -> tuple[list[dict], list[str]]:
    """(Table-1 rows of sizes other than ``args.sizes``, the commands that made them) from the
    previous results at ``path``; ValueError unless it composed the same runs with the same seed
    (Table 2 and multiplication are measured anew every time)."""
    if not os.path.exists(path):
        raise ValueError(f"keep: no previous results {path}")
    with open(path) as f:
        previous = json.load(f)
    if composed_runs(previous["runs"]) != composed_runs(runs) or previous["seed"] != args.seed:
        raise ValueError(f"keep: {path} composed other runs or used another seed; run without --keep")
    commands = previous.get("commands") or []
    return [r for r in previous["algorithms"] if r["size"] not in args.sizes], commands


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if not os.path.isdir(args.runs):
        raise ValueError(f"runs: no directory {args.runs}")
    if args.write_only:
        path = os.path.join(args.runs, "nee-tables.json")
        if not os.path.exists(path):
            raise ValueError(f"write-only: no results {path}; run without --write-only first")
        with open(path) as f:
            results = json.load(f)
        write_blocks(markdown(results, "` then `".join(results["commands"]), args.note), "NEE", SECTION_TITLE)
        return 0
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from l2e.nee.config import NUMBERS
    from l2e.nee.evaluation import addition_scores, evaluate_compositions, multiplication_scores
    from l2e.nee.keras_engine import KerasEngine
    from l2e.nee.traces import seen_numbers

    from l2e.runs import finished_runs, model_path

    runs, models = [], {}
    for name, metrics in finished_runs(args.runs).items():
        if "subroutine" not in metrics["config"]:
            continue
        config, final = metrics["config"], metrics["final"]
        runs.append({"name": name, "config": config, "steps": final["step"],
                     "seconds": final["elapsed_seconds"], "val_step_accuracy": final["validation"]["val_step_accuracy"]})
        if config["subroutine"] != "add" or config["holdout"] == NUMBERS:
            models[config["subroutine"]] = model_path(os.path.join(args.runs, name))
    if not runs:
        raise ValueError(f"runs: no finished nee-* run in {args.runs}")
    engine = KerasEngine.load(models)

    def progress(row):
        if not args.no_progress:
            print(f"{row['algorithm']} {row['family']} {row['size']}: per number {row['per_number']:.4f}, "
                  f"exact {row['exact']:.2f} ({row['seconds']} s)", file=sys.stderr, flush=True)

    addition = []
    for run in runs:
        if run["config"]["subroutine"] == "add":
            path = model_path(os.path.join(args.runs, run["name"]))
            seen = seen_numbers(run["config"]["seed"], run["config"]["holdout"])
            addition.append(addition_scores(KerasEngine.load({"add": path}), seen))
    command = ("python tools/nee_tables.py --runs " + args.runs + " --sizes " + " ".join(map(str, args.sizes))
               + (f" --graphs {args.graphs}" if args.graphs != 100 else "") + (" --keep" if args.keep else ""))
    kept, commands = kept_rows(os.path.join(args.runs, "nee-tables.json"), runs, args) if args.keep else ([], [])
    algorithms = evaluate_compositions(engine, engine.subroutines, args.sizes, args.seed, progress, args.graphs)
    results = {"seed": args.seed, "runs": runs, "commands": [*commands, command],
               "algorithms": sorted(kept + algorithms, key=lambda r: r["size"]),
               "addition": addition,
               "multiplication": multiplication_scores(engine) if "mul" in models else None}
    with open(os.path.join(args.runs, "nee-tables.json"), "w") as f:
        json.dump(results, f, indent=1)
    blocks = markdown(results, "` then `".join(results["commands"]), args.note)
    if args.write:
        write_blocks(blocks, "NEE", SECTION_TITLE)
    print("\n\n".join(blocks.values()))
    return 0


if __name__ == "__main__":
    from l2e.cli import run_main

    sys.exit(run_main(main))
