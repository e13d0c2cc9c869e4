"""Benchmark: training throughput of l2e's Learning-to-Execute loop against a bare Keras ``fit``.

Both train the same network (the paper's 2 x 400 LSTM by default, batch 100, unroll 50, SGD 0.5,
clipping at global norm 5) in one process, in alternating rounds so that machine noise hits both
alike:

- l2e: :class:`l2e.lte.experiment.LTEExperiment` as the loop runs it: fresh program streams every
  step, the curriculum, the LSTM state carried from one minibatch to the next, the
  cross-replica clipping, and a curriculum check (validation included) every 100 steps;
- bare: the train step that ``model.fit`` compiles (under the same MirroredStrategy, or with
  ``--bare-strategy default`` under none), called directly (no per-call set-up of
  ``fit`` timed), on one constant minibatch, zero initial state, no curriculum, no carry; once
  with l2e's LSTM layer (``WindowLSTM``: the window recurrence with its hand-written gradient) and
  once with Keras's own ``LSTM`` layer (its step-by-step loop).

- l2e, bfloat16: the l2e loop with ``--precision bfloat16`` (the LSTM's matrix products in
  bfloat16, everything else float32).

The ratios: l2e loop / bare with the same layer must be at least 0.9 (the curriculum, streams
and carry-over cost under 10%); bare WindowLSTM / bare Keras LSTM is what the training
recurrence gains; l2e bfloat16 / l2e float32 is what bfloat16 products gain on this CPU (AMX or
AVX512_BF16 make them fast; elsewhere they may be slower).

    python tools/bench/train.py [--rounds 4] [--steps 30] [--hidden-size 400]
"""

import argparse
import dataclasses
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from l2e.lte.config import LTEConfig  # noqa: E402
from l2e.lte.experiment import LTEExperiment  # noqa: E402
from l2e.lte.model import WindowLSTM, build_lstm_executor, zero_state  # noqa: E402
from l2e.lte.vocab import VOCAB_SIZE  # noqa: E402


def bare_keras(config: LTEConfig, strategy: tf.distribute.Strategy, lstm_layer: type):
    """A function running n ``fit`` steps of the same network, with ``lstm_layer`` layers, on a
    constant minibatch, built and compiled under ``strategy``."""
    with strategy.scope():
        executor = build_lstm_executor(config.hidden_size, config.num_layers, seed=1, lstm_layer=lstm_layer)
        ids = keras.Input((None,), dtype="int32")
        states = [keras.Input((config.hidden_size,)) for _ in range(2 * config.num_layers)]
        model = keras.Model([ids, *states], executor([ids, *states])[0])
        model.compile(optimizer=keras.optimizers.SGD(config.learning_rate, global_clipnorm=config.clip_norm),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(0)
    x = rng.integers(0, VOCAB_SIZE, (config.batch_size, config.unroll)).astype(np.int32)
    y = rng.integers(0, VOCAB_SIZE, (config.batch_size, config.unroll)).astype(np.int32)
    dataset = tf.data.Dataset.from_tensors(((x, *zero_state(executor, config.batch_size)), y)).repeat()
    model.fit(dataset, steps_per_epoch=1, epochs=1, verbose=0, shuffle=False)  # builds the train function
    iterator = iter(strategy.experimental_distribute_dataset(dataset))

    def run(steps):
        # Keras's own compiled train step, called directly: no per-call set-up of fit() is timed.
        for _ in range(steps):
            logs = model.train_function(iterator)
        float(logs["loss"])

    return run


def l2e_loop(config: LTEConfig):
    """A function running n steps of the l2e loop (train steps, and a check every check_every)."""
    experiment = LTEExperiment(config, tf.distribute.MirroredStrategy())
    sums = {}

    def run(steps):
        nonlocal sums
        for _ in range(steps):
            for name, value in experiment.train_step().items():
                sums[name] = sums.get(name, 0.0) + value
            if experiment.steps % experiment.check_every == 0:
                experiment.check(sums)
                sums = {}

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=4, help="alternating timed rounds (default 4)")
    parser.add_argument("--steps", type=int, default=30, help="steps per round and contender (default 30)")
    parser.add_argument("--hidden-size", type=int, default=400, help="LSTM units (default 400, the paper's)")
    parser.add_argument("--bare-strategy", choices=("mirrored", "default"), default="mirrored",
                        help="bare fit under the same MirroredStrategy as l2e (default: compares the "
                        "curriculum, streams and carry alone) or under no strategy (adds the strategy's cost)")
    args = parser.parse_args()
    config = LTEConfig(task="programs", strategy="combined", length=6, nesting=3, hidden_size=args.hidden_size,
                       check_every=100)
    bare_strategy = tf.distribute.MirroredStrategy() if args.bare_strategy == "mirrored" else tf.distribute.get_strategy()
    contenders = {"l2e loop": l2e_loop(config),
                  "l2e loop, bfloat16": l2e_loop(dataclasses.replace(config, precision="bfloat16")),
                  "bare keras fit, WindowLSTM": bare_keras(config, bare_strategy, WindowLSTM),
                  "bare keras fit, keras LSTM": bare_keras(config, bare_strategy, keras.layers.LSTM)}
    for run in contenders.values():
        run(3)  # trace and warm up
    seconds = {name: 0.0 for name in contenders}
    for _ in range(args.rounds):
        for name, run in contenders.items():
            start = time.perf_counter()
            run(args.steps)
            seconds[name] += time.perf_counter() - start
    chars = args.rounds * args.steps * config.batch_size * config.unroll
    print(f"| 2 x {config.hidden_size} LSTM, batch {config.batch_size} x unroll {config.unroll} | characters/s |")
    print("|---|---|")
    for name, total in seconds.items():
        print(f"| {name} | {chars / total:,.0f} |")
    print(f"\nratio l2e loop / bare WindowLSTM = {seconds['bare keras fit, WindowLSTM'] / seconds['l2e loop']:.3f}; "
          f"bare WindowLSTM / bare keras LSTM = "
          f"{seconds['bare keras fit, keras LSTM'] / seconds['bare keras fit, WindowLSTM']:.3f}; "
          f"l2e loop / bare keras LSTM = {seconds['bare keras fit, keras LSTM'] / seconds['l2e loop']:.3f}; "
          f"l2e bfloat16 / l2e float32 = {seconds['l2e loop'] / seconds['l2e loop, bfloat16']:.3f} "
          f"({args.rounds} rounds x {args.steps} steps each; bare under the {args.bare_strategy} strategy)")


if __name__ == "__main__":
    main()
