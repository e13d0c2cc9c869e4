"""How the Neural Execution Engines write numbers: codes, special tokens and bit vectors.

Every subroutine family shares one code space, so the result of one subroutine can be fed to
another unchanged (an addition result goes straight into a find-min in Dijkstra):

- finite values ``0 .. 510`` (510 = 255 + 255, the largest sum of two 8-bit numbers);
- ``INFINITY = 511``: a missing edge or an unreached node; ``x + INFINITY = INFINITY``, and it
  compares above every finite value;
- ``END = 512``: the end token, appended to a list so that a find-min returns it once every
  other position is excluded, and closing each run of a merge; it compares above everything.

A family's width is the number of bits its codes need (``NumberFormat``); bit vectors are
written most significant bit first. docs/NEE.md explains why infinity is 511 rather than the
paper's 256 (256 is also the sum 128 + 128).

The algorithms count in a ``NumberSpace``: values of some width, their sums, and the two tokens
above both. Its 8-bit space holds exactly the codes above; wider numbers are written as digits
(``to_digits``) that ``serving.wide`` feeds to the 8-bit subroutines one digit at a time. A
space refuses, with ``RangeError``, every number that leaves it.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np

MAX_LIST_VALUE = 255
"""Largest value of a list to sort and of an edge weight: the paper's numbers have 8 bits."""

MAX_SUM = 2 * MAX_LIST_VALUE
"""Largest finite sum of two 8-bit numbers, 510."""

INFINITY = MAX_SUM + 1
"""511: a missing edge or an unreached node; absorbing under addition."""

END = INFINITY + 1
"""512: the end token; compares above every other code."""


def check_integers(values, name: str, max_value: int, tokens: tuple[int, ...] = ()) -> np.ndarray:
    """``values`` as an int64 array if every entry is an integer in ``0..max_value`` or a token.

    Args:
        values: array-like of any shape with an integer dtype (bool and float are refused).
        name: the parameter's name, used in the error message.
        max_value: largest ordinary value.
        tokens: further codes that are allowed.

    Returns:
        int64 array of the same shape.

    Raises:
        ValueError naming ``name`` if the dtype is not an integer type or an entry is out of range.
    """
    array = np.asarray(values)
    if not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must hold integers, got dtype {array.dtype}")
    array = array.astype(np.int64, copy=False)
    allowed = (array >= 0) & (array <= max_value)
    for token in tokens:  # a few codes: cheaper than np.isin, which sorts
        allowed |= array == token
    if not allowed.all():
        extra = "".join(f" or {token}" for token in tokens)
        raise ValueError(
            f"{name} must hold integers in 0..{max_value}{extra}, got {array[~allowed][0]}"
        )
    return array


def to_bits(values, num_bits: int) -> np.ndarray:
    """Binary vectors of ``values``, most significant bit first.

    Args:
        values: integers of any shape [...], each in ``0 .. 2**num_bits - 1``.
        num_bits: width of each vector, 1..62.

    Returns:
        uint8 array [..., num_bits] of 0s and 1s.

    Raises:
        ValueError naming ``num_bits`` or ``values`` when out of range or not integers.
    """
    if isinstance(num_bits, bool) or not isinstance(num_bits, (int, np.integer)):
        raise ValueError(f"num_bits must be an integer, got {num_bits!r}")
    if not 1 <= num_bits <= 62:
        raise ValueError(f"num_bits must be between 1 and 62, got {num_bits}")
    array = check_integers(values, "values", 2**num_bits - 1)
    shifts = np.arange(num_bits - 1, -1, -1, dtype=np.int64)
    return ((array[..., None] >> shifts) & 1).astype(np.uint8)


def from_bits(bits) -> np.ndarray:
    """Integers written by binary vectors, most significant bit first (inverse of ``to_bits``).

    Args:
        bits: integer array [..., num_bits] of 0s and 1s, num_bits in 1..62.

    Returns:
        int64 array [...].

    Raises:
        ValueError naming ``bits`` if it is not an integer array of 0s and 1s with 1..62 columns.
    """
    array = check_integers(bits, "bits", 1)
    if array.ndim == 0 or not 1 <= array.shape[-1] <= 62:
        raise ValueError(f"bits must have a last axis of 1..62 bits, got shape {array.shape}")
    weights = np.int64(1) << np.arange(array.shape[-1] - 1, -1, -1, dtype=np.int64)
    return array @ weights


@dataclass(frozen=True)
class NumberFormat:
    """The numbers of one subroutine family.

    Attributes:
        num_bits: width of the family's bit vectors, inputs and outputs alike.
        max_input: largest ordinary value an input may hold.
        tokens: special codes an input may hold besides ordinary values.
    """

    num_bits: int
    max_input: int
    tokens: tuple[int, ...] = ()

    def check(self, values, name: str) -> np.ndarray:
        """``values`` (any shape) as int64 if every entry is a valid input code of this format.

        Raises ValueError naming ``name`` otherwise.
        """
        return check_integers(values, name, self.max_input, self.tokens)


