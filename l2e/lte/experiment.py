"""The Learning-to-Execute experiment: the stacked LSTM trained on character streams under a
curriculum, with the paper's method (section 6 of the paper, REFERENCE section 1).

- Loss: cross-entropy of next-character prediction on answer characters only, summed over the
  unrolled steps and divided by the global batch size.
- Plain SGD at learning rate 0.5; the global gradient (summed over replicas) clipped at norm 5.
- The final LSTM state of a minibatch is the initial state of the next; each replica keeps the
  state of its own rows (streams), carried explicitly, and checkpointed with them.
- Every ``check_every`` (100) steps: validation on fresh examples of the validation split at the
  curriculum's current draws (of the training split at difficulties with under 1000 distinct
  examples, see :data:`MIN_HELD_OUT_SPACE`); the curriculum rule then makes the task harder or decays the
  learning rate; training is finished when the rate falls below 1e-3.
- An "epoch" is 200 minibatches; the data are generated fresh for every minibatch.
"""

import dataclasses
import time
from concurrent.futures import ThreadPoolExecutor

import keras
import tensorflow as tf

from l2e.lte.config import LTEConfig
from l2e.lte.curriculum import Curriculum
from l2e.lte.data.streams import CharStreams
from l2e.lte.data.tasks import make_task
from l2e.lte.evaluation import ExecutorRunner, evaluate_grid, sample_examples
from l2e.lte.model import build_lstm_executor, zero_state
from l2e.train.distribute import clip_across_replicas, distribute_rows, gather_rows, local_rows

STEPS_PER_EPOCH = 200

MIN_HELD_OUT_SPACE = 1000
"""Below this many distinct examples at the current difficulty (memorization at 1 or 2 digits),
a held-out split is only a few strings the model has never been shown (at 1 digit: 3 or 4 of the
10 strings), so its accuracy measures something else than mastery of the level and the
curriculum would never advance through it. The curriculum check then draws fresh examples from
the training split instead (see docs/LTE.md)."""


