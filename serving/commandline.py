"""Command-line conventions of every l2e program (``l2e-compose`` here, ``python -m l2e.fit`` and
the others through ``l2e.cli``): one-line errors with exit code 2 for bad usage or bad input, no
tracebacks, exit code 130 on Ctrl-C. Plain Python only, so the serving runtime can use it."""

import argparse
import os
import sys

EXIT_USAGE = 2


class ArgumentParser(argparse.ArgumentParser):
    """argparse with a one-line error (``prog: error: message``) and exit code 2."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def program_name() -> str:
    """How the user started this program: ``python -m l2e.fit`` or a console script's name."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None and spec.name:
        return f"python -m {spec.name.removesuffix('.__main__')}"
    return os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "l2e"


def run_main(main, argv=None, prog: str | None = None) -> int:
    """Run ``main(argv)``; a ValueError becomes a one-line error with exit code 2, Ctrl-C exit 130."""
    prog = prog or program_name()
    try:
        return main(argv) or 0
    except ValueError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `... | head`
        sys.stderr.close()
        return 0
