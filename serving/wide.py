"""Wide numbers from 8-bit subroutines: the engine interface over any ``NumberSpace``.

A ``WideEngine`` takes calls in the numbers of its space and runs them as calls of an engine of
8-bit subroutines (``inner``), the way a CPU composes wide arithmetic from narrow units:

- a call whose finite numbers ``inner`` computes exactly (``serving.engine.exact_inputs``: 8-bit
  values for the learned comparisons, sums up to 510 for the oracle's) is one call of ``inner``,
  the tokens written as ``inner``'s codes;
- a wider comparison (``find_min``, ``merge_step``) is a call on the most significant byte of
  every number, then a call on the next byte among the positions that tie, and so on, until a
  row has one candidate left or the last byte is compared (equal numbers: the first, as ever).
  A token is its code in the top byte over zero bytes;
- a wider ``add`` is one ``inner.add`` of every byte pair and then, from the least significant
  byte up, an ``inner.add`` of each carry into the next byte's sum; INFINITY absorbs;
- a wider ``mul`` is schoolbook multiplication: one ``inner.mul`` of every pair of 6-bit digits,
  and a tree of wide additions of the partial products.

Every digit-level operation is a subroutine call; numpy only moves digits, carries and masks.
Run on the oracle, the same loops are the exact integer algorithms. Numbers that would leave the
space are refused (``serving.numbers.RangeError``), so an answer is exact or not given at all.
"""

import numpy as np

from serving.engine import DispatchingEngine, Engine, Step, check_step_inputs, concurrent_calls_of, exact_inputs
from serving.numbers import (
    BYTE_BITS,
    EIGHT_BITS,
    END,
    FACTOR_BITS,
    INFINITY,
    NumberSpace,
    digit_count,
    from_digits,
    to_digits,
)

_BYTE = 2**BYTE_BITS


def _recode(codes: np.ndarray, pairs: tuple[tuple[int, int], ...]) -> np.ndarray:
    """``codes`` with each ``(old, new)`` of ``pairs`` replaced."""
    for old, new in pairs:
        codes = np.where(codes == old, new, codes)
    return codes


