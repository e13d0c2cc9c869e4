"""What each Learning-to-Execute executor reads, checked against what it was trained on.

An executor's export metadata names its task and training target (``training``: ``task``,
``length``, ``nesting``, ``reverse``, ``double``) and the exact accuracy measured per (length,
nesting) on the test split (``accuracy.grid``). :func:`task_input` turns what a user typed into:

- the text the model reads (a program as the generator spells it; a memorization string reversed
  and doubled as in training),
- the exact answer (the interpreter's value for a program, the sum, the digits),
- where the input sits on the training grid, and a one-line note when that is beyond the
  training target or where the measured exact accuracy is low.

Inputs the executor was never trained on are refused with a one-line ``ValueError`` before the
model runs: programs outside the language (see :mod:`serving.interpreter`) and numbers longer than
the training target.
"""

import re
from dataclasses import dataclass

from serving.interpreter import number_length, parse_program

LOW_EXACT_ACCURACY = 0.9
"""Below this measured exact accuracy at an input's (length, nesting), the answer carries a note."""
_ADDITION = re.compile(r"\s*print\(\s*(\d+)\s*\+\s*(\d+)\s*\)\s*")


@dataclass(frozen=True)
class TaskInput:
    """One checked input: ``text`` for the model, the exact ``expected`` answer, its (length,
    nesting) and a note (or None) on how far to trust the executor there."""

    text: str
    expected: str
    length: int
    nesting: int
    note: str | None


def _program(text: str, length: int) -> tuple[str, str, int, int]:
    program = parse_program(text)
    for number in program.numbers:
        if number.value < 1:
            raise ValueError(f"program: the generator's numbers are positive, got {number.value}")
        if number_length(number) > length:
            what = "multiplier or loop bound" if number.small else "number"
            raise ValueError(f"program: the {what} {number.value} is larger than this executor was trained on "
                             f"(numbers up to {10 ** length}, multipliers and loop bounds up to {4 * length})")
    return program.source, str(program.evaluate()), program.length, program.nesting


def _addition(text: str, length: int) -> tuple[str, str, int, int]:
    match = _ADDITION.fullmatch(text.replace("\n", ""))
    if match is None:
        raise ValueError("program: the addition executor reads print(A+B), A and B positive integers "
                         "of the same number of digits")
    a, b = match.groups()
    if a[0] == "0" or b[0] == "0":
        raise ValueError("program: write A and B without leading zeros, as the addition task does")
    if len(a) != len(b):
        raise ValueError(f"program: the addition executor was trained on two numbers of the same number of "
                         f"digits, got {len(a)} and {len(b)}")
    if len(a) > length:
        raise ValueError(f"program: {len(a)}-digit numbers are longer than this executor was trained on "
                         f"(up to {length} digits)")
    return f"print({a}+{b})", str(int(a) + int(b)), len(a), 1


def _memorization(text: str, length: int, reverse: bool, double: bool) -> tuple[str, str, int, int]:
    digits = text.strip()
    if not digits.isdigit() or not digits.isascii():
        raise ValueError("program: the memorization executor reads a string of digits")
    if len(digits) > length:
        raise ValueError(f"program: {len(digits)} digits are more than this executor was trained on "
                         f"(up to {length})")
    shown = digits[::-1] if reverse else digits
    return shown + shown if double else shown, digits, len(digits), 1


def _note(length: int, nesting: int, training: dict, grid: list[dict]) -> str | None:
    if nesting > training["nesting"]:
        return (f"nesting {nesting} is beyond this executor's training (up to {training['nesting']}); "
                f"its answer may well be wrong (--check computes the exact one)")
    cell = next((row for row in grid if (row["length"], row["nesting"]) == (length, nesting)), None)
    if cell is not None and cell["exact_accuracy"] < LOW_EXACT_ACCURACY:
        return (f"this executor answers programs of length {length}, nesting {nesting} exactly "
                f"{cell['exact_accuracy']:.0%} of the time on the test split (--check computes the exact answer)")
    return None


def task_input(text: str, metadata: dict) -> TaskInput:
    """The checked input of an executor with export ``metadata``; ValueError (one line) if the
    executor was never trained on anything like it."""
    training = metadata["training"]
    task, length = training["task"], training["length"]
    if task == "programs":
        shown, expected, at_length, nesting = _program(text, length)
    elif task == "addition":
        shown, expected, at_length, nesting = _addition(text, length)
    else:
        shown, expected, at_length, nesting = _memorization(text, length, training["reverse"], training["double"])
    grid = (metadata.get("accuracy") or {}).get("grid", [])
    return TaskInput(shown, expected, at_length, nesting, _note(at_length, nesting, training, grid))
