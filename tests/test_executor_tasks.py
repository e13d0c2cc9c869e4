"""What each executor reads (``serving.executor_tasks``): its input format and transforms from its
metadata, the exact answer, the notes on how far to trust it, and refusals of inputs it was never
trained on."""

import re

import pytest

from serving.executor_tasks import task_input


def _metadata(task, length, nesting=1, reverse=False, double=False, grid=()):
    return {"training": {"task": task, "length": length, "nesting": nesting, "reverse": reverse, "double": double},
            "accuracy": {"grid": list(grid)}}


GRID = [{"length": 1, "nesting": 1, "exact_accuracy": 0.97}, {"length": 2, "nesting": 2, "exact_accuracy": 0.61}]


def test_a_program_is_fed_as_the_generator_spells_it_with_its_exact_answer():
    checked = task_input("d=12\nfor x in range(3): d -= (2*4)\nprint( d )", _metadata("programs", 2, 2, grid=GRID))
    assert checked.text == "d=12#for x in range(3):d-=(2*4)#print(d)"
    assert (checked.expected, checked.length, checked.nesting) == ("-12", 2, 2)
    assert "exactly 61% of the time" in checked.note


def test_notes_say_when_nesting_is_beyond_training_and_stay_silent_where_the_executor_is_good():
    assert task_input("print((5+3))", _metadata("programs", 2, 2, grid=GRID)).note is None  # 97% at (1, 1)
    note = task_input("print(((5+3)-(2+1)))", _metadata("programs", 2, 2, grid=GRID)).note
    assert note.startswith("nesting 3 is beyond this executor's training (up to 2)")


def test_the_addition_executor_reads_print_a_plus_b_of_equal_lengths_up_to_its_training():
    checked = task_input("print(551585301+143469773)", _metadata("addition", 9))
    assert (checked.text, checked.expected, checked.length) == ("print(551585301+143469773)", "695055074", 9)
    for text, message in [("print(1234567890+1234567890)", "10-digit numbers are longer"),
                          ("print(12+345)", "same number of digits, got 2 and 3"),
                          ("print(012+345)", "without leading zeros"),
                          ("print((12+34))", "reads print(A+B)"),
                          ("12-34", "reads print(A+B)")]:
        with pytest.raises(ValueError, match=re.escape(message)):
            task_input(text, _metadata("addition", 9))


def test_the_memorization_executor_applies_its_training_transforms():
    checked = task_input("12345", _metadata("memorization", 6, reverse=True, double=True))
    assert (checked.text, checked.expected, checked.length) == ("5432154321", "12345", 5)
    assert task_input("907", _metadata("memorization", 6, double=True)).text == "907907"
    assert task_input("907", _metadata("memorization", 6)).text == "907"
    with pytest.raises(ValueError, match="7 digits are more than this executor was trained on"):
        task_input("1234567", _metadata("memorization", 6))
    with pytest.raises(ValueError, match="reads a string of digits"):
        task_input("12a", _metadata("memorization", 6))


@pytest.mark.parametrize("text, message", [
    ("print((101+1))", "the number 101 is larger than this executor was trained on (numbers up to 100"),
    ("print((50*9))", "the multiplier or loop bound 9 is larger"),
    ("print((0+1))", "numbers are positive, got 0"),
    ("print((q+1))", "undefined variable 'q'"),
])
def test_programs_beyond_the_executors_training_are_refused(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        task_input(text, _metadata("programs", 2, 2))