class WideEngine(DispatchingEngine):
    """The engine interface in the numbers of ``space``, computed by an engine of 8-bit subroutines.

    ``find_min`` and ``merge_step`` take values int64 [B, N] (finite numbers up to
    ``space.max_sum`` and the space's tokens) and return the same ``Step`` an exact engine would;
    ``add`` takes operands up to ``space.max_sum`` or INFINITY and refuses a sum beyond
    ``space.max_sum``; ``mul`` takes operands up to ``space.max_value`` and returns their full
    products, uint64 [M].

    Args:
        inner: the engine of 8-bit subroutines (``serving.engine.Engine``).
        space: the numbers of the calls.

    Attributes:
        concurrent_calls: ``inner``'s (``serving.compose`` shards batches by it).
    """

    def __init__(self, inner: Engine, space: NumberSpace):
        self.inner, self.space = inner, space
        self.exact = exact_inputs(inner)
        self.concurrent_calls = concurrent_calls_of(inner)
        ours = (space.infinity, space.end)
        self._inner_tokens = () if space == EIGHT_BITS else tuple(zip(ours, (INFINITY, END)))
        self._our_tokens = tuple((theirs, ours) for ours, theirs in self._inner_tokens)

    def _to_inner(self, codes: np.ndarray) -> np.ndarray:
        """``codes`` with the space's tokens written as ``inner``'s."""
        return _recode(codes, self._inner_tokens)

    def _from_inner(self, codes: np.ndarray) -> np.ndarray:
        """``inner``'s codes with its tokens written as the space's."""
        return _recode(codes, self._our_tokens)

    def _largest_finite(self, *arrays: np.ndarray) -> int:
        """The largest finite number of int64 ``arrays`` (0 if none): it decides the path."""
        return max(int(array.max(where=array < self.space.infinity, initial=0)) for array in arrays)

    def _step(self, name: str, values, mask) -> Step:
        values, mask = check_step_inputs(values, mask, self.space)
        subroutine = getattr(self.inner, name)
        largest = self._largest_finite(values)
        if largest <= self.exact[name]:
            step = subroutine(self._to_inner(values), mask)
            return Step(self._from_inner(step.value), step.pointer, step.next_mask)
        return self._bytewise_step(subroutine, values, mask, digit_count(largest, BYTE_BITS))

    def _bytewise_step(self, subroutine, values: np.ndarray, mask: np.ndarray, count: int) -> Step:
        """The step of ``subroutine`` on values int64 [B, N] of ``count`` bytes, most significant
        byte first, each byte call among the positions that tied on the bytes before it.

        The pointer is the last call's; the value is read at it; the next mask is the last call's
        with the positions that lost on an earlier byte unmasked again (a step changes only the
        chosen position and, for a merge step, the one after it).
        """
        finite = values < self.space.infinity
        digits = to_digits(np.where(finite, values, 0), count)
        digits[..., 0] = np.where(finite, digits[..., 0], self._to_inner(values))
        batch = len(values)
        pointer = np.zeros(batch, dtype=np.int64)
        next_mask, candidates = mask.copy(), mask.copy()  # candidates: True = out of the running
        rows = np.arange(batch)
        for level in range(count):
            step = subroutine(digits[rows, :, level], candidates[rows])
            pointer[rows] = step.pointer
            next_mask[rows] = step.next_mask & ~(candidates[rows] & ~mask[rows])
            chosen = digits[rows, step.pointer, level]
            ties = ~candidates[rows] & (digits[rows, :, level] == chosen[:, None])
            candidates[rows] = ~ties
            rows = rows[ties.sum(axis=1) > 1]
            if not rows.size:
                break
        return Step(values[np.arange(batch), pointer], pointer, next_mask)

    def add(self, a, b) -> np.ndarray:
        """Sums int64 [M] of operands int64 [M] (finite up to ``space.max_sum``, or INFINITY,
        which absorbs); RangeError for a finite sum above ``space.max_sum``."""
        a, b = self._operands(a, b, self.space.max_sum)
        largest = self._largest_finite(a, b)
        if largest <= self.exact["add"]:
            return self._from_inner(self.inner.add(self._to_inner(a), self._to_inner(b)))
        infinite = (a == self.space.infinity) | (b == self.space.infinity)
        count = digit_count(largest, BYTE_BITS)
        total = from_digits(self._add_digits(*(to_digits(np.where(infinite, 0, x), count) for x in (a, b))))
        self.space.check_sums(total[~infinite], "the sum")
        return np.where(infinite, self.space.infinity, total.astype(np.int64))

    def _add_digits(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Byte-wise sums: bytes int64 [M, K] of a and b (most significant first) -> [M, K + 1].

        One ``inner.add`` of all K byte pairs, then from the least significant byte up an
        ``inner.add`` of the carry into each byte that receives one (the two carries out of a
        byte, of its pair and of the carry in, are never both 1).
        """
        rows, count = a.shape
        pair_sums = self.inner.add(a.reshape(-1), b.reshape(-1)).reshape(rows, count)
        low, carry = pair_sums % _BYTE, pair_sums // _BYTE
        out = np.zeros((rows, count + 1), dtype=np.int64)
        carry_in = np.zeros(rows, dtype=np.int64)
        for k in range(count - 1, -1, -1):
            digit, carry_out = low[:, k], carry[:, k].copy()
            receiving = np.flatnonzero(carry_in)
            if receiving.size:
                with_carry = self.inner.add(digit[receiving], carry_in[receiving])
                digit = digit.copy()
                digit[receiving] = with_carry % _BYTE
                carry_out[receiving] |= with_carry // _BYTE
            out[:, k + 1], carry_in = digit, carry_out
        out[:, 0] = carry_in
        return out

    def mul(self, a, b) -> np.ndarray:
        """Full products uint64 [M] of operands int64 [M], each in 0..``space.max_value``."""
        a, b = self._operands(a, b, self.space.max_value)
        if (a >= self.space.infinity).any() or (b >= self.space.infinity).any():
            raise ValueError(f"a and b must be finite numbers 0..{self.space.max_value}")
        largest = self._largest_finite(a, b)
        if largest <= self.exact["mul"]:
            return self.inner.mul(a, b).astype(np.uint64)
        return self._schoolbook(a, b, digit_count(largest, FACTOR_BITS), digit_count(largest**2, BYTE_BITS))

    def _operands(self, a, b, largest: int) -> tuple[np.ndarray, np.ndarray]:
        """Operands int64 [M] each, finite up to ``largest`` or tokens; ValueError naming a or b."""
        a, b = self.space.check(a, "a", largest), self.space.check(b, "b", largest)
        if a.ndim != 1 or a.shape != b.shape:
            raise ValueError(f"a and b must have one shape [M], got {a.shape} and {b.shape}")
        return a, b

    def _schoolbook(self, a: np.ndarray, b: np.ndarray, count: int, width: int) -> np.ndarray:
        """Products uint64 [M] of a, b int64 [M] of ``count`` 6-bit digits each, every product
        below 2**(8 * width) <= 2**64: one ``inner.mul`` of all count x count digit pairs, each
        product shifted to its place (bits moved) as ``width`` bytes, then added up pairwise,
        level by level, all pairs of a level in one byte-wise addition."""
        rows = len(a)
        a_digits, b_digits = to_digits(a, count, FACTOR_BITS), to_digits(b, count, FACTOR_BITS)
        products = self.inner.mul(np.repeat(a_digits, count, axis=1).reshape(-1),
                                  np.tile(b_digits, (1, count)).reshape(-1)).reshape(rows, count * count)
        place = (2 * (count - 1) - np.add.outer(np.arange(count), np.arange(count)).reshape(-1)) * FACTOR_BITS
        terms = to_digits(products.astype(np.uint64) << place.astype(np.uint64), width)
        while terms.shape[1] > 1:  # [M, T, width]: every sum stays below the product
            if terms.shape[1] % 2:
                terms = np.concatenate([terms, np.zeros_like(terms[:, :1])], axis=1)
            pairs, size = terms.shape[1] // 2, terms.shape[2]
            sums = self._add_digits(terms[:, 0::2].reshape(-1, size), terms[:, 1::2].reshape(-1, size))
            terms = sums[:, 1:].reshape(rows, pairs, size)
        return from_digits(terms[:, 0])


def as_wide(engine: Engine) -> WideEngine:
    """``engine`` itself if it is a ``WideEngine``, else ``engine`` in the 8-bit space
    (``EIGHT_BITS``): how the algorithms take any engine."""
    return engine if isinstance(engine, WideEngine) else WideEngine(engine, EIGHT_BITS)
