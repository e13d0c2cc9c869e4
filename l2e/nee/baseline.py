"""The paper's baseline (figure 3): a plain sequence-to-sequence transformer that sorts a list.

Unlike the NEE, which learns one find-min step and leaves the loop to the algorithm, this model
maps the whole list to the whole sorted list, as a vanilla transformer does:

    bits [B, N, 8] -> BitEmbedding + sinusoidal positions -> num_layers x EncoderBlock = memory
    decoder tokens [B, T, 9] (START, then the sorted prefix) -> BitEmbedding + positions
      -> num_layers x BaselineDecoderBlock (causal self-attention, cross-attention over memory)
      -> logits [B, T, 256] (softmax over the values 0..255)

Training feeds the true sorted prefix (teacher forcing; ``SortingBatches`` is the stream of
batches that ``l2e.nee.experiment.VanillaExperiment`` trains on); ``greedy_sort`` decodes N
steps, each time feeding back the most likely value. The numbers use the NEE's bitwise
embedding; the positional encodings (absent in the NEE) are what a vanilla transformer has, and
what ties it to the lengths it was trained on.
"""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from l2e.nee.attention import EXCLUDED_SCORE, MaskedAttention, _softmax_over_kept
from l2e.nee.blocks import EncoderBlock, _PostNormBlock
from l2e.nee.data import TRAINING_SIZE, training_lists
from l2e.nee.embedding import BitEmbedding
from l2e.nee.traces import LISTS_PER_CHUNK
from serving.numbers import MAX_LIST_VALUE, to_bits

VALUE_BITS = 8
"""Bits of a list value (0..255)."""

NUM_VALUES = MAX_LIST_VALUE + 1
"""Output classes: the values 0..255."""

DECODER_BITS = VALUE_BITS + 1
"""A decoder token: the start bit, then the value's 8 bits (START is the start bit alone)."""


def sinusoidal_positions(length, d_model):
    """The Vaswani et al. positional encodings: float [length, d_model] (length may be symbolic)."""
    positions = ops.cast(ops.arange(length), "float32")[:, None]
    pair_index = np.arange(d_model) // 2
    frequencies = np.exp(-math.log(10000.0) * 2 * pair_index / d_model).astype("float32")
    angles = positions * frequencies[None, :]
    is_even = (np.arange(d_model) % 2 == 0)[None, :]
    return ops.where(is_even, ops.sin(angles), ops.cos(angles))


@keras.saving.register_keras_serializable(package="l2e")
class CausalSelfAttention(MaskedAttention):
    """Single-head self-attention in which position t attends to positions 0..t only.

    Call arguments:
        inputs: float tensor [B, T, d].

    Returns:
        ``(output, weights)``: output [B, T, d_model], weights [B, T, T] (zero above the diagonal).
    """

    def build(self, inputs_shape):
        super().build(inputs_shape, inputs_shape)

    def call(self, inputs):
        queries = self.query_projection(inputs)
        keys = self.key_projection(inputs)
        values = self.value_projection(inputs)
        scores = ops.matmul(queries, ops.transpose(keys, (0, 2, 1))) / math.sqrt(self.d_model)
        steps = ops.arange(ops.shape(inputs)[1])
        kept = ops.cast(steps[:, None] >= steps[None, :], scores.dtype)[None]
        scores = ops.where(kept > 0.5, scores, EXCLUDED_SCORE)
        weights = _softmax_over_kept(scores, kept)
        return self.output_projection(ops.matmul(weights, values)), weights


