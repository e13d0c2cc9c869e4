"""An exact interpreter of the Learning-to-Execute program language: the executor's oracle.

It tokenizes, parses into a tree and evaluates the tree with Python integers; it never calls
``eval`` or ``exec``. The language is exactly what the program generator (``l2e.lte.data.programs``)
writes, lines separated by newlines or ``#``:

====================================  ==============================================
``v=E``                               assign an expression to a fresh variable a..j
``for x in range(N):v+=E``            a loop of one statement (``-=`` too), N a literal
``print(E)``                          the last line, exactly once
====================================  ==============================================

where an expression ``E`` is a positive integer literal, a variable, ``(E+E)``, ``(E-E)``,
``(E*E)``, ``(E if E>E else E)`` or ``(E if E<E else E)``. Anything else (an undefined variable, a
missing or second ``print``, unbalanced parentheses, a statement the generator never writes) is
refused with a :class:`ProgramError` naming what is wrong. Spaces between tokens are allowed;
:meth:`Program.source` renders the program exactly as the generator spells it.

Besides the value, a parsed program reports where it sits on the curriculum's axes:
:attr:`Program.length` (the smallest length parameter L whose draws could produce its numbers)
and :attr:`Program.nesting` (how many generator operations it applies, a lower bound of the
nesting it was generated with: an identity round leaves no trace).
"""

import re
from dataclasses import dataclass

NEWLINE = "#"
VARIABLES = "abcdefghij"
LOOP_VARIABLE = "x"
MAX_LOOP_COUNT = 10_000
"""Loop bounds above this are refused (the generator's are at most 4 x the length parameter)."""
_TOKEN = re.compile(r"\s*(?:(\d+)|([a-z]+)|(\+=|-=|[()+\-*<>=:]))")


class ProgramError(ValueError):
    """A program outside the language; the message is one line."""


@dataclass(frozen=True)
class Number:
    value: int
    small: bool = False  # a multiplier or loop bound (drawn up to 4L) rather than a fresh number

    def text(self) -> str:
        return str(self.value)


@dataclass(frozen=True)
class Variable:
    name: str

    def text(self) -> str:
        return self.name


@dataclass(frozen=True)
class Binary:
    operator: str  # "+", "-" or "*"
    left: object
    right: object

    def text(self) -> str:
        return f"({self.left.text()}{self.operator}{self.right.text()})"


@dataclass(frozen=True)
class Conditional:
    then: object
    left: object
    comparison: str  # ">" or "<"
    right: object
    otherwise: object

    def text(self) -> str:
        return (f"({self.then.text()} if {self.left.text()}{self.comparison}{self.right.text()} "
                f"else {self.otherwise.text()})")


@dataclass(frozen=True)
class Assign:
    name: str
    expression: object

    def text(self) -> str:
        return f"{self.name}={self.expression.text()}"


@dataclass(frozen=True)
class Loop:
    count: Number
    name: str
    operator: str  # "+=" or "-="
    expression: object

    def text(self) -> str:
        return f"for {LOOP_VARIABLE} in range({self.count.text()}):{self.name}{self.operator}{self.expression.text()}"


def _children(node) -> tuple:
    if isinstance(node, Binary):
        return node.left, node.right
    if isinstance(node, Conditional):
        return node.then, node.left, node.right, node.otherwise
    if isinstance(node, (Assign, Loop)):
        return (node.expression,) + ((node.count,) if isinstance(node, Loop) else ())
    return ()


def _walk(node):
    yield node
    for child in _children(node):
        yield from _walk(child)


