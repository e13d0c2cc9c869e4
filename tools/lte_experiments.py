"""Learning-to-Execute experiments: the paper's figure analogues at CPU scale.

    python tools/lte_experiments.py memorization [--lengths 5 10 15] [--steps 1500]
    python tools/lte_experiments.py memorization --preset paper [--precision bfloat16]
    python tools/lte_experiments.py programs [--length 3 --nesting 2] [--steps 3000]
    python tools/lte_experiments.py report

``memorization`` trains one model per input scheme (none, reverse, double, reverse + double) and
target length, all with the baseline strategy so that only the input scheme differs (paper
figure 7); with ``--preset paper`` it is the paper's 2 x 400 LSTM for its 4,000 steps, none
against reverse + double at lengths 5, 15, 35 and 65 by default, in ``runs/paper/figure7``, and
its figure is drawn beside the CPU-scale one. ``programs`` trains one model per curriculum strategy (baseline, naive, mix, combined)
at one target (length, nesting) and evaluates every (length, nesting) up to it (the paper's
program-evaluation figures, relative to baseline). Every run is ``python -m l2e.fit`` with the
quick preset (2 x 128 LSTM) in ``runs/experiments/<name>``; an interrupted sweep resumes where it
stopped (finished runs are kept, unfinished ones resume from their checkpoint), and a larger
``--steps`` continues each strategy's run of the largest smaller budget instead of starting over
(``l2e.lte.sweeps``, which also names the runs). ``report`` (run by both) writes the tables and
PNG figures into docs/ and rewrites their blocks of the LTE section of docs/RESULTS.md, keeping
the blocks of runs that are not on this machine.
``tools/lte_compare.py`` compares the finished baseline and combined runs of several seeds on one
common test sample.
"""

import argparse
import os
import subprocess
import sys

from l2e import runs
from l2e.lte.sweeps import LTE_SECTION, SWEEP_RUNS, program_run_name, start_from_a_smaller_budget, step_budget
from l2e.results import RESULTS, write_blocks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = os.path.join(ROOT, SWEEP_RUNS)
PAPER_RUNS = os.path.join(ROOT, "runs", "paper", "figure7")
"""The paper-scale memorization runs (figure 7 at 2 x 400)."""
MEMORIZATION = {  # preset -> (runs directory, default lengths, default steps, default schemes, model, figure)
    "quick": (RUNS, [5, 10, 15], 1500, ["none", "reverse", "double", "reverse+double"], "2 x 128",
              "memorization_schemes.png"),
    "paper": (PAPER_RUNS, [5, 15, 35, 65], 4000, ["none", "reverse+double"], "2 x 400",
              "memorization_schemes_paper.png"),
}
DOCS = os.path.join(ROOT, "docs")

SCHEMES = {"none": [], "reverse": ["--reverse"], "double": ["--double"], "reverse+double": ["--reverse", "--double"]}
STRATEGIES = ("baseline", "naive", "mix", "combined")


def run_fit(name: str, args: list[str], preset: str = "quick", root: str = RUNS) -> dict:
    """Train (or finish) run ``name`` of ``preset`` in ``root``; returns its metrics.json."""
    out = os.path.join(root, name)
    if not runs.is_finished(out):
        resume = ["--resume"] if runs.has_checkpoint(out) else []
        command = [sys.executable, "-m", "l2e.fit", "--preset", preset, "--no-progress", "--out", out, *resume, *args]
        print("$ " + " ".join(command[1:]), flush=True)
        subprocess.run(command, check=True, cwd=ROOT)
    return runs.read_metrics(out)


def memorization(lengths, steps, seed, schemes=tuple(SCHEMES), preset="quick", precision=None):
    root = MEMORIZATION[preset][0]
    for length in lengths:
        for scheme in schemes:
            flags = SCHEMES[scheme] + (["--precision", precision] if precision else [])
            run_fit(f"memorization-{scheme}-L{length}-s{seed}",
                    ["--experiment", "memorization", *flags, "--length", str(length), "--strategy", "baseline",
                     "--steps", str(steps), "--seed", str(seed)], preset, root)


def programs(length, nesting, steps, seed, strategies=STRATEGIES):
    for strategy in strategies:
        name = program_run_name(strategy, length, nesting, steps, seed)
        source = start_from_a_smaller_budget(RUNS, name)
        if source is not None:
            print(f"{name}: continuing from a copy of {source}", flush=True)
        run_fit(name,
                ["--experiment", "programs", "--length", str(length), "--nesting", str(nesting),
                 "--strategy", strategy, "--steps", str(steps), "--seed", str(seed)])


