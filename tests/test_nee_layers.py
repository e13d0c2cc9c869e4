"""Tests of the Neural Execution Engine layers, model, losses and ONNX export (tiny models)."""

import math
from types import SimpleNamespace

import keras
import numpy as np
import pytest
import tensorflow as tf

from l2e.nee.attention import EXCLUDED_SCORE, MaskedAttention
from l2e.nee.blocks import DecoderBlock, EncoderBlock, FeedForward
from l2e.nee.config import SCALABLE_SOFTMAX
from l2e.nee.embedding import BitEmbedding
from l2e.nee.losses import (
    mask_accuracy,
    nee_losses,
    nee_metrics,
    pointer_accuracy,
    pointer_loss,
    value_accuracy,
    value_bits_loss,
)
from l2e.nee.mask_update import MaskUpdate
from l2e.nee.norm import LayerNorm
from l2e.nee.model import (
    NeuralExecutionEngine,
    argmax_one_hot,
    build_nee_model,
    engine_layer,
    inference_model,
)
from l2e.nee.experiment import step_correct

NUM_BITS = 6


def _random_bits(rng, batch, length, num_bits=NUM_BITS):
    return rng.integers(0, 2, (batch, length, num_bits)).astype("float32")


def _random_mask(rng, batch, length):
    """[batch, length] of 0/1 with at least one 0 (kept position) per row."""
    mask = (rng.random((batch, length)) < 0.5).astype("float32")
    mask[np.arange(batch), rng.integers(0, length, batch)] = 0.0
    return mask


def _one_hot(indices, length):
    return np.eye(length, dtype="float32")[indices]


def _tiny_model(num_bits=NUM_BITS, num_layers=2, dropout=0.1):
    return build_nee_model(num_bits, d_model=8, num_layers=num_layers, ff_dim=16, dropout=dropout)


def _model_inputs(rng, batch, length, num_bits=NUM_BITS):
    return {
        "bits": _random_bits(rng, batch, length, num_bits),
        "mask": _random_mask(rng, batch, length),
        "pointer": _one_hot(rng.integers(0, length, batch), length),
    }


def _to_numpy(structure):
    return [np.asarray(x) for x in keras.tree.flatten(structure)]


def _assert_same_outputs(expected, actual, atol=1e-6):
    expected, actual = _to_numpy(expected), _to_numpy(actual)
    assert len(expected) == len(actual)
    for want, got in zip(expected, actual):
        np.testing.assert_allclose(got, want, atol=atol, rtol=0)


@pytest.fixture(scope="module")
def tiny_model():
    keras.utils.set_random_seed(1)
    return _tiny_model()


# --- layers -------------------------------------------------------------------------------


def test_bit_embedding_is_the_scaled_sum_of_the_set_bits_vectors():
    rng = np.random.default_rng(0)
    bits = _random_bits(rng, 2, 5)
    layer = BitEmbedding(d_model=7)
    embedded = np.asarray(layer(bits))
    bit_vectors = np.asarray(layer.bit_vectors)
    assert embedded.shape == (2, 5, 7)
    for example in range(2):
        for position in range(5):
            set_bits = np.flatnonzero(bits[example, position])
            expected = math.sqrt(7) * sum((bit_vectors[i] for i in set_bits), np.zeros(7))
            np.testing.assert_allclose(embedded[example, position], expected, atol=1e-5)


def test_masked_attention_gives_excluded_keys_zero_weight():
    rng = np.random.default_rng(1)
    query = rng.normal(size=(3, 4, 5)).astype("float32")
    key_value = rng.normal(size=(3, 6, 5)).astype("float32")
    excluded = _random_mask(rng, 3, 6)
    layer = MaskedAttention(d_model=8)
    output, weights = layer(query, key_value, excluded)
    weights = np.asarray(weights)
    assert output.shape == (3, 4, 8) and weights.shape == (3, 4, 6)
    assert np.all(weights[np.broadcast_to(excluded[:, None, :] > 0, weights.shape)] == 0.0)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-6)
    perturbed = key_value + 10.0 * excluded[:, :, None]
    perturbed_output, _ = layer(query, perturbed, excluded)
    np.testing.assert_allclose(perturbed_output, output, atol=1e-5)


