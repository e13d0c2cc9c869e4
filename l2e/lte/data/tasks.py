"""The three Learning-to-Execute tasks as example makers driven by a curriculum.

A task turns a random generator and a curriculum (which supplies the length of every number and
the nesting of every program) into one :class:`~l2e.lte.data.example.Example`:

- ``programs``: programs from :mod:`l2e.lte.data.programs`; the answer is the printed integer.
- ``memorization``: a random string of L digits; the answer is the same digits. ``reverse``
  presents the input reversed, ``double`` presents it twice (both: reversed, twice).
- ``addition``: ``print(a+b)`` for two numbers of exactly L digits; the answer is their sum.
"""

import random
from dataclasses import dataclass

from l2e.lte.curriculum import Curriculum
from l2e.lte.data.example import Example
from l2e.lte.data.programs import generate_program
from l2e.lte.data.splits import SPLITS, split_of
from l2e.validation import check_choice

DIGITS = "0123456789"
TASKS = ("programs", "memorization", "addition")
MAX_SPLIT_TRIES = 10_000


@dataclass(frozen=True)
class ProgramTask:
    name = "programs"
    moves_nesting = True

    def distinct_examples(self, length: int, nesting: int = 1) -> int | None:
        """How many different examples exist at this difficulty (None: too many to matter)."""
        return None

    def make(self, rng: random.Random, curriculum: Curriculum) -> Example:
        return generate_program(rng, curriculum.sample_length, curriculum.sample_nesting(rng)).example


@dataclass(frozen=True)
class MemorizationTask:
    reverse: bool = False
    double: bool = False
    name = "memorization"
    moves_nesting = False

    def distinct_examples(self, length: int, nesting: int = 1) -> int:
        return 10**length

    def make(self, rng: random.Random, curriculum: Curriculum) -> Example:
        digits = "".join(rng.choices(DIGITS, k=curriculum.sample_length(rng)))
        shown = digits[::-1] if self.reverse else digits
        return Example(shown + shown if self.double else shown, digits)


@dataclass(frozen=True)
class AdditionTask:
    name = "addition"
    moves_nesting = False

    def distinct_examples(self, length: int, nesting: int = 1) -> int:
        return (9 * 10 ** (length - 1)) ** 2

    def make(self, rng: random.Random, curriculum: Curriculum) -> Example:
        length = curriculum.sample_length(rng)
        low, high = 10 ** (length - 1), 10**length - 1
        a, b = rng.randint(low, high), rng.randint(low, high)
        return Example(f"print({a}+{b})", str(a + b))


def make_task(name: str, reverse: bool = False, double: bool = False):
    """The task called ``name`` (one of :data:`TASKS`); ``reverse``/``double`` only for memorization."""
    check_choice("task", name, TASKS)
    if name != "memorization" and (reverse or double):
        raise ValueError("reverse/double: input transforms apply to the memorization task only")
    if name == "programs":
        return ProgramTask()
    if name == "addition":
        return AdditionTask()
    return MemorizationTask(reverse=reverse, double=double)


def draw_example(task, rng: random.Random, curriculum: Curriculum, split: str) -> Example:
    """An example of ``task`` whose text belongs to ``split``: examples hashing to another split
    are rejected, so the three splits never share a text."""
    check_choice("split", split, SPLITS)
    for _ in range(MAX_SPLIT_TRIES):
        example = task.make(rng, curriculum)
        if split_of(example.text) == split:
            return example
    raise ValueError(f"split: no {split} example found in {MAX_SPLIT_TRIES} draws at this difficulty")
