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

``VanillaExperiment`` trains the paper's baseline (``nee-sort-vanilla``, figure 3) the same way:
a vanilla transformer (``l2e.nee.baseline``) that writes whole sorted lists of length 1..8,
teacher forced, the cross-entropy of each output value averaged over the list; Adam under a
linear decay with the gradients clipped at a global norm (``l2e.nee.config.VANILLA_SCHEDULE``);
checked on held-out lists of 8 sorted by greedy decoding, and finally on the ``list_test_suite``
lists of ``VANILLA_TEST_SIZES``.
"""

import dataclasses
import time

import keras
import numpy as np
import tensorflow as tf

from l2e.nee.baseline import GreedySorter, SortingBatches, build_baseline_model
from l2e.nee.config import SUBROUTINE_SETTINGS, VANILLA_CLIP_NORM, VANILLA_SCHEDULE, NEEConfig
from l2e.nee.data import Examples
from l2e.nee.evaluation import addition_scores, multiplication_scores, output_scores, table_lists
from l2e.nee.keras_engine import KerasEngine
from l2e.nee.losses import next_mask_loss, pointer_accuracy, pointer_loss, value_bits_loss
from l2e.nee.model import build_nee_model
from l2e.nee.traces import TraceBatches, seen_numbers
from l2e.train.distribute import clip_across_replicas, distribute_rows, local_rows
from serving.engine import FORMATS, STEP_SUBROUTINES

VALIDATION_ROWS = 4096
"""Rows per forward pass of the periodic check."""

VANILLA_TEST_SIZES = (8, 16, 25, 50, 75, 100)
"""The list lengths of the vanilla baseline's final evaluation (100 ``list_test_suite`` lists each)."""


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
    """One NEE subroutine trained under a ``tf.distribute`` strategy (an :class:`l2e.train.experiment.Experiment`).

    What a subclass trains is in ``_stream``, ``_build_model``, ``_schedule``, ``_replica_step``,
    ``validate`` (its accuracy ``streak_measure`` counts the perfect checks), ``final_evaluation``
    and ``summary_table``; the optimizer, the distributed step, the checks and the checkpointed
    state are shared.
    """

    streak_measure = "val_step_accuracy"
    """The accuracy of ``validate`` whose perfect checks in a row finish the run (``patience``)."""

    def __init__(self, config: NEEConfig, strategy: tf.distribute.Strategy):
        self.settings = config
        self.strategy = strategy
        self.check_every = config.check_every
        self.subroutine = config.subroutine
        self.learns_steps = self.subroutine in STEP_SUBROUTINES
        self.rows = local_rows(strategy, config.batch_size)
        self.seen = seen_numbers(config.seed, config.holdout) if self.subroutine == "add" else None
        self.batches = self._stream()
        self.validation = self.batches.validation(config.validation_chunks)
        keras.utils.set_random_seed(config.seed)
        with strategy.scope():
            self.model = self._build_model()
            self.schedule = self._schedule()
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

    def _stream(self) -> TraceBatches:
        """The training batches: ``next_batch()`` (a sequence of arrays whose first axis is the
        global batch), ``validation(chunks)``, ``state_dict()`` and ``load_state_dict``."""
        return TraceBatches(self.subroutine, self.settings.batch_size, self.settings.seed, self.seen)

    def _build_model(self) -> keras.Model:
        config = self.settings
        return build_nee_model(FORMATS[self.subroutine].num_bits, config.d_model, config.num_layers, config.ff_dim,
                               config.dropout, config.mask_filters, config.scalable_softmax, config.encoder_layers,
                               name=f"nee_{self.subroutine}")

    def _schedule(self) -> keras.optimizers.schedules.LearningRateSchedule:
        return WarmupSchedule(self.settings.d_model, self.settings.warmup)

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
        batch = [array[self.rows.start:self.rows.stop] for array in self.batches.next_batch()]
        sums = self._train_fn(distribute_rows(self.strategy, batch))
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
        self.perfect_streak = self.perfect_streak + 1 if validation[self.streak_measure] == 1.0 else 0
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



class VanillaExperiment(NEEExperiment):
    """The vanilla-transformer baseline (``nee-sort-vanilla``) under a ``tf.distribute`` strategy."""

    streak_measure = "val_exact_accuracy"

    def __init__(self, config: NEEConfig, strategy: tf.distribute.Strategy):
        super().__init__(config, strategy)
        self.sorter = GreedySorter(self.model)

    @property
    def config(self) -> dict:
        return {name: value for name, value in super().config.items() if name not in SUBROUTINE_SETTINGS}

    def _stream(self) -> SortingBatches:
        return SortingBatches(self.settings.batch_size, self.settings.seed)

    def _build_model(self) -> keras.Model:
        config = self.settings
        return build_baseline_model(config.d_model, config.num_layers, config.ff_dim, config.dropout)

    def _schedule(self) -> keras.optimizers.schedules.LearningRateSchedule:
        return keras.optimizers.schedules.PolynomialDecay(**VANILLA_SCHEDULE)

    def _replica_step(self, bits, decoder_bits, targets):
        """One replica's lists: bits [b, N, 8], decoder_bits [b, N, 9], targets [b, N]."""
        with tf.GradientTape() as tape:
            logits = self.model({"bits": bits, "decoder_bits": decoder_bits}, training=True)["logits"]
            per_list = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True),
                                      axis=1)
            loss = tf.reduce_sum(per_list) / self.settings.batch_size
        variables = self.model.trainable_variables
        gradients, _ = clip_across_replicas(tape.gradient(loss, variables), VANILLA_CLIP_NORM)
        self.optimizer.apply_gradients(zip(gradients, variables))
        return {"value_loss": tf.reduce_sum(per_list)}

    def validate(self) -> dict:
        """Accuracies of greedy decoding on the held-out lists of 8: per number, and whole lists."""
        scores = output_scores(self.sorter(self.validation), np.sort(self.validation, axis=1))
        return {"val_per_number_accuracy": scores["per_number"], "val_exact_accuracy": scores["exact"]}

    def final_evaluation(self) -> dict:
        """Held-out accuracies, and greedy decoding on the Table-1 lists (``table_lists``, seed 0)
        of each of ``VANILLA_TEST_SIZES``."""
        lists = []
        for size in VANILLA_TEST_SIZES:
            values = table_lists(size)
            lists.append({"size": size, **output_scores(self.sorter(values), np.sort(values, axis=1))})
        return {"validation": self.validate(), "lists": lists}

    @staticmethod
    def summary_table(final: dict) -> str:
        lines = ["| held-out lists of 8 | accuracy |", "|---|---|"]
        lines += [f"| {name} | {value:.4f} |" for name, value in final["validation"].items()]
        lines += ["", "| list length | per number | whole list |", "|---|---|---|"]
        lines += [f"| {row['size']} | {row['per_number']:.4f} | {row['exact']:.4f} |" for row in final["lists"]]
        return "\n".join(lines)