def test_attention_over_one_key_reads_its_value_as_the_full_computation_does():
    rng = np.random.default_rng(7)
    query = rng.normal(size=(4, 1, 5)).astype("float32")
    key_value = rng.normal(size=(4, 1, 5)).astype("float32")
    layer = MaskedAttention(d_model=6, scalable_softmax=True)
    output, weights = layer(query, key_value)  # one query, one key: no score computed
    full_output, full_weights = layer(query, key_value, np.zeros((4, 1), "float32"))
    np.testing.assert_allclose(output, full_output, atol=1e-6)
    np.testing.assert_array_equal(weights, np.ones((4, 1, 1), "float32"))
    np.testing.assert_array_equal(full_weights, weights)


def test_attention_with_one_query_for_every_row_equals_the_query_repeated_per_row():
    rng = np.random.default_rng(8)
    query = rng.normal(size=(1, 2, 5)).astype("float32")
    key_value = rng.normal(size=(3, 6, 5)).astype("float32")
    excluded = _random_mask(rng, 3, 6)
    layer = MaskedAttention(d_model=8, scalable_softmax=True)
    shared = layer(query, key_value, excluded, return_scores=True)
    repeated = layer(np.repeat(query, 3, axis=0), key_value, excluded, return_scores=True)
    for a, b in zip(shared, repeated):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_masked_attention_scores_hold_the_excluded_score():
    rng = np.random.default_rng(2)
    query = rng.normal(size=(2, 1, 4)).astype("float32")
    key_value = rng.normal(size=(2, 5, 4)).astype("float32")
    excluded = _random_mask(rng, 2, 5)
    _, weights, scores = MaskedAttention(d_model=4)(
        query, key_value, excluded, return_scores=True
    )
    scores = np.asarray(scores)[:, 0]
    assert np.all(scores[excluded > 0] == EXCLUDED_SCORE)
    assert np.all(np.abs(scores[excluded == 0]) < 1e3)
    softmax = np.exp(scores - scores.max(-1, keepdims=True))
    np.testing.assert_allclose(
        np.asarray(weights)[:, 0], softmax / softmax.sum(-1, keepdims=True), atol=1e-6
    )


def test_scalable_softmax_multiplies_the_scores_by_the_learned_scale_times_log_kept_keys():
    rng = np.random.default_rng(4)
    query = rng.normal(size=(3, 2, 4)).astype("float32")
    key_value = rng.normal(size=(3, 7, 4)).astype("float32")
    excluded = _random_mask(rng, 3, 7)
    plain, scaled = MaskedAttention(d_model=4), MaskedAttention(d_model=4, scalable_softmax=True)
    plain(query, key_value, excluded)
    scaled(query, key_value, excluded)
    scaled.set_weights([np.float32(1.7)] + plain.get_weights())
    _, _, plain_scores = plain(query, key_value, excluded, return_scores=True)
    _, weights, scores = scaled(query, key_value, excluded, return_scores=True)
    kept = np.broadcast_to(excluded[:, None, :] == 0, scores.shape)
    factor = 1.7 * np.log((excluded == 0).sum(-1))[:, None, None]
    expected = np.where(kept, np.asarray(plain_scores) * factor, EXCLUDED_SCORE)
    np.testing.assert_allclose(np.asarray(scores), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(weights).sum(-1), 1.0, atol=1e-6)


