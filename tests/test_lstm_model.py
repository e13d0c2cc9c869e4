"""The LSTM executor: shapes, the paper's initialization, and explicit state carry-over."""

import numpy as np
import pytest

from l2e.models.lstm import build_lstm_executor, state_size, zero_state
from l2e.vocab import VOCAB_SIZE


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
