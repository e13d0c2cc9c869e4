"""The Neural Execution Engine: one step of a subroutine, as a Keras layer and models.

One step maps a batch of numbers and a mask to a value, a pointer and the next mask:

    bits [B, N, num_bits], mask [B, N] (1 = excluded)
      -> BitEmbedding -> encoder_layers x EncoderBlock (masked self-attention) = memory [B, N, d]
      -> zero start vector [1, 1, d] -> num_layers x DecoderBlock (cross-attention over memory
         with the same mask)
      -> value_logits [B, num_bits]   (Dense on the decoder output; sigmoid per bit)
      -> pointer_logits [B, N]        (the last decoder block's cross-attention scores; masked
                                       positions hold EXCLUDED_SCORE)
      -> next_mask_logits [B, N]      (MaskUpdate on [mask, pointer])

The pointer fed to the mask network is the true one-hot pointer during training (teacher
forcing, input ``pointer``) and the one-hot argmax of ``pointer_logits`` at inference. Both
models wrap one ``NeuralExecutionEngine`` layer, so they share every weight:

    model = build_nee_model(num_bits=10)       # training model: inputs bits, mask, pointer
    model.fit(...)
    serving = inference_model(model)           # inputs bits, mask; same weights

The sequence length N is dynamic, so a model trained at N = 9 runs at any N.
"""

import keras
from keras import ops

from l2e.nee.blocks import DecoderBlock, EncoderBlock
from l2e.nee.config import SCALABLE_SOFTMAX
from l2e.nee.embedding import BitEmbedding
from l2e.nee.mask_update import MaskUpdate
from l2e.validation import check_choice


def argmax_one_hot(logits):
    """One-hot of the first maximal position: logits [B, N] -> float [B, N].

    Built from max, equal and cumsum rather than ``ops.argmax``, whose TensorFlow
    implementation emits Bitcast/BitwiseAnd ops (a negative-zero fix) that tf2onnx cannot
    convert. A running count of maximal positions equals 1 from the first of them on, so
    "maximal and the count is 1" picks the first one among ties, as argmax does.
    """
    is_maximal = ops.cast(
        ops.equal(logits, ops.max(logits, axis=-1, keepdims=True)), logits.dtype
    )
    is_first = ops.cast(ops.equal(ops.cumsum(is_maximal, axis=-1), 1.0), logits.dtype)
    return is_maximal * is_first


