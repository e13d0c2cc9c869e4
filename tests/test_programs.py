"""The program generator against the real interpreter and the grammar of REFERENCE section 1."""

import collections
import itertools
import random
import re

import pytest

from l2e.lte.curriculum import STRATEGIES, Curriculum
from l2e.lte.data.programs import MARKED_OPERATIONS, _ProgramBuilder, generate_program, operations_in, random_program
from l2e.lte.data.tasks import ProgramTask
from l2e.lte.vocab import CHAR_TO_ID


def run_sandboxed(code: str) -> str:
    """Execute ``code`` with no builtins but range and print; return what it printed."""
    printed = []
    exec(code, {"__builtins__": {"range": range, "print": lambda *a: printed.append(" ".join(map(str, a)))}})
    assert len(printed) == 1
    return printed[0]


def curriculum_at(strategy: str, length: int, nesting: int) -> Curriculum:
    curriculum = Curriculum(strategy, length, nesting)
    curriculum.length, curriculum.nesting = length, nesting  # naive/combined: current = target
    return curriculum


def test_twenty_thousand_programs_print_their_output_under_cpython():
    rng = random.Random(2014)
    task = ProgramTask()
    checked = 0
    for strategy in STRATEGIES:
        for length in range(1, 7):
            for nesting in range(1, 4):
                curriculum = curriculum_at(strategy, length, nesting)
                for _ in range(280):
                    example = task.make(rng, curriculum)
                    code = example.source.replace("#", "\n")
                    assert run_sandboxed(code) == example.target, example.text
                    assert all(ch in CHAR_TO_ID for ch in example.text), example.text
                    assert re.fullmatch(r"-?\d+", example.target)
                    checked += 1
    assert checked >= 20_000


def test_program_structure_variables_loops_and_print():
    rng = random.Random(7)
    loops = 0
    for _ in range(3000):
        program = random_program(rng, rng.randint(1, 4), rng.randint(1, 10))
        lines = program.source.split("#")
        assert lines[-1].startswith("print(") and lines[-1].endswith(")")
        assigned = [line.split("=")[0] for line in lines if re.match(r"^[a-j]=", line)]
        assert len(assigned) == len(set(assigned)), program.source  # each name at most once
        for line in lines:
            if line.startswith("for"):
                loops += 1
                match = re.fullmatch(r"for x in range\((\d+)\):([a-j])([+-])=(.+)", line)
                assert match, line
                assert "for" not in match.group(4)  # the body is one statement: no nested loop
                assert match.group(2) in assigned
    assert loops > 100


def classify_single_round(source: str) -> str:
    """The operation of a nesting-1 program, read back from its text."""
    marked = operations_in(source)
    if marked:
        assert len(marked) == 1, source
        return marked.pop()
    if re.fullmatch(r"print\(\(\d+[+-]\d+\)\)", source):
        return "pair"
    assert re.fullmatch(r"print\(\d+\)", source), source
    return "identity"


def test_operations_are_uniform():
    rng = random.Random(11)
    n = 12_000
    counts = collections.Counter(classify_single_round(random_program(rng, 3, 1).source) for _ in range(n))
    assert set(counts) == {"pair", "multiply", "identity", "variable", "loop", "if"}
    sigma = (n * (1 / 6) * (5 / 6)) ** 0.5
    for operation, count in counts.items():
        assert abs(count - n / 6) < 4 * sigma, counts


def test_operations_in_reads_back_the_marked_operations_of_every_sequence_of_three():
    methods = {"pair": "pair", "multiply": "multiply", "identity": "identity", "variable": "variable",
               "loop": "loop", "if": "conditional"}
    for seed, operations in enumerate(itertools.product(methods, repeat=3)):
        builder = _ProgramBuilder(random.Random(seed), lambda rng: rng.randint(1, 3))
        expression = None
        for operation in operations:
            expression = getattr(builder, methods[operation])(expression)
        source = "#".join([*builder.lines, f"print({expression[0]})"])
        assert operations_in(source) == set(operations) & set(MARKED_OPERATIONS), (operations, source)


@pytest.mark.parametrize("length", [1, 2, 3])
def test_fresh_numbers_uniform_in_one_to_ten_to_the_length(length):
    rng = random.Random(length)
    numbers = []
    while len(numbers) < 20_000:
        source = random_program(rng, length, 1).source
        if re.fullmatch(r"print\(\(\d+[+-]\d+\)\)", source):
            numbers += map(int, re.findall(r"\d+", source))
    high = 10**length
    assert min(numbers) == 1 and max(numbers) == high
    mean = sum(numbers) / len(numbers)
    sd_of_mean = (high**2 / 12) ** 0.5 / len(numbers) ** 0.5
    assert abs(mean - (1 + high) / 2) < 4 * sd_of_mean


@pytest.mark.parametrize("length", [1, 2, 4])
def test_multipliers_and_loop_bounds_in_one_to_four_length(length):
    rng = random.Random(100 + length)
    multipliers, bounds = collections.Counter(), collections.Counter()
    while sum(multipliers.values()) < 3000 or sum(bounds.values()) < 3000:
        # Two rounds: a multiplication of a parenthesized expression shows its multiplier bare.
        source = random_program(rng, length, 2).source
        bounds.update(int(n) for n in re.findall(r"range\((\d+)\)", source))
        product = re.search(r"print\(\((\d+)\*\(|\)\*(\d+)\)\)$", source)
        if product:
            multipliers[int(product.group(1) or product.group(2))] += 1
    expected = set(range(1, 4 * length + 1))
    assert set(bounds) == expected, bounds
    assert set(multipliers) == expected, multipliers
    for counts in (bounds, multipliers):
        n = sum(counts.values())
        sigma = (n / len(expected)) ** 0.5
        assert all(abs(c - n / len(expected)) < 5 * sigma for c in counts.values()), counts


def test_mix_draws_a_length_for_every_number():
    rng = random.Random(5)
    curriculum = Curriculum("mix", 4, 1)
    mixed = 0
    for _ in range(2000):
        program = generate_program(rng, curriculum.sample_length, 1)
        digits = {len(n) for n in re.findall(r"\d+", program.source) if int(n) < 10 ** (len(n))}
        mixed += len(digits) > 1
    assert mixed > 200  # one program holds numbers of different lengths


@pytest.mark.parametrize("bad", [0, -1, 11, 2.5, "3", True])
def test_bad_nesting_is_a_value_error_naming_it(bad):
    with pytest.raises(ValueError, match="nesting"):
        random_program(random.Random(0), 2, bad)


@pytest.mark.parametrize("bad", [0, -3, 101, 1.0, None])
def test_bad_length_is_a_value_error_naming_it(bad):
    with pytest.raises(ValueError, match="length"):
        random_program(random.Random(0), bad, 1)
