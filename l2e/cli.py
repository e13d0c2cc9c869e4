"""Command-line conventions shared by every l2e entry point: one-line errors with exit code 2
for bad usage or bad input (from ``serving.commandline``, which the runtime shares), bounded
numeric arguments, and a TensorFlow start-up without native noise."""

import argparse
import contextlib
import glob
import os
import re
import sys
import tempfile

from serving.commandline import EXIT_USAGE, ArgumentParser, program_name, run_main

__all__ = ["EXIT_USAGE", "ArgumentParser", "program_name", "run_main", "bounded_int", "positive_float",
           "import_tensorflow"]

START_UP_NOTICES = [
    r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR",
    r"\S+ [\d:.]+ +\d+ cudart_stub\.cc:\d+\] Could not find cuda drivers on your machine",
    r"\S+ [\d:.]+ +\d+ cpu_feature_guard\.cc:\d+\] This TensorFlow binary is optimized",
    r"To enable the following instructions: .* rebuild TensorFlow with the appropriate compiler flags",
    r".*oneDNN custom operations are on",
]
"""Lines that TensorFlow's native code writes to stderr while it is imported and finds its
devices: absl's notice that it logs before being initialised (it ignores TF_CPP_MIN_LOG_LEVEL),
the CUDA stub's and the CPU feature guard's notices, and oneDNN's."""

NO_GPU_NOTICES = [r"\S+ [\d:.]+ +\d+ cuda_platform\.cc:\d+\] failed call to cuInit"]
"""The CUDA probe's error, a notice too where the machine has no NVIDIA device at all."""


@contextlib.contextmanager
def _filtered_stderr(notices: list[str]):
    """Route file descriptor 2 (native code's stderr, and Python's) to a file while the block
    runs, then write every line that matches none of ``notices`` to ``sys.stderr``."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to filter
        yield
        return
    pattern = re.compile("|".join(notices))
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            lines = capture.read().decode(errors="replace").splitlines(keepends=True)
            sys.stderr.write("".join(line for line in lines if not pattern.match(line)))


def import_tensorflow():
    """Import TensorFlow and let it find its devices without its native start-up notices on
    stderr; everything else it writes there, warnings and errors included, still shows.

    INFO logs are off unless ``TF_CPP_MIN_LOG_LEVEL`` says otherwise. Call it before anything else
    imports TensorFlow; returns the module.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    notices = START_UP_NOTICES + ([] if glob.glob("/dev/nvidia[0-9]*") else NO_GPU_NOTICES)
    with _filtered_stderr(notices):
        import tensorflow as tf

        tf.config.list_physical_devices()
    return tf


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
