"""Layer normalization written so that onnxruntime recognizes it after export."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="l2e")
class LayerNorm(keras.layers.LayerNormalization):
    """``keras.layers.LayerNormalization`` over the last axis (same weights, same function),
    computed as ``(x - mean) / sqrt(variance + epsilon) * gamma + beta``.

    Keras's own computation (moments, rsqrt, folded scale and shift) reaches ONNX through tf2onnx
    as a dozen elementwise operations over the whole tensor; this form is the pattern that
    onnxruntime's graph optimizer fuses into one LayerNormalization kernel.

    Call arguments:
        inputs: float tensor [..., d].

    Returns:
        float tensor [..., d].
    """

    def call(self, inputs):
        centered = inputs - ops.mean(inputs, axis=-1, keepdims=True)
        variance = ops.mean(ops.power(centered, 2.0), axis=-1, keepdims=True)
        return centered / ops.sqrt(variance + self.epsilon) * self.gamma + self.beta
