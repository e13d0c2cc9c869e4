"""The program interpreter (``serving.interpreter``): exact against CPython on generated programs,
the generator's spelling back from its parse tree, and one-line refusals of what the generator
never writes."""

import contextlib
import io
import random
import re

import pytest

from l2e.lte.data.programs import generate_program
from serving.interpreter import MAX_LOOP_COUNT, ProgramError, parse_program

LENGTHS, NESTINGS, PER_CELL = range(1, 10), range(1, 5), 560


def _cpython_prints(code: str) -> int:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(code, {})  # the reference the interpreter is checked against; the interpreter never execs
    return int(printed.getvalue())


def test_exact_against_cpython_on_20000_generated_programs_of_every_cell():
    rng, checked = random.Random(2026), 0
    for length in LENGTHS:
        for nesting in NESTINGS:
            for _ in range(PER_CELL):
                # as under the mix curriculum: every number draws its own length up to the cell's
                generated = generate_program(rng, lambda r: r.randint(1, length), nesting)
                program = parse_program(generated.source)
                assert program.evaluate() == _cpython_prints(generated.code) == generated.value, generated.source
                assert program.source == generated.source
                assert program.length <= length and program.nesting <= nesting
                checked += 1
    assert checked >= 20_000


def test_length_and_nesting_read_back_from_the_source():
    program = parse_program("c=100#for x in range(8):c-=7#print(((c*3)+(4 if 5>2 else 6)))")
    assert program.evaluate() == ((100 - 8 * 7) * 3) + 4
    assert program.length == 2  # 100 = 10^2 and the loop bound 8 = 4 x 2
    assert program.nesting == 4  # the loop, the multiplication, the addition and the if-expression
    assert parse_program("print(11)").length == 2 and parse_program("print(10)").length == 1
    assert parse_program("print((7*9))").length == 2  # 7 fresh (1 digit) and 9 a multiplier (up to 4 x 3)
    assert parse_program("a=5\nprint( ( a + 3 ) )").source == "a=5#print((a+3))"


@pytest.mark.parametrize("text, message", [
    ("print((a+3))", "undefined variable 'a'"),
    ("a=5", "exactly one print(...), found 0"),
    ("a=5#print(a)#print(a)", "exactly one print(...), found 2"),
    ("print(1)#a=2", "print(...) must be the last line"),
    ("print((5+3)", "unbalanced parentheses"),
    ("print(5+3))", "unbalanced parentheses"),
    ("while 1:pass", "is not a statement of the language"),
    ("x=4#print(x)", "is not a statement of the language"),
    ("a=5#a=6#print(a)", "assigned twice"),
    ("a=1#for y in range(3):a+=1#print(a)", "expected 'x' before 'y'"),
    ("a=1#for x in range(3):a*=2#print(a)", "expected '+=' or '-='"),
    ("a=1#b=2#print((a*b))", "needs a literal multiplier"),
    ("print(-5)", "expected a positive number, a variable or '('"),
    ("print(5+3)", "every operation in parentheses"),
    ("print((1 if 2>=1 else 3))", "expected a positive number, a variable or '('"),
    ("a=1#for x in range(0):a+=1#print(a)", "a loop bound must be 1.."),
    (f"a=1#for x in range({MAX_LOOP_COUNT + 1}):a+=1#print(a)", "a loop bound must be 1.."),
    ("print(1);print(2)", "unexpected ';'"),
    ("", "program: empty"),
])
def test_programs_outside_the_language_are_refused_in_one_line(text, message):
    with pytest.raises(ProgramError, match=re.escape(message)) as error:
        parse_program(text)
    assert "\n" not in str(error.value)
