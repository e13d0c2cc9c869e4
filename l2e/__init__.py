"""l2e: neural networks that learn to execute programs and algorithms, grouped by paper.

- :mod:`l2e.lte`: Learning to Execute (the LSTM executor, its data, curriculum and evaluation).
- :mod:`l2e.nee`: Neural Execution Engines (the layers, step model, traces, evaluation, the
  Keras engine and the vanilla-transformer baseline).
- :mod:`l2e.train`: the shared training core (loop, checkpoints, distribution, the interface).
- :mod:`l2e.fit`: ``python -m l2e.fit``, parsing and dispatch; :mod:`l2e.cli` and
  :mod:`l2e.validation`: command-line and argument conventions.
- :mod:`l2e.data`: only the ``python -m l2e.data`` command (the data are in :mod:`l2e.lte.data`).
- :mod:`l2e.runs`: the one owner of a run directory; :mod:`l2e.results`, the blocks of
  docs/RESULTS.md that the tools (``tools/``) rewrite.

The papers never import each other; both build on :mod:`l2e.train` and the TensorFlow-free
:mod:`serving`.
"""

__version__ = "0.1.0"
