"""``python -m serving``: the composition CLI (``serving.cli``)."""

import sys

from serving.cli import main

if __name__ == "__main__":
    sys.exit(main())
