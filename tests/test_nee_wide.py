"""Wide numbers from 8-bit subroutines (``serving.wide``): exact or refused, never wrong.

Most tests run the wide loops on the oracle with the comparison bounds of a learned engine, so
every number above 255 goes byte by byte, and record the subroutine calls to check that each one
stays within what the models were trained on. One test runs the shipped models.
"""

import networkx as nx
import numpy as np
import pytest

from serving.algorithms.dijkstra import dijkstra
from serving.algorithms.loop import pairwise_min
from serving.algorithms.merge_sort import merge_sort
from serving.algorithms.prim import prim
from serving.algorithms.selection_sort import selection_sort
from serving.engine import EXACT_INPUTS, LearnedEngine, exact_inputs
from serving.numbers import EIGHT_BITS, END, INFINITY, WIDE, NumberSpace, RangeError, from_digits, to_digits
from serving.onnx_engine import OnnxEngine
from serving.onnx_model import SHIPPED_MODELS
from serving.oracle import OracleEngine, RecordingEngine
from serving.wide import WideEngine, as_wide

TOP = 2**32 - 1


class ByteOracle(OracleEngine):
    """The oracle, trusted on comparisons of 8-bit numbers only, as a learned engine is."""

    exact_inputs = LearnedEngine.exact_inputs


def _recorded(space=WIDE):
    recording = RecordingEngine(ByteOracle())
    return recording, WideEngine(recording, space)


def _assert_every_call_is_8_bit(recording: RecordingEngine):
    """Every recorded call holds bytes (0..255) or the subroutines' tokens, and mul 6-bit digits."""
    for name in ("find_min", "merge_step", "add"):
        for call in recording.calls[name]:
            for codes in ((call.values,) if hasattr(call, "values") else (call.a, call.b)):
                assert ((codes <= 255) | (codes == INFINITY) | (codes == END)).all(), name
    for call in recording.calls["mul"]:
        assert (call.a <= 63).all() and (call.b <= 63).all()


def test_the_8_bit_space_is_the_subroutines_own_codes():
    assert (EIGHT_BITS.max_value, EIGHT_BITS.max_sum, EIGHT_BITS.infinity, EIGHT_BITS.end) == (255, 510, INFINITY, END)
    assert (WIDE.max_value, WIDE.max_sum, WIDE.infinity, WIDE.end) == (TOP, 2 * TOP, 2 * TOP + 1, 2 * TOP + 2)


def test_digits_write_numbers_most_significant_first_and_back():
    assert to_digits([258], 2).tolist() == [[1, 2]]
    assert to_digits(np.array([2**64 - 1], dtype=np.uint64), 8).tolist() == [[255] * 8]
    assert to_digits([100], 2, digit_bits=6).tolist() == [[1, 36]]
    values = np.random.default_rng(0).integers(0, 2**40, 50)
    assert np.array_equal(from_digits(to_digits(values, 5)), values)


EDGE_SUMS = [(0, 0), (255, 1), (0xFF, 0xFF), (0xFFFF, 1), (0xFFFFFF, 1), (TOP, 1), (TOP, TOP), (0x01FF01FF, 0xFE00FF01)]


def test_wide_add_carries_across_every_byte_with_one_add_call_per_carry_level():
    recording, wide = _recorded()
    a, b = np.array(EDGE_SUMS).T
    assert wide.add(a, b).tolist() == (a + b).tolist()
    _assert_every_call_is_8_bit(recording)
    assert len(recording.calls["add"]) <= 1 + 4  # the byte pairs, then a carry into each of 4 bytes at most
    rng = np.random.default_rng(1)
    a, b = rng.integers(0, 2**32, 2000), rng.integers(0, 2**32, 2000)
    assert np.array_equal(wide.add(a, b), a + b)


def test_wide_add_absorbs_infinity_and_refuses_sums_beyond_the_space():
    wide = WideEngine(ByteOracle(), WIDE)
    assert wide.add([WIDE.infinity, 300, 2**33 - 2], [5, WIDE.infinity, 0]).tolist() == [WIDE.infinity] * 2 + [2**33 - 2]
    with pytest.raises(RangeError, match=f"the sum {2**33 - 1} leaves the range of 32-bit numbers"):
        wide.add([2**33 - 2], [1])
    with pytest.raises(RangeError, match="the sum 511 leaves the range of 8-bit numbers"):
        WideEngine(ByteOracle(), EIGHT_BITS).add([510], [1])  # 511 would read as INFINITY


def test_wide_mul_gives_full_products_up_to_almost_2_to_the_64():
    recording, wide = _recorded()
    a = np.array([0, 1, 63, 64, 255, 4096, TOP, TOP, TOP - 1, 0xDEADBEEF])
    b = np.array([TOP, TOP, 64, 63, 255, 4096, TOP, 1, TOP, 0xCAFEBABE])
    products = wide.mul(a, b)
    assert products.dtype == np.uint64
    assert [int(p) for p in products] == [int(x) * int(y) for x, y in zip(a, b)]
    _assert_every_call_is_8_bit(recording)
    rng = np.random.default_rng(2)
    a, b = rng.integers(0, 2**32, 500), rng.integers(0, 2**32, 500)
    assert [int(p) for p in wide.mul(a, b)] == [int(x) * int(y) for x, y in zip(a, b)]
    with pytest.raises(ValueError, match="must be finite"):
        wide.mul([WIDE.infinity], [1])


def _first_minimum(values, mask):
    return np.where(mask, np.iinfo(np.int64).max, values).argmin(axis=1)


