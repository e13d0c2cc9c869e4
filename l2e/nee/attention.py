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


def _dot_products(queries, keys):
    """Scores before scaling: queries [B or 1, Tq, d] . keys [B, Tk, d] -> [B, Tq, Tk].

    Queries shared by every row (batch dimension 1: the NEE decoder's first block at inference)
    make one matrix product of all keys with them, instead of B small ones.
    """
    if queries.shape[0] == 1:
        return ops.transpose(ops.matmul(keys, ops.transpose(queries[0])), (0, 2, 1))
    return ops.matmul(queries, ops.transpose(keys, (0, 2, 1)))


@keras.saving.register_keras_serializable(package="l2e")
class MaskedAttention(keras.Layer):
    """Single-head scaled dot-product attention with an exclusion mask over the keys.

    ``scores = (query W_q) (key_value W_k)^T / sqrt(d_model)``; excluded keys get the score
    ``EXCLUDED_SCORE``; ``weights`` is the softmax over the kept keys, so an excluded key
    always has weight exactly 0 and a query whose keys are all excluded gets all-zero weights
    (and the output projection's bias as output) instead of NaN;
    ``output = (weights (key_value W_v)) W_o``.

    With ``scalable_softmax`` the scores are also multiplied by ``s * log(n)``, n the number of
    kept keys of the row and s a learned scalar (Scalable-Softmax, Nakanishi 2025). A plain
    softmax spreads its weight thinner as n grows: a model trained with 9 candidates that must
    single out the smallest of 100 close numbers sees its top weight fade and its pointer and
    value drift to a neighbour. Scaling by log n keeps the top weight of a fixed score gap from
    fading with n, which is what a size-8 model needs to run at size 100.

    Args:
        d_model: width of the projections and of the output.
        scalable_softmax: scale the scores by ``s * log(kept keys)`` (default False: the
            paper's attention).

    Call arguments:
        query: float tensor [B, Tq, d_query], or [1, Tq, d_query]: the same queries for every row.
        key_value: float tensor [B, Tk, d_key] (keys and values are projected from it).
        excluded: optional float tensor [B, Tk]; 1 = key excluded for every query, 0 = kept.
        return_scores: also return the masked pre-softmax scores.

    Returns:
        ``(output, weights)``: output [B, Tq, d_model], weights [B, Tq, Tk]; with
        ``return_scores=True``, ``(output, weights, scores)`` with scores [B, Tq, Tk] where
        excluded keys hold ``EXCLUDED_SCORE``.
    """

    def __init__(self, d_model, scalable_softmax=False, **kwargs):
        super().__init__(**kwargs)
        self.d_model = d_model
        self.scalable_softmax = scalable_softmax
        self.query_projection = keras.layers.Dense(d_model, name="query")
        self.key_projection = keras.layers.Dense(d_model, name="key")
        self.value_projection = keras.layers.Dense(d_model, name="value")
        self.output_projection = keras.layers.Dense(d_model, name="output")

    def build(self, query_shape, key_value_shape, excluded_shape=None):
        self.query_projection.build(query_shape)
        self.key_projection.build(key_value_shape)
        self.value_projection.build(key_value_shape)
        self.output_projection.build((*query_shape[:-1], self.d_model))
        if self.scalable_softmax:
            self.length_scale = self.add_weight(shape=(), initializer="ones", name="length_scale")

    def call(self, query, key_value, excluded=None, return_scores=False):
        if query.shape[1] == key_value.shape[1] == 1 and excluded is None and not return_scores:
            return self._attend_single_key(key_value)
        queries = self.query_projection(query)
        keys = self.key_projection(key_value)
        values = self.value_projection(key_value)
        scores = _dot_products(queries, keys) / math.sqrt(self.d_model)
        if excluded is None:
            kept_keys = ops.ones_like(scores)
        else:
            kept_keys = ops.cast(ops.expand_dims(ops.less_equal(excluded, 0.5), axis=1), scores.dtype)
        if self.scalable_softmax:
            kept_count = ops.maximum(ops.sum(kept_keys, axis=-1, keepdims=True), 1.0)
            scores = scores * (self.length_scale * ops.log(kept_count))
        if excluded is not None:
            scores = ops.where(kept_keys > 0.5, scores, EXCLUDED_SCORE)
        weights = _softmax_over_kept(scores, kept_keys)
        output = self.output_projection(ops.matmul(weights, values))
        if return_scores:
            return output, weights, scores
        return output, weights

    def _attend_single_key(self, key_value):
        """One query, one unmasked key (the NEE decoder's self-attention on its start vector):
        the softmax of a single score is exactly 1 whatever the query, so the output is that
        key's value and no score is computed (onnxruntime would otherwise run B one-by-one
        matrix products). key_value [B, 1, d] -> ([B, 1, d_model], weights of ones [B, 1, 1])."""
        output = self.output_projection(self.value_projection(key_value))
        return output, ops.ones_like(output[..., :1])

    def get_config(self):
        return {**super().get_config(), "d_model": self.d_model, "scalable_softmax": self.scalable_softmax}
