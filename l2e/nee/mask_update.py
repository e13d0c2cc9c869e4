"""The conditional mask-update network of the Neural Execution Engines."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="l2e")
class MaskUpdate(keras.Layer):
    """Predicts the next mask from the current mask and the pointer, position by position.

    Channels ``[current mask, pointer]`` [B, N, 2] -> ``Conv1D(filters, kernel_size, 'same',
    relu)`` [B, N, filters] -> layer normalization over the feature axis -> pointwise
    ``Dense(1)`` -> next-mask logits [B, N] (sigmoid gives the probability that a position is
    excluded next). Every operation is shared across positions and sees only a window of
    ``kernel_size`` positions, so the network is shift-equivariant and runs at any N. It is
    evaluated once per possible 0/1 window and looked up per position (``_pattern_logits``).

    Args:
        filters: channels of the convolution.
        kernel_size: window of the convolution (3: a position, and its two neighbours, which is
            enough to advance a list head in the merge step).

    Call arguments:
        current_mask: float tensor [B, N], 1 = excluded now, 0 = not (no other values).
        pointer: float tensor [B, N], one-hot position the step chose.

    Returns:
        next-mask logits, float tensor [B, N].
    """

    def __init__(self, filters=16, kernel_size=3, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = kernel_size
        self.convolution = keras.layers.Conv1D(
            filters, kernel_size, padding="same", activation="relu", name="convolution"
        )
        self.norm = keras.layers.LayerNormalization(name="norm")
        self.readout = keras.layers.Dense(1, name="readout")

    def build(self, current_mask_shape, pointer_shape):
        self.convolution.build((*current_mask_shape, 2))
        features_shape = (*current_mask_shape, self.filters)
        self.norm.build(features_shape)
        self.readout.build(features_shape)

    def call(self, current_mask, pointer):
        windows = self._windows(ops.stack([current_mask, pointer], axis=-1))
        codes = ops.cast(ops.squeeze(ops.matmul(windows, self._pattern_codes()), axis=-1), "int32")
        return ops.take(self._pattern_logits(), codes)

    def _windows(self, channels):
        """Each position's window of the 'same'-padded convolution (zeros beyond the ends), its
        channels side by side: channels [B, N, 2] -> [B, N, kernel_size * 2]."""
        before = (self.kernel_size - 1) // 2
        padded = ops.pad(channels, [[0, 0], [before, self.kernel_size - 1 - before], [0, 0]])
        last = self.kernel_size - 1
        return ops.concatenate(
            [padded[:, offset : offset - last] if offset < last else padded[:, offset:]
             for offset in range(self.kernel_size)], axis=-1)

    def _pattern_codes(self):
        """Weights [kernel_size * 2, 1] that read a 0/1 window as the binary number 0..4^k - 1."""
        return ops.expand_dims(2.0 ** ops.arange(2 * self.kernel_size, dtype="float32"), axis=-1)

    def _pattern_logits(self):
        """The network's logit for every 0/1 window, indexed by its code: [4^kernel_size].

        Mask and pointer are 0/1, so a position's logit is one of these 4^k (64) values: the
        convolution, normalization and readout run on the 64 windows instead of on every position,
        and each position looks its logit up. Same function, same gradients; onnxruntime folds the
        table into a constant of the exported model."""
        count = 2 * self.kernel_size
        patterns = ops.cast(ops.floor_divide(ops.expand_dims(ops.arange(2**count), -1), 2 ** ops.arange(count)) % 2,
                            "float32")  # [4^k, 2k]: row c holds the bits of c
        kernel = ops.reshape(self.convolution.kernel, (count, self.filters))
        features = self.norm(ops.relu(ops.matmul(patterns, kernel) + self.convolution.bias))
        return ops.squeeze(self.readout(features), axis=-1)

    def compute_output_shape(self, current_mask_shape, pointer_shape):
        return current_mask_shape

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size}