@pytest.mark.parametrize("space", [EIGHT_BITS, NumberSpace(16), WIDE])
def test_wide_find_min_and_merge_step_match_the_oracle_byte_by_byte(space):
    recording, wide = _recorded(space)
    rng = np.random.default_rng(3)
    values = rng.integers(0, space.max_sum + 1, (40, 12))
    values[::2, :6] = values[::2, 6:7]  # ties in every byte
    values[::3, 2] = values[::3, 3] = space.infinity
    values[:, -1] = space.end
    values[1, :] = space.end  # nothing but END
    mask = rng.random(values.shape) < 0.3
    mask[:, -1] = False
    step = wide.find_min(values, mask)
    pointer = _first_minimum(values, mask)
    assert np.array_equal(step.pointer, pointer)
    assert np.array_equal(step.value, values[np.arange(40), pointer])
    assert np.array_equal(step.next_mask, mask | (np.arange(12) == pointer[:, None]))
    heads = np.ones(values.shape, dtype=bool)
    heads[:, [0, 6]] = False
    step = wide.merge_step(values, heads)
    pointer = _first_minimum(values, heads)
    chosen = np.arange(12) == pointer[:, None]
    assert np.array_equal(step.next_mask, (heads | chosen) & ~np.roll(chosen, 1, axis=1))
    _assert_every_call_is_8_bit(recording)


def test_8_bit_calls_go_to_the_engine_unchanged():
    rng = np.random.default_rng(4)
    lists = rng.integers(0, 256, (8, 9))
    for space in (EIGHT_BITS, WIDE):
        recording = RecordingEngine(ByteOracle())
        assert np.array_equal(selection_sort(WideEngine(recording, space), lists), np.sort(lists))
        assert len(recording.calls["find_min"]) == 10
        assert (recording.calls["find_min"][0].values[:, -1] == END).all()  # the space's END, as the model's


def test_wide_sorts_and_graphs_match_sorted_and_networkx():
    rng = np.random.default_rng(5)
    recording, wide = _recorded()
    for bits in (16, 32):
        lists = rng.integers(0, 2**bits, (6, 13))
        lists[0, :4] = 2**bits - 1
        assert np.array_equal(selection_sort(wide, lists), np.sort(lists))
        assert np.array_equal(merge_sort(wide, lists), np.sort(lists))
        graph = nx.connected_watts_strogatz_graph(14, 4, 0.3, seed=bits)
        weights = np.full((1, 14, 14), WIDE.infinity)
        for u, v in graph.edges:
            graph.edges[u, v]["weight"] = weights[0, u, v] = weights[0, v, u] = rng.integers(0, 2**bits // 8)
        distances = nx.single_source_dijkstra_path_length(graph, 3)
        assert dijkstra(wide, weights, [3])[0].tolist() == [distances[node] for node in range(14)]
        forest = prim(wide, weights)
        assert forest.total_weight[0] == nx.minimum_spanning_tree(graph).size(weight="weight")
    _assert_every_call_is_8_bit(recording)


def test_algorithms_take_any_engine_in_8_bits_and_refuse_wider_inputs():
    assert as_wide(OracleEngine()).space == EIGHT_BITS
    wide = WideEngine(OracleEngine(), WIDE)
    assert as_wide(wide) is wide
    with pytest.raises(ValueError, match="values must hold integers in 0..255, got 256"):
        selection_sort(OracleEngine(), [[1, 256]])
    with pytest.raises(ValueError, match=f"values must hold integers in 0..{TOP}, got {TOP + 1}"):
        selection_sort(wide, [[1, TOP + 1]])


def test_exact_inputs_default_to_the_formats_and_the_recording_passes_them_on():
    assert exact_inputs(OracleEngine()) == EXACT_INPUTS == {"find_min": 510, "merge_step": 510, "add": 255, "mul": 63}
    assert RecordingEngine(OracleEngine()).exact_inputs == EXACT_INPUTS
    assert RecordingEngine(ByteOracle()).exact_inputs["find_min"] == 255


@pytest.fixture(scope="module")
def shipped():
    return OnnxEngine.load(SHIPPED_MODELS, ("find_min", "add"))


def test_shipped_find_min_is_exact_on_every_pair_of_9_bit_sums(shipped):
    """Issue 16: the find-min model alone is wrong on 65,485 of these pairs (min(236, 256) = 227)."""
    codes = np.arange(0, 511)
    a, b = (grid.ravel() for grid in np.meshgrid(codes, codes))
    assert np.array_equal(pairwise_min(as_wide(shipped), a, b).value, np.minimum(a, b))


def test_dijkstra_on_the_shipped_models_is_exact_or_refused_never_wrong(shipped):
    """Issue 16: 60 random 20-node graphs with weights up to 255 through the library; the models
    used to answer 58 of them wrongly and refuse none."""
    rng = np.random.default_rng(0)
    weights = np.where(rng.random((60, 20, 20)) < 0.2, rng.integers(0, 256, (60, 20, 20)), INFINITY)
    weights = np.minimum(weights, weights.transpose(0, 2, 1))
    weights[:, np.arange(20), np.arange(20)] = INFINITY
    sources = np.zeros(60, dtype=np.int64)

    def refused(graphs):
        try:
            dijkstra(OracleEngine(), weights[graphs], sources[graphs])
        except RangeError:
            return True
        return False

    too_long = [graph for graph in range(60) if refused([graph])]
    fits = np.setdiff1d(np.arange(60), too_long)
    assert 0 < len(too_long) < 10
    assert np.array_equal(dijkstra(shipped, weights[fits], sources[fits]),
                          dijkstra(OracleEngine(), weights[fits], sources[fits]))
    for graph in too_long:
        with pytest.raises(RangeError):
            dijkstra(shipped, weights[[graph]], sources[[graph]])
