"""Where a find-min model errs: single steps along exact selection sorts, and crowded minima.

    python tools/nee_step_errors.py runs/shipped/find_min/model.keras [--sizes 25 100] [--json]

Three measurements of one trained find-min model (``python -m l2e.fit --experiment nee-find-min``):

- steps: every step of selection sort on lists of each size (60 uniform + 40 shuffled
  progressions, ``list_test_suite`` seeded by the size, so not the Table-1 suites), fed the
  oracle's mask, so one error does not spoil the steps after it; counts of wrong values and
  pointers, and the first wrong steps as (true minimum, value, pointed-to number, candidates);
- crowd: lists whose minimum 63 competes with K numbers just above it, either 64, 65, ...
  (``dense``, up to K = 100) or drawn from 64..79 with repeats (``near``, up to K = 1000); the
  share of wrong values. A model whose attention fades as the candidates multiply fails here
  first;
- pairs: find-min of every pair of numbers 0..255 and INFINITY (Dijkstra's and Prim's pairwise
  minimum); the count of wrong values.
"""

import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CROWD_SIZES = (8, 16, 32, 64, 100, 200, 500, 1000)
DENSE_SIZES = 100
"""The dense crowd 64, 65, ... goes up to this many numbers (it must stay within 0..255)."""
CROWD_MINIMUM = 63


def build_parser():
    from l2e.cli import ArgumentParser, bounded_int

    p = ArgumentParser(prog="python tools/nee_step_errors.py", description=__doc__.split("\n\n")[0])
    p.add_argument("model", metavar="MODEL", help="a find-min model (.keras)")
    p.add_argument("--sizes", nargs="+", type=bounded_int(1, 256), default=[25, 100],
                   help="list sizes of the step count (default 25 100)")
    p.add_argument("--trials", type=bounded_int(1, 100_000), default=200, help="lists per crowd cell (default 200)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    return p


def step_errors(engine, size: int, shown: int = 8) -> dict:
    """Wrong values and pointers over the selection-sort steps of the lists of ``size``."""
    from l2e.nee.data import list_test_suite
    from serving.algorithms.loop import append_end
    from serving.oracle import OracleEngine

    values = append_end(list_test_suite(np.random.default_rng(size), size).values)
    mask = np.zeros(values.shape, dtype=bool)
    oracle, counts, first = OracleEngine(), {"steps": 0, "value": 0, "pointer": 0}, []
    rows = np.arange(len(values))
    for _ in range(size + 1):
        expected, got = oracle.find_min(values, mask), engine.find_min(values, mask)
        wrong_value, wrong_pointer = got.value != expected.value, values[rows, got.pointer] != expected.value
        counts["steps"] += len(values)
        counts["value"] += int(wrong_value.sum())
        counts["pointer"] += int(wrong_pointer.sum())
        for row in np.flatnonzero(wrong_value | wrong_pointer)[: max(shown - len(first), 0)]:
            first.append([int(expected.value[row]), int(got.value[row]), int(values[row, got.pointer[row]]),
                          int((~mask[row]).sum())])
        mask = expected.next_mask
    return {"size": size, **counts, "first_errors": first}


def crowd_errors(engine, trials: int, seed: int = 0) -> list[dict]:
    """Share of wrong values when the minimum has K close competitors, per K in CROWD_SIZES."""
    from serving.algorithms.loop import append_end

    rng = np.random.default_rng(seed)
    rows = []
    for size in CROWD_SIZES:
        kinds = {"near": np.stack([rng.permutation(np.concatenate(
            [[CROWD_MINIMUM], rng.integers(CROWD_MINIMUM + 1, CROWD_MINIMUM + 17, size - 1)])) for _ in range(trials)])}
        if size <= DENSE_SIZES:
            kinds["dense"] = np.stack([rng.permutation(np.arange(CROWD_MINIMUM, CROWD_MINIMUM + size))
                                       for _ in range(trials)])
        row = {"numbers": size}
        for kind, lists in kinds.items():
            candidates = append_end(lists)
            step = engine.find_min(candidates, np.zeros(candidates.shape, dtype=bool))
            row[kind] = float(np.mean(step.value != CROWD_MINIMUM))
        rows.append(row)
    return rows


def pair_errors(engine) -> dict:
    """Wrong values of find-min over every ordered pair of numbers 0..255 and INFINITY."""
    from serving.numbers import INFINITY, MAX_LIST_VALUE

    numbers = np.append(np.arange(MAX_LIST_VALUE + 1), INFINITY)
    pairs = np.stack([grid.ravel() for grid in np.meshgrid(numbers, numbers)], axis=1)
    step = engine.find_min(pairs, np.zeros(pairs.shape, dtype=bool))
    return {"pairs": len(pairs), "wrong": int((step.value != pairs.min(axis=1)).sum())}


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if not os.path.isfile(args.model):
        raise ValueError(f"model: no file {args.model}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from l2e.nee.keras_engine import KerasEngine

    engine = KerasEngine.load({"find_min": args.model})
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
    sys.path.insert(0, ROOT)
    from l2e.cli import run_main

    sys.exit(run_main(main))