class LTEExperiment:
    """A Learning-to-Execute run under a ``tf.distribute`` strategy (an :class:`l2e.train.experiment.Experiment`)."""

    def __init__(self, config: LTEConfig, strategy: tf.distribute.Strategy):
        self.settings = config
        self.strategy = strategy
        self.check_every = config.check_every
        self.task = make_task(config.task, config.reverse, config.double)
        self.curriculum = Curriculum(
            config.strategy, config.length, config.nesting if self.task.moves_nesting else 1,
            learning_rate=config.learning_rate, decay=config.decay, min_learning_rate=config.min_learning_rate)
        rows = local_rows(strategy, config.batch_size)
        self.streams = CharStreams(self.task, self.curriculum, config.batch_size, config.unroll,
                                   seed=config.seed, split="train", stream_ids=rows)
        with strategy.scope():
            self.model = build_lstm_executor(config.hidden_size, config.num_layers, seed=config.seed,
                                             precision=config.precision)
            self.optimizer = keras.optimizers.SGD(learning_rate=config.learning_rate)
            self.optimizer.build(self.model.trainable_variables)
        self.carried = distribute_rows(strategy, zero_state(self.model, len(rows)))
        # The next window is made on a thread while TensorFlow runs the current step (which
        # releases the GIL); it is part of the checkpoint, so a resumed run sees the same data.
        self._window_maker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="l2e-streams")
        self._next_window = self._window_maker.submit(self.streams.next_window)
        self.runner = ExecutorRunner(self.model)
        self.steps = 0
        self._train_fn = tf.function(self._distributed_step)
        self._last_check = (time.monotonic(), 0)
        self._last_accuracies = None  # (training, validation) character accuracy of the last check

    @property
    def config(self) -> dict:
        return {"name": self.settings.name, **dataclasses.asdict(self.settings),
                "replicas": self.strategy.num_replicas_in_sync}

    @property
    def finished(self) -> bool:
        return self.curriculum.finished

    def trackables(self) -> dict:
        return {"model": self.model, "optimizer": self.optimizer}

    # -- training --------------------------------------------------------------------------
    def _replica_step(self, inputs, targets, weights, *state):
        """One replica's share: inputs/targets/weights [b, T], state 2L x [b, H]."""
        with tf.GradientTape() as tape:
            logits, *new_state = self.model([inputs, *state], training=True)
            losses = keras.ops.sparse_categorical_crossentropy(targets, logits, from_logits=True)
            loss = tf.reduce_sum(losses * weights) / self.settings.batch_size
        variables = self.model.trainable_variables
        gradients, norm = clip_across_replicas(tape.gradient(loss, variables), self.settings.clip_norm)
        self.optimizer.apply_gradients(zip(gradients, variables))
        right = tf.cast(tf.argmax(logits, axis=-1, output_type=tf.int32) == targets, tf.float32)
        # the global norm is the same on every replica: its share sums back to it
        norm_share = norm / tf.cast(tf.distribute.get_replica_context().num_replicas_in_sync, tf.float32)
        return tf.stack([loss, tf.reduce_sum(right * weights), tf.reduce_sum(weights), norm_share]), new_state

    def _distributed_step(self, batch, state):
        """Returns [loss, right answer characters, answer characters, gradient norm] summed over
        replicas, and the carried state."""
        stats, new_state = self.strategy.run(self._replica_step, args=(*batch, *state))
        return self.strategy.reduce(tf.distribute.ReduceOp.SUM, stats, axis=None), new_state

    def train_step(self) -> dict:
        window = self._next_window.result()
        self._next_window = self._window_maker.submit(self.streams.next_window)
        stats, self.carried = self._train_fn(distribute_rows(self.strategy, window), self.carried)
        self.steps += 1
        loss, correct, count, norm = stats.numpy().tolist()
        return {"loss": loss, "correct": correct, "count": count, "gradient_norm": norm, "steps": 1}

    # -- the periodic check ----------------------------------------------------------------
    def check(self, sums: dict) -> dict:
        self._next_window.result()  # that window is drawn at the difficulty before this check
        now = time.monotonic()
        seconds, since = now - self._last_check[0], self.steps - self._last_check[1]
        train_accuracy = sums["correct"] / max(sums["count"], 1.0)
        length, nesting, rate = self.curriculum.length, self.curriculum.nesting, self.curriculum.learning_rate
        split = self.evaluation_split(length, nesting, "val")
        validation = self.runner.evaluate(*sample_examples(
            self.task, self.curriculum, self.settings.validation_examples, split, f"{self.settings.seed}:{self.steps}"))
        event = self.curriculum.check(train_accuracy, validation["char_accuracy"])
        self._last_accuracies = (train_accuracy, validation["char_accuracy"])
        self.optimizer.learning_rate.assign(self.curriculum.learning_rate)
        self._last_check = (time.monotonic(), self.steps)
        return {
            "epoch": round(self.steps / STEPS_PER_EPOCH, 2),
            "loss": sums["loss"] / sums["steps"],
            "train_char_accuracy": train_accuracy,
            "char_accuracy": validation["char_accuracy"],
            "exact_accuracy": validation["exact_accuracy"],
            "length": length, "nesting": nesting, "learning_rate": rate, "strategy": self.curriculum.strategy,
            "event": event, "validation_split": split, "gradient_norm": sums["gradient_norm"] / sums["steps"],
            "chars_per_second": round(since * self.settings.batch_size * self.settings.unroll / max(seconds, 1e-9)),
        }

    def progress(self) -> dict:
        """The progress bar's fields: the curriculum's difficulty and learning rate, and the
        training and validation character accuracy of the last check ("-" before the first)."""
        accuracies = ("-", "-") if self._last_accuracies is None else (f"{a:.3f}" for a in self._last_accuracies)
        return {"len": self.curriculum.length, "nest": self.curriculum.nesting,
                "lr": f"{self.curriculum.learning_rate:.3g}", **dict(zip(("acc", "val"), accuracies))}

    # -- evaluation and saving -------------------------------------------------------------
    def evaluation_split(self, length: int, nesting: int, held_out: str) -> str:
        """The split to measure a difficulty on: ``held_out``, or ``train`` where it has fewer than
        :data:`MIN_HELD_OUT_SPACE` distinct examples."""
        space = self.task.distinct_examples(length, nesting)
        return held_out if space is None or space >= MIN_HELD_OUT_SPACE else "train"

    def _evaluate(self, length: int, nesting: int, split: str, count: int) -> dict:
        """Both metrics on ``count`` examples of ``split`` at (length, nesting)."""
        return self.runner.evaluate(*sample_examples(self.task, Curriculum("baseline", length, nesting), count, split,
                                                     self.settings.seed))

    def final_evaluation(self) -> dict:
        """Both metrics at the target difficulty, and the per-(length, nesting) grid, on the test
        split; at difficulties too small to hold examples out, on the training split as the
        curriculum check does (each row's ``split`` says which)."""
        length, nesting = self.curriculum.target_length, self.curriculum.target_nesting
        split = self.evaluation_split(length, nesting, "test")
        test = {"length": length, "nesting": nesting, "split": split,
                **self._evaluate(length, nesting, split, self.settings.test_examples)}
        grid = evaluate_grid(self.runner, self.task, length, nesting, self.settings.grid_examples, "test",
                             self.settings.seed)
        for row in grid:
            row["split"] = self.evaluation_split(row["length"], row["nesting"], "test")
            if row["split"] != "test":
                row.update(self._evaluate(row["length"], row["nesting"], row["split"], self.settings.grid_examples))
        return {"test": test, "grid": grid}

    @staticmethod
    def summary_table(final: dict) -> str:
        """The final evaluation as Markdown; a difficulty measured on the training split is starred."""
        test = final["test"]

        def star(row):
            return "*" if row["split"] != "test" else ""

        lines = [f"test split at length {test['length']}{star(test)}, nesting {test['nesting']}: "
                 f"char accuracy {test['char_accuracy']:.4f}, exact {test['exact_accuracy']:.4f} "
                 f"({test['examples']} examples)", "",
                 "| length | nesting | char accuracy | exact |", "|---|---|---|---|"]
        lines += [f"| {r['length']}{star(r)} | {r['nesting']} | {r['char_accuracy']:.4f} | {r['exact_accuracy']:.4f} |"
                  for r in final["grid"]]
        if any(star(row) for row in [test, *final["grid"]]):
            lines += ["", "* too few distinct examples to hold any out of training: measured on the training split, "
                      "as the curriculum check does"]
        return "\n".join(lines)

    def save_model(self, path: str) -> None:
        self.model.save(path)

    # -- checkpoint state ------------------------------------------------------------------
    def state_dict(self) -> dict:
        self._next_window.result()  # the streams' state must include the window made ahead
        return {"steps": self.steps, "curriculum": self.curriculum.state_dict(), "streams": self.streams.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self._next_window.result()
        self.steps = state["steps"]
        self.curriculum.load_state_dict(state["curriculum"])
        self.streams.load_state_dict(state["streams"])
        self.optimizer.learning_rate.assign(self.curriculum.learning_rate)
        self._last_check = (time.monotonic(), self.steps)

    def arrays(self) -> dict:
        inputs, targets, weights = self._next_window.result()
        carried = gather_rows(self.strategy, self.carried)
        return {"next_inputs": inputs, "next_targets": targets, "next_weights": weights,
                **{f"state{i}": a for i, a in enumerate(carried)}}

    def load_arrays(self, arrays: dict) -> None:
        carried = [arrays[f"state{i}"] for i in range(2 * self.settings.num_layers)]
        self.carried = distribute_rows(self.strategy, carried)
        window = (arrays["next_inputs"], arrays["next_targets"], arrays["next_weights"])
        self._next_window = self._window_maker.submit(lambda: window)
