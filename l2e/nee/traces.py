"""Training examples of the NEE experiments: oracle traces at size 8, regenerated chunk by chunk.

Chunk c of a run with seed s is drawn from ``numpy.random.default_rng([s, 0, c])``: lists and
graphs of ``l2e.nee.data`` (hard cases included) run through an algorithm on
``RecordingEngine(OracleEngine())``, or operand pairs through the oracle's ``add`` / ``mul``. Its
examples are shuffled and cut into batches of one sequence length N each (a batch of a model has
one N). A stream's whole state is (chunk, batch within chunk), so a resumed run regenerates the
same chunk and continues with the same batch. Validation chunks use ``[s, 1, i]`` and the numbers
seen by a held-out addition run ``[s, 2]``.
"""

import numpy as np

from l2e.nee.data import Examples, arithmetic_training_arrays, step_training_arrays, training_graphs, training_lists
from serving.algorithms.dijkstra import dijkstra
from serving.algorithms.merge_sort import merge_sort
from serving.algorithms.prim import prim
from serving.algorithms.selection_sort import selection_sort
from serving.engine import STEP_SUBROUTINES
from serving.numbers import INFINITY, MAX_FACTOR
from serving.oracle import OracleEngine, RecordingEngine

LISTS_PER_CHUNK = 64
GRAPHS_PER_CHUNK = 16
PAIRS_PER_CHUNK = 2048
INFINITY_SHARE = 0.1
"""Share of addition operands replaced by INFINITY (x + INFINITY = INFINITY must be learned)."""

_TRAINING, _VALIDATION, _HOLDOUT = 0, 1, 2


def seen_numbers(seed: int, count: int) -> np.ndarray:
    """The ``count`` numbers of 0..255 a held-out addition run trains on: sorted int64 [count]."""
    return np.sort(np.random.default_rng([seed, _HOLDOUT]).choice(256, count, replace=False))


def chunk_examples(subroutine: str, rng: np.random.Generator, seen: np.ndarray) -> dict[int, Examples]:
    """One chunk of oracle traces of ``subroutine``, grouped by sequence length N.

    ``seen`` (int64 [K]) are the addition operands besides INFINITY; other subroutines ignore it.
    """
    recording = RecordingEngine(OracleEngine())
    if subroutine == "find_min":
        selection_sort(recording, training_lists(rng, LISTS_PER_CHUNK).values)
        graphs = training_graphs(rng, GRAPHS_PER_CHUNK)
        dijkstra(recording, graphs.weights, graphs.sources)
        prim(recording, graphs.weights)
    elif subroutine == "merge_step":
        merge_sort(recording, training_lists(rng, LISTS_PER_CHUNK).values)
    elif subroutine == "add":
        a, b = (np.where(rng.random(PAIRS_PER_CHUNK) < INFINITY_SHARE, INFINITY,
                         rng.choice(seen, PAIRS_PER_CHUNK)) for _ in range(2))
        recording.add(a, b)
    else:
        recording.mul(*rng.integers(0, MAX_FACTOR + 1, size=(2, PAIRS_PER_CHUNK)))
    if subroutine in STEP_SUBROUTINES:
        return step_training_arrays(recording, subroutine)
    return {2: arithmetic_training_arrays(recording, subroutine)}


class TraceBatches:
    """An endless, resumable stream of training batches of one subroutine.

    Args:
        subroutine: "find_min", "merge_step", "add" or "mul".
        batch_size: rows per batch (the global batch).
        seed: the run's seed.
        seen: int64 [K], the addition operands (``seen_numbers``); all 256 when None.
    """

    def __init__(self, subroutine: str, batch_size: int, seed: int, seen: np.ndarray | None = None):
        self.subroutine = subroutine
        self.batch_size = batch_size
        self.seed = seed
        self.seen = np.arange(256) if seen is None else seen
        self.chunk, self.position = 0, 0
        self._batches = self._chunk_batches(0)

    def _chunk_batches(self, chunk: int) -> list[Examples]:
        """The shuffled full batches of chunk ``chunk`` (a remainder of each N is dropped)."""
        rng = np.random.default_rng([self.seed, _TRAINING, chunk])
        batches = []
        for examples in chunk_examples(self.subroutine, rng, self.seen).values():
            order = rng.permutation(len(examples.bits))
            for start in range(0, len(order) - self.batch_size + 1, self.batch_size):
                batches.append(examples.take(order[start:start + self.batch_size]))
        return [batches[i] for i in rng.permutation(len(batches))]

    def next_batch(self) -> Examples:
        """The next batch: ``Examples`` with E = batch_size."""
        while self.position >= len(self._batches):
            self.chunk, self.position = self.chunk + 1, 0
            self._batches = self._chunk_batches(self.chunk)
        batch = self._batches[self.position]
        self.position += 1
        return batch

    def state_dict(self) -> dict:
        return {"chunk": self.chunk, "position": self.position}

    def load_state_dict(self, state: dict) -> None:
        self.chunk, self.position = state["chunk"], state["position"]
        self._batches = self._chunk_batches(self.chunk)

    def validation(self, chunks: int) -> dict[int, Examples]:
        """Held-out examples of the training distribution: ``chunks`` chunks, merged by N."""
        groups: dict[int, list[Examples]] = {}
        for index in range(chunks):
            rng = np.random.default_rng([self.seed, _VALIDATION, index])
            for length, examples in chunk_examples(self.subroutine, rng, self.seen).items():
                groups.setdefault(length, []).append(examples)
        return {n: Examples(*(np.concatenate(parts) for parts in zip(*group)))
                for n, group in sorted(groups.items())}
