"""Do 8-bit inputs keep their speed now that the CLI counts in 32 bits? Before against now, side by side.

    python tools/bench/wide_numbers.py                        # Table-1 suites at size 100, shipped models
    python tools/bench/wide_numbers.py --before c1bb980^ --sizes 25 100 --rounds 5

The Table-1 suites (``l2e.nee.evaluation.table_json_lines``: 100 lists; 100 graphs per family) are
answered by ``serving.cli.COMPOSITIONS[command].compute`` on the onnxruntime engine, exactly the
work of ``l2e-compose COMMAND --batch``, once by the serving code of commit ``--before`` (default:
the last one before wide numbers; extracted with ``git archive``) and once by the working tree's.
Each side runs in worker processes of its own, which time every cell ``--repeats`` times and keep
the least (the shared machine's interference only adds); the rounds alternate the sides, and each
cell reports the median of its rounds and the ratio now / before (below 1: now is faster).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

from l2e.nee.evaluation import table_json_lines

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMMANDS = {"sort": "lists", "merge-sort": "lists", "shortest-path": "graphs", "mst": "graphs"}
"""The commands timed, and what each reads."""

WORKER = """
import json, sys, time
from serving.cli import COMPOSITIONS
from serving.onnx_engine import OnnxEngine
cells, models, repeats = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3])
seconds = {}
for name, (command, lines) in cells.items():
    composition = COMPOSITIONS[command]
    instances = [composition.read_line(line) for line in lines]
    engine = OnnxEngine.load(models, composition.subroutines)
    composition.compute(engine, instances)  # warm-up
    seconds[name] = []
    for _ in range(repeats):
        start = time.perf_counter()
        composition.compute(engine, instances)
        seconds[name].append(time.perf_counter() - start)
    seconds[name] = min(seconds[name])
print(json.dumps(seconds))
"""


def worker_seconds(tree: str, cells_file: str, models: str, repeats: int) -> dict[str, float]:
    """{cell: the least seconds of ``repeats`` timings} of one worker run of the serving code in ``tree``."""
    done = subprocess.run([sys.executable, "-c", WORKER, cells_file, models, str(repeats)], cwd=tree, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": tree})
    if done.returncode:
        raise RuntimeError(f"worker in {tree} failed: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default="c1bb980^", metavar="REV",
                        help="the commit to compare with (default c1bb980^, the last before wide numbers)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100], help="suite sizes (default 100)")
    parser.add_argument("--rounds", type=int, default=3, help="worker runs per side, alternating; the median (default 3)")
    parser.add_argument("--repeats", type=int, default=5,
                        help="timings per cell in a worker run; the least counts (default 5)")
    parser.add_argument("--models", default=os.path.join(ROOT, "serving", "models"),
                        help="models directory (default: the shipped models)")
    args = parser.parse_args(argv)
    cells = {f"{command} {family} {size}": (command, lines)
             for size in args.sizes for command, inputs in COMMANDS.items()
             for family, lines in table_json_lines(inputs, size)}
    with tempfile.TemporaryDirectory() as tmp:
        before = os.path.join(tmp, "before")
        os.makedirs(before)
        archive = subprocess.run(["git", "archive", args.before, "serving"], cwd=ROOT, capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", before], input=archive, check=True)
        cells_file = os.path.join(tmp, "cells.json")
        with open(cells_file, "w") as f:
            json.dump(cells, f)
        timings = {"before": [], "now": []}
        for round_index in range(args.rounds):
            sides = [("before", before), ("now", ROOT)][:: 1 if round_index % 2 == 0 else -1]
            for side, tree in sides:
                timings[side].append(worker_seconds(tree, cells_file, args.models, args.repeats))
    print(f"| cell | before {args.before} (s) | now (s) | now / before |")
    print("|---|---|---|---|")
    ratios = []
    for name in cells:
        old, new = (float(np.median([t[name] for t in timings[side]])) for side in ("before", "now"))
        ratios.append(new / old)
        print(f"| {name} | {old:.3f} | {new:.3f} | {new / old:.2f} |")
    print(f"geometric mean of now / before over {len(ratios)} cells: {np.exp(np.mean(np.log(ratios))):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
