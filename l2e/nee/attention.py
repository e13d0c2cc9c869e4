"""Single-head scaled dot-product attention whose mask excludes keys."""

import math

import keras
from keras import ops

EXCLUDED_SCORE = -1e9
"""The score an excluded key gets before the softmax: far below any real score, finite."""


def _softmax_over_kept(scores, kept):
    """Softmax over the last axis restricted to kept entries; all zeros where none is kept.

    scores [B, Tq, Tk] with excluded entries at ``EXCLUDED_SCORE``; kept [B, 1 or Tq, Tk], 1/0.
    When a key is kept, the maximal score is a kept one and contributes exp(0) = 1 to the sum,
    so dividing by max(sum, 1) is the plain softmax; when none is kept the sum is 0 and the
    weights are 0 rather than NaN.
    """
    exponentials = ops.exp(scores - ops.max(scores, axis=-1, keepdims=True)) * kept
    return exponentials / ops.maximum(ops.sum(exponentials, axis=-1, keepdims=True), 1.0)


@keras.saving.register_keras_serializable(package="l2e")
class MaskedAttention(keras.Layer):
    """Single-head scaled dot-product attention with an exclusion mask over the keys.

    ``scores = (query W_q) (key_value W_k)^T / sqrt(d_model)``; excluded keys get the score
    ``EXCLUDED_SCORE``; ``weights`` is the softmax over the kept keys, so an excluded key
    always has weight exactly 0 and a query whose keys are all excluded gets all-zero weights
    (and the output projection's bias as output) instead of NaN;
    ``output = (weights (key_value W_v)) W_o``.

    Args:
        d_model: width of the projections and of the output.

    Call arguments:
        query: float tensor [B, Tq, d_query].
        key_value: float tensor [B, Tk, d_key] (keys and values are projected from it).
        excluded: optional float tensor [B, Tk]; 1 = key excluded for every query, 0 = kept.
        return_scores: also return the masked pre-softmax scores.

    Returns:
        ``(output, weights)``: output [B, Tq, d_model], weights [B, Tq, Tk]; with
        ``return_scores=True``, ``(output, weights, scores)`` with scores [B, Tq, Tk] where
        excluded keys hold ``EXCLUDED_SCORE``.
    """

    def __init__(self, d_model, **kwargs):
        super().__init__(**kwargs)
        self.d_model = d_model
        self.query_projection = keras.layers.Dense(d_model, name="query")
        self.key_projection = keras.layers.Dense(d_model, name="key")
        self.value_projection = keras.layers.Dense(d_model, name="value")
        self.output_projection = keras.layers.Dense(d_model, name="output")

    def build(self, query_shape, key_value_shape, excluded_shape=None):
        self.query_projection.build(query_shape)
        self.key_projection.build(key_value_shape)
        self.value_projection.build(key_value_shape)
        self.output_projection.build((*query_shape[:-1], self.d_model))

    def call(self, query, key_value, excluded=None, return_scores=False):
        queries = self.query_projection(query)
        keys = self.key_projection(key_value)
        values = self.value_projection(key_value)
        scores = ops.matmul(queries, ops.transpose(keys, (0, 2, 1))) / math.sqrt(self.d_model)
        if excluded is None:
            kept_keys = ops.ones_like(scores)
        else:
            excluded_keys = ops.expand_dims(ops.greater(excluded, 0.5), axis=1)
            scores = ops.where(excluded_keys, EXCLUDED_SCORE, scores)
            kept_keys = ops.cast(ops.logical_not(excluded_keys), scores.dtype)
        weights = _softmax_over_kept(scores, kept_keys)
        output = self.output_projection(ops.matmul(weights, values))
        if return_scores:
            return output, weights, scores
        return output, weights

    def get_config(self):
        return {**super().get_config(), "d_model": self.d_model}
