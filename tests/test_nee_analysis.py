"""The computations behind the NEE tools: where a find-min engine errs (l2e.nee.analysis), what a
trained NEE holds inside (l2e.nee.inspection: its number embeddings, its pointer attention), and
the untrained runs the benchmarks time (l2e.nee.untrained)."""

import keras
import numpy as np
import pytest

from l2e import runs
from l2e.nee.analysis import CROWD_SIZES, DENSE_SIZES, crowd_errors, pair_errors, step_errors
from l2e.nee.inspection import number_embeddings, pca, pointer_attention
from l2e.nee.model import build_nee_model, engine_layer, inference_model
from l2e.nee.untrained import save_untrained_runs
from serving.engine import Step
from serving.numbers import END, to_bits
from serving.oracle import OracleEngine

FADES_ABOVE = 50


class _Fading(OracleEngine):
    """Find-min that is exact in rows of at most ``FADES_ABOVE`` candidates, and in larger rows
    returns the minimum + 1 (``spoils="value"``) or points at the last column (``"pointer"``)."""

    def __init__(self, spoils: str):
        super().__init__()
        self.spoils = spoils

    def find_min(self, values, mask):
        step = super().find_min(values, mask)
        crowded = (~np.asarray(mask, bool)).sum(axis=1) > FADES_ABOVE
        if self.spoils == "value":
            return Step(step.value + crowded, step.pointer, step.next_mask)
        return Step(step.value, np.where(crowded, np.shape(values)[1] - 1, step.pointer), step.next_mask)


class _WrongOnSixtyThree(OracleEngine):
    """Find-min that returns 64 where the minimum is 63."""

    def find_min(self, values, mask):
        step = super().find_min(values, mask)
        return Step(step.value + (step.value == 63), step.pointer, step.next_mask)


def test_the_oracle_makes_no_error():
    assert step_errors(OracleEngine(), 5) == {"size": 5, "steps": 600, "value": 0, "pointer": 0, "first_errors": []}
    rows = crowd_errors(OracleEngine(), trials=3)
    assert [row["numbers"] for row in rows] == list(CROWD_SIZES)
    assert all(row["near"] == 0.0 for row in rows)
    assert [row["dense"] for row in rows if "dense" in row] == [0.0] * sum(size <= DENSE_SIZES for size in CROWD_SIZES)
    assert pair_errors(OracleEngine()) == {"pairs": 257**2, "wrong": 0}


def test_step_errors_count_wrong_values_apart_from_wrong_pointers():
    # lists of 60 and END: the first 11 steps have 61 to 51 candidates, more than 50
    errors = step_errors(_Fading("value"), 60, shown=3)
    assert (errors["steps"], errors["value"], errors["pointer"]) == (6100, 1100, 0)
    assert len(errors["first_errors"]) == 3
    minimum, value, pointed, candidates = errors["first_errors"][0]
    assert value == minimum + 1 and pointed == minimum and candidates == 61
    errors = step_errors(_Fading("pointer"), 60)
    assert (errors["value"], errors["pointer"], len(errors["first_errors"])) == (0, 1100, 8)
    minimum, value, pointed, candidates = errors["first_errors"][0]
    assert value == minimum and pointed == END and candidates == 61


def test_crowd_and_pair_errors_find_where_an_engine_fails():
    for row in crowd_errors(_Fading("value"), trials=4):  # a list of N numbers and END: N + 1 candidates
        wrong = float(row["numbers"] + 1 > FADES_ABOVE)
        assert row["near"] == wrong and row.get("dense", wrong) == wrong
    assert pair_errors(_Fading("value"))["wrong"] == 0  # 3 candidates at most
    assert all(row["near"] == 1.0 and row.get("dense", 1.0) == 1.0 for row in crowd_errors(_WrongOnSixtyThree(), 2))
    # 63 is the minimum of (63, x) and (x, 63) for the 194 x of 63..255 and INFINITY, (63, 63) once
    assert pair_errors(_WrongOnSixtyThree()) == {"pairs": 257**2, "wrong": 387}


@pytest.fixture(scope="module")
def find_min_model():
    keras.utils.set_random_seed(0)
    return build_nee_model(10, d_model=8, num_layers=1, ff_dim=16, dropout=0.0)


def test_number_embeddings_are_the_models_bit_embedding(find_min_model):
    numbers = np.array([0, 1, 6, 255])
    bits = to_bits(numbers, 10).astype(np.float32)[None]
    expected = np.asarray(engine_layer(find_min_model).embedding(bits))[0]
    embeddings = number_embeddings(find_min_model, numbers)
    assert embeddings.shape == (4, 8)
    np.testing.assert_allclose(embeddings, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(embeddings[0], 0.0)  # no bit set
    np.testing.assert_allclose(embeddings[1] + number_embeddings(find_min_model, [6])[0],
                               number_embeddings(find_min_model, [7])[0], rtol=1e-6)


def test_pointer_attention_is_the_pointer_softmax_at_each_step(find_min_model):
    values = np.array([5, 3, 9])
    attention = pointer_attention(find_min_model, values)
    assert attention.shape == (3, 4)
    assert (attention >= 0).all()
    np.testing.assert_allclose(attention.sum(axis=1), 1.0)
    bits = to_bits(np.array([[5, 3, 9, END]]), 10).astype(np.float32)
    logits = np.asarray(inference_model(find_min_model)({"bits": bits, "mask": np.zeros((1, 4), np.float32)},
                                                        training=False)["pointer_logits"])[0]
    np.testing.assert_allclose(attention[0], np.exp(logits) / np.exp(logits).sum(), rtol=1e-5)


def test_untrained_runs_are_finished_runs_of_paper_size_models(tmp_path):
    paths = save_untrained_runs(str(tmp_path), ("find_min", "mul"))
    assert paths == [str(tmp_path / "runs" / "find_min"), str(tmp_path / "runs" / "mul")]
    assert all(runs.is_finished(path) for path in paths)
    assert runs.read_metrics(paths[1])["config"] == {"subroutine": "mul", "untrained": True}
    engines = [engine_layer(runs.load_model(path)) for path in paths]
    assert [(e.num_bits, e.d_model, e.num_layers) for e in engines] == [(10, 16, 6), (12, 16, 6)]


def test_pca_on_hand_made_points():
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
