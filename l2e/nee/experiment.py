"""The Neural Execution Engine experiments: one subroutine's model trained on oracle traces at size 8
with the original code's method (REFERENCE section 2), on the shared loop (:mod:`l2e.train.loop`).

- Data: ``l2e.nee.traces.TraceBatches``, fresh chunks of traces, batches of one length N.
- Loss per example: value bit cross-entropy, plus for find-min and the merge step the pointer
  cross-entropy (target spread over tied smallest values) and the next-mask cross-entropy of the
  mask network fed the true pointer (teacher forcing); summed over the global batch and divided
  by its size (``l2e.nee.losses``).
- Adam (0.9, 0.98, eps 1e-9) under the transformer schedule
  ``d_model^-0.5 * min(t^-0.5, t * warmup^-1.5)``, t the 1-based step.
- Every ``check_every`` steps: accuracies on held-out size-8 steps of the training distribution
  (value: all bits; pointer: a smallest unmasked value; mask: every position, true pointer fed);
  training is finished after ``patience`` perfect checks in a row.
"""

import dataclasses
import time

import keras
import numpy as np
import tensorflow as tf

from l2e.nee.config import NEEConfig
from l2e.nee.data import Examples
from l2e.nee.evaluation import addition_scores, multiplication_scores
from l2e.nee.keras_engine import KerasEngine
from l2e.nee.losses import next_mask_loss, pointer_accuracy, pointer_loss, value_bits_loss
from l2e.nee.model import build_nee_model
from l2e.nee.traces import TraceBatches, seen_numbers
from l2e.train.distribute import distribute_rows, local_rows
from serving.engine import FORMATS, STEP_SUBROUTINES

VALIDATION_ROWS = 4096
"""Rows per forward pass of the periodic check."""


@keras.saving.register_keras_serializable(package="l2e")
class WarmupSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """The transformer schedule: ``d_model^-0.5 * min(t^-0.5, t * warmup^-1.5)``, t = step + 1."""

    def __init__(self, d_model: int, warmup: int):
        self.d_model = d_model
        self.warmup = warmup

    def __call__(self, step):
        t = tf.cast(step, tf.float32) + 1.0
        return self.d_model ** -0.5 * tf.minimum(tf.math.rsqrt(t), t * self.warmup ** -1.5)

    def get_config(self):
        return {"d_model": self.d_model, "warmup": self.warmup}


def step_correct(outputs: dict, examples: Examples) -> dict[str, np.ndarray]:
    """Which examples a model gets right: bool [E] per output, and ``step`` for all of them.

    ``outputs``: the model's logits (numpy) on ``examples``; the next mask is judged as predicted
    from the true pointer, the pointer right when it falls on a smallest unmasked value.
    """
    value = ((outputs["value_logits"] > 0) == (examples.value_bits > 0.5)).all(axis=1)
    pointer = np.asarray(pointer_accuracy(examples.pointer_target, outputs["pointer_logits"])) > 0.5
    mask = ((outputs["next_mask_logits"] > 0) == (examples.next_mask > 0.5)).all(axis=1)
    return {"value": value, "pointer": pointer, "mask": mask, "step": value & pointer & mask}


