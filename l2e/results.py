"""Marked blocks of docs/RESULTS.md, the parts that experiment tools write and rewrite.

A block is the text between ``<!-- KEY:BEGIN -->`` and ``<!-- KEY:END -->``. A tool replaces
only the blocks it has measured anew, so results whose runs are gone from this machine (``runs/``
is not committed) stay in the file until somebody measures them again. ``RESULTS`` is the file of
the checkout this package is installed from (``pip install -e .``). No TensorFlow.
"""

import math
import os
import re

RESULTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "RESULTS.md")
"""docs/RESULTS.md of the checkout (``l2e/`` sits beside ``docs/``)."""


def percent(fraction: float, decimals: int = 2) -> str:
    """``fraction`` as a percentage rounded down, so that a table shows 100 only when every case
    was right (2 misses in 59,760 round to 100.00 but print as 99.99)."""
    scale = 10 ** decimals
    return f"{math.floor(fraction * 100 * scale + 1e-9) / scale:.{decimals}f}"


def markers(key: str) -> tuple[str, str]:
    """The BEGIN and END comment lines of block ``key``."""
    return f"<!-- {key}:BEGIN -->", f"<!-- {key}:END -->"


def replace_block(text: str, key: str, body: str, inside: str | None = None) -> str:
    """``text`` with block ``key`` holding ``body``.

    A block that is not there yet is added at the end of block ``inside`` (which must exist) or,
    without ``inside``, at the end of the text.
    """
    begin, end = markers(key)
    block = f"{begin}\n{body.strip(chr(10))}\n{end}"
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    if pattern.search(text):
        return pattern.sub(lambda _: block, text)
    if inside is None:
        return text.rstrip("\n") + "\n\n" + block + "\n"
    outer_end = markers(inside)[1]
    if outer_end not in text:
        raise ValueError(f"results: no block {inside} to put {key} into")
    head, tail = text.split(outer_end, 1)
    return head.rstrip("\n") + "\n\n" + block + "\n\n" + outer_end + tail


def write_blocks(blocks: dict[str, str], inside: str | None = None, title: str = "", path: str = RESULTS) -> None:
    """Put every ``key -> body`` of ``blocks`` into the file at ``path`` (``replace_block``); a
    missing section ``inside`` is first appended, holding ``title``."""
    text = open(path).read() if os.path.exists(path) else "# Results\n"
    if inside is not None and markers(inside)[0] not in text:
        text = replace_block(text, inside, title)
    for key, body in blocks.items():
        text = replace_block(text, key, body, inside)
    with open(path, "w") as f:
        f.write(text if text.endswith("\n") else text + "\n")
