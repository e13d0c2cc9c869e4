"""Benchmark: characters per second from the example generators to finished training windows.

Measured in one run, side by side with what the paper's 2 x 400 LSTM consumes in training on
this machine (its training step on the same window shape), so the ratio says how far the data
path is from ever being what training waits for. The data path is plain Python on one core.

    python tools/bench/data.py [--seconds 5] [--lstm-steps 6]
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from l2e.lte.curriculum import Curriculum  # noqa: E402
from l2e.lte.data.streams import CharStreams  # noqa: E402
from l2e.lte.data.tasks import make_task  # noqa: E402

BATCH, UNROLL = 100, 50

CASES = [
    ("programs, combined at its start (1, 1)", "programs", {}, Curriculum("combined", 6, 3)),
    ("programs, mix up to (6, 3)", "programs", {}, Curriculum("mix", 6, 3)),
    ("programs, baseline (6, 3)", "programs", {}, Curriculum("baseline", 6, 3)),
    ("memorization 5, reverse + double, combined start", "memorization", {"reverse": True, "double": True},
     Curriculum("combined", 5)),
    ("addition 9, baseline", "addition", {}, Curriculum("baseline", 9)),
]


def data_chars_per_second(task, curriculum, seconds: float) -> float:
    streams = CharStreams(task, curriculum, BATCH, UNROLL, seed=0)
    streams.next_window()
    windows, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        streams.next_window()
        windows += 1
    return windows * BATCH * UNROLL / (time.perf_counter() - start)


def lstm_chars_per_second(steps: int) -> float:
    """Training throughput of the paper's model (2 x 400, batch 100, unroll 50) on this machine."""
    import tensorflow as tf

    from l2e.lte.config import LTEConfig
    from l2e.lte.experiment import LTEExperiment

    experiment = LTEExperiment(LTEConfig(task="programs", length=6, nesting=3), tf.distribute.get_strategy())
    experiment.train_step()  # trace
    start = time.perf_counter()
    for _ in range(steps):
        experiment.train_step()
    return steps * BATCH * UNROLL / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per data case (default 5)")
    parser.add_argument("--lstm-steps", type=int, default=6, help="timed LSTM training steps (default 6)")
    args = parser.parse_args()
    lstm = lstm_chars_per_second(args.lstm_steps)
    print(f"paper LSTM (2 x 400) training consumes {lstm:,.0f} characters/s on this machine\n")
    print("| data path (batch 100 x unroll 50) | characters/s | x LSTM consumption |")
    print("|---|---|---|")
    for label, name, options, curriculum in CASES:
        rate = data_chars_per_second(make_task(name, **options), curriculum, args.seconds)
        print(f"| {label} | {rate:,.0f} | {rate / lstm:.1f} |")


if __name__ == "__main__":
    main()
