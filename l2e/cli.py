"""Command-line conventions shared by every l2e entry point: one-line errors with exit code 2
for bad usage or bad input (from ``serving.commandline``, which the runtime shares), and bounded
numeric arguments."""

import argparse

from serving.commandline import EXIT_USAGE, ArgumentParser, program_name, run_main

__all__ = ["EXIT_USAGE", "ArgumentParser", "program_name", "run_main", "bounded_int", "positive_float"]


def bounded_int(low: int, high: int | None = None):
    """An argparse ``type`` accepting integers in [low, high] (no upper bound when high is None)."""

    def parse(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low or (high is not None and value > high):
            bound = f">= {low}" if high is None else f"between {low} and {high}"
            raise argparse.ArgumentTypeError(f"must be {bound}, got {value}")
        return value

    parse.__name__ = "integer"
    return parse


def positive_float(text: str) -> float:
    """An argparse ``type`` accepting a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (value > 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value
