"""The Learning-to-Execute program generator (REFERENCE section 1).

A program is built in ``nesting`` rounds; each round applies one of six operations chosen
uniformly at random. An operation takes the expression built so far (if any) as one of its
operands, in a random operand slot, and fresh numbers for the other slots. Every fresh number,
multiplier and loop bound draws its own length L from the curriculum:

====================  ==========================================================
pair                  ``(a+b)`` or ``(a-b)``
multiply              ``(e*k)`` or ``(k*e)``, k uniform in [1, 4L]
identity              the operand unchanged
variable              line ``v=a``; expression ``(v+b)`` or ``(v-b)``
loop                  lines ``v=a`` and ``for x in range(n):v+=b`` (or ``-=``),
                      n uniform in [1, 4L]; expression ``v``
if                    ``(c if a>b else d)`` or ``(c if a<b else d)``
====================  ==========================================================

A fresh number is uniform in [1, 10^L]. Variable names come from a fresh permutation of a..j, each
used at most once; the loop variable is ``x``; a loop body is one statement, so loops never nest.
The program ends with ``print(expression)``. The generator tracks each expression's value as it
builds it; the test suite checks every value against the real interpreter.
"""

import random
import re
from dataclasses import dataclass
from typing import Callable

from l2e.lte.data.example import Example
from l2e.lte.vocab import NEWLINE
from l2e.validation import MAX_LENGTH, MAX_NESTING, check_int

OPERATIONS = ("pair", "multiply", "identity", "variable", "loop", "if")
MARKED_OPERATIONS = ("loop", "if", "multiply", "variable")
"""The operations that always leave a mark in the source (``operations_in``)."""
VARIABLE_NAMES = "abcdefghij"

LengthSampler = Callable[[random.Random], int]


@dataclass(frozen=True)
class Program:
    """A generated program: its code lines before the final print, the printed expression and
    that expression's value."""

    lines: tuple[str, ...]
    expression: str
    value: int

    @property
    def code(self) -> str:
        """Real Python source, with newlines."""
        return "\n".join(self.lines + (f"print({self.expression})",))

    @property
    def source(self) -> str:
        """The model's character form of the code: lines joined by ``#``."""
        return NEWLINE.join(self.lines + (f"print({self.expression})",))

    @property
    def example(self) -> Example:
        return Example(self.source, str(self.value))


class _ProgramBuilder:
    """Builds one program; ``operand`` pairs are (expression text, value)."""

    def __init__(self, rng: random.Random, sample_length: LengthSampler):
        self.rng = rng
        self.sample_length = sample_length
        self.lines: list[str] = []
        self.free_names = rng.sample(VARIABLE_NAMES, len(VARIABLE_NAMES))

    def fresh_number(self) -> tuple[str, int]:
        value = self.rng.randint(1, 10 ** self.sample_length(self.rng))
        return str(value), value

    def small_number(self) -> int:
        return self.rng.randint(1, 4 * self.sample_length(self.rng))

    def operands(self, prior, count: int) -> list[tuple[str, int]]:
        """``count`` operands: ``prior`` (if any) in a random slot, fresh numbers elsewhere."""
        slot = self.rng.randrange(count) if prior is not None else -1
        return [prior if i == slot else self.fresh_number() for i in range(count)]

    def plus_or_minus(self) -> str:
        return "+" if self.rng.random() < 0.5 else "-"

    # -- the six operations ----------------------------------------------------------------
    def pair(self, prior):
        (a, va), (b, vb) = self.operands(prior, 2)
        if self.plus_or_minus() == "+":
            return f"({a}+{b})", va + vb
        return f"({a}-{b})", va - vb

    def multiply(self, prior):
        (e, ve) = prior if prior is not None else self.fresh_number()
        k = self.small_number()
        text = f"({e}*{k})" if self.rng.random() < 0.5 else f"({k}*{e})"
        return text, ve * k

    def identity(self, prior):
        return prior if prior is not None else self.fresh_number()

    def variable(self, prior):
        name = self.free_names.pop()
        (a, va), (b, vb) = self.operands(prior, 2)
        self.lines.append(f"{name}={a}")
        if self.plus_or_minus() == "+":
            return f"({name}+{b})", va + vb
        return f"({name}-{b})", va - vb

    def loop(self, prior):
        name = self.free_names.pop()
        (a, va), (b, vb) = self.operands(prior, 2)
        count = self.small_number()
        sign = self.plus_or_minus()
        self.lines.append(f"{name}={a}")
        self.lines.append(f"for x in range({count}):{name}{sign}={b}")
        return name, va + count * vb if sign == "+" else va - count * vb

    def conditional(self, prior):
        (a, va), (b, vb), (c, vc), (d, vd) = self.operands(prior, 4)
        if self.rng.random() < 0.5:
            return f"({c} if {a}>{b} else {d})", vc if va > vb else vd
        return f"({c} if {a}<{b} else {d})", vc if va < vb else vd

    def build(self, nesting: int) -> Program:
        operations = (self.pair, self.multiply, self.identity, self.variable, self.loop, self.conditional)
        expression = None
        for _ in range(nesting):
            expression = self.rng.choice(operations)(expression)
        text, value = expression
        return Program(tuple(self.lines), text, value)


def generate_program(rng: random.Random, sample_length: LengthSampler, nesting: int) -> Program:
    """One program of ``nesting`` rounds; ``sample_length(rng)`` gives the digit count of every
    fresh number, multiplier and loop bound (a curriculum's ``sample_length``)."""
    nesting = check_int("nesting", nesting, 1, MAX_NESTING)
    return _ProgramBuilder(rng, sample_length).build(nesting)


def random_program(rng: random.Random, length: int, nesting: int) -> Program:
    """One program whose every number has exactly the length parameter ``length`` (no curriculum)."""
    length = check_int("length", length, 1, MAX_LENGTH)
    return generate_program(rng, lambda _: length, nesting)


def operations_in(source: str) -> set[str]:
    """The :data:`MARKED_OPERATIONS` a program used, read back from its character form (code lines
    joined by ``#``): a ``for`` line is a loop, an assignment line without its ``for`` line a
    variable, `` if `` an if-expression and ``*`` a multiplication. Pair and identity are not
    told apart from the numbers they leave."""
    lines = source.split(NEWLINE)
    loops = sum(line.startswith("for ") for line in lines)
    assignments = sum(re.fullmatch(r"[a-j]=.*", line) is not None for line in lines)
    marks = {"loop": loops > 0, "variable": assignments > loops, "if": " if " in source, "multiply": "*" in source}
    return {operation for operation, used in marks.items() if used}
