"""The exported step functions: TensorFlow functions with named inputs and named outputs.

NEE step (dynamic batch B and length N):

    inputs   bits float32 [B, N, num_bits] (0/1, most significant first),
             mask float32 [B, N] (1 = excluded)
    outputs  value_logits float32 [B, num_bits], value_bits int32 [B, num_bits] (logit > 0),
             pointer_logits float32 [B, N], pointer int64 [B] (first maximal position),
             next_mask_logits float32 [B, N], next_mask bool [B, N] (logit > 0)

LSTM executor step (dynamic B and T; L layers of H units):

    inputs   ids int32 [B, T], h0, c0, ..., h{L-1}, c{L-1} float32 [B, H]
    outputs  logits float32 [B, T, V], next_h0, next_c0, ... float32 [B, H]

Metadata lookup (the SavedModel's ``l2e_metadata`` signature, see ``serving.model``):

    inputs   keys string [K]
    outputs  values string [K], the JSON of each key's metadata value, ``null`` if absent
"""

import json
from dataclasses import dataclass

import tensorflow as tf

from l2e.lte.model import state_size
from l2e.nee.model import engine_layer, inference_model

from export.run import TrainedRun


@dataclass(frozen=True)
class StepFunction:
    """A traced step function and its signature.

    Attributes:
        function: a ``tf.function`` taking the inputs positionally, returning a dict of outputs.
        input_signature: ``tf.TensorSpec`` per input, named.
    """

    function: tf.types.experimental.PolymorphicFunction
    input_signature: list[tf.TensorSpec]

    @property
    def input_names(self) -> list[str]:
        return [spec.name for spec in self.input_signature]


def nee_step(model) -> StepFunction:
    """The inference step of an NEE model (the mask network fed the model's own pointer)."""
    num_bits = engine_layer(model).num_bits
    serving = inference_model(model)
    signature = [tf.TensorSpec([None, None, num_bits], tf.float32, name="bits"),
                 tf.TensorSpec([None, None], tf.float32, name="mask")]

    @tf.function(input_signature=signature)
    def step(bits, mask):
        out = serving({"bits": bits, "mask": mask}, training=False)
        return {
            "value_logits": out["value_logits"],
            "value_bits": tf.cast(out["value_logits"] > 0, tf.int32),
            "pointer_logits": out["pointer_logits"],
            "pointer": tf.argmax(out["pointer_logits"], axis=-1, output_type=tf.int64),
            "next_mask_logits": out["next_mask_logits"],
            "next_mask": out["next_mask_logits"] > 0,
        }

    return StepFunction(step, signature)


def lstm_step(model) -> StepFunction:
    """The executor's step: read ``ids`` from the given state, return logits and the new state."""
    num_layers, hidden = state_size(model)
    state_names = [f"{part}{layer}" for layer in range(num_layers) for part in ("h", "c")]
    signature = [tf.TensorSpec([None, None], tf.int32, name="ids")] + [
        tf.TensorSpec([None, hidden], tf.float32, name=name) for name in state_names]

    @tf.function(input_signature=signature)
    def step(ids, *state):
        logits, *next_state = model([ids, *state], training=False)
        return {"logits": logits, **{f"next_{name}": tensor for name, tensor in zip(state_names, next_state)}}

    return StepFunction(step, signature)


def metadata_lookup(metadata: dict) -> StepFunction:
    """The ``l2e_metadata`` function: metadata keys -> the JSON of their values (``null`` if absent)."""
    keys = list(metadata)
    texts = [json.dumps(metadata[key]) for key in keys] + ["null"]
    signature = [tf.TensorSpec([None], tf.string, name="keys")]

    @tf.function(input_signature=signature)
    def lookup(asked):
        matches = tf.equal(asked[:, None], tf.constant(keys, tf.string)[None, :])  # [K, len(keys)]
        found = tf.argmax(tf.cast(matches, tf.int32), axis=1, output_type=tf.int32)
        index = tf.where(tf.reduce_any(matches, axis=1), found, len(keys))
        return {"values": tf.gather(tf.constant(texts, tf.string), index)}

    return StepFunction(lookup, signature)


def step_function(run: TrainedRun) -> StepFunction:
    """The step function of the run's kind."""
    return nee_step(run.model) if run.kind == "nee" else lstm_step(run.model)
