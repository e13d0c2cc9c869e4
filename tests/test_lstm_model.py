"""The LSTM executor: shapes, the paper's initialization, explicit state carry-over, and the
training recurrence against Keras's own loop."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from l2e.lte.model import WindowLSTM, build_lstm_executor, state_size, zero_state
from l2e.lte.vocab import VOCAB_SIZE


@pytest.fixture(scope="module")
def model():
    return build_lstm_executor(hidden_size=24, num_layers=2, seed=1)


def test_inputs_and_outputs(model):
    ids = np.random.default_rng(0).integers(0, VOCAB_SIZE, (3, 7)).astype(np.int32)
    logits, *state = model([ids, *zero_state(model, 3)])
    assert logits.shape == (3, 7, VOCAB_SIZE)
    assert len(state) == 4 and all(s.shape == (3, 24) for s in state)
    assert state_size(model) == (2, 24)


def test_every_parameter_uniform_in_plus_minus_0_08(model):
    for weight in model.weights:
        values = np.asarray(weight)
        assert np.all(np.abs(values) <= 0.08), weight.name
        assert values.std() > 0.03, weight.name  # uniform on [-0.08, 0.08] has std 0.046: no zero biases


def test_carrying_the_state_equals_one_long_call(model):
    ids = np.random.default_rng(1).integers(0, VOCAB_SIZE, (2, 12)).astype(np.int32)
    whole, *_ = model([ids, *zero_state(model, 2)])
    first, *state = model([ids[:, :5], *zero_state(model, 2)])
    second, *_ = model([ids[:, 5:], *[np.asarray(s) for s in state]])
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), whole, atol=1e-5)


def _loss_and_gradients(model, inputs, training):
    with tf.GradientTape() as tape:
        logits, *state = model(inputs, training=training)
        loss = tf.reduce_sum(logits * logits) + sum(tf.reduce_sum(s * s) for s in state)
    return loss, tape.gradient(loss, model.trainable_variables)


def test_the_training_recurrence_matches_keras_own_loop_in_outputs_and_gradients(model):
    """training=True runs the window recurrence with its hand-written gradient; training=False is
    Keras's loop: the same outputs and the same gradients for every weight, the carried state included."""
    rng = np.random.default_rng(2)
    inputs = [rng.integers(0, VOCAB_SIZE, (3, 9)).astype(np.int32),
              *[rng.normal(0, 0.5, (3, 24)).astype(np.float32) for _ in range(4)]]
    fast_loss, fast = _loss_and_gradients(model, inputs, training=True)
    keras_loss, reference = _loss_and_gradients(model, inputs, training=False)
    np.testing.assert_allclose(float(fast_loss), float(keras_loss), rtol=1e-5)
    for variable, a, b in zip(model.trainable_variables, fast, reference):
        np.testing.assert_allclose(tf.convert_to_tensor(a), tf.convert_to_tensor(b), rtol=1e-4, atol=1e-5,
                                   err_msg=variable.path)


def test_a_checkpoint_of_keras_plain_lstm_layers_restores_into_the_executor(tmp_path):
    """Runs checkpointed before the executor used WindowLSTM resume: the variables are the same."""
    old = build_lstm_executor(hidden_size=24, num_layers=2, seed=5, lstm_layer=keras.layers.LSTM)
    assert not any(isinstance(layer, WindowLSTM) for layer in old.layers)
    for variable in old.weights:
        variable.assign(np.random.default_rng(3).uniform(-0.08, 0.08, variable.shape).astype(np.float32))
    path = tf.train.Checkpoint(model=old).save(str(tmp_path / "old"))
    fresh = build_lstm_executor(hidden_size=24, num_layers=2, seed=7)
    tf.train.Checkpoint(model=fresh).restore(path).assert_existing_objects_matched()
    for a, b in zip(old.weights, fresh.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_bfloat16_products_give_the_float32_loss_and_gradients_within_bfloat16_rounding(model):
    """precision="bfloat16" rounds only the matrix products' operands: the same weights give the
    loss to within a percent and every weight's gradient in the same direction (cosine > 0.999)."""
    rounded = build_lstm_executor(hidden_size=24, num_layers=2, precision="bfloat16")
    rounded.set_weights(model.get_weights())
    rng = np.random.default_rng(4)
    inputs = [rng.integers(0, VOCAB_SIZE, (8, 20)).astype(np.int32),
              *[rng.normal(0, 0.5, (8, 24)).astype(np.float32) for _ in range(4)]]
    exact_loss, exact = _loss_and_gradients(model, inputs, training=True)
    loss, gradients = _loss_and_gradients(rounded, inputs, training=True)
    assert float(loss) == pytest.approx(float(exact_loss), rel=1e-2)
    assert float(loss) != float(exact_loss)  # the products really ran in bfloat16
    for variable, a, b in zip(model.trainable_variables, exact, gradients):
        a, b = tf.convert_to_tensor(a), tf.convert_to_tensor(b)
        assert b.dtype == tf.float32
        cosine = float(tf.reduce_sum(a * b) / (tf.norm(a) * tf.norm(b)))
        assert cosine > 0.999, (variable.path, cosine)


def test_the_precision_is_saved_with_the_model_and_inference_stays_float32(tmp_path, model):
    rounded = build_lstm_executor(hidden_size=24, num_layers=2, precision="bfloat16")
    rounded.set_weights(model.get_weights())
    rounded.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert [layer.precision for layer in loaded.layers if isinstance(layer, WindowLSTM)] == ["bfloat16"] * 2
    ids = np.random.default_rng(5).integers(0, VOCAB_SIZE, (2, 6)).astype(np.int32)
    np.testing.assert_array_equal(loaded([ids, *zero_state(loaded, 2)])[0], model([ids, *zero_state(model, 2)])[0])


def test_only_the_window_lstm_computes_in_bfloat16():
    with pytest.raises(ValueError, match="only WindowLSTM"):
        build_lstm_executor(hidden_size=8, num_layers=1, lstm_layer=keras.layers.LSTM, precision="bfloat16")
    with pytest.raises(ValueError, match="precision"):
        build_lstm_executor(hidden_size=8, num_layers=1, precision="float16")