def test_scalable_softmax_keeps_the_top_weight_as_the_keys_multiply():
    """One key scores a fixed gap above n - 1 equal keys: a plain softmax's top weight fades
    like 1/n, the scalable softmax's (scale 1, gap 1.5) grows toward 1."""
    def top_weight(layer, n):
        key_value = np.zeros((1, n, 2), dtype="float32")
        key_value[0, 0, 0] = 1.0
        layer.build((1, 1, 2), (1, n, 2))
        for projection in (layer.query_projection, layer.key_projection, layer.value_projection):
            kernel = np.eye(2, dtype="float32") * math.sqrt(1.5) * 2 ** 0.25  # query . key / sqrt(2) = 1.5
            projection.set_weights([kernel, np.zeros(2, "float32")])
        _, weights = layer(np.array([[[1.0, 0.0]]], "float32"), key_value)
        return float(np.asarray(weights)[0, 0, 0])

    plain = [top_weight(MaskedAttention(2), n) for n in (9, 100, 1000)]
    scaled = [top_weight(MaskedAttention(2, scalable_softmax=True), n) for n in (9, 100, 1000)]
    assert plain[0] > plain[1] > plain[2] and plain[2] < 0.01
    assert scaled[0] < scaled[1] < scaled[2] and scaled[1] > 0.5


def test_masked_attention_with_every_key_excluded_is_finite_and_zero():
    rng = np.random.default_rng(3)
    query = tf.constant(rng.normal(size=(2, 3, 4)).astype("float32"))
    key_value = rng.normal(size=(2, 5, 4)).astype("float32")
    excluded = np.zeros((2, 5), "float32")
    excluded[1] = 1.0
    layer = MaskedAttention(d_model=4)
    with tf.GradientTape() as tape:
        tape.watch(query)
        output, weights = layer(query, key_value, excluded)
        total = tf.reduce_sum(output)
    gradient = tape.gradient(total, query)
    assert np.all(np.isfinite(output)) and np.all(np.isfinite(gradient))
    assert np.all(np.asarray(weights)[1] == 0.0)
    np.testing.assert_allclose(np.asarray(weights)[0].sum(-1), 1.0, atol=1e-6)


@pytest.mark.parametrize("kernel_size", [1, 3, 4])
def test_mask_update_table_equals_the_network_run_at_every_position(kernel_size):
    """The looked-up logits are what Conv1D ('same', relu) -> norm -> readout give on 0/1 inputs."""
    layer = MaskUpdate(5, kernel_size)
    rng = np.random.default_rng(kernel_size)
    current_mask = _random_mask(rng, 4, 9)
    pointer = _one_hot(rng.integers(0, 9, 4), 9)
    layer.build((4, 9), (4, 9))
    for sublayer in (layer.convolution, layer.norm, layer.readout):
        sublayer.set_weights([rng.normal(size=w.shape).astype("float32") for w in sublayer.get_weights()])
    direct = layer.readout(layer.norm(layer.convolution(np.stack([current_mask, pointer], axis=-1))))
    np.testing.assert_allclose(layer(current_mask, pointer), np.asarray(direct)[..., 0], atol=1e-5)


