"""Argument checks shared by the API and the command lines.

API functions raise ``ValueError`` naming the parameter; the command lines turn that into a
one-line error and exit code 2 (see :mod:`l2e.cli`).
"""

import numbers

MAX_LENGTH = 100
"""Longest number of digits any task accepts (the paper's memorization figure stops at 65)."""

MAX_NESTING = 10
"""Deepest program nesting: each round may take one of the ten variable names a..j."""


def check_int(name: str, value, low: int, high: int | None = None) -> int:
    """``value`` as an int if it is an integer in [low, high]; otherwise ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < low or (high is not None and value > high):
        bound = f"at least {low}" if high is None else f"between {low} and {high}"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return value


def check_choice(name: str, value, choices) -> str:
    """``value`` if it is one of ``choices``; otherwise ValueError naming ``name``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(str, choices))}; got {value!r}")
    return value
