"""Number encodings of the Neural Execution Engines: bit vectors, tokens, formats, checks."""

import numpy as np
import pytest

from serving.engine import FORMATS
from serving.numbers import (
    ADDITION_FORMAT,
    COMPARISON_FORMAT,
    END,
    INFINITY,
    MAX_FACTOR,
    MAX_LIST_VALUE,
    MAX_SUM,
    MULTIPLICATION_FORMAT,
    check_integers,
    from_bits,
    to_bits,
)


def test_to_bits_writes_the_most_significant_bit_first():
    assert to_bits(5, 4).tolist() == [0, 1, 0, 1]
    assert to_bits([END], 10).tolist() == [[1, 0, 0, 0, 0, 0, 0, 0, 0, 0]]
    assert to_bits(INFINITY, 9).tolist() == [1] * 9
    assert to_bits(np.array([[1, 2]]), 3).tolist() == [[[0, 0, 1], [0, 1, 0]]]
    assert to_bits(3, 2).dtype == np.uint8


@pytest.mark.parametrize("num_bits", [1, 9, 10, 12, 40])
def test_from_bits_inverts_to_bits(num_bits):
    values = np.random.default_rng(num_bits).integers(0, 2**num_bits, size=(3, 5))
    bits = to_bits(values, num_bits)
    assert bits.shape == (3, 5, num_bits)
    assert np.array_equal(from_bits(bits), values)


def test_the_tokens_order_above_every_finite_value():
    assert MAX_LIST_VALUE == 255 and MAX_SUM == 510
    assert MAX_SUM < INFINITY < END
    assert (INFINITY, END) == (511, 512)


def test_every_code_of_a_family_fits_its_width_and_every_result_too():
    widest_codes = [
        (COMPARISON_FORMAT, [0, MAX_SUM, INFINITY, END]),
        (ADDITION_FORMAT, [0, MAX_SUM, INFINITY]),
    ]
    for fmt, codes in widest_codes:
        assert np.array_equal(from_bits(to_bits(codes, fmt.num_bits)), codes)
    assert from_bits(to_bits(MAX_FACTOR**2, MULTIPLICATION_FORMAT.num_bits)) == MAX_FACTOR**2
    assert MAX_FACTOR**2 >= 2 ** (MULTIPLICATION_FORMAT.num_bits - 1)
    assert FORMATS["find_min"].num_bits == FORMATS["merge_step"].num_bits == 10
    assert (FORMATS["add"].num_bits, FORMATS["mul"].num_bits) == (9, 12)


def test_a_format_accepts_its_codes_and_refuses_others():
    assert COMPARISON_FORMAT.check([0, 510, 511, 512], "values").dtype == np.int64
    with pytest.raises(ValueError, match="operand"):
        ADDITION_FORMAT.check([256], "operand")
    with pytest.raises(ValueError, match="operand"):
        ADDITION_FORMAT.check([END], "operand")
    with pytest.raises(ValueError, match="factor"):
        MULTIPLICATION_FORMAT.check([MAX_FACTOR + 1], "factor")


@pytest.mark.parametrize(
    "values, message",
    [
        ([1.0, 2.0], "must hold integers"),
        ([True], "must hold integers"),
        ([-1], "must hold integers in 0..7, got -1"),
        ([8], "must hold integers in 0..7, got 8"),
    ],
)
def test_check_integers_names_the_parameter(values, message):
    with pytest.raises(ValueError, match=f"counts {message}"):
        check_integers(values, "counts", 7)


def test_to_bits_and_from_bits_refuse_bad_input():
    with pytest.raises(ValueError, match="values"):
        to_bits([16], 4)
    with pytest.raises(ValueError, match="values"):
        to_bits([0.5], 4)
    with pytest.raises(ValueError, match="num_bits"):
        to_bits([1], 0)
    with pytest.raises(ValueError, match="num_bits"):
        to_bits([1], 2.0)
    with pytest.raises(ValueError, match="bits"):
        from_bits([0, 2, 1])
    with pytest.raises(ValueError, match="bits"):
        from_bits(np.zeros((2, 0), dtype=np.uint8))
