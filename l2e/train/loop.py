"""The training loop every experiment shares: step and time budgets, periodic checks, metrics,
TensorBoard, checkpoints and resume, a progress bar, graceful Ctrl-C / SIGTERM.

It drives any :class:`l2e.train.experiment.Experiment`.

It writes the run directory that :mod:`l2e.runs` describes: ``metrics.json`` from the start,
``checkpoints/``, ``tensorboard/`` and, when the run is finished, the final evaluation and
``model.keras``. A run paused by its time budget has a checkpoint but neither.

Progress goes to stderr: in a terminal a bar that fits 80 columns (steps, ETA and the
experiment's ``progress()`` fields); otherwise one line per check, so that a log file reads line
by line.
"""

import math
import os
import signal
import sys
import time

import tensorflow as tf
from tqdm import tqdm

from l2e import runs
from l2e.train.checkpoints import CheckpointStore
from l2e.train.experiment import Experiment


BAR_FORMAT = "{n_fmt}/{total_fmt} {bar} {elapsed}<{remaining}{postfix}"
OPEN_BAR_FORMAT = "{n_fmt} steps {elapsed}{postfix}"
LINE_FORMAT = "step {n_fmt}/{total_fmt} {percentage:.0f}% {elapsed}<{remaining}{postfix}"
OPEN_LINE_FORMAT = "step {n_fmt} {elapsed}{postfix}"
"""Progress formats: a bar in a terminal, a line per check elsewhere; OPEN_* without a step budget."""


class _Progress:
    """Training progress on stderr: a tqdm bar in a terminal, else a line per ``show`` call."""

    def __init__(self, total: int | None, initial: int, enabled: bool):
        self.total, self.initial, self.started = total, initial, time.monotonic()
        self.enabled, self.terminal = enabled, sys.stderr.isatty()
        self.bar = tqdm(total=total, initial=initial, disable=not (enabled and self.terminal), file=sys.stderr,
                        dynamic_ncols=True, mininterval=0.5,
                        bar_format=BAR_FORMAT if total is not None else OPEN_BAR_FORMAT)

    def update(self) -> None:
        """One step done."""
        self.bar.update(1)

    def show(self, step: int, fields: dict) -> None:
        """The experiment's fields at ``step``: on the bar, or as a line of their own."""
        postfix = " ".join(f"{name} {value}" for name, value in fields.items())
        if self.terminal:
            self.bar.set_postfix_str(postfix, refresh=False)
        elif self.enabled:
            line = tqdm.format_meter(step, self.total, time.monotonic() - self.started, postfix=postfix,
                                     initial=self.initial,
                                     bar_format=LINE_FORMAT if self.total is not None else OPEN_LINE_FORMAT)
            print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        self.bar.close()


class _StopRequested:
    """Turns SIGTERM (and SIGINT) into a flag the loop checks between steps."""

    def __init__(self):
        self.requested = False

    def __enter__(self):
        self._previous = {s: signal.signal(s, self._handle) for s in (signal.SIGTERM, signal.SIGINT)}
        return self

    def _handle(self, signum, frame):
        if self.requested:  # a second Ctrl-C: stop at once
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc):
        for s, handler in self._previous.items():
            signal.signal(s, handler)


def train(experiment: Experiment, out_dir: str, max_steps: int | None = None, max_seconds: float | None = None,
          resume: bool = False, checkpoint_every: int | None = None, is_chief: bool = True,
          show_progress: bool = True, arguments: dict | None = None) -> dict:
    """Train ``experiment`` until it is finished or its step budget ends, then evaluate it and
    save the model; returns the metrics dict.

    ``max_steps`` counts total steps (a resumed run continues towards the same total).
    ``max_seconds`` limits this invocation's training time: when it ends first, the run is paused
    (a checkpoint, no final evaluation, no model) and returns with ``metrics["paused"] = True``;
    ``resume`` continues it. ``arguments`` (what the command line asked for) are recorded in
    metrics.json. Raises ValueError when ``out_dir`` holds a run and ``resume`` is False. A stop
    request (Ctrl-C, SIGTERM) saves a checkpoint and returns early with
    ``metrics["interrupted"] = True``.
    """
    os.makedirs(out_dir, exist_ok=True)
    checkpoint_dir = runs.checkpoint_dir(out_dir) if is_chief else \
        os.path.join(out_dir, f".worker-checkpoints-{os.getpid()}")
    store = CheckpointStore(checkpoint_dir, experiment.trackables())
    checkpoint_every = checkpoint_every or experiment.check_every

    step, sums, elapsed_before = 0, {}, 0.0
    metrics = {"config": experiment.config, "arguments": arguments or {}, "history": []}
    if store.latest_step() is not None and not resume:
        raise ValueError(f"out: {out_dir} already holds a run; pass --resume to continue it, or choose another --out")
    if resume:
        restored = store.restore_latest()
        if restored is not None:
            step, state, arrays = restored
            experiment.load_state_dict(state["experiment"])
            experiment.load_arrays(arrays)
            sums, elapsed_before = state["sums"], state["elapsed_seconds"]
            previous = runs.read_metrics(out_dir)
            metrics["history"] = [row for row in previous.get("history", []) if row["step"] <= step]

    if is_chief:
        runs.write_metrics(out_dir, metrics)
    writer = tf.summary.create_file_writer(os.path.join(out_dir, runs.TENSORBOARD)) if is_chief else None
    started, last_saved = time.monotonic(), step

    def elapsed():
        return elapsed_before + time.monotonic() - started

    def save():
        nonlocal last_saved
        state = {"experiment": experiment.state_dict(), "sums": sums, "elapsed_seconds": elapsed()}
        store.save(step, state, experiment.arrays())
        last_saved = step

    def out_of_time():
        return max_seconds is not None and time.monotonic() - started >= max_seconds

    progress = _Progress(max_steps, step, show_progress)
    interrupted = paused = False
    with _StopRequested() as stop:
        while not experiment.finished and (max_steps is None or step < max_steps):
            if out_of_time():
                paused = True
                break
            for name, value in experiment.train_step().items():
                sums[name] = sums.get(name, 0.0) + float(value)
            step += 1
            progress.update()
            if step % experiment.check_every == 0:
                row = {"step": step, **experiment.check(sums), "elapsed_seconds": round(elapsed(), 1)}
                sums = {}
                metrics["history"].append(row)
                if is_chief:
                    runs.write_metrics(out_dir, metrics)
                    with writer.as_default(step=step):
                        for name, value in row.items():
                            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                                tf.summary.scalar(name, value)
                    writer.flush()
                progress.show(step, experiment.progress())
            if step % checkpoint_every == 0:
                save()
            if stop.requested:
                interrupted = True
                break
    progress.close()
    if step != last_saved or store.latest_step() is None:
        save()
    if interrupted or paused:
        metrics["interrupted" if interrupted else "paused"] = True
        why = "stopped" if interrupted else "time limit reached"
        print(f"{why} at step {step}; checkpoint saved, continue with --resume", file=sys.stderr)
        return metrics
    metrics["final"] = {"step": step, "elapsed_seconds": round(elapsed(), 1), **experiment.final_evaluation()}
    if is_chief:
        runs.write_metrics(out_dir, metrics)
        experiment.save_model(runs.model_path(out_dir))
    return metrics
