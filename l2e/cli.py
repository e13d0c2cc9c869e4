"""Command-line conventions shared by every l2e entry point: one-line errors with exit code 2 for
bad usage or bad input, bounded integer arguments, and a main wrapper."""

import argparse
import os
import sys

EXIT_USAGE = 2


class ArgumentParser(argparse.ArgumentParser):
    """argparse with a one-line error (``prog: error: message``) and exit code 2."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


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


def program_name() -> str:
    """How the user started this program: ``python -m l2e.fit`` or a console script's name."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None and spec.name:
        return f"python -m {spec.name.removesuffix('.__main__')}"
    return os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "l2e"


def run_main(main, argv=None) -> int:
    """Run ``main(argv)``; a ValueError becomes a one-line error with exit code 2, Ctrl-C exit 130."""
    prog = program_name()
    try:
        return main(argv) or 0
    except ValueError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `python -m l2e.data ... | head`
        sys.stderr.close()
        return 0