def number_length(number: Number) -> int:
    """The smallest length parameter L whose draw could give this number: fresh numbers are
    uniform in [1, 10^L], multipliers and loop bounds in [1, 4L]."""
    if number.small:
        return max(1, -(-number.value // 4))
    return max(1, len(str(number.value - 1)) if number.value > 1 else 1)


@dataclass(frozen=True)
class Program:
    """A parsed program: its statements (``Assign``/``Loop``) and the printed expression."""

    statements: tuple
    printed: object

    @property
    def source(self) -> str:
        """The program as the generator writes it, lines joined by ``#``."""
        return NEWLINE.join([s.text() for s in self.statements] + [f"print({self.printed.text()})"])

    def _nodes(self):
        for root in (*self.statements, self.printed):
            yield from _walk(root)

    @property
    def numbers(self) -> list[Number]:
        return [node for node in self._nodes() if isinstance(node, Number)]

    @property
    def length(self) -> int:
        """The smallest length parameter that could have produced every number of the program."""
        return max((number_length(number) for number in self.numbers), default=1)

    @property
    def nesting(self) -> int:
        """Generator operations applied: each ``+``/``-`` (a pair, or a variable's expression),
        ``*``, if-expression and loop counts one (an assignment belongs to its variable or loop)."""
        return max(1, sum(isinstance(node, (Binary, Conditional, Loop)) for node in self._nodes()))

    def evaluate(self) -> int:
        """What the program prints, computed exactly."""
        variables: dict[str, int] = {}
        for statement in self.statements:
            if isinstance(statement, Assign):
                variables[statement.name] = _value(statement.expression, variables)
            else:
                for _ in range(statement.count.value):
                    step = _value(statement.expression, variables)
                    variables[statement.name] += step if statement.operator == "+=" else -step
        return _value(self.printed, variables)


def _value(node, variables: dict[str, int]) -> int:
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Variable):
        return variables[node.name]
    if isinstance(node, Binary):
        left, right = _value(node.left, variables), _value(node.right, variables)
        return left + right if node.operator == "+" else left - right if node.operator == "-" else left * right
    left, right = _value(node.left, variables), _value(node.right, variables)
    chosen = left > right if node.comparison == ">" else left < right
    return _value(node.then if chosen else node.otherwise, variables)


def _tokens(line: str) -> list[str]:
    tokens, position = [], 0
    while position < len(line.rstrip()):
        match = _TOKEN.match(line, position)
        if match is None:
            raise ProgramError(f"program: unexpected {line[position:].strip()[:1]!r} in {line.strip()!r}")
        tokens.append(match.group(match.lastindex))
        position = match.end()
    return tokens


class _LineParser:
    """Recursive descent over the tokens of one line; ``defined`` holds the variables assigned so far."""

    def __init__(self, line: str, defined: set[str]):
        self.line, self.position, self.defined = line.strip(), 0, defined
        if self.line.count("(") != self.line.count(")"):
            raise ProgramError(f"program: unbalanced parentheses in {self.line!r}")
        self.tokens = _tokens(line)

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            self.fail(f"expected {expected!r}" if expected else "unexpected end of line")
        self.position += 1
        return token

    def fail(self, what: str):
        found = self.peek()
        raise ProgramError(f"program: {what} {'at end' if found is None else f'before {found!r}'} of {self.line!r}")

    def done(self):
        if self.peek() is not None:
            self.fail("expected the end of the line")

    def number(self, small: bool = False) -> Number:
        token = self.take()
        if not token.isdigit():
            self.fail("expected a number")
        return Number(int(token), small)

    def expression(self):
        token = self.peek()
        if token is None:
            self.fail("expected an expression")
        if token.isdigit():
            return self.number()
        if token != "(":
            if not token.isalpha():
                self.fail("expected a positive number, a variable or '('")
            self.take()
            if token not in self.defined:
                raise ProgramError(f"program: undefined variable {token!r} in {self.line!r}")
            return Variable(token)
        self.take("(")
        first = self.expression()
        if self.peek() == "if":
            self.take("if")
            left = self.expression()
            comparison = self.take()
            if comparison not in "<>":
                self.fail("expected '>' or '<'")
            right = self.expression()
            self.take("else")
            node = Conditional(first, left, comparison, right, self.expression())
        else:
            operator = self.take()
            if operator not in ("+", "-", "*"):
                self.fail("expected '+', '-', '*' or 'if'")
            second = self.expression()
            if operator == "*":
                first, second = self.multiplier(first, second)
            node = Binary(operator, first, second)
        self.take(")")
        return node

    def multiplier(self, first, second) -> tuple:
        """The operands of ``(first*second)`` with the multiplier marked small: the generator
        multiplies an expression by a literal; of two literals, the one that gives the smaller length."""
        if not isinstance(first, Number) and not isinstance(second, Number):
            raise ProgramError(f"program: a multiplication needs a literal multiplier, in {self.line!r}")
        if not isinstance(first, Number):
            return first, Number(second.value, True)
        if not isinstance(second, Number):
            return Number(first.value, True), second
        options = ((first, Number(second.value, True)), (Number(first.value, True), second))
        return min(options, key=lambda pair: max(map(number_length, pair)))

    def statement(self):
        head = self.peek()
        if head == "print":
            self.take()
            self.take("(")
            node = self.expression()
            if self.peek() in ("+", "-", "*"):
                raise ProgramError(f"program: the generator writes every operation in parentheses, "
                                   f"e.g. print((5+3)), not {self.line!r}")
            self.take(")")
        elif head == "for":
            node = self.loop()
        elif head is not None and len(head) == 1 and head in VARIABLES and self.tokens[1:2] == ["="]:
            self.position += 2
            if head in self.defined:
                raise ProgramError(f"program: variable {head!r} is assigned twice (the generator assigns each once)")
            node = Assign(head, self.expression())
            self.defined.add(head)
        else:
            raise ProgramError(f"program: {self.line!r} is not a statement of the language (v=E, "
                               f"for x in range(N):v+=E, print(E))")
        self.done()
        return node

    def loop(self) -> Loop:
        for expected in ("for", LOOP_VARIABLE, "in", "range", "("):
            self.take(expected)
        count = self.number(small=True)
        if not 1 <= count.value <= MAX_LOOP_COUNT:
            raise ProgramError(f"program: a loop bound must be 1..{MAX_LOOP_COUNT}, got {count.value}")
        self.take(")")
        self.take(":")
        name = self.take()
        if name not in self.defined:
            raise ProgramError(f"program: undefined variable {name!r} in {self.line!r}")
        operator = self.take()
        if operator not in ("+=", "-="):
            self.fail("expected '+=' or '-='")
        return Loop(count, name, operator, self.expression())


def parse_program(text: str) -> Program:
    """The program in ``text`` (lines separated by newlines or ``#``); ProgramError if it is not
    one of the language's programs."""
    lines = [line for line in text.replace("\n", NEWLINE).split(NEWLINE) if line.strip()]
    if not lines:
        raise ProgramError("program: empty")
    defined: set[str] = set()
    statements = [_LineParser(line, defined).statement() for line in lines]
    prints = sum(not isinstance(s, (Assign, Loop)) for s in statements)
    if prints != 1:
        raise ProgramError(f"program: must end with exactly one print(...), found {prints}")
    if isinstance(statements[-1], (Assign, Loop)):
        raise ProgramError("program: print(...) must be the last line")
    return Program(tuple(statements[:-1]), statements[-1])
