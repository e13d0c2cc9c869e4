"""Combined against baseline on one common test sample, paired program by program, for each seed.

    python tools/lte_compare.py --length 2 --nesting 2 --steps 64000 --seeds 0 1 [--examples 4000]

Each seed's finished pair of ``programs`` runs (``tools/lte_experiments.py``, in runs/experiments)
is read back from its ``model.keras`` and both models are evaluated on the same ``--examples``
test-split programs at the target difficulty (``l2e.lte.comparison``, which says why). Prints the
table and writes it as the block ``LTE-programs-L{length}N{nesting}-S{steps}-compare`` of
docs/RESULTS.md.
"""

import argparse
import os
import sys

from l2e import runs
from l2e.lte.comparison import (
    COMPARED, accuracies, accuracy_by_operation, common_sample, compare_runs, mean_over_seeds,
)
from l2e.lte.sweeps import LTE_SECTION, SWEEP_RUNS, program_run_name
from l2e.results import write_blocks

RUNS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), SWEEP_RUNS)


def run_directory(strategy: str, length: int, nesting: int, steps: int, seed: int) -> str:
    """The finished run's directory; a one-line error when it is missing or unfinished."""
    path = os.path.join(RUNS, program_run_name(strategy, length, nesting, steps, seed))
    if not runs.is_finished(path):
        raise ValueError(f"runs: {path} is not a finished run; train it with tools/lte_experiments.py programs "
                         f"--length {length} --nesting {nesting} --steps {steps} --seed {seed}")
    return path


def evaluate_seed(length: int, nesting: int, steps: int, seed: int, sample: list, primer: str) -> dict:
    """``l2e.lte.comparison.compare_runs`` of the seed's baseline and combined runs."""
    return compare_runs(*(run_directory(strategy, length, nesting, steps, seed) for strategy in COMPARED),
                        sample, primer)


def _accuracies(scores: dict) -> str:
    char, exact = accuracies(scores)
    return f"{char:.3f} ({exact:.3f})"


def operations_table(by_seed: dict[int, dict], sample: list) -> list[str]:
    """Markdown rows: accuracy on the programs of ``sample`` that use each operation, mean over seeds."""
    sources = [example.source for example in sample]
    by_strategy = {strategy: accuracy_by_operation([r[strategy]["scores"] for r in by_seed.values()], sources)
                   for strategy in COMPARED}
    lines = ["| programs using | programs | baseline | combined | combined - baseline |", "|---|---|---|---|---|"]
    for name, (count, base_char, base_exact) in by_strategy["baseline"].items():
        _, comb_char, comb_exact = by_strategy["combined"][name]
        lines.append(f"| {name} | {count} | {base_char:.3f} ({base_exact:.3f}) "
                     f"| {comb_char:.3f} ({comb_exact:.3f}) | {comb_char - base_char:+.3f} |")
    return lines


def comparison_table(length: int, nesting: int, steps: int, by_seed: dict[int, dict], sample: list) -> str:
    """The Markdown block: a row per seed, then the mean over seeds, then accuracy by operation."""
    models = sorted({r[s]["model"] for r in by_seed.values() for s in COMPARED})
    lines = [f"### Combined against baseline at length {length}, nesting {nesting}: {len(by_seed)} seed(s), "
             f"one common test sample", "",
             f"{' and '.join(models)} LSTM, a budget of {steps} steps (each run stops earlier when its learning rate falls below "
             f"1e-3). Both models of a seed read the same {len(sample)} test-split programs at the target; "
             "teacher-forced character accuracy (whole answers, greedy, in parentheses); differences are "
             "combined - baseline, program by program, +- one standard error over programs.", "",
             "| seed | steps trained (baseline, combined) | baseline | combined | character accuracy difference "
             "| whole-answer difference |", "|---|---|---|---|---|---|"]
    for seed, result in sorted(by_seed.items()):
        d = result["difference"]
        lines.append(f"| {seed} | {result['baseline']['steps']}, {result['combined']['steps']} "
                     f"| {_accuracies(result['baseline']['scores'])} | {_accuracies(result['combined']['scores'])} "
                     f"| {d['char']:+.3f} +- {d['char_se']:.3f} | {d['exact']:+.3f} +- {d['exact_se']:.3f} |")
    cells = []
    for key in ("char", "exact"):
        mean, error = mean_over_seeds([r["difference"][key] for r in by_seed.values()])
        cells.append(f"{mean:+.3f}" + (f" +- {error:.3f} (over seeds)" if error is not None else ""))
    lines += [f"| mean | | | | {cells[0]} | {cells[1]} |", "",
              "By the operations a program uses (a program of nesting 2 may use two; mean over seeds):", "",
              *operations_table(by_seed, sample), "",
              f"Regenerate: `python tools/lte_compare.py --length {length} --nesting {nesting} --steps {steps} "
              f"--seeds {' '.join(map(str, sorted(by_seed)))} --examples {len(sample)}`"]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--length", type=int, default=2, help="target length of the runs (default 2)")
    parser.add_argument("--nesting", type=int, default=2, help="target nesting of the runs (default 2)")
    parser.add_argument("--steps", type=int, required=True, help="the runs' step budget (their name's S<steps>)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="seeds whose run pairs to compare (default 0)")
    parser.add_argument("--examples", type=int, default=4000, help="test programs in the common sample (default 4000)")
    args = parser.parse_args(argv)
    if args.examples < 2:
        parser.error("--examples: at least 2")
    try:
        for seed in args.seeds:
            for strategy in COMPARED:
                run_directory(strategy, args.length, args.nesting, args.steps, seed)
    except ValueError as error:
        print(f"lte_compare: {error}", file=sys.stderr)
        return 2
    sample, primer = common_sample(args.length, args.nesting, args.examples)
    by_seed = {seed: evaluate_seed(args.length, args.nesting, args.steps, seed, sample, primer) for seed in args.seeds}
    table = comparison_table(args.length, args.nesting, args.steps, by_seed, sample)
    print(table)
    write_blocks({f"LTE-programs-L{args.length}N{args.nesting}-S{args.steps}-compare": table}, *LTE_SECTION)
    return 0


if __name__ == "__main__":
    sys.exit(main())
