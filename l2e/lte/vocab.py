"""The 42-symbol character vocabulary of Learning to Execute, and encoding to integer ids.

Programs use ``#`` for a newline, ``@`` marks the end of the input and ``.`` the end of the
answer. The vocabulary is shared by training, evaluation and the serving runtime, so it holds
only plain Python and numpy.
"""

import numpy as np

VOCAB = " #()*+-.0123456789:;<=>@abcdefghijlnoprstx"
"""Every character a program, input or answer may contain; a character's id is its index."""

VOCAB_SIZE = len(VOCAB)
NEWLINE = "#"
END_OF_INPUT = "@"
END_OF_OUTPUT = "."

CHAR_TO_ID = {ch: i for i, ch in enumerate(VOCAB)}

_BYTE_TO_ID = np.full(256, -1, dtype=np.int32)
for _ch, _i in CHAR_TO_ID.items():
    _BYTE_TO_ID[ord(_ch)] = _i


def unknown_characters(text: str) -> list[str]:
    """The distinct characters of ``text`` that are outside the vocabulary, in order of appearance."""
    return list(dict.fromkeys(ch for ch in text if ch not in CHAR_TO_ID))


def encode(text: str) -> np.ndarray:
    """Character ids of ``text``: int32 array of shape [len(text)].

    Raises ValueError naming the offending characters if any is outside the vocabulary.
    """
    bad = unknown_characters(text)
    if bad:
        raise ValueError(f"text: characters outside the vocabulary: {''.join(bad)!r}")
    return _BYTE_TO_ID[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]


def encode_ascii(data: bytes) -> np.ndarray:
    """Fast path of :func:`encode` for text already known to be in the vocabulary (as bytes)."""
    return _BYTE_TO_ID[np.frombuffer(data, dtype=np.uint8)]


def decode(ids) -> str:
    """The text of a sequence of character ids."""
    return "".join(VOCAB[int(i)] for i in ids)


assert VOCAB_SIZE == 42 and len(set(VOCAB)) == 42
