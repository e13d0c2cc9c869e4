"""Losses and metrics of the NEE step model, keyed by the model's output names.

Targets, by output:

- ``value_logits``: the value's bits [B, num_bits], 0/1, most significant first;
- ``pointer_logits``: the true pointer, one-hot [B, N];
- ``next_mask_logits``: the true next mask [B, N], 1 = excluded.

Each loss returns one number per example [B]; Keras averages over the batch and sums the three
terms. Use as ``model.compile(optimizer, loss=nee_losses(), metrics=nee_metrics())``.
"""

import keras
from keras import ops

_register = keras.saving.register_keras_serializable(package="l2e")


@_register
def value_bits_loss(y_true, y_pred):
    """Sigmoid cross-entropy per bit, averaged over the bits: [B, num_bits] x2 -> [B]."""
    bits = ops.cast(y_true, y_pred.dtype)
    return ops.mean(ops.binary_crossentropy(bits, y_pred, from_logits=True), axis=-1)


@_register
def pointer_loss(y_true, y_pred):
    """Cross-entropy of the softmax over the positions: one-hot [B, N], logits [B, N] -> [B].

    Masked positions hold very negative logits, so the softmax runs over the unmasked ones.
    """
    pointer = ops.cast(y_true, y_pred.dtype)
    return ops.categorical_crossentropy(pointer, y_pred, from_logits=True, axis=-1)


@_register
def next_mask_loss(y_true, y_pred):
    """Binary cross-entropy per position, averaged over the positions: [B, N] x2 -> [B]."""
    mask = ops.cast(y_true, y_pred.dtype)
    return ops.mean(ops.binary_crossentropy(mask, y_pred, from_logits=True), axis=-1)


def _all_correct(y_true, logits):
    """1.0 where every entry's sign of ``logits`` matches the 0/1 target: [B, K] x2 -> [B]."""
    matches = ops.equal(ops.greater(logits, 0.0), ops.greater(y_true, 0.5))
    return ops.cast(ops.all(matches, axis=-1), "float32")


@_register
def value_accuracy(y_true, y_pred):
    """1.0 where all bits of the value are right: [B, num_bits] x2 -> [B]."""
    return _all_correct(y_true, y_pred)


@_register
def pointer_accuracy(y_true, y_pred):
    """1.0 where the argmax of the logits falls on a position the target gives weight to: [B, N]
    x2 -> [B]. Where several positions hold the smallest value, the target spreads over them and
    pointing at any of them is right (the one definition, also used by the training's checks)."""
    chosen = ops.expand_dims(ops.argmax(y_pred, axis=-1), -1)
    return ops.cast(ops.greater(ops.take_along_axis(ops.cast(y_true, "float32"), chosen, axis=-1)[:, 0], 0.0),
                    "float32")


@_register
def mask_accuracy(y_true, y_pred):
    """1.0 where every position of the next mask is right: [B, N] x2 -> [B]."""
    return _all_correct(y_true, y_pred)


def nee_losses():
    """The loss of each output, for ``model.compile(loss=...)``."""
    return {
        "value_logits": value_bits_loss,
        "pointer_logits": pointer_loss,
        "next_mask_logits": next_mask_loss,
    }


def nee_metrics():
    """The accuracy metrics of each output, for ``model.compile(metrics=...)``."""
    return {
        "value_logits": [value_accuracy],
        "pointer_logits": [pointer_accuracy],
        "next_mask_logits": [mask_accuracy],
    }
