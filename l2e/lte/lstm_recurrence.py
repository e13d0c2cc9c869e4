"""The LSTM recurrence over a whole window with a hand-written gradient, for training on a CPU.

Keras's generic recurrent loop multiplies each step's input by the kernel inside the loop and lets
TensorFlow differentiate the loop step by step. Only the recurrent product ``h @ R`` truly has to
wait for the previous step, so this module does everything else as single large matrix products
over all ``T`` steps at once:

- forward: the input projection ``x @ W + b`` of every step in one product, then ``T`` small
  products ``h @ R`` with the gate arithmetic;
- backward: ``T`` small products ``dg @ R^T`` to carry the gradient back in time, then the
  kernel, recurrent-kernel, bias and input gradients each as one product over all steps.

The arithmetic is Keras's LSTM exactly (gates in the order input, forget, candidate, output;
sigmoid gates, tanh candidate and output; no peepholes), so the same weights give the same
outputs; ``window_recurrence()`` is a drop-in for the training forward pass (see
:class:`l2e.lte.model.WindowLSTM`). The measured effect is in ``tools/bench/train.py``.

``window_recurrence("bfloat16")`` is the same recurrence with every matrix product's operands
rounded to bfloat16 (products accumulate in float32 inside oneDNN, and their results come back as
float32): the variables, the cell state, the gate arithmetic and the weight update stay float32.
CPUs with AMX or AVX512_BF16 run those products several times faster.
"""

import functools

import tensorflow as tf

from l2e.lte.config import PRECISIONS


def _gates(preactivation: tf.Tensor):
    """(input, forget, candidate, output) activations of preactivation [B, 4H]."""
    i, f, candidate, o = tf.split(preactivation, 4, axis=-1)
    return tf.sigmoid(i), tf.sigmoid(f), tf.tanh(candidate), tf.sigmoid(o)


@functools.cache
def window_recurrence(precision: str = "float32"):
    """The window recurrence with its matrix products in ``precision``, one of :data:`PRECISIONS`:
    a function (inputs, h0, c0, kernel, recurrent_kernel, bias) -> (outputs, h, c) with the shapes
    of :func:`_forward` and its hand-written gradient."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision: one of {', '.join(PRECISIONS)}, not {precision!r}")
    dtype = tf.as_dtype(precision)

    def rounded(x):  # a no-op in float32
        return tf.cast(x, dtype)

    def product(a, b, **kwargs):
        return tf.cast(tf.matmul(rounded(a), rounded(b), **kwargs), tf.float32)

    @tf.custom_gradient
    def lstm_sequence(inputs, h0, c0, kernel, recurrent_kernel, bias):
        return _forward(inputs, h0, c0, kernel, recurrent_kernel, bias, rounded, product)

    return lstm_sequence


def _forward(inputs, h0, c0, kernel, recurrent_kernel, bias, rounded, product):
    """Runs one LSTM layer over a window (``rounded`` is applied to the weights once, ``product``
    multiplies rounding its operands).

    Args:
        inputs: float32 [B, T, D] with a static T.
        h0, c0: float32 [B, H], the state before the first step.
        kernel: float32 [D, 4H]; recurrent_kernel: float32 [H, 4H]; bias: float32 [4H].

    Returns:
        (outputs [B, T, H], final h [B, H], final c [B, H]).
    """
    batch, steps, depth = inputs.shape[0], inputs.shape[1], inputs.shape[2]
    batch = tf.shape(inputs)[0] if batch is None else batch
    kernel, recurrent_kernel = rounded(kernel), rounded(recurrent_kernel)
    flat_inputs = tf.reshape(inputs, (-1, depth))                                   # [B*T, D]
    projected = tf.reshape(product(flat_inputs, kernel) + bias, (batch, steps, -1))  # [B, T, 4H]
    h, c = h0, c0
    saved = []  # per step: (h before, c before, i, f, candidate, o, tanh(c after))
    outputs = []
    for step_input in tf.unstack(projected, axis=1):
        i, f, candidate, o = _gates(step_input + product(h, recurrent_kernel))
        new_c = f * c + i * candidate
        tanh_c = tf.tanh(new_c)
        saved.append((h, c, i, f, candidate, o, tanh_c))
        h, c = o * tanh_c, new_c
        outputs.append(h)

    def gradient(d_outputs, d_h, d_c):
        """Back through time: d_outputs [B, T, H], d_h and d_c [B, H] (None where unused)."""
        d_outputs = tf.unstack(d_outputs, axis=1) if d_outputs is not None else [None] * steps
        d_h = tf.zeros_like(h0) if d_h is None else d_h
        d_c = tf.zeros_like(c0) if d_c is None else d_c
        d_preactivations = [None] * steps
        for t in reversed(range(steps)):
            h_before, c_before, i, f, candidate, o, tanh_c = saved[t]
            if d_outputs[t] is not None:
                d_h = d_h + d_outputs[t]
            d_o = d_h * tanh_c * o * (1.0 - o)
            d_c = d_c + d_h * o * (1.0 - tanh_c * tanh_c)
            d_i = d_c * candidate * i * (1.0 - i)
            d_candidate = d_c * i * (1.0 - candidate * candidate)
            d_f = d_c * c_before * f * (1.0 - f)
            d_preactivations[t] = tf.concat([d_i, d_f, d_candidate, d_o], axis=-1)    # [B, 4H]
            d_c = d_c * f
            d_h = product(d_preactivations[t], recurrent_kernel, transpose_b=True)
        flat_d = tf.reshape(tf.stack(d_preactivations, axis=1), (-1, 4 * h0.shape[-1]))   # [B*T, 4H]
        flat_h_before = tf.reshape(tf.stack([s[0] for s in saved], axis=1), (-1, h0.shape[-1]))
        d_inputs = tf.reshape(product(flat_d, kernel, transpose_b=True), tf.shape(inputs))
        d_kernel = product(flat_inputs, flat_d, transpose_a=True)
        d_recurrent = product(flat_h_before, flat_d, transpose_a=True)
        return d_inputs, d_h, d_c, d_kernel, d_recurrent, tf.reduce_sum(flat_d, axis=0)

    return (tf.stack(outputs, axis=1), h, c), gradient

