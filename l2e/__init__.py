"""l2e: neural networks that learn to execute programs and algorithms.

Subpackages and modules, by purpose:

- ``l2e.vocab``: the 42-character vocabulary of Learning to Execute.
- ``l2e.data``: example generators (programs, memorization, addition), disjoint splits and the
  character streams the LSTM trains on; ``python -m l2e.data`` prints examples as JSON lines.
- ``l2e.curriculum``: the four curriculum strategies and the advance / learning-rate rule.
"""

__version__ = "0.1.0"