def test_layer_norm_is_keras_layer_normalization_with_the_same_weights():
    rng = np.random.default_rng(10)
    inputs = rng.normal(size=(3, 4, 6)).astype("float32")
    ours, theirs = LayerNorm(), keras.layers.LayerNormalization()
    ours.build(inputs.shape)
    theirs.build(inputs.shape)
    weights = [rng.normal(size=w.shape).astype("float32") for w in theirs.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    np.testing.assert_allclose(ours(inputs), theirs(inputs), atol=1e-5)


def test_mask_update_is_translation_equivariant_away_from_the_borders():
    rng = np.random.default_rng(4)
    length, shift = 24, 5
    current_mask = _random_mask(rng, 3, length)
    pointer = _one_hot(rng.integers(0, length, 3), length)
    layer = MaskUpdate()
    logits = np.asarray(layer(current_mask, pointer))
    shifted = np.asarray(
        layer(np.roll(current_mask, shift, axis=1), np.roll(pointer, shift, axis=1))
    )
    assert logits.shape == (3, length)
    assert np.std(logits[:, 1:-1]) > 1e-3, "a constant output would make the test vacuous"
    np.testing.assert_allclose(
        shifted[:, shift + 1 : length - 1], logits[:, 1 : length - shift - 1], atol=1e-5
    )
    assert layer(current_mask[:, :7], pointer[:, :7]).shape == (3, 7)


def _layer_cases():
    """(factory, inputs) for every layer: each layer with random inputs of its call shapes."""
    rng = np.random.default_rng(5)
    excluded = _random_mask(rng, 2, 5)
    memory = rng.normal(size=(2, 5, 8)).astype("float32")
    return [
        (lambda: BitEmbedding(8), [_random_bits(rng, 2, 5)]),
        (lambda: MaskedAttention(8), [rng.normal(size=(2, 3, 4)).astype("float32"), memory,
                                      excluded]),
        (lambda: FeedForward(8, 16), [memory]),
        (lambda: EncoderBlock(8, 16, 0.2), [memory, excluded]),
        (lambda: DecoderBlock(8, 16, 0.2), [memory[:, :1], memory, excluded]),
        (lambda: MaskUpdate(4), [excluded, _one_hot([1, 3], 5)]),
        (lambda: NeuralExecutionEngine(NUM_BITS, 8, 2, 16, 0.2, 4),
         [_random_bits(rng, 2, 5), excluded, _one_hot([0, 4], 5)]),
        (lambda: NeuralExecutionEngine(NUM_BITS, 8, 1, 16, 0.2, 4, scalable_softmax="all"),
         [_random_bits(rng, 2, 5), excluded, _one_hot([2, 1], 5)]),
        (lambda: NeuralExecutionEngine(NUM_BITS, 8, 2, 16, 0.2, 4, encoder_layers=0),
         [_random_bits(rng, 2, 5), excluded, _one_hot([3, 0], 5)]),
    ]


LAYER_CASES = _layer_cases()
LAYER_IDS = [
    "BitEmbedding", "MaskedAttention", "FeedForward", "EncoderBlock", "DecoderBlock",
    "MaskUpdate", "NeuralExecutionEngine", "NeuralExecutionEngine-scalable-softmax",
    "NeuralExecutionEngine-no-encoder",
]


@pytest.mark.parametrize("factory, inputs", LAYER_CASES, ids=LAYER_IDS)
def test_layer_round_trips_through_its_config(factory, inputs):
    layer = factory()
    expected = layer(*inputs)
    clone = type(layer).from_config(layer.get_config())
    clone(*inputs)
    clone.set_weights(layer.get_weights())
    assert clone.get_config() == layer.get_config()
    _assert_same_outputs(expected, clone(*inputs))


@pytest.mark.parametrize("factory, inputs", LAYER_CASES, ids=LAYER_IDS)
def test_layer_round_trips_through_a_keras_file(factory, inputs, tmp_path):
    symbolic = [keras.Input(shape=x.shape[1:]) for x in inputs]
    model = keras.Model(symbolic, factory()(*symbolic))
    path = tmp_path / "layer.keras"
    model.save(path)
    _assert_same_outputs(model(inputs), keras.saving.load_model(path)(inputs))


# --- model --------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [2, 9, 101])
def test_model_output_shapes_and_masked_pointer_logits(tiny_model, length):
    rng = np.random.default_rng(length)
    inputs = _model_inputs(rng, 3, length)
    outputs = tiny_model(inputs)
    assert outputs["value_logits"].shape == (3, NUM_BITS)
    assert outputs["pointer_logits"].shape == (3, length)
    assert outputs["next_mask_logits"].shape == (3, length)
    pointer_logits = np.asarray(outputs["pointer_logits"])
    assert np.all(pointer_logits[inputs["mask"] > 0] == EXCLUDED_SCORE)
    assert np.all(np.abs(pointer_logits[inputs["mask"] == 0]) < 1e3)


def test_argmax_one_hot_picks_the_first_maximum():
    logits = np.array([[0.0, 2.0, 2.0, 1.0], [-1e9, -3.0, -1e9, -4.0]], "float32")
    np.testing.assert_array_equal(
        argmax_one_hot(logits), [[0, 1, 0, 0], [0, 1, 0, 0]]
    )


def test_inference_model_shares_weights_and_feeds_its_own_pointer(tiny_model):
    serving = inference_model(tiny_model)
    assert [i.name for i in serving.inputs] == ["bits", "mask"]
    assert all(a is b for a, b in zip(serving.weights, tiny_model.weights))
    assert len(serving.weights) == len(tiny_model.weights)

    rng = np.random.default_rng(6)
    inputs = _model_inputs(rng, 4, 9)
    served = serving({"bits": inputs["bits"], "mask": inputs["mask"]})
    own_pointer = _one_hot(np.argmax(np.asarray(served["pointer_logits"]), axis=-1), 9)
    forced = tiny_model({**inputs, "pointer": own_pointer})
    _assert_same_outputs(forced, served, atol=1e-5)

    other_pointer = np.roll(own_pointer, 3, axis=1)
    other = tiny_model({**inputs, "pointer": other_pointer})
    assert not np.allclose(other["next_mask_logits"], served["next_mask_logits"])


def test_training_and_inference_start_vectors_give_the_same_outputs_without_dropout():
    """Inference sends one shared start vector through the decoder, training one per row."""
    keras.utils.set_random_seed(3)
    model = build_nee_model(NUM_BITS, d_model=8, num_layers=2, ff_dim=16, dropout=0.0, mask_filters=4)
    inputs = _model_inputs(np.random.default_rng(9), 5, 7)
    _assert_same_outputs(model(inputs, training=True), model(inputs, training=False), atol=1e-5)


def test_model_round_trips_through_config_and_keras_file(tiny_model, tmp_path):
    rng = np.random.default_rng(7)
    inputs = _model_inputs(rng, 2, 11)
    clone = keras.Model.from_config(tiny_model.get_config())
    clone.set_weights(tiny_model.get_weights())
    _assert_same_outputs(tiny_model(inputs), clone(inputs))

    path = tmp_path / "nee.keras"
    tiny_model.save(path)
    loaded = keras.saving.load_model(path)
    _assert_same_outputs(tiny_model(inputs), loaded(inputs))
    unforced = {"bits": inputs["bits"], "mask": inputs["mask"]}
    _assert_same_outputs(inference_model(tiny_model)(unforced), inference_model(loaded)(unforced))


def test_build_rejects_a_model_without_layers():
    with pytest.raises(ValueError, match="num_layers"):
        build_nee_model(NUM_BITS, num_layers=0)
    with pytest.raises(ValueError, match="encoder_layers"):
        build_nee_model(NUM_BITS, num_layers=1, encoder_layers=-1)


def test_encoder_layers_default_to_num_layers_and_can_differ():
    engine = NeuralExecutionEngine(NUM_BITS, 8, 3, 16)
    assert (len(engine.encoder_blocks), len(engine.decoder_blocks)) == (3, 3)
    engine = NeuralExecutionEngine(NUM_BITS, 8, 3, 16, encoder_layers=1)
    assert (len(engine.encoder_blocks), len(engine.decoder_blocks)) == (1, 3)
    config = NeuralExecutionEngine(NUM_BITS, 8, 2, 16).get_config()
    del config["encoder_layers"]  # a model saved before the option existed
    assert len(NeuralExecutionEngine.from_config(config).encoder_blocks) == 2


def test_without_encoder_a_single_decoder_scores_each_position_by_its_own_number():
    """No encoder and one decoder block: a number's pointer score ignores the other numbers,
    so it is the same among 4 numbers as among 60 (what makes find-min length-invariant);
    with an encoder block it is not."""
    rng = np.random.default_rng(8)
    bits = _random_bits(rng, 2, 60)
    mask = np.zeros((2, 60), "float32")

    def pointer_logits(model, length):
        inputs = {"bits": bits[:, :length], "mask": mask[:, :length], "pointer": _one_hot([0, 1], length)}
        return np.asarray(model(inputs)["pointer_logits"])

    for encoder_layers, invariant in ((0, True), (1, False)):
        model = build_nee_model(NUM_BITS, d_model=8, num_layers=1, ff_dim=16, dropout=0.0,
                                encoder_layers=encoder_layers)
        # fresh weights give the zero start vector zero queries; random ones make scores differ
        model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
        short, full = pointer_logits(model, 4), pointer_logits(model, 60)[:, :4]
        assert np.ptp(short) > 0.1
        assert np.allclose(full, short, atol=1e-4) == invariant


# --- losses and metrics -------------------------------------------------------------------


def test_losses_match_their_definitions():
    bits = np.array([[1, 0, 1], [0, 0, 1]], "float32")
    bit_logits = np.array([[2.0, -1.0, 0.5], [1.0, -3.0, 4.0]], "float32")
    probabilities = 1 / (1 + np.exp(-bit_logits))
    expected_bits = -np.mean(
        bits * np.log(probabilities) + (1 - bits) * np.log(1 - probabilities), axis=-1
    )
    np.testing.assert_allclose(value_bits_loss(bits, bit_logits), expected_bits, rtol=1e-4)

    pointer_logits = np.array([[1.0, EXCLUDED_SCORE, 2.0, EXCLUDED_SCORE]], "float32")
    expected_pointer = -np.log(np.exp(2.0) / (np.exp(1.0) + np.exp(2.0)))
    np.testing.assert_allclose(
        pointer_loss(_one_hot([2], 4), pointer_logits), [expected_pointer], rtol=1e-5
    )


def test_accuracies_require_every_bit_and_position():
    targets = np.array([[1, 0, 1], [1, 0, 1], [0, 0, 0]], "float32")
    logits = np.array([[3.0, -1.0, 0.2], [3.0, 1.0, 0.2], [-1.0, -1.0, -1.0]], "float32")
    np.testing.assert_array_equal(value_accuracy(targets, logits), [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(mask_accuracy(targets, logits), [1.0, 0.0, 1.0])
    pointer_logits = np.array([[0.1, 0.9, 0.0], [0.8, 0.1, 0.0]], "float32")
    np.testing.assert_array_equal(
        pointer_accuracy(_one_hot([1, 1], 3), pointer_logits), [1.0, 0.0]
    )


def test_pointer_accuracy_counts_any_tied_smallest_position_as_right_in_metric_and_check():
    """Tied smallest values spread the target over their positions: the Keras metric and the
    training's step check agree that pointing at any of them is right."""
    tied = np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [0.5, 0.5, 0.0]], "float32")
    pointer_logits = np.array([[0.1, 0.9, 0.0], [0.9, 0.1, 0.0], [0.0, 0.1, 0.9]], "float32")
    np.testing.assert_array_equal(pointer_accuracy(tied, pointer_logits), [1.0, 1.0, 0.0])
    examples = SimpleNamespace(value_bits=np.zeros((3, 2)), pointer_target=tied, next_mask=np.zeros((3, 3)))
    outputs = {"value_logits": -np.ones((3, 2)), "pointer_logits": pointer_logits,
               "next_mask_logits": -np.ones((3, 3))}
    np.testing.assert_array_equal(step_correct(outputs, examples)["pointer"], [True, True, False])


# --- learning -----------------------------------------------------------------------------


def _find_min_examples(rng, batch, length, num_bits=8):
    """One find-min step on distinct random values: inputs (teacher-forced) and targets."""
    values = np.stack([rng.choice(2**num_bits, length, replace=False) for _ in range(batch)])
    mask = _random_mask(rng, batch, length)
    chosen = np.argmin(np.where(mask > 0, np.inf, values), axis=-1)
    pointer = _one_hot(chosen, length)
    to_bits = lambda v: ((v[..., None] >> np.arange(num_bits - 1, -1, -1)) & 1).astype("float32")
    inputs = {"bits": to_bits(values), "mask": mask, "pointer": pointer}
    targets = {
        "value_logits": to_bits(values[np.arange(batch), chosen]),
        "pointer_logits": pointer,
        "next_mask_logits": np.maximum(mask, pointer),
    }
    return inputs, targets


def test_tiny_model_overfits_a_batch_of_find_min_steps():
    keras.utils.set_random_seed(0)
    inputs, targets = _find_min_examples(np.random.default_rng(8), batch=32, length=8)
    model = build_nee_model(8, d_model=16, num_layers=1, ff_dim=32, dropout=0.0)
    # The decoder reads one start vector: its self-attention's softmax over that one key is 1
    # whatever the query and key, so they get no gradient (NEEExperiment skips them as well).
    engine = engine_layer(model)
    for block in engine.decoder_blocks:
        block.self_attention.query_projection.trainable = False
        block.self_attention.key_projection.trainable = False
    model.compile(keras.optimizers.Adam(3e-3), loss=nee_losses(), metrics=nee_metrics())
    before = model.evaluate(inputs, targets, verbose=0, return_dict=True)
    batches = tf.data.Dataset.from_tensors((inputs, targets)).repeat()
    model.fit(batches, steps_per_epoch=300, epochs=1, verbose=0, shuffle=False)
    after = model.evaluate(inputs, targets, verbose=0, return_dict=True)
    assert before["pointer_logits_pointer_accuracy"] < 0.9
    assert after["pointer_logits_pointer_accuracy"] == 1.0
    assert after["next_mask_logits_mask_accuracy"] == 1.0
    assert after["loss"] < 0.1 * before["loss"]

    served = inference_model(model)({"bits": inputs["bits"], "mask": inputs["mask"]})
    np.testing.assert_array_equal(
        np.asarray(served["next_mask_logits"]) > 0, targets["next_mask_logits"] > 0
    )


# --- export -------------------------------------------------------------------------------


@pytest.mark.parametrize("scalable_softmax, encoder_layers",
                         [(choice, None) for choice in SCALABLE_SOFTMAX] + [("none", 0)])
def test_inference_model_converts_to_onnx_with_matching_outputs(scalable_softmax, encoder_layers):
    tf2onnx = pytest.importorskip("tf2onnx")
    onnxruntime = pytest.importorskip("onnxruntime")
    keras.utils.set_random_seed(2)
    serving = inference_model(build_nee_model(NUM_BITS, d_model=8, num_layers=2, ff_dim=16,
                                              scalable_softmax=scalable_softmax, encoder_layers=encoder_layers))
    signature = [{
        "bits": tf.TensorSpec([None, None, NUM_BITS], tf.float32, name="bits"),
        "mask": tf.TensorSpec([None, None], tf.float32, name="mask"),
    }]
    step = tf.function(lambda inputs: serving(inputs, training=False), input_signature=signature)
    proto, _ = tf2onnx.convert.from_function(step, input_signature=signature, opset=17)
    session = onnxruntime.InferenceSession(
        proto.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    output_names = [output.name for output in session.get_outputs()]
    assert sorted(output_names) == ["next_mask_logits", "pointer_logits", "value_logits"]

    rng = np.random.default_rng(9)
    for length in (5, 37):
        feed = {"bits": _random_bits(rng, 3, length), "mask": _random_mask(rng, 3, length)}
        expected = serving(feed)
        for name, got in zip(output_names, session.run(output_names, feed)):
            np.testing.assert_allclose(got, expected[name], atol=1e-4, rtol=0, err_msg=name)