def finished_runs(prefix: str, root: str | None = None) -> list[dict]:
    """metrics.json of every finished run in ``root`` (default RUNS) whose name starts with
    ``prefix``, each with its directory name added as ``run``."""
    return [{**metrics, "run": name} for name, metrics in runs.finished_runs(root or RUNS, prefix).items()]


def memorization_report(preset: str = "quick") -> dict[str, str]:
    """The memorization block of ``preset`` (key ``LTE-memorization``, or ``LTE-memorization-paper``
    beside the CPU-scale figure), {} without finished runs."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    root, _, _, _, model, png = MEMORIZATION[preset]
    finished = finished_runs("memorization-", root)
    if not finished:
        return {}
    table = {}  # (scheme, length) -> test metrics
    for m in finished:
        c = m["config"]
        scheme = "+".join(t for t in ("reverse", "double") if c[t]) or "none"
        table[(scheme, c["length"])] = (m["final"]["test"], m["final"]["step"])
    lengths = sorted({length for _, length in table})
    title = "paper figure 7 analogue" if preset == "quick" else "paper figure 7 at the paper's scale"
    lines = [f"### Memorization: input schemes ({title})", "",
             f"Test split, teacher-forced character accuracy / greedy exact match, {model} LSTM, baseline "
             "strategy, same step budget for every run.", "",
             "| scheme | " + " | ".join(f"length {n}" for n in lengths) + " |",
             "|---|" + "---|" * len(lengths)]
    figure, axis = plt.subplots(figsize=(6, 4))
    width = 0.8 / len(SCHEMES)
    for k, scheme in enumerate(SCHEMES):
        cells = []
        for i, n in enumerate(lengths):
            if (scheme, n) in table:
                test = table[(scheme, n)][0]
                cells.append(f"{test['char_accuracy']:.3f} / {test['exact_accuracy']:.3f}")
                axis.bar(i + (k - 1.5) * width, test["char_accuracy"], width, color=f"C{k}",
                         label=scheme if scheme not in axis.get_legend_handles_labels()[1] else None)
            else:
                cells.append("-")
        lines.append(f"| {scheme} | " + " | ".join(cells) + " |")
    axis.set_xticks(range(len(lengths)), [f"{n} digits" for n in lengths])
    steps = sorted({v[1] for v in table.values()})
    axis.set(xlabel="target length (a missing bar: not run)", ylabel="test character accuracy", ylim=(0, 1.05),
             title=f"Memorization, {model} LSTM, {steps[-1]} steps")
    axis.legend(loc="center")
    figure.tight_layout()
    figure.savefig(os.path.join(DOCS, png), dpi=120)
    plt.close(figure)
    lengths_arg = " ".join(map(str, lengths))
    schemes_arg = " ".join(scheme for scheme in SCHEMES if any(key[0] == scheme for key in table))
    beside = "" if preset == "quick" else f" ![CPU scale]({MEMORIZATION['quick'][5]})"
    lines += ["", f"![memorization schemes]({png}){beside}", "",
              f"Regenerate: `python tools/lte_experiments.py memorization --preset {preset} --lengths {lengths_arg} "
              f"--steps {steps[-1]} --schemes {schemes_arg}`"]
    return {"LTE-memorization" + ("" if preset == "quick" else "-paper"): "\n".join(lines)}


def programs_report() -> dict[str, str]:
    """A block per target, step budget and seed (key ``LTE-programs-L{length}N{nesting}-S{steps}-s{seed}``);
    a run that reached the learning-rate floor first stopped earlier, and the block says where."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    finished = finished_runs("programs-")
    blocks = {}
    by_target = {}
    for m in finished:
        c = m["config"]
        by_target.setdefault((c["length"], c["nesting"], step_budget(m["run"]), c["seed"]), {})[c["strategy"]] = m
    for (length, nesting, steps, seed), by_strategy in sorted(by_target.items()):
        present = [s for s in STRATEGIES if s in by_strategy]
        compared = {"combined", "baseline"} <= set(present)
        lines = [f"### Program evaluation: curriculum strategies at length {length}, nesting {nesting}, seed {seed} "
                  "(paper figures 4-6 analogue)", "",
                  f"2 x 128 LSTM, a budget of {steps} steps each. Test split, 100 programs per cell; teacher-forced "
                  "character accuracy (the paper's metric), greedy exact match in parentheses"
                  + ("; the last column is relative to baseline." if compared else "."), "",
                  "| length | nesting | " + " | ".join(present) + (" | combined - baseline |" if compared else " |"),
                  "|---|---|" + "---|" * (len(present) + compared)]
        grids = {s: {(r["length"], r["nesting"]): r for r in by_strategy[s]["final"]["grid"]} for s in present}
        cells = sorted(grids[present[0]])
        for cell in sorted(cells, key=lambda c: (c[1], c[0])):
            values = [f"{grids[s][cell]['char_accuracy']:.3f} ({grids[s][cell]['exact_accuracy']:.2f})" for s in present]
            if compared:
                values.append(f"{grids['combined'][cell]['char_accuracy'] - grids['baseline'][cell]['char_accuracy']:+.3f}")
            lines.append(f"| {cell[0]} | {cell[1]} | " + " | ".join(values) + " |")
        lines += ["", "Steps trained: " + ", ".join(
            f"{s} {by_strategy[s]['final']['step']}"
            + (" (learning rate below its floor)" if by_strategy[s]["final"]["step"] < steps else "")
            for s in present) + f". The target ({length}, {nesting}) on the whole test split: " + ", ".join(
            f"{s} {by_strategy[s]['final']['test']['char_accuracy']:.3f} "
            f"({by_strategy[s]['final']['test']['exact_accuracy']:.2f}) of {by_strategy[s]['final']['test']['examples']}"
            for s in present) + "."]
        figure, axes = plt.subplots(1, nesting, figsize=(4 * nesting, 3.5), squeeze=False)
        for n in range(1, nesting + 1):
            axis = axes[0][n - 1]
            for s in present:
                xs = [l for l in range(1, length + 1)]
                base = [grids["baseline"][(l, n)]["char_accuracy"] for l in xs] if "baseline" in grids else [0] * len(xs)
                axis.plot(xs, [grids[s][(l, n)]["char_accuracy"] - b for l, b in zip(xs, base)], marker="o", label=s)
            axis.set(title=f"nesting {n}", xlabel="length", ylabel="char accuracy - baseline",
                     xticks=range(1, length + 1))
            axis.axhline(0, color="grey", linewidth=0.5)
        axes[0][0].legend()
        figure.tight_layout()
        png = f"programs_strategies_L{length}N{nesting}_S{steps}_s{seed}.png"
        figure.savefig(os.path.join(DOCS, png), dpi=120)
        plt.close(figure)
        lines += ["", f"![strategies relative to baseline]({png})", "",
                  f"Regenerate: `python tools/lte_experiments.py programs --length {length} --nesting {nesting} "
                  f"--steps {steps}{f' --seed {seed}' if seed else ''}"
                  f"{'' if len(present) == len(STRATEGIES) else ' --strategies ' + ' '.join(present)}`"]
        blocks[f"LTE-programs-L{length}N{nesting}-S{steps}-s{seed}"] = "\n".join(lines)
    return blocks


