"""``python -m export.model_server``: the command's former name; runs ``python -m export.server``."""

import sys

from export.server.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
