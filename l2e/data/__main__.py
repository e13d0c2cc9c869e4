"""``python -m l2e.data``: runs :mod:`l2e.lte.data.__main__` (see there)."""

from l2e.lte.data.__main__ import console_main

if __name__ == "__main__":
    console_main()
