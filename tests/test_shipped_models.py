"""The models shipped in serving/models (``tools/train_shipped_models.py``) compose exactly at size 100.

Every Table-1 composition runs through onnxruntime on the fixed-seed test suites of size 100
(100 lists: 60 uniform and 40 shuffled progressions; 100 graphs of each family), and every whole
output must equal the oracle's. Every shipped executor answers a fixed sample of test programs
at the rate its metadata states.
"""

import json
import math
import os
import random

import numpy as np
import pytest

from l2e.lte.curriculum import Curriculum
from l2e.lte.data.tasks import draw_example, make_task
from l2e.nee.evaluation import COMPOSITIONS, evaluate_compositions
from serving.executor import Executor
from serving.numbers import INFINITY, MAX_FACTOR, MAX_LIST_VALUE
from serving.onnx_engine import OnnxEngine
from serving.onnx_model import SHIPPED_MODELS, model_names

NEE_SUBROUTINES = ("find_min", "merge_step", "add", "mul")


@pytest.fixture(scope="module")
def shipped_engine():
    return OnnxEngine.load(SHIPPED_MODELS, NEE_SUBROUTINES)


def test_every_subroutine_and_the_executor_are_shipped_with_metadata():
    names = model_names(SHIPPED_MODELS)
    assert set(NEE_SUBROUTINES) | {"lte-programs"} <= set(names)
    for name in names:
        with open(os.path.join(SHIPPED_MODELS, f"{name}.json")) as f:
            metadata = json.load(f)
        assert metadata["name"] == name


@pytest.mark.parametrize("algorithm", ["merge_sort", "selection_sort", "prim", "dijkstra"])
def test_shipped_models_compose_exactly_at_size_100(shipped_engine, algorithm):
    rows = evaluate_compositions(shipped_engine, COMPOSITIONS[algorithm], [100], seed=0)
    rows = [row for row in rows if row["algorithm"] == algorithm]
    assert rows
    for row in rows:
        assert row["exact"] == 1.0, row


def test_shipped_find_min_picks_the_smaller_of_every_pair(shipped_engine):
    """Every pair of numbers 0..255 and INFINITY, as Dijkstra's pairwise minimum sends them."""
    numbers = np.append(np.arange(MAX_LIST_VALUE + 1), INFINITY)
    first, second = (grid.ravel() for grid in np.meshgrid(numbers, numbers))
    step = shipped_engine.find_min(np.stack([first, second], axis=1), np.zeros((len(first), 2), dtype=bool))
    np.testing.assert_array_equal(step.value, np.minimum(first, second))
    np.testing.assert_array_equal(step.pointer, (second < first).astype(np.int64))


def test_shipped_arithmetic_is_exact_on_every_operand_pair(shipped_engine):
    a, b = np.meshgrid(np.arange(MAX_LIST_VALUE + 1), np.arange(MAX_LIST_VALUE + 1))
    np.testing.assert_array_equal(shipped_engine.add(a.ravel(), b.ravel()), a.ravel() + b.ravel())
    factors = np.arange(MAX_FACTOR + 1)
    x, y = np.meshgrid(factors, factors)
    np.testing.assert_array_equal(shipped_engine.mul(x.ravel(), y.ravel()), x.ravel() * y.ravel())


def _executor_names() -> list[str]:
    return [name for name in model_names(SHIPPED_MODELS) if name.startswith("lte-")]


@pytest.mark.parametrize("name", _executor_names())
def test_shipped_executors_answer_test_programs_at_the_rate_their_metadata_states(name):
    """A fixed sample of 300 test-split examples at the executor's training target, checked through
    ``Executor.read`` (the interpreter's exact answer): the exact-match rate must lie within four
    standard errors of the test accuracy the metadata reports."""
    executor = Executor.load(SHIPPED_MODELS, name)
    training, stated = executor.model.metadata["training"], executor.model.metadata["accuracy"]["test"]
    task = make_task(training["task"], training["reverse"], training["double"])
    target = Curriculum("baseline", stated["length"], stated["nesting"])
    rng, count = random.Random("shipped-executor-sample"), 300
    examples = [draw_example(task, rng, target, "test") for _ in range(count)]
    if training["task"] == "memorization":  # the user types the digits; the executor transforms them
        typed = [example.target for example in examples]
    else:
        typed = [example.source for example in examples]
    inputs = [executor.read(text) for text in typed]
    assert [i.expected for i in inputs] == [example.target for example in examples]
    assert [i.text for i in inputs] == [example.source for example in examples]
    answers = executor.execute([i.text for i in inputs])
    measured = np.mean([answer == i.expected for answer, i in zip(answers, inputs)])
    p = stated["exact_accuracy"]
    assert abs(measured - p) <= 4 * math.sqrt(max(p * (1 - p), 1 / count) / count), (measured, p)
