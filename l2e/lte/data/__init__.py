"""Learning-to-Execute data: example generators, disjoint splits and character streams.

- :mod:`l2e.lte.data.programs`: the program generator (six operations, nesting rounds).
- :mod:`l2e.lte.data.tasks`: programs, memorization (reverse / double) and addition as example makers.
- :mod:`l2e.lte.data.splits`: train / val / test by a stable hash of the text.
- :mod:`l2e.lte.data.streams`: B streams cut into T-character windows (numpy and ``tf.data``).

``python -m l2e.data`` prints examples as JSON lines.
"""

from l2e.lte.data.example import Example
from l2e.lte.data.programs import Program, generate_program, random_program
from l2e.lte.data.splits import SPLITS, split_of
from l2e.lte.data.streams import CharStreams, window_dataset
from l2e.lte.data.tasks import TASKS, draw_example, make_task

__all__ = [
    "Example", "Program", "generate_program", "random_program", "SPLITS", "split_of",
    "CharStreams", "window_dataset", "TASKS", "draw_example", "make_task",
]
