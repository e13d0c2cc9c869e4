"""Where a find-min model errs: single steps along exact selection sorts, and crowded minima.

    python tools/nee_step_errors.py runs/shipped/find_min/model.keras [--sizes 25 100] [--json]

Three measurements of one trained find-min model (``python -m l2e.fit --experiment nee-find-min``),
``l2e.nee.analysis`` says what each is:

- steps: wrong values and pointers along the selection sorts of lists of each ``--sizes``, and
  the first wrong steps as (true minimum, value, pointed-to number, candidates);
- crowd: the share of wrong values when the minimum 63 competes with many numbers just above it;
- pairs: the count of wrong values over every pair of numbers 0..255 and INFINITY.
"""

import json
import os
import sys


def build_parser():
    from l2e.cli import ArgumentParser, bounded_int

    p = ArgumentParser(prog="python tools/nee_step_errors.py", description=__doc__.split("\n\n")[0])
    p.add_argument("model", metavar="MODEL", help="a find-min model (.keras, or the run directory that holds it)")
    p.add_argument("--sizes", nargs="+", type=bounded_int(1, 256), default=[25, 100],
                   help="list sizes of the step count (default 25 100)")
    p.add_argument("--trials", type=bounded_int(1, 100_000), default=200, help="lists per crowd cell (default 200)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from l2e import runs
    from l2e.nee.analysis import crowd_errors, pair_errors, step_errors
    from l2e.nee.keras_engine import KerasEngine

    engine = KerasEngine({"find_min": runs.load_model(args.model)})
    result = {"model": args.model, "steps": [step_errors(engine, size) for size in args.sizes],
              "crowd": crowd_errors(engine, args.trials), "pairs": pair_errors(engine)}
    if args.json:
        print(json.dumps(result))
        return 0
    for row in result["steps"]:
        print(f"size {row['size']}: {row['value']} wrong values, {row['pointer']} wrong pointers in {row['steps']} "
              f"steps; first (minimum, value, pointed, candidates): {row['first_errors']}")
    print("crowd (wrong share, minimum 63 among N numbers): " + "; ".join(
        f"N={row['numbers']}: " + ", ".join(f"{kind} {row[kind]:.3f}" for kind in ("dense", "near") if kind in row)
        for row in result["crowd"]))
    print(f"pairs: {result['pairs']['wrong']} wrong values of {result['pairs']['pairs']}")
    return 0


if __name__ == "__main__":
    from l2e.cli import run_main

    sys.exit(run_main(main))
