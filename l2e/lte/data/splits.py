"""Train / validation / test membership by a stable hash of an example's text.

BLAKE2b of the UTF-8 text, modulo 3 (not Python's ``hash``, which is salted per process), so the
same text always lands in the same split on every machine and run, and no text is in two splits.
"""

import hashlib

SPLITS = ("train", "val", "test")


def split_of(text: str) -> str:
    """The split (``"train"``, ``"val"`` or ``"test"``) that ``text`` belongs to."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return SPLITS[int.from_bytes(digest, "little") % 3]
