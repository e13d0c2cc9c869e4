"""The seq2seq sorting baseline (l2e.nee.baseline) and the PCA of tools/nee_pictures.py."""

import importlib.util
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from l2e.nee.baseline import (
    DECODER_BITS, NUM_VALUES, VALUE_BITS, build_baseline_model, decoder_tokens, greedy_sort,
    sinusoidal_positions, teacher_forcing_arrays,
)


def _load_pictures_tool():
    path = Path(__file__).resolve().parents[1] / "tools" / "nee_pictures.py"
    spec = importlib.util.spec_from_file_location("nee_pictures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shapes_and_causality():
    keras.utils.set_random_seed(0)
    model = build_baseline_model(d_model=16, num_layers=1, ff_dim=32)
    bits, decoder_bits, targets = teacher_forcing_arrays(np.array([[5, 3, 9, 1, 7], [0, 255, 4, 4, 2]]))
    assert bits.shape == (2, 5, VALUE_BITS) and decoder_bits.shape == (2, 5, DECODER_BITS)
    assert targets.tolist() == [[1, 3, 5, 7, 9], [0, 2, 4, 4, 255]]
    outputs = model({"bits": bits, "decoder_bits": decoder_bits})
    assert tuple(outputs["logits"].shape) == (2, 5, NUM_VALUES)
    assert tuple(outputs["cross_attention"].shape) == (2, 5, 5)
    np.testing.assert_allclose(np.asarray(outputs["cross_attention"]).sum(-1), 1.0, rtol=1e-5)
    # a later decoder token does not change earlier steps
    changed = decoder_bits.copy()
    changed[:, -1, 1:] = 1 - changed[:, -1, 1:]
    other = model({"bits": bits, "decoder_bits": changed})["logits"]
    np.testing.assert_allclose(np.asarray(other)[:, :-1], np.asarray(outputs["logits"])[:, :-1], atol=1e-5)
    # another input length runs with the same weights
    longer = model({"bits": np.zeros((1, 11, VALUE_BITS), np.float32),
                    "decoder_bits": decoder_tokens(np.zeros((1, 3), np.int64))})
    assert tuple(longer["cross_attention"].shape) == (1, 4, 11)


def test_decoder_tokens_and_positions():
    tokens = decoder_tokens(np.array([[3]]))
    assert tokens[0, 0].tolist() == [1] + [0] * VALUE_BITS
    assert tokens[0, 1].tolist() == [0, 0, 0, 0, 0, 0, 0, 1, 1]
    positions = np.asarray(sinusoidal_positions(4, 6))
    assert positions.shape == (4, 6)
    np.testing.assert_allclose(positions[0], [0, 1, 0, 1, 0, 1], atol=1e-6)
    np.testing.assert_allclose(positions[2, 0], np.sin(2.0), atol=1e-6)


def test_tiny_model_overfits_a_few_lists():
    keras.utils.set_random_seed(1)
    lists = np.array([[200, 13, 77, 140], [5, 250, 66, 31], [90, 91, 12, 180], [33, 8, 129, 64]])
    bits, decoder_bits, targets = (tf.constant(a) for a in teacher_forcing_arrays(lists))
    model = build_baseline_model(d_model=32, num_layers=1, ff_dim=64)
    optimizer = keras.optimizers.Adam(1e-2)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            logits = model({"bits": bits, "decoder_bits": decoder_bits}, training=True)["logits"]
            loss = loss_fn(targets, logits)
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                                      model.trainable_variables))
        return loss

    for _ in range(80):
        loss = float(step())
    assert loss < 0.05
    output, attention = greedy_sort(model, lists, return_attention=True)
    assert output.tolist() == np.sort(lists, axis=1).tolist()
    assert attention.shape == (4, 4, 4)


def test_pca_on_hand_made_points():
    pca = _load_pictures_tool().pca
    square = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 1.0], [0.0, -1.0]]) + 5.0
    projected, explained = pca(square)
    np.testing.assert_allclose(explained, [0.8, 0.2])
    np.testing.assert_allclose(np.abs(projected[:, 0]), [2, 2, 0, 0], atol=1e-12)
    np.testing.assert_allclose(np.abs(projected[:, 1]), [0, 0, 1, 1], atol=1e-12)
    # points on a line in 3-D: one component holds all the variance, in the line's order
    t = np.linspace(-1, 1, 9)
    line = np.stack([t, 2 * t, -t], axis=1) + np.array([1.0, 2.0, 3.0])
    projected, explained = pca(line, num_components=1)
    assert explained[0] == pytest.approx(1.0)
    np.testing.assert_allclose(projected[:, 0], t * np.sqrt(6), atol=1e-12)
