"""``python -m l2e.fit``: train a model of the field with the paper's method.

    python -m l2e.fit --experiment memorization --reverse --double --preset quick
    python -m l2e.fit --experiment programs --length 6 --nesting 3 --strategy combined
    python -m l2e.fit --experiment addition --length 9
    python -m l2e.fit --resume --out runs/my-run
    python -m l2e.fit --experiment nee-find-min --preset quick
    python -m l2e.fit --experiment nee-add --holdout 64

The ``paper`` preset (the default) is the paper's model and method; ``quick`` is sized to finish
in minutes on 2 CPU cores. Every flag overrides its preset. Outputs go to ``--out``:
checkpoints, TensorBoard logs, ``metrics.json`` and ``model.keras``. ``metrics.json`` records the
run-defining arguments, so ``--resume`` rebuilds the run from them. Bad usage (an ``--out`` that
holds a run, a flag that does not fit the experiment, a ``--resume`` without a run) is refused
before TensorFlow is imported.
"""

import argparse
import dataclasses
import json
import os
import sys
import time

from l2e import runs
from l2e.cli import ArgumentParser, bounded_int, import_tensorflow, positive_float, program_name, run_main
from l2e.lte import config as lte_config
from l2e.nee import config as nee_config

PAPERS = {"Learning-to-Execute": lte_config, "nee-*": nee_config}
"""Each paper's configuration module (``EXPERIMENTS``, ``PRESETS``, ``FLAGS``, ``add_arguments``,
``config_from_args``), by the name its flags' errors give it."""

EXPERIMENTS = lte_config.EXPERIMENTS + nee_config.EXPERIMENTS

RUNTIME_FLAGS = ("out", "resume", "steps", "time_limit", "distribute", "cpu_replicas", "precision", "json",
                 "no_progress")
"""Flags that say how to run, not what to train: ``--resume`` takes every other flag from the run
(``--steps`` and ``--time-limit`` may extend it; ``--precision`` applies from the resumed step on)."""

def build_parser() -> ArgumentParser:
    p = ArgumentParser(
        prog=program_name(),
        description="Train a model of the field with its paper's method. Learning to Execute (programs, "
        "memorization, addition): an LSTM reads the input character by character and learns to write its "
        "output. Neural Execution Engines (nee-*): a small transformer learns one step of a subroutine on "
        "size-8 traces. Paper defaults; --preset quick for a CPU.")
    p.add_argument("--experiment", choices=EXPERIMENTS, default="memorization",
                   help="programs: Python programs -> printed integer; memorization: copy a digit string; "
                   "addition: two numbers -> their sum; nee-*: a Neural Execution Engine subroutine "
                   "(find-min, merge step, addition, multiplication) on size-8 traces; nee-sort-vanilla: the "
                   "paper's baseline, a vanilla transformer that sorts whole lists of 1..8 (default memorization)")
    p.add_argument("--preset", choices=sorted(lte_config.PRESETS), default="paper",
                   help="paper: 2x400 LSTM, trained until the learning rate falls below 1e-3, memorization at "
                   "most 20 epochs = 4000 minibatches, the paper's limit (GPU-sized); quick: 2x128 LSTM, 1500 "
                   "steps, minutes on 2 CPU cores (default paper)")
    p.add_argument("--steps", type=bounded_int(1), help="stop after this many minibatches in total (with --resume: "
                   "a new total, to extend the run)")
    p.add_argument("--time-limit", type=positive_float, metavar="SECONDS",
                   help="pause this invocation after this many seconds of training: a checkpoint is saved, and "
                   "there is no final evaluation and no model.keras until --resume finishes the run")
    p.add_argument("--layers", type=bounded_int(1, 16), help="stacked LSTM layers (paper 2)")
    p.add_argument("--batch-size", type=bounded_int(1, 100_000), help="streams per minibatch (paper 100)")
    p.add_argument("--check-every", type=bounded_int(1), help="steps between curriculum checks (paper 100)")
    p.add_argument("--out", metavar="DIR", help="run directory (default runs/<name>-<time>); must not hold a run "
                   "unless --resume")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint, "
                   "with its own settings (experiment, preset, model, target, strategy, seed, step budget); "
                   "--steps and --time-limit may extend it, other flags must agree with it")
    p.add_argument("--seed", type=bounded_int(0), default=0, help="random seed for data and weights (default 0)")
    p.add_argument("--distribute", choices=("mirrored", "multiworker"), default="mirrored",
                   help="mirrored: all GPUs of this machine, else the CPU (default); multiworker: "
                   "MultiWorkerMirroredStrategy configured by TF_CONFIG")
    p.add_argument("--cpu-replicas", type=bounded_int(1, 64), default=1,
                   help="split the CPU into this many logical devices, one replica each (for testing "
                   "distribution without GPUs; default 1)")
    lte_config.add_arguments(p)
    nee_config.add_arguments(p)
    p.add_argument("--json", action="store_true", help="print the final metrics as one JSON object on stdout")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def paper_of(experiment: str):
    """The configuration module of the paper that ``experiment`` belongs to."""
    return next(paper for paper in PAPERS.values() if experiment in paper.EXPERIMENTS)