def report():
    """Rewrite the blocks of the LTE section of docs/RESULTS.md that finished runs in runs/experiments
    measure; blocks of runs that are not here (another machine's, an earlier session's) are kept."""
    write_blocks({**memorization_report(), **memorization_report("paper"), **programs_report()}, *LTE_SECTION)
    print(f"wrote {RESULTS}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("memorization", help="input schemes x lengths")
    m.add_argument("--preset", choices=sorted(MEMORIZATION), default="quick",
                   help="quick: 2 x 128 LSTM in runs/experiments (default); paper: the paper's 2 x 400 in "
                   "runs/paper/figure7")
    m.add_argument("--lengths", type=int, nargs="+", help="target lengths (quick 5 10 15, paper 5 15 35 65)")
    m.add_argument("--steps", type=int, help="steps per run (quick 1500, paper 4000: the paper's 20 epochs)")
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--schemes", nargs="+", choices=list(SCHEMES),
                   help="input schemes (quick all four, paper none and reverse+double)")
    m.add_argument("--precision", choices=("float32", "bfloat16"),
                   help="of the LSTM's training products (python -m l2e.fit --precision; default float32)")
    p = sub.add_parser("programs", help="curriculum strategies at one target")
    p.add_argument("--length", type=int, default=3)
    p.add_argument("--nesting", type=int, default=2)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--strategies", nargs="+", choices=STRATEGIES, default=list(STRATEGIES))
    sub.add_parser("report", help="only rewrite the tables and figures from finished runs")
    args = parser.parse_args()
    if args.command == "memorization":
        _, lengths, steps, schemes, _, _ = MEMORIZATION[args.preset]
        memorization(args.lengths or lengths, args.steps or steps, args.seed, args.schemes or schemes, args.preset,
                     args.precision)
    elif args.command == "programs":
        programs(args.length, args.nesting, args.steps, args.seed, args.strategies)
    report()


if __name__ == "__main__":
    main()