@keras.saving.register_keras_serializable(package="l2e")
class NeuralExecutionEngine(keras.Layer):
    """Encoder-decoder transformer with value and pointer heads and a mask-update network.

    Args:
        num_bits: bits per number (most significant first), in and out.
        d_model: width of the embedding and of every block.
        num_layers: decoder blocks, and as many encoder blocks unless ``encoder_layers`` says
            otherwise (at least 1).
        ff_dim: hidden width of the feed-forward networks.
        dropout: dropout rate in the transformer blocks.
        mask_filters: convolution channels of the mask-update network.
        scalable_softmax: which attentions scale their scores by ``s * log(kept keys)``
            (``MaskedAttention``): "none" (the paper's attention, default), "encoder" (the
            encoder self-attentions) or "all" (and the decoder cross-attentions).
        encoder_layers: encoder blocks, if not ``num_layers`` (default None: as many as the
            decoder). 0 feeds the decoder the bit embeddings themselves: each position's key
            then depends on its own number only, never on how many others there are.

    Call arguments:
        bits: float tensor [B, N, num_bits], 0/1.
        excluded: float tensor [B, N], 1 = position excluded (masked), 0 = candidate.
        pointer: optional float tensor [B, N], the one-hot pointer fed to the mask network
            (teacher forcing); when omitted, the one-hot argmax of ``pointer_logits``.

    Returns:
        dict with ``value_logits`` [B, num_bits], ``pointer_logits`` [B, N] (excluded positions
        at ``EXCLUDED_SCORE``) and ``next_mask_logits`` [B, N].
    """

    def __init__(
        self, num_bits, d_model=16, num_layers=6, ff_dim=128, dropout=0.1, mask_filters=16,
        scalable_softmax="none", encoder_layers=None, **kwargs,
    ):
        super().__init__(**kwargs)
        if num_layers < 1:
            raise ValueError(f"num_layers must be at least 1, got {num_layers}")
        encoder_layers = num_layers if encoder_layers is None else encoder_layers
        if encoder_layers < 0:
            raise ValueError(f"encoder_layers must be at least 0, got {encoder_layers}")
        self.num_bits = num_bits
        self.d_model = d_model
        self.num_layers = num_layers
        self.encoder_layers = encoder_layers
        self.ff_dim = ff_dim
        self.dropout_rate = dropout
        self.mask_filters = mask_filters
        self.scalable_softmax = check_choice("scalable_softmax", scalable_softmax, SCALABLE_SOFTMAX)
        self.embedding = BitEmbedding(d_model, name="embedding")
        self.encoder_blocks = [
            EncoderBlock(d_model, ff_dim, dropout, scalable_softmax != "none", name=f"encoder_{index}")
            for index in range(encoder_layers)
        ]
        self.decoder_blocks = [
            DecoderBlock(d_model, ff_dim, dropout, scalable_softmax == "all", name=f"decoder_{index}")
            for index in range(num_layers)
        ]
        self.value_head = keras.layers.Dense(num_bits, name="value_head")
        self.mask_update = MaskUpdate(mask_filters, name="mask_update")

    def build(self, bits_shape, excluded_shape, pointer_shape=None):
        self.embedding.build(bits_shape)
        memory_shape = (*bits_shape[:-1], self.d_model)
        start_shape = (bits_shape[0], 1, self.d_model)
        for encoder_block in self.encoder_blocks:
            encoder_block.build(memory_shape, excluded_shape)
        for decoder_block in self.decoder_blocks:
            decoder_block.build(start_shape, memory_shape, excluded_shape)
        self.value_head.build(start_shape)
        self.mask_update.build(excluded_shape, excluded_shape)

    def call(self, bits, excluded, pointer=None, training=None):
        memory = self.embedding(bits)
        for block in self.encoder_blocks:
            memory = block(memory, excluded, training=training)
        # The start vector is the same for every row: at inference one [1, 1, d] state goes
        # through the first block's self-attention (a constant the ONNX runtime folds away) and
        # reads every row's memory with one query. Training gives each row its own copy, so
        # that dropout draws independent noise per row.
        state = ops.zeros((1, 1, self.d_model), dtype=memory.dtype)
        if training:
            state = state + ops.expand_dims(ops.zeros_like(memory[:, 0, :]), axis=1)
        for block in self.decoder_blocks:
            state, cross_scores = block(state, memory, excluded, training=training)
        value_logits = ops.squeeze(self.value_head(state), axis=1)
        pointer_logits = ops.squeeze(cross_scores, axis=1)
        if pointer is None:
            pointer = argmax_one_hot(pointer_logits)
        return {
            "value_logits": value_logits,
            "pointer_logits": pointer_logits,
            "next_mask_logits": self.mask_update(excluded, pointer),
        }

    def get_config(self):
        return {
            **super().get_config(),
            "num_bits": self.num_bits,
            "d_model": self.d_model,
            "num_layers": self.num_layers,
            "ff_dim": self.ff_dim,
            "dropout": self.dropout_rate,
            "mask_filters": self.mask_filters,
            "scalable_softmax": self.scalable_softmax,
            "encoder_layers": self.encoder_layers,
        }


def build_nee_model(
    num_bits, d_model=16, num_layers=6, ff_dim=128, dropout=0.1, mask_filters=16,
    scalable_softmax="none", encoder_layers=None, *, teacher_forcing=True, name="nee",
):
    """Builds an NEE step model with dynamic N (defaults: the original code's sort model).

    Inputs: ``bits`` [B, N, num_bits] float32, ``mask`` [B, N] float32 (1 = excluded) and,
    with ``teacher_forcing`` (the training model), ``pointer`` [B, N] float32, the true one-hot
    pointer fed to the mask network. Without it (an inference model with fresh weights) the
    mask network gets the argmax of the model's own pointer. Outputs: the dict of
    ``NeuralExecutionEngine``. For an inference model sharing a trained model's weights, use
    ``inference_model(model)``.
    """
    engine = NeuralExecutionEngine(
        num_bits, d_model, num_layers, ff_dim, dropout, mask_filters, scalable_softmax, encoder_layers,
        name="engine",
    )
    return _wrap_engine(engine, teacher_forcing, name)


def engine_layer(model: keras.Model) -> NeuralExecutionEngine:
    """The ``NeuralExecutionEngine`` layer of an NEE model; ValueError if it has none."""
    engine = next((layer for layer in model.layers if isinstance(layer, NeuralExecutionEngine)), None)
    if engine is None:
        raise ValueError(f"model {model.name!r} has no NeuralExecutionEngine layer")
    return engine


def inference_model(model, name=None):
    """The inference model (inputs ``bits``, ``mask``) sharing the weights of an NEE model.

    ``model`` is any model from ``build_nee_model`` (or loaded from its ``.keras`` file);
    the returned model's mask network is fed the one-hot argmax of its own pointer logits.
    """
    return _wrap_engine(engine_layer(model), teacher_forcing=False, name=name or f"{model.name}_inference")


def _wrap_engine(engine, teacher_forcing, name):
    """A functional model around ``engine`` with named inputs of dynamic length N."""
    inputs = {
        "bits": keras.Input((None, engine.num_bits), name="bits"),
        "mask": keras.Input((None,), name="mask"),
    }
    if teacher_forcing:
        inputs["pointer"] = keras.Input((None,), name="pointer")
    outputs = engine(inputs["bits"], inputs["mask"], inputs.get("pointer"))
    return keras.Model(inputs, outputs, name=name)
