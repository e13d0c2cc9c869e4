"""Paper figure 3 analogue: a vanilla transformer sorting whole lists vs the NEE selection sort.

    python tools/nee_baseline.py train --out runs/nee-baseline
    python tools/nee_baseline.py evaluate --out runs/nee-baseline \
        --nee runs/shipped/find_min/model.keras --figure docs/nee_baseline_accuracy.png

``train`` is ``python -m l2e.fit --experiment nee-sort-vanilla --out OUT``, other ``l2e.fit`` flags
passed on (``--steps``, ``--time-limit``, ``--resume``, ``--d-model``, ...): the baseline of
``l2e.nee.baseline`` trained by the shared loop on lists of length 1..8, with checkpoints, and
finally evaluated by greedy decoding on the ``list_test_suite`` lists (100 per size, seed fixed).
``evaluate`` reads that final evaluation from the run, sorts the same lists with the NEE selection
sort when ``--nee`` names a find-min model, prints a markdown table and draws accuracy vs length.
"""

import argparse
import json
import sys
import time
from pathlib import Path

from l2e.cli import ArgumentParser, run_main
from l2e.results import percent


def train(out, fit_flags):
    from l2e import fit
    from l2e.nee.config import VANILLA

    return fit.main([*fit_flags, "--experiment", VANILLA, "--out", out])


def evaluate(args):
    from l2e import runs
    from l2e.nee.config import VANILLA

    metrics = runs.finished_metrics(args.out)
    if metrics["config"].get("experiment") != VANILLA:
        raise ValueError(f"out: {args.out} is not a {VANILLA} run (tools/nee_baseline.py train makes one)")
    if args.nee:
        from l2e.cli import import_tensorflow

        import_tensorflow()
        from l2e.nee.evaluation import evaluate_lists, table_lists
        from l2e.nee.keras_engine import KerasEngine

        engine = KerasEngine.load({"find_min": args.nee})
    results = []
    for row in metrics["final"]["lists"]:
        result = {"size": row["size"], "baseline": {"per_number": row["per_number"], "exact": row["exact"]}}
        if args.nee:
            started = time.time()
            nee = evaluate_lists(engine, "selection_sort", table_lists(row["size"]))
            result["nee"] = {"per_number": nee["per_number"], "exact": nee["exact"]}
            result["seconds"] = round(time.time() - started, 1)
        print(json.dumps(result), flush=True)
        results.append(result)
    print(markdown_table(results))
    if args.figure:
        draw(results, args.figure)


def markdown_table(results):
    models = [name for name in ("baseline", "nee") if name in results[0]]
    titles = {"baseline": "seq2seq transformer", "nee": "NEE selection sort"}
    header = "| list length | " + " | ".join(
        f"{titles[m]} per-number | {titles[m]} exact" for m in models) + " |"
    lines = [header, "|---" * (1 + 2 * len(models)) + "|"]
    for row in results:
        cells = [f"{percent(row[m]['per_number'])} | {percent(row[m]['exact'], 0)}" for m in models]
        lines.append(f"| {row['size']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def draw(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [row["size"] for row in results]
    fig, ax = plt.subplots(figsize=(6, 4))
    styles = {"baseline": ("seq2seq transformer", "tab:red"), "nee": ("NEE selection sort", "tab:blue")}
    for name, (label, colour) in styles.items():
        if name not in results[0]:
            continue
        ax.plot(sizes, [100 * r[name]["per_number"] for r in results], "o-", color=colour,
                label=f"{label}, per number")
        ax.plot(sizes, [100 * r[name]["exact"] for r in results], "s--", color=colour,
                label=f"{label}, whole list", alpha=0.6)
    ax.axvline(8, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("list length (trained on lengths up to 8)")
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(-2, 102)
    ax.set_title("Sorting: vanilla transformer vs NEE")
    ax.legend(fontsize=8)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    parser = ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="train the baseline: python -m l2e.fit --experiment nee-sort-vanilla",
                       description="python -m l2e.fit --experiment nee-sort-vanilla --out OUT; every other flag "
                       "goes to l2e.fit (python -m l2e.fit --help lists them)")
    p.add_argument("--out", default="runs/nee-baseline", help="the run directory (default runs/nee-baseline)")
    p = sub.add_parser("evaluate", help="the baseline's run beside the NEE on the list_test_suite lists")
    p.add_argument("--out", default="runs/nee-baseline",
                   help="a finished nee-sort-vanilla run (default runs/nee-baseline)")
    p.add_argument("--nee", default="",
                   help="a find-min NEE run's model.keras to evaluate beside the baseline, such as "
                   "runs/shipped/find_min/model.keras from tools/train_shipped_models.py (default: none)")
    p.add_argument("--figure", default="docs/nee_baseline_accuracy.png",
                   help="where to draw accuracy vs length ('' for no figure; default docs/nee_baseline_accuracy.png)")
    args, fit_flags = parser.parse_known_args(argv)
    if args.command == "train":
        return train(args.out, fit_flags)
    if fit_flags:
        parser.error(f"unrecognized arguments: {' '.join(fit_flags)}")
    evaluate(args)


if __name__ == "__main__":
    sys.exit(run_main(main))
