"""Character streams: continuity across windows, target weights, determinism, checkpointing, and
the tf.data / tensorflow-text path equal to the numpy path."""

import json

import numpy as np
import pytest

from l2e.lte.curriculum import Curriculum
from l2e.lte.data.streams import CharStreams, window_dataset
from l2e.lte.data.tasks import make_task
from l2e.lte.vocab import decode


def program_streams(**kwargs):
    defaults = dict(batch_size=6, unroll=17, seed=3)
    return CharStreams(make_task("programs"), Curriculum("mix", 3, 2), **(defaults | kwargs))


def test_window_shapes_and_next_character_targets():
    streams = program_streams()
    inputs, targets, weights = streams.next_window()
    assert inputs.shape == targets.shape == weights.shape == (6, 17)
    assert inputs.dtype == targets.dtype == np.int32 and weights.dtype == np.float32
    np.testing.assert_array_equal(inputs[:, 1:], targets[:, :-1])


def test_each_stream_continues_across_windows_and_weights_mark_answers():
    streams = program_streams()
    windows = [streams.next_window() for _ in range(40)]
    for row in range(6):
        text = decode(np.concatenate([w[0][row] for w in windows]))
        following = decode(np.concatenate([w[1][row] for w in windows]))
        assert following[:-1] == text[1:]  # window k+1 starts where window k stopped
        weights = np.concatenate([w[2][row] for w in windows])
        # A target character is an answer character: after '@', up to and including '.'.
        in_answer, expected = False, []
        for ch in text + following[-1]:
            expected.append(in_answer)
            in_answer = (in_answer and ch != ".") or ch == "@"
        np.testing.assert_array_equal(weights.astype(bool), np.array(expected[1:]))
        examples = text.split(".")[1:-1]
        assert examples and all("@" in e for e in examples)


def test_deterministic_for_a_seed_and_different_across_seeds():
    a, b, c = program_streams(seed=5), program_streams(seed=5), program_streams(seed=6)
    for _ in range(5):
        wa, wb, wc = a.next_window(), b.next_window(), c.next_window()
        for x, y in zip(wa, wb):
            np.testing.assert_array_equal(x, y)
    assert not np.array_equal(wa[0], wc[0])


def test_streams_split_across_replicas_equal_the_whole():
    whole = program_streams()
    parts = [program_streams(stream_ids=[0, 1, 2]), program_streams(stream_ids=[3, 4, 5])]
    for _ in range(5):
        full = whole.next_window()
        halves = [p.next_window() for p in parts]
        for i in range(3):
            np.testing.assert_array_equal(full[i], np.concatenate([h[i] for h in halves]))


def test_state_dict_restores_the_exact_position():
    streams = program_streams()
    for _ in range(7):
        streams.next_window()
    saved = json.loads(json.dumps(streams.state_dict()))
    expected = [streams.next_window() for _ in range(4)]
    restored = program_streams()
    restored.load_state_dict(saved)
    for want in expected:
        for x, y in zip(want, restored.next_window()):
            np.testing.assert_array_equal(x, y)


def test_curriculum_changes_reach_the_streams():
    curriculum = Curriculum("naive", 6)
    streams = CharStreams(make_task("memorization"), curriculum, batch_size=4, unroll=40)
    first = decode(streams.next_window()[0][0])
    curriculum.length = 6
    for _ in range(3):
        later = decode(streams.next_window()[0][0])
    assert "@" in first and all(len(e.split("@")[0]) == 1 for e in first.split(".")[1:-1])
    assert any(len(e.split("@")[0]) == 6 for e in later.split(".")[1:-1])


def test_tf_data_path_with_tensorflow_text_equals_numpy_path():
    numpy_windows = program_streams(seed=11)
    dataset = window_dataset(program_streams(seed=11))
    for tf_window in dataset.take(6):
        for x, y in zip(numpy_windows.next_window(), tf_window):
            np.testing.assert_array_equal(x, y.numpy())


@pytest.mark.parametrize("kwargs, name", [(dict(batch_size=0), "batch_size"), (dict(unroll=-2), "unroll"),
                                          (dict(split="dev"), "split"), (dict(seed=1.5), "seed")])
def test_bad_arguments_name_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        program_streams(**kwargs)
