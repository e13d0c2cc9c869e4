"""Streams of concatenated examples cut into fixed windows: the LSTM's training input.

Each of the B rows of a minibatch is a stream: examples ``source@target.`` written one after
another with no separator. A window takes T characters from every stream; stream i of window
k + 1 continues exactly where stream i of window k stopped, so the LSTM's final state of one
minibatch is the right initial state of the next (truncated backpropagation through time).

Every stream has its own random generator seeded from (seed, stream index), so the streams of a
replica or worker can be produced alone, and the whole state (generators and unread characters)
can be saved in a checkpoint and restored exactly.

Two equivalent outputs: :meth:`CharStreams.next_window` (numpy, the trainer's path) and
:func:`window_dataset` (a ``tf.data.Dataset`` whose character tokenization is done by
tensorflow-text); a test checks they agree.
"""

import random

import numpy as np

from l2e.lte.curriculum import Curriculum
from l2e.lte.data.splits import SPLITS
from l2e.lte.data.tasks import draw_example
from l2e.lte.vocab import encode_ascii
from l2e.validation import check_choice, check_int

NOT_TARGET, TARGET = b"\x00", b"\x01"


class CharStreams:
    """B character streams of ``task`` examples at ``curriculum``'s difficulty, from ``split``.

    ``stream_ids`` selects which of the global streams this object produces (default: all B);
    windows from objects that split the ids between them, stacked in id order, equal the windows
    of one object that makes them all.
    """

    def __init__(self, task, curriculum: Curriculum, batch_size: int = 100, unroll: int = 50,
                 seed: int = 0, split: str = "train", stream_ids=None):
        self.task = task
        self.curriculum = curriculum
        self.batch_size = check_int("batch_size", batch_size, 1)
        self.unroll = check_int("unroll", unroll, 1)
        self.split = check_choice("split", split, SPLITS)
        self.seed = check_int("seed", seed, 0)
        self.stream_ids = list(range(self.batch_size)) if stream_ids is None else list(stream_ids)
        self._rngs = [random.Random(f"l2e-stream:{self.seed}:{split}:{i}") for i in self.stream_ids]
        self._text = [""] * len(self.stream_ids)
        self._flags = [b""] * len(self.stream_ids)

    def _fill(self, row: int, count: int) -> None:
        """Append examples to stream ``row`` until it holds at least ``count`` characters."""
        text, flags = self._text[row], self._flags[row]
        pieces, flag_pieces = [text], [flags]
        size = len(text)
        while size < count:
            example = draw_example(self.task, self._rngs[row], self.curriculum, self.split)
            prompt, answer = example.prompt, example.answer
            pieces += (prompt, answer)
            flag_pieces += (NOT_TARGET * len(prompt), TARGET * len(answer))
            size += len(prompt) + len(answer)
        self._text[row], self._flags[row] = "".join(pieces), b"".join(flag_pieces)

    def next_text_window(self) -> tuple[list[str], np.ndarray]:
        """The next window as text: T + 1 characters per stream (the last one is the first of the
        next window) and their target flags, uint8 [rows, T + 1] (1 = an answer character)."""
        width = self.unroll + 1
        texts = []
        flags = np.empty((len(self.stream_ids), width), dtype=np.uint8)
        for row in range(len(self.stream_ids)):
            self._fill(row, width)
            texts.append(self._text[row][:width])
            flags[row] = np.frombuffer(self._flags[row][:width], dtype=np.uint8)
            self._text[row] = self._text[row][self.unroll:]
            self._flags[row] = self._flags[row][self.unroll:]
        return texts, flags

    def next_window(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The next window as arrays, each [rows, T]: input ids (int32), next-character target
        ids (int32) and weights (float32, 1 where the target is an answer character)."""
        texts, flags = self.next_text_window()
        ids = encode_ascii("".join(texts).encode("ascii")).reshape(len(texts), self.unroll + 1)
        return ids[:, :-1], ids[:, 1:], flags[:, 1:].astype(np.float32)

    def state_dict(self) -> dict:
        """Everything needed to continue these streams exactly (JSON-serializable)."""
        return {
            "stream_ids": self.stream_ids,
            "rng_states": [_rng_state_to_json(rng.getstate()) for rng in self._rngs],
            "text": list(self._text),
            "flags": [f.hex() for f in self._flags],
        }

    def load_state_dict(self, state: dict) -> None:
        if list(state["stream_ids"]) != self.stream_ids:
            raise ValueError("stream_ids: checkpoint holds other streams than this object makes")
        for rng, saved in zip(self._rngs, state["rng_states"]):
            rng.setstate(_rng_state_from_json(saved))
        self._text = list(state["text"])
        self._flags = [bytes.fromhex(f) for f in state["flags"]]


def _rng_state_to_json(state) -> list:
    version, internal, gauss_next = state
    return [version, list(internal), gauss_next]


def _rng_state_from_json(saved) -> tuple:
    version, internal, gauss_next = saved
    return version, tuple(internal), gauss_next


def window_dataset(streams: CharStreams):
    """An endless ``tf.data.Dataset`` of the windows of ``streams``.

    Elements are ``(inputs, targets, weights)``, each [rows, T]: int32 ids, int32 ids and float32
    weights, identical to :meth:`CharStreams.next_window`. The text of each window is tokenized
    into characters by tensorflow-text's ``UnicodeCharTokenizer`` and mapped to vocabulary ids.
    """
    import tensorflow as tf
    import tensorflow_text as tf_text

    from l2e.lte.vocab import VOCAB

    rows, width = len(streams.stream_ids), streams.unroll + 1

    def windows():
        while True:
            texts, flags = streams.next_text_window()
            yield texts, flags

    codepoint_to_id = np.full(128, -1, dtype=np.int32)
    codepoint_to_id[[ord(ch) for ch in VOCAB]] = np.arange(len(VOCAB), dtype=np.int32)
    table = tf.constant(codepoint_to_id)
    tokenizer = tf_text.UnicodeCharTokenizer()

    def to_ids(texts, flags):
        codepoints = tokenizer.tokenize(texts).to_tensor(shape=[rows, width])
        ids = tf.gather(table, codepoints)
        return ids[:, :-1], ids[:, 1:], tf.cast(flags[:, 1:], tf.float32)

    signature = (
        tf.TensorSpec(shape=[rows], dtype=tf.string),
        tf.TensorSpec(shape=[rows, width], dtype=tf.uint8),
    )
    return tf.data.Dataset.from_generator(windows, output_signature=signature).map(to_ids)