def run_settings(args) -> tuple[dict, int | None]:
    """The run's settings (keyword arguments of the paper's config) and step budget; ValueError for
    a flag of the other paper or one that does not fit the experiment."""
    paper = paper_of(args.experiment)
    for who, other in PAPERS.items():
        for flag in other.FLAGS if other is not paper else ():
            if getattr(args, flag) not in (None, False):
                raise ValueError(f"{flag.replace('_', '-')}: applies to the {who} experiments only")
    config, steps = paper.config_from_args(args)
    return dataclasses.asdict(config), steps


def given_arguments(argv) -> dict:
    """The flags written on the command line (dest -> value), without argparse's defaults."""
    parser, unset = build_parser(), object()
    # argparse fills in a default only where the namespace lacks the attribute
    preset = argparse.Namespace(**dict.fromkeys(vars(parser.parse_args(argv)), unset))
    return {name: value for name, value in vars(parser.parse_args(argv, preset)).items() if value is not unset}


def _differences(settings: dict, saved: dict) -> str:
    """The run's saved settings that ``settings`` would change, as ``name VALUE, ...`` ('' if none)."""
    return ", ".join(f"{name} {saved[name]}" for name, value in settings.items() if name in saved and saved[name] != value)


def resumed_arguments(args, given: dict) -> argparse.Namespace:
    """The arguments of the run in ``args.out`` with the ``given`` flags on top; ValueError when
    ``out`` holds no run or a given flag contradicts it.

    A run records its arguments in ``metrics.json``. A run made before runs did so is rebuilt from
    the given flags, and the settings they make must match its saved config.
    """
    run = runs.read_metrics(args.out)
    if run is None:
        raise ValueError(f"resume: {args.out} holds no run to continue; start one without --resume")
    saved, recorded = run.get("config", {}), run.get("arguments")
    if not recorded:
        merged = argparse.Namespace(**{**vars(args), **given})
        differences = _differences(run_settings(merged)[0], saved)
        if differences:
            raise ValueError(f"resume: {args.out} does not record its arguments, and the flags given differ from "
                             f"its {differences}; repeat the flags that made it")
        return merged
    base = {**vars(args), **recorded, "precision": saved.get("precision")}  # kept unless given
    for name, value in given.items():
        if name in RUNTIME_FLAGS or value == recorded.get(name):
            continue
        if recorded.get(name) is not None:
            differences = f"{name} {recorded[name]}"
        else:
            differences = _differences(run_settings(argparse.Namespace(**{**base, name: value}))[0], saved)
        if differences:
            flag = f"--{name.replace('_', '-')}" + ("" if value is True else f" {value}")
            raise ValueError(f"resume: {flag} contradicts the run in {args.out}, which has {differences}; leave it "
                             "out: --resume takes the run's own settings")
    return argparse.Namespace(**{**base, **given})


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.resume:
        if not args.out:
            raise ValueError("resume: name the run to continue with --out DIR")
        args = resumed_arguments(args, given_arguments(argv))
    elif args.out and args.distribute != "multiworker" and runs.read_metrics(args.out) is not None:
        # (workers may share --out, where the chief's run appears as it starts; there train()
        # refuses a run that holds checkpoints, on the chief)
        raise ValueError(f"out: {args.out} already holds a run; pass --resume to continue it, or choose another --out")
    settings, steps = run_settings(args)
    arguments = {**{k: v for k, v in vars(args).items() if k not in RUNTIME_FLAGS}, "steps": steps}

    import_tensorflow()
    from l2e.train.distribute import configure_cpu_replicas, make_strategy, worker_count_and_index
    if args.cpu_replicas > 1:
        configure_cpu_replicas(args.cpu_replicas)
    strategy = make_strategy(args.distribute)
    from l2e.train.loop import train
    if paper_of(args.experiment) is nee_config:
        from l2e.nee.experiment import NEEExperiment, VanillaExperiment
        config = nee_config.NEEConfig(**settings)
        Experiment = VanillaExperiment if config.experiment == nee_config.VANILLA else NEEExperiment
    else:
        from l2e.lte.experiment import LTEExperiment as Experiment
        config = lte_config.LTEConfig(**settings)
    out = args.out or os.path.join("runs", f"{config.name}-{time.strftime('%Y%m%d-%H%M%S')}")

    experiment = Experiment(config, strategy)
    is_chief = worker_count_and_index(strategy)[1] == 0
    print(f"{config.name}: {strategy.num_replicas_in_sync} replica(s), out {out}", file=sys.stderr)
    metrics = train(experiment, out, max_steps=steps, max_seconds=args.time_limit, resume=args.resume,
                    is_chief=is_chief, show_progress=not args.no_progress, arguments=arguments)
    if "final" in metrics and is_chief:
        print(experiment.summary_table(metrics["final"]), file=sys.stderr)
    if args.json:
        print(json.dumps({"out": out, **{k: metrics[k] for k in ("history", "final", "interrupted", "paused")
                                         if k in metrics}}))
    return 130 if metrics.get("interrupted") else 0


def console_main() -> None:
    """Entry point of the console script: one-line errors, exit codes."""
    sys.exit(run_main(main))


if __name__ == "__main__":
    console_main()
