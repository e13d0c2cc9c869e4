"""Bitwise number embedding of the Neural Execution Engines."""

import math

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="l2e")
class BitEmbedding(keras.Layer):
    """Embeds binary numbers as the scaled sum of one learned vector per set bit.

    A number arrives as its bit vector, most significant bit first, with float entries 0 or 1.
    Its embedding is ``sqrt(d_model) * sum_i bits[i] * bit_vectors[i]``: a linear map without
    bias. Numbers that differ in one bit differ by exactly one learned vector, which is what
    lets the network compare numbers it never saw.

    Args:
        d_model: width of the embedding.

    Call arguments:
        bits: float tensor [B, N, num_bits].

    Returns:
        float tensor [B, N, d_model].
    """

    def __init__(self, d_model, **kwargs):
        super().__init__(**kwargs)
        self.d_model = d_model

    def build(self, bits_shape):
        self.bit_vectors = self.add_weight(
            shape=(bits_shape[-1], self.d_model),
            initializer="glorot_uniform",
            name="bit_vectors",
        )

    def call(self, bits):
        return ops.matmul(bits, self.bit_vectors) * math.sqrt(self.d_model)

    def compute_output_shape(self, bits_shape):
        return (*bits_shape[:-1], self.d_model)

    def get_config(self):
        return {**super().get_config(), "d_model": self.d_model}
