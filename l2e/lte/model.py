"""The Learning-to-Execute executor: character embedding, stacked LSTM, softmax over the vocabulary.

The recurrent state is an explicit input and output (no ``stateful=True``): the trainer carries
each minibatch's final state into the next one per replica, and exported step models take and
return it, so onnxruntime and TF Serving can stream.

Paper defaults (section 6): 2 layers of 400 units, embedding size 400, every parameter uniform in
[-0.08, 0.08] (the forget-gate bias included: no ``unit_forget_bias``), no peepholes.
"""

import keras
import numpy as np
import tensorflow as tf

from l2e.lte.lstm_recurrence import window_recurrence
from l2e.lte.vocab import VOCAB_SIZE


@keras.saving.register_keras_serializable(package="l2e")
class WindowLSTM(keras.layers.LSTM):
    """Keras's LSTM layer whose training forward pass runs :func:`~l2e.lte.lstm_recurrence.window_recurrence`
    (the input projection and the weight gradients as single products over the window, about 1.1x
    faster per step on a CPU, ``tools/bench/train.py``); the same weights, outputs and variables, so
    checkpoints and ``.keras`` files of the plain layer load into it. Inference (``training=False``,
    what evaluation and the exports trace) is Keras's own loop, which exports to ONNX ``LSTM`` ops.

    Inputs [B, T, D] with a static T; the initial state (h, c), each [B, units]. ``precision``
    (``float32`` or ``bfloat16``) is that of the training pass's matrix products; the variables and
    the inference pass are float32 either way.
    """

    def __init__(self, units, precision: str = "float32", **kwargs):
        super().__init__(units, **kwargs)
        self.recurrence = window_recurrence(precision)
        self.precision = precision

    def get_config(self):
        return {**super().get_config(), "precision": self.precision}

    def inner_loop(self, sequences, initial_state, mask, training=False):
        plain = (not training or mask is not None or self.go_backwards or self.dropout or self.recurrent_dropout
                 or sequences.shape[1] is None or keras.backend.backend() != "tensorflow")
        if plain:
            return super().inner_loop(sequences, initial_state, mask, training=training)
        weights = [tf.identity(w.value) for w in (self.cell.kernel, self.cell.recurrent_kernel, self.cell.bias)]
        outputs, h, c = self.recurrence(sequences, initial_state[0], initial_state[1], *weights)
        return h, outputs, [h, c]


def build_lstm_executor(hidden_size: int = 400, num_layers: int = 2, vocab_size: int = VOCAB_SIZE,
                        init_scale: float = 0.08, seed: int | None = None,
                        lstm_layer: type[keras.layers.LSTM] = WindowLSTM, precision: str = "float32") -> keras.Model:
    """The executor as a functional model (``lstm_layer=keras.layers.LSTM``: Keras's own layer, for
    comparisons; the variables are the same). ``precision``: that of the LSTM's training products
    (:class:`WindowLSTM` only).

    Inputs: ``ids`` int32 [B, T] (T may vary between calls), then for each layer ``h{i}`` and
    ``c{i}``, float32 [B, hidden_size]. Outputs: ``logits`` float32 [B, T, vocab_size], then the
    final ``h{i}``, ``c{i}`` of each layer, float32 [B, hidden_size].
    """
    def uniform(offset):
        return keras.initializers.RandomUniform(-init_scale, init_scale,
                                                seed=None if seed is None else seed + offset)

    ids = keras.Input(shape=(None,), dtype="int32", name="ids")
    states_in = []
    for i in range(num_layers):
        states_in += [keras.Input(shape=(hidden_size,), name=f"h{i}"),
                      keras.Input(shape=(hidden_size,), name=f"c{i}")]
    precision_setting = {} if precision == "float32" else {"precision": precision}
    if precision_setting and not issubclass(lstm_layer, WindowLSTM):
        raise ValueError(f"precision {precision}: only WindowLSTM computes in another precision")
    x = keras.layers.Embedding(vocab_size, hidden_size, embeddings_initializer=uniform(0), name="embedding")(ids)
    states_out = []
    for i in range(num_layers):
        lstm = lstm_layer(
            hidden_size, return_sequences=True, return_state=True, unit_forget_bias=False,
            kernel_initializer=uniform(10 * i + 1), recurrent_initializer=uniform(10 * i + 2),
            bias_initializer=uniform(10 * i + 3), name=f"lstm{i}", **precision_setting)
        x, h, c = lstm(x, initial_state=states_in[2 * i:2 * i + 2])
        states_out += [h, c]
    logits = keras.layers.Dense(vocab_size, kernel_initializer=uniform(100), bias_initializer=uniform(101),
                                name="logits")(x)
    return keras.Model([ids, *states_in], [logits, *states_out], name="lstm_executor")


def state_size(model: keras.Model) -> tuple[int, int]:
    """(number of layers, hidden size) of an executor built by :func:`build_lstm_executor`."""
    num_layers = (len(model.inputs) - 1) // 2
    return num_layers, int(model.inputs[1].shape[-1])


def zero_state(model: keras.Model, batch_size: int) -> list[np.ndarray]:
    """The initial recurrent state: ``2 * num_layers`` float32 zero arrays of [batch_size, hidden]."""
    num_layers, hidden = state_size(model)
    return [np.zeros((batch_size, hidden), np.float32) for _ in range(2 * num_layers)]
