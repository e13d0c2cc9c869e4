"""Learning to Execute (Zaremba & Sutskever, 2014): a character-level stacked LSTM reads a short
program and writes what it prints.

- :mod:`l2e.lte.config`: the experiments' settings (``LTEConfig``), presets and flags (no TensorFlow).
- :mod:`l2e.lte.vocab`: the 42-character vocabulary.
- :mod:`l2e.lte.data`: example generators (programs, memorization, addition), disjoint splits and
  the character streams the LSTM trains on; ``python -m l2e.data`` prints examples.
- :mod:`l2e.lte.curriculum`: the four curriculum strategies and the advance / learning-rate rule.
- :mod:`l2e.lte.model`: the LSTM executor; :mod:`l2e.lte.lstm_recurrence`, its training recurrence.
- :mod:`l2e.lte.evaluation`: character accuracy and greedy exact match after a primer.
- :mod:`l2e.lte.experiment`: the experiment the shared loop (:mod:`l2e.train`) trains.
- :mod:`l2e.lte.sweeps`: the CPU-scale sweeps' runs (where they live, their names, continuing a
  smaller step budget); :mod:`l2e.lte.comparison`, two strategies' runs scored program by
  program on one sample (paired differences, means over seeds, accuracy by operation).
"""