@keras.saving.register_keras_serializable(package="l2e")
class BaselineDecoderBlock(_PostNormBlock):
    """Post-norm decoder block of a vanilla transformer: causal self-attention, cross-attention
    over the whole encoder output, feed-forward.

    Call arguments:
        inputs: float tensor [B, T, d_model]; memory: float tensor [B, N, d_model].

    Returns:
        ``(outputs, cross_weights)``: outputs [B, T, d_model]; cross_weights [B, T, N], the
        cross-attention's softmax weights.
    """

    def __init__(self, d_model, ff_dim=128, dropout=0.0, **kwargs):
        super().__init__(d_model, ff_dim, dropout, **kwargs)
        self.self_attention = CausalSelfAttention(d_model, name="self_attention")
        self.self_attention_norm = keras.layers.LayerNormalization(name="self_attention_norm")
        self.cross_attention = MaskedAttention(d_model, name="cross_attention")
        self.cross_attention_norm = keras.layers.LayerNormalization(name="cross_attention_norm")
        self.feed_forward_norm = keras.layers.LayerNormalization(name="feed_forward_norm")

    def build(self, inputs_shape, memory_shape):
        self.self_attention.build(inputs_shape)
        self.self_attention_norm.build(inputs_shape)
        self.cross_attention.build(inputs_shape, memory_shape)
        self.cross_attention_norm.build(inputs_shape)
        self.feed_forward.build(inputs_shape)
        self.feed_forward_norm.build(inputs_shape)

    def call(self, inputs, memory, training=None):
        attended, _ = self.self_attention(inputs)
        hidden = self._residual(inputs, attended, self.self_attention_norm, training)
        read, cross_weights = self.cross_attention(hidden, memory)
        hidden = self._residual(hidden, read, self.cross_attention_norm, training)
        outputs = self._residual(hidden, self.feed_forward(hidden), self.feed_forward_norm, training)
        return outputs, cross_weights


