"""Transformer encoder and decoder blocks of the Neural Execution Engines.

Both blocks are post-norm, as in the original NEE code (the standard Vaswani et al.
transformer): every sublayer's output goes through dropout, is added to the sublayer's input,
and the sum is layer-normalized (``x = LayerNorm(x + Dropout(sublayer(x)))``). There are no
positional encodings: the blocks are permutation-equivariant over the input positions, which is
what lets a model trained on 8 numbers run on hundreds.
"""

import keras

from l2e.nee.attention import MaskedAttention
from l2e.nee.norm import LayerNorm


@keras.saving.register_keras_serializable(package="l2e")
class FeedForward(keras.Layer):
    """Position-wise feed-forward network: ``Dense(ff_dim, relu) -> Dense(d_model)``.

    Args:
        d_model: output width.
        ff_dim: hidden width.

    Call arguments:
        inputs: float tensor [B, T, d].

    Returns:
        float tensor [B, T, d_model].
    """

    def __init__(self, d_model, ff_dim=128, **kwargs):
        super().__init__(**kwargs)
        self.d_model = d_model
        self.ff_dim = ff_dim
        self.hidden = keras.layers.Dense(ff_dim, activation="relu", name="hidden")
        self.projection = keras.layers.Dense(d_model, name="projection")

    def build(self, inputs_shape):
        self.hidden.build(inputs_shape)
        self.projection.build((*inputs_shape[:-1], self.ff_dim))

    def call(self, inputs):
        return self.projection(self.hidden(inputs))

    def compute_output_shape(self, inputs_shape):
        return (*inputs_shape[:-1], self.d_model)

    def get_config(self):
        return {**super().get_config(), "d_model": self.d_model, "ff_dim": self.ff_dim}


class _PostNormBlock(keras.Layer):
    """What both blocks share: hyperparameters, dropout and the residual add-and-normalize."""

    def __init__(self, d_model, ff_dim=128, dropout=0.1, scalable_softmax=False, **kwargs):
        super().__init__(**kwargs)
        self.d_model = d_model
        self.ff_dim = ff_dim
        self.dropout_rate = dropout
        self.scalable_softmax = scalable_softmax
        self.dropout = keras.layers.Dropout(dropout)
        self.feed_forward = FeedForward(d_model, ff_dim, name="feed_forward")

    def _residual(self, inputs, update, norm, training):
        """``norm(inputs + dropout(update))``, all tensors [B, T, d_model]."""
        return norm(inputs + self.dropout(update, training=training))

    def get_config(self):
        return {
            **super().get_config(),
            "d_model": self.d_model,
            "ff_dim": self.ff_dim,
            "dropout": self.dropout_rate,
            "scalable_softmax": self.scalable_softmax,
        }


@keras.saving.register_keras_serializable(package="l2e")
class EncoderBlock(_PostNormBlock):
    """Post-norm encoder block: masked self-attention, then feed-forward.

    Args:
        d_model: width of the sequence; the input must already have this width.
        ff_dim: hidden width of the feed-forward network.
        dropout: dropout rate on each sublayer's output.
        scalable_softmax: length-scaled attention scores (see ``MaskedAttention``).

    Call arguments:
        inputs: float tensor [B, N, d_model].
        excluded: float tensor [B, N]; 1 = position excluded as a key of the self-attention.

    Returns:
        float tensor [B, N, d_model].
    """

    def __init__(self, d_model, ff_dim=128, dropout=0.1, scalable_softmax=False, **kwargs):
        super().__init__(d_model, ff_dim, dropout, scalable_softmax, **kwargs)
        self.self_attention = MaskedAttention(d_model, scalable_softmax, name="self_attention")
        self.attention_norm = LayerNorm(name="attention_norm")
        self.feed_forward_norm = LayerNorm(name="feed_forward_norm")

    def build(self, inputs_shape, excluded_shape):
        self.self_attention.build(inputs_shape, inputs_shape, excluded_shape)
        self.attention_norm.build(inputs_shape)
        self.feed_forward.build(inputs_shape)
        self.feed_forward_norm.build(inputs_shape)

    def call(self, inputs, excluded, training=None):
        attended, _ = self.self_attention(inputs, inputs, excluded)
        hidden = self._residual(inputs, attended, self.attention_norm, training)
        return self._residual(
            hidden, self.feed_forward(hidden), self.feed_forward_norm, training
        )


@keras.saving.register_keras_serializable(package="l2e")
class DecoderBlock(_PostNormBlock):
    """Post-norm decoder block: self-attention, masked cross-attention, then feed-forward.

    The NEE decoder reads a single start vector per example, so its self-attention has one key
    and no mask; the cross-attention over the encoder output uses the encoder's mask.

    Args:
        d_model: width of the decoder sequence and of the encoder output.
        ff_dim: hidden width of the feed-forward network.
        dropout: dropout rate on each sublayer's output.
        scalable_softmax: length-scaled attention scores (see ``MaskedAttention``).

    Call arguments:
        inputs: float tensor [B, T, d_model] (T = 1 in the NEE).
        memory: encoder output, float tensor [B, N, d_model].
        excluded: float tensor [B, N]; 1 = input position excluded from the cross-attention.

    Returns:
        ``(outputs, cross_scores)``: outputs [B, T, d_model]; cross_scores [B, T, N], the
        cross-attention's pre-softmax scores with excluded positions at ``EXCLUDED_SCORE``
        (the last block's scores are the NEE's pointer logits).
    """

    def __init__(self, d_model, ff_dim=128, dropout=0.1, scalable_softmax=False, **kwargs):
        super().__init__(d_model, ff_dim, dropout, scalable_softmax, **kwargs)
        self.self_attention = MaskedAttention(d_model, name="self_attention")
        self.self_attention_norm = LayerNorm(name="self_attention_norm")
        self.cross_attention = MaskedAttention(d_model, scalable_softmax, name="cross_attention")
        self.cross_attention_norm = LayerNorm(name="cross_attention_norm")
        self.feed_forward_norm = LayerNorm(name="feed_forward_norm")

    def build(self, inputs_shape, memory_shape, excluded_shape):
        self.self_attention.build(inputs_shape, inputs_shape)
        self.self_attention_norm.build(inputs_shape)
        self.cross_attention.build(inputs_shape, memory_shape, excluded_shape)
        self.cross_attention_norm.build(inputs_shape)
        self.feed_forward.build(inputs_shape)
        self.feed_forward_norm.build(inputs_shape)

    def call(self, inputs, memory, excluded, training=None):
        attended, _ = self.self_attention(inputs, inputs)
        hidden = self._residual(inputs, attended, self.self_attention_norm, training)
        read, _, cross_scores = self.cross_attention(hidden, memory, excluded, return_scores=True)
        hidden = self._residual(hidden, read, self.cross_attention_norm, training)
        outputs = self._residual(
            hidden, self.feed_forward(hidden), self.feed_forward_norm, training
        )
        return outputs, cross_scores
