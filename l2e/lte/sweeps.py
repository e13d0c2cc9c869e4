"""The CPU-scale sweeps of Learning to Execute (``tools/lte_experiments.py``): where their runs
live, what each run is called, and how a larger step budget continues a smaller one's run.

``tools/lte_experiments.py`` trains and reports the sweeps; ``tools/lte_compare.py`` reads the
finished ``programs`` runs back (:mod:`l2e.lte.comparison`). No TensorFlow.
"""

import os
import re
import shutil

from l2e import runs

SWEEP_RUNS = os.path.join("runs", "experiments")
"""The directory of the sweeps' runs, relative to the checkout."""
LTE_SECTION = ("LTE", "## Learning to Execute (CPU-scale sweeps)")
"""The block of docs/RESULTS.md that holds the sweeps' blocks (:mod:`l2e.results`), and its title."""

PROGRAM_RUN = re.compile(r"(programs-.+)-S(\d+)-s(\d+)")
"""The name ``programs`` gives a run: ``programs-<strategy>-L<length>N<nesting>-S<steps>-s<seed>``;
groups: everything before the budget, the budget, the seed."""


def program_run_name(strategy: str, length: int, nesting: int, steps: int, seed: int) -> str:
    """The run name of one strategy of ``programs`` (``PROGRAM_RUN``)."""
    return f"programs-{strategy}-L{length}N{nesting}-S{steps}-s{seed}"


def step_budget(run: str) -> int:
    """The ``--steps`` of a run named by ``programs``."""
    return int(PROGRAM_RUN.fullmatch(run).group(2))


def start_from_a_smaller_budget(runs_dir: str, name: str) -> str | None:
    """Seed the new run ``name`` (``programs-...-S<steps>-s<seed>``) in ``runs_dir`` with a copy of
    the run of the same settings and the largest smaller step budget, if there is one; returns its
    name.

    Training then continues from that run's last checkpoint instead of step 0, which is the same
    computation (``--resume`` continues exactly, and the budget only says where to stop). A
    smaller-budget run that stopped before its budget, at the learning-rate floor, is the whole
    larger run too, so its results are kept; otherwise they are dropped and recomputed at the end.
    """
    match = PROGRAM_RUN.fullmatch(name)
    if match is None or os.path.exists(os.path.join(runs_dir, name)) or not os.path.isdir(runs_dir):
        return None
    smaller = [(int(m.group(2)), entry) for entry in os.listdir(runs_dir)
               if (m := PROGRAM_RUN.fullmatch(entry)) and m.group(1, 3) == match.group(1, 3)
               and int(m.group(2)) < int(match.group(2)) and runs.has_checkpoint(os.path.join(runs_dir, entry))]
    if not smaller:
        return None
    budget, source = max(smaller)
    out = os.path.join(runs_dir, name)
    shutil.copytree(os.path.join(runs_dir, source), out)
    metrics = runs.read_metrics(out)
    if metrics.get("final", {}).get("step", 0) >= budget:
        del metrics["final"]
        runs.write_metrics(out, metrics)
    return source