@keras.saving.register_keras_serializable(package="l2e")
class SortingTransformer(keras.Layer):
    """Encoder-decoder transformer with positional encodings that outputs the sorted list.

    Args:
        d_model: width of the embeddings and blocks.
        num_layers: encoder blocks, and as many decoder blocks.
        ff_dim: hidden width of the feed-forward networks.
        dropout: dropout rate in the blocks.

    Call arguments:
        bits: float [B, N, 8], the list's values; decoder_bits: float [B, T, 9] (``decoder_tokens``).

    Returns:
        dict: ``logits`` [B, T, 256] and ``cross_attention`` [B, T, N], the last decoder block's
        cross-attention weights.
    """

    def __init__(self, d_model=64, num_layers=2, ff_dim=128, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.d_model = d_model
        self.num_layers = num_layers
        self.ff_dim = ff_dim
        self.dropout_rate = dropout
        self.encoder_embedding = BitEmbedding(d_model, name="encoder_embedding")
        self.decoder_embedding = BitEmbedding(d_model, name="decoder_embedding")
        self.encoder_blocks = [EncoderBlock(d_model, ff_dim, dropout, name=f"encoder_{i}")
                               for i in range(num_layers)]
        self.decoder_blocks = [BaselineDecoderBlock(d_model, ff_dim, dropout, name=f"decoder_{i}")
                               for i in range(num_layers)]
        self.output_head = keras.layers.Dense(NUM_VALUES, name="output_head")

    def build(self, bits_shape, decoder_bits_shape):
        self.encoder_embedding.build(bits_shape)
        self.decoder_embedding.build(decoder_bits_shape)
        memory_shape = (*bits_shape[:-1], self.d_model)
        state_shape = (*decoder_bits_shape[:-1], self.d_model)
        for encoder_block, decoder_block in zip(self.encoder_blocks, self.decoder_blocks):
            encoder_block.build(memory_shape, bits_shape[:-1])
            decoder_block.build(state_shape, memory_shape)
        self.output_head.build(state_shape)

    def _embed(self, embedding, bits):
        return embedding(bits) + sinusoidal_positions(ops.shape(bits)[1], self.d_model)[None]

    def call(self, bits, decoder_bits, training=None):
        memory = self._embed(self.encoder_embedding, bits)
        nothing_excluded = ops.zeros_like(bits[:, :, 0])
        for block in self.encoder_blocks:
            memory = block(memory, nothing_excluded, training=training)
        state = self._embed(self.decoder_embedding, decoder_bits)
        for block in self.decoder_blocks:
            state, cross_weights = block(state, memory, training=training)
        return {"logits": self.output_head(state), "cross_attention": cross_weights}

    def get_config(self):
        return {**super().get_config(), "d_model": self.d_model, "num_layers": self.num_layers,
                "ff_dim": self.ff_dim, "dropout": self.dropout_rate}


def build_baseline_model(d_model=64, num_layers=2, ff_dim=128, dropout=0.0, name="baseline"):
    """Functional model: inputs ``bits`` [B, N, 8] and ``decoder_bits`` [B, T, 9] (dynamic N, T);
    outputs the dict of ``SortingTransformer``."""
    inputs = {"bits": keras.Input((None, VALUE_BITS), name="bits"),
              "decoder_bits": keras.Input((None, DECODER_BITS), name="decoder_bits")}
    layer = SortingTransformer(d_model, num_layers, ff_dim, dropout, name="transformer")
    return keras.Model(inputs, layer(inputs["bits"], inputs["decoder_bits"]), name=name)


def decoder_tokens(prefix):
    """Decoder input for a sorted prefix int [B, T]: float32 [B, T + 1, 9], START then the prefix."""
    prefix = np.asarray(prefix, dtype=np.int64)
    start = np.zeros((len(prefix), 1, DECODER_BITS), dtype=np.float32)
    start[:, 0, 0] = 1.0
    shifted = np.concatenate([np.zeros((*prefix.shape, 1), np.float32),
                              to_bits(prefix, VALUE_BITS).astype(np.float32)], axis=-1)
    return np.concatenate([start, shifted], axis=1)


def teacher_forcing_arrays(values):
    """Training arrays of lists int [B, N]: (bits [B, N, 8], decoder_bits [B, N, 9], targets [B, N])."""
    values = np.asarray(values, dtype=np.int64)
    targets = np.sort(values, axis=1)
    return (to_bits(values, VALUE_BITS).astype(np.float32), decoder_tokens(targets[:, :-1]), targets)


class SortingBatches:
    """An endless, resumable stream of teacher-forcing batches of lists to sort.

    Batch i of seed s is ``batch_size`` lists of one length 1..8 (``l2e.nee.data.training_lists``:
    values 0..255 with the hard cases), drawn from ``numpy.random.default_rng([s, 0, i])``, so the
    stream's whole state is i; the held-out lists come from ``[s, 1, c]``, as the chunks of
    ``l2e.nee.traces.TraceBatches`` do.
    """

    def __init__(self, batch_size: int, seed: int):
        self.batch_size = batch_size
        self.seed = seed
        self.batch = 0

    def next_batch(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``teacher_forcing_arrays`` of the next batch: bits, decoder_bits and targets."""
        rng = np.random.default_rng([self.seed, 0, self.batch])
        self.batch += 1
        size = int(rng.integers(1, TRAINING_SIZE + 1))
        return teacher_forcing_arrays(training_lists(rng, self.batch_size, size).values)

    def state_dict(self) -> dict:
        return {"batch": self.batch}

    def load_state_dict(self, state: dict) -> None:
        self.batch = state["batch"]

    def validation(self, chunks: int) -> np.ndarray:
        """Held-out lists of the training size: int64 [chunks * 64, 8]."""
        return np.concatenate([training_lists(np.random.default_rng([self.seed, 1, chunk]), LISTS_PER_CHUNK).values
                               for chunk in range(chunks)])


class GreedySorter:
    """Greedy decoding with a compiled forward pass of a baseline model."""

    def __init__(self, model):
        signature = [tf.TensorSpec([None, None, VALUE_BITS], tf.float32),
                     tf.TensorSpec([None, None, DECODER_BITS], tf.float32)]
        self._forward = tf.function(
            lambda bits, dec: model({"bits": bits, "decoder_bits": dec}, training=False),
            input_signature=signature)

    def __call__(self, values, return_attention=False):
        """Sorted lists int64 [B, N] of values int [B, N]; with ``return_attention``, also the last
        decoder block's cross-attention float [B, N, N] (output step x input position)."""
        values = np.asarray(values, dtype=np.int64)
        bits = tf.constant(to_bits(values, VALUE_BITS).astype(np.float32))
        output = np.zeros((len(values), 0), dtype=np.int64)
        for _ in range(values.shape[1]):
            result = self._forward(bits, tf.constant(decoder_tokens(output)))
            step = np.argmax(np.asarray(result["logits"])[:, -1], axis=-1)
            output = np.concatenate([output, step[:, None]], axis=1)
        if return_attention:
            return output, np.asarray(result["cross_attention"])
        return output


def greedy_sort(model, values, return_attention=False):
    """``GreedySorter(model)(values, return_attention)``."""
    return GreedySorter(model)(values, return_attention)