class NEEExperiment:
    """One NEE subroutine trained under a ``tf.distribute`` strategy (an :class:`l2e.train.experiment.Experiment`)."""

    def __init__(self, config: NEEConfig, strategy: tf.distribute.Strategy):
        self.settings = config
        self.strategy = strategy
        self.check_every = config.check_every
        self.subroutine = config.subroutine
        self.learns_steps = self.subroutine in STEP_SUBROUTINES
        self.rows = local_rows(strategy, config.batch_size)
        self.seen = seen_numbers(config.seed, config.holdout) if self.subroutine == "add" else None
        self.batches = TraceBatches(self.subroutine, config.batch_size, config.seed, self.seen)
        self.validation = self.batches.validation(config.validation_chunks)
        keras.utils.set_random_seed(config.seed)
        with strategy.scope():
            self.model = build_nee_model(FORMATS[self.subroutine].num_bits, config.d_model, config.num_layers,
                                         config.ff_dim, config.dropout, config.mask_filters,
                                         config.scalable_softmax, config.encoder_layers,
                                         name=f"nee_{self.subroutine}")
            self.schedule = WarmupSchedule(config.d_model, config.warmup)
            self.optimizer = keras.optimizers.Adam(self.schedule, beta_1=0.9, beta_2=0.98, epsilon=1e-9)
            self.optimizer.build(self.model.trainable_variables)
        self.steps = 0
        self.perfect_streak = 0
        self._train_fn = tf.function(self._distributed_step, reduce_retracing=True)
        self._teacher_forced = tf.function(lambda inputs: self.model(inputs, training=False), reduce_retracing=True)
        self._last_check = (time.monotonic(), 0)

    @property
    def config(self) -> dict:
        return {"name": self.settings.name, **dataclasses.asdict(self.settings), "subroutine": self.subroutine,
                "replicas": self.strategy.num_replicas_in_sync}

    @property
    def finished(self) -> bool:
        return self.settings.patience > 0 and self.perfect_streak >= self.settings.patience

    def trackables(self) -> dict:
        """The model's variables as an explicit list, the optimizer.

        ``tf.train.Checkpoint(model=self.model)`` would miss the encoder and decoder blocks, which
        the engine layer keeps in Python lists that Keras 3 does not expose to TF's object graph;
        the list of ``model.variables`` (seed-generator states of the dropout layers included)
        holds every one of them.
        """
        return {"model": tf.train.Checkpoint(variables=self.model.variables), "optimizer": self.optimizer}

    # -- training --------------------------------------------------------------------------
    def _replica_step(self, bits, mask, pointer, value_bits, pointer_target, next_mask):
        """One replica's rows: bits [b, N, bits], the others [b, N] or [b, bits] (``Examples``)."""
        with tf.GradientTape() as tape:
            outputs = self.model({"bits": bits, "mask": mask, "pointer": pointer}, training=True)
            parts = {"value_loss": value_bits_loss(value_bits, outputs["value_logits"])}
            if self.learns_steps:
                parts["pointer_loss"] = pointer_loss(pointer_target, outputs["pointer_logits"])
                parts["mask_loss"] = next_mask_loss(next_mask, outputs["next_mask_logits"])
            loss = tf.add_n([tf.reduce_sum(p) for p in parts.values()]) / self.settings.batch_size
        variables = self.model.trainable_variables
        gradients = tape.gradient(loss, variables)  # None for the mask network of arithmetic models
        self.optimizer.apply_gradients([(g, v) for g, v in zip(gradients, variables) if g is not None])
        return {name: tf.reduce_sum(p) for name, p in parts.items()}

    def _distributed_step(self, batch):
        sums = self.strategy.run(self._replica_step, args=tuple(batch))
        return {name: self.strategy.reduce(tf.distribute.ReduceOp.SUM, s, axis=None) for name, s in sums.items()}

    def train_step(self) -> dict:
        batch = self.batches.next_batch().take(slice(self.rows.start, self.rows.stop))
        sums = self._train_fn(distribute_rows(self.strategy, list(batch)))
        self.steps += 1
        return {**{name: float(value) for name, value in sums.items()}, "examples": self.settings.batch_size}

    # -- the periodic check ----------------------------------------------------------------
    def validate(self) -> dict:
        """Accuracies on the held-out size-8 steps: value, pointer, mask and step (all three)."""
        correct: dict[str, list] = {}
        for examples in self.validation.values():
            for start in range(0, len(examples.bits), VALIDATION_ROWS):
                part = examples.take(slice(start, start + VALIDATION_ROWS))
                outputs = self._teacher_forced({"bits": part.bits, "mask": part.mask, "pointer": part.pointer})
                judged = step_correct({k: np.asarray(v) for k, v in outputs.items()}, part)
                for name, right in judged.items():
                    correct.setdefault(name, []).append(right)
        names = ("value", "pointer", "mask", "step") if self.learns_steps else ("value",)
        accuracies = {f"val_{name}_accuracy": float(np.concatenate(correct[name]).mean()) for name in names}
        accuracies["val_step_accuracy"] = accuracies[f"val_{names[-1]}_accuracy"]
        return accuracies

    def check(self, sums: dict) -> dict:
        now = time.monotonic()
        seconds, since = now - self._last_check[0], self.steps - self._last_check[1]
        examples = max(sums["examples"], 1.0)
        validation = self.validate()
        self.perfect_streak = self.perfect_streak + 1 if validation["val_step_accuracy"] == 1.0 else 0
        self._last_check = (time.monotonic(), self.steps)
        losses = {name: value / examples for name, value in sums.items() if name.endswith("_loss")}
        return {"loss": sum(losses.values()), **losses, **validation, "perfect_streak": self.perfect_streak,
                "learning_rate": float(self.schedule(self.optimizer.iterations)),
                "steps_per_second": round(since / max(seconds, 1e-9), 2)}

    def progress(self) -> dict:
        return {"lr": f"{float(self.schedule(self.optimizer.iterations)):.2e}", "perfect": self.perfect_streak}

    # -- evaluation and saving -------------------------------------------------------------
    def final_evaluation(self) -> dict:
        """Held-out step accuracies; for arithmetic also every operand pair (Table 2 / 12-bit)."""
        final = {"validation": self.validate()}
        if self.subroutine == "add":
            final["addition"] = addition_scores(KerasEngine({"add": self.model}), self.seen)
        elif self.subroutine == "mul":
            final["multiplication"] = multiplication_scores(KerasEngine({"mul": self.model}))
        return final

    @staticmethod
    def summary_table(final: dict) -> str:
        """The final evaluation as Markdown lines."""
        lines = ["| held-out size-8 steps | accuracy |", "|---|---|"]
        lines += [f"| {name} | {value:.4f} |" for name, value in final["validation"].items()]
        for section in ("addition", "multiplication"):
            if section in final:
                lines += [f"| {section} {name} | {value} |" for name, value in final[section].items()]
        return "\n".join(lines)

    def save_model(self, path: str) -> None:
        self.model.save(path)

    # -- checkpoint state ------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {"steps": self.steps, "perfect_streak": self.perfect_streak, "batches": self.batches.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.steps = state["steps"]
        self.perfect_streak = state["perfect_streak"]
        self.batches.load_state_dict(state["batches"])
        self._last_check = (time.monotonic(), self.steps)

    def arrays(self) -> dict:
        return {}

    def load_arrays(self, arrays: dict) -> None:
        """Nothing to restore: the stream's state is in ``state_dict``."""