COMPARISON_FORMAT = NumberFormat(num_bits=10, max_input=MAX_SUM, tokens=(INFINITY, END))
"""find-min and merge step: finite values up to 510 (Dijkstra's candidate sums), infinity and
the end token; 10 bits (the end token 512 is the top bit)."""

ADDITION_FORMAT = NumberFormat(num_bits=9, max_input=MAX_LIST_VALUE, tokens=(INFINITY,))
"""addition: 8-bit operands or infinity; 9-bit results: exact sums 0..510, or infinity (511,
the one 9-bit code no sum of two 8-bit numbers reaches)."""

MAX_FACTOR = 63
"""Largest multiplication operand: 6-bit factors, so that every product fits 12 bits."""

MULTIPLICATION_FORMAT = NumberFormat(num_bits=12, max_input=MAX_FACTOR)
"""multiplication: 6-bit operands, exact 12-bit products 0..3969; no tokens."""


class RangeError(ValueError):
    """A number an algorithm computes leaves its ``NumberSpace``: the answer cannot be exact."""


@dataclass(frozen=True)
class NumberSpace:
    """The numbers an algorithm counts in: values of ``bits`` bits, sums of two of them, and two
    tokens above both, INFINITY (absorbing under addition) and END.

    ``NumberSpace(8)`` holds the subroutines' own codes: values 0..255, sums 0..510, INFINITY 511,
    END 512. A wider space has tokens of its own, so a weight of 511 is a weight there.

    Attributes:
        bits: width of a value, 8..61 (sums take one bit more; full products, below 2**64, need bits <= 32).
    """

    bits: int

    @cached_property
    def max_value(self) -> int:
        """Largest value an input (a list element, an edge weight, an operand) may hold."""
        return 2**self.bits - 1

    @cached_property
    def max_sum(self) -> int:
        """Largest finite number of the space: the sum of two values."""
        return 2 * self.max_value

    @cached_property
    def infinity(self) -> int:
        """A missing edge or an unreached node; above every finite number."""
        return self.max_sum + 1

    @cached_property
    def end(self) -> int:
        """The end token; above everything."""
        return self.infinity + 1

    def check(self, values, name: str, largest: int | None = None) -> np.ndarray:
        """``values`` (any shape) as int64 if each is a finite number up to ``largest`` (default
        ``max_sum``) or a token; ValueError naming ``name`` otherwise."""
        return check_integers(values, name, self.max_sum if largest is None else largest,
                              (self.infinity, self.end))

    def check_sums(self, sums: np.ndarray, what: str) -> np.ndarray:
        """``sums`` (finite, int64 or uint64, any shape) if none is above ``max_sum``; RangeError
        naming ``what`` and the first larger one otherwise."""
        beyond = sums[sums > self.max_sum]
        if beyond.size:
            raise RangeError(f"{what} {beyond[0]} leaves the range of {self.bits}-bit numbers and "
                             f"their sums (at most {self.max_sum})")
        return sums


EIGHT_BITS = NumberSpace(8)
"""The subroutines' own codes (``INFINITY``, ``END``); the algorithms' default."""

WIDE = NumberSpace(32)
"""Values below 2**32 and their sums, each a few bytes of 8-bit subroutine calls: the CLI's."""

BYTE_BITS = 8
"""Width of the digits of a wide addition or comparison: a byte, the subroutines' values."""

FACTOR_BITS = 6
"""Width of the digits of a wide multiplication: a factor of the multiplication model."""


def digit_count(largest: int, digit_bits: int) -> int:
    """How many digits of ``digit_bits`` bits write every number 0..``largest``; at least 1."""
    return max(1, -(-int(largest).bit_length() // digit_bits))


def to_digits(values, count: int, digit_bits: int = BYTE_BITS) -> np.ndarray:
    """The digits of non-negative integers, most significant first.

    Args:
        values: integers of any shape [...] (int64 or uint64), each below 2**(count * digit_bits)
            <= 2**64.
        count: digits per number.
        digit_bits: width of a digit.

    Returns:
        int64 [..., count], each in 0..2**digit_bits - 1.
    """
    shifts = np.arange(count - 1, -1, -1, dtype=np.uint64) * np.uint64(digit_bits)
    digits = (np.asarray(values).astype(np.uint64)[..., None] >> shifts) & np.uint64(2**digit_bits - 1)
    return digits.astype(np.int64)


def from_digits(digits, digit_bits: int = BYTE_BITS) -> np.ndarray:
    """The integers written by ``digits`` int [..., count], most significant first, each in
    0..2**digit_bits - 1: uint64 [...] (the inverse of ``to_digits``; count * digit_bits <= 64)."""
    digits = np.asarray(digits).astype(np.uint64)
    shifts = np.arange(digits.shape[-1] - 1, -1, -1, dtype=np.uint64) * np.uint64(digit_bits)
    return np.bitwise_or.reduce(digits << shifts, axis=-1)
