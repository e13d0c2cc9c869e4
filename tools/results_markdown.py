"""Only for ``tools/nee_baseline.py``, which still imports ``percent`` from here: it lives in
:mod:`l2e.results`. Delete this file once that tool imports from the package."""

from l2e.results import percent  # noqa: F401
