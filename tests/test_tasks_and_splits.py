"""Memorization / addition tasks and the disjoint, stable train/val/test splits."""

import os
import random
import subprocess
import sys

import pytest

from l2e.lte.curriculum import Curriculum
from l2e.lte.data.splits import SPLITS, split_of
from l2e.lte.data.tasks import draw_example, make_task


def test_memorization_transforms():
    rng = random.Random(3)
    fixed = Curriculum("baseline", 6)
    for reverse in (False, True):
        for double in (False, True):
            example = make_task("memorization", reverse, double).make(rng, fixed)
            digits = example.target
            shown = digits[::-1] if reverse else digits
            assert len(digits) == 6 and digits.isdigit()
            assert example.source == (shown * 2 if double else shown)
            assert example.text == f"{example.source}@{digits}."


def test_addition_of_two_numbers_of_exactly_length_digits():
    rng = random.Random(4)
    for _ in range(2000):
        example = make_task("addition").make(rng, Curriculum("baseline", 9))
        a, b = example.source.removeprefix("print(").removesuffix(")").split("+")
        assert len(a) == len(b) == 9 and not a.startswith("0") and not b.startswith("0")
        assert int(example.target) == int(a) + int(b)


def test_transforms_only_for_memorization():
    with pytest.raises(ValueError, match="reverse"):
        make_task("programs", reverse=True)
    with pytest.raises(ValueError, match="task"):
        make_task("sorting")


def test_no_text_in_two_splits_on_100000_examples():
    rng = random.Random(9)
    seen = {split: set() for split in SPLITS}
    # Small spaces (many repeats) make overlap likely if the splits leaked.
    makers = [(make_task("programs"), Curriculum("mix", 2, 2)),
              (make_task("memorization", reverse=True), Curriculum("baseline", 4)),
              (make_task("addition"), Curriculum("mix", 2))]
    for i in range(100_000):
        task, curriculum = makers[i % 3]
        split = SPLITS[i % 3 if i % 2 else (i // 2) % 3]
        seen[split].add(draw_example(task, rng, curriculum, split).text)
    assert all(len(texts) > 5000 for texts in seen.values())
    assert not seen["train"] & seen["val"]
    assert not seen["train"] & seen["test"]
    assert not seen["val"] & seen["test"]


def test_split_is_stable_across_processes_and_hash_seeds():
    texts = ["j=4#for x in range(4):j+=10#print(j)@44.", "12345@12345.", "print(1+2)@3."]
    expected = [split_of(t) for t in texts]
    code = f"from l2e.lte.data.splits import split_of; print([split_of(t) for t in {texts!r}])"
    for seed in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        assert out.strip() == repr(expected)


def test_splits_are_about_a_third_each():
    counts = {s: 0 for s in SPLITS}
    for i in range(30_000):
        counts[split_of(f"{i}@{i}.")] += 1
    assert all(abs(c - 10_000) < 400 for c in counts.values()), counts
