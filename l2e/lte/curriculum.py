"""Curriculum learning for Learning to Execute: what difficulty each example is drawn at, and when
training moves to a harder task or lowers its learning rate.

Strategies (REFERENCE section 1):

- ``baseline``: every draw at the target (length, nesting).
- ``naive``: every draw at the current (length, nesting), which starts at (1, 1) and grows.
- ``mix``: length uniform in [1, target length], nesting uniform in [1, target nesting],
  independently for every draw.
- ``combined``: every draw is a ``mix`` draw with probability 1/5, otherwise a ``naive`` one.

The rule, checked every ``check_every`` training steps (100 in the paper): when validation
accuracy exceeds ``threshold`` (0.95) or training accuracy is lower than it was ``patience`` (5)
checks ago, the task gets harder: length + 1 until the target length, then nesting + 1 with the
length back at 1. Once the current difficulty is the target (from the start for baseline and
mix, which never use it), the same trigger multiplies the learning rate by ``decay`` (0.8);
training is finished when the rate falls below ``min_learning_rate`` (1e-3). The training-accuracy
history restarts after every trigger, so a freshly harder task is compared only with itself.
"""

import random
from dataclasses import dataclass, field

from l2e.validation import MAX_LENGTH, MAX_NESTING, check_choice, check_int

STRATEGIES = ("baseline", "naive", "mix", "combined")
MIX_PROBABILITY_IN_COMBINED = 0.2


@dataclass
class Curriculum:
    """Curriculum state machine; ``sample_length``/``sample_nesting`` are the per-draw hooks the
    generators call, ``check`` is the periodic advance rule."""

    strategy: str
    target_length: int
    target_nesting: int = 1
    learning_rate: float = 0.5
    decay: float = 0.8
    min_learning_rate: float = 1e-3
    threshold: float = 0.95
    patience: int = 5
    length: int = field(default=0)
    nesting: int = field(default=0)
    train_history: list = field(default_factory=list)

    def __post_init__(self):
        check_choice("strategy", self.strategy, STRATEGIES)
        self.target_length = check_int("length", self.target_length, 1, MAX_LENGTH)
        self.target_nesting = check_int("nesting", self.target_nesting, 1, MAX_NESTING)
        check_int("patience", self.patience, 1)
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {self.learning_rate}")
        if not 0 < self.decay < 1:
            raise ValueError(f"decay must be in (0, 1), got {self.decay}")
        if self.length == 0:  # a fresh curriculum (not one restored from a checkpoint)
            starts_easy = self.strategy in ("naive", "combined")
            self.length = 1 if starts_easy else self.target_length
            self.nesting = 1 if starts_easy else self.target_nesting

    # -- draws -----------------------------------------------------------------------------
    def _draws_mix(self, rng: random.Random) -> bool:
        if self.strategy == "mix":
            return True
        return self.strategy == "combined" and rng.random() < MIX_PROBABILITY_IN_COMBINED

    def sample_length(self, rng: random.Random) -> int:
        """Digits for one fresh number (or multiplier, loop bound, memorized string)."""
        if self._draws_mix(rng):
            return rng.randint(1, self.target_length)
        return self.length

    def sample_nesting(self, rng: random.Random) -> int:
        """Nesting rounds for one program."""
        if self._draws_mix(rng):
            return rng.randint(1, self.target_nesting)
        return self.nesting

    # -- the advance rule ------------------------------------------------------------------
    @property
    def at_target(self) -> bool:
        return self.length == self.target_length and self.nesting == self.target_nesting

    @property
    def finished(self) -> bool:
        return self.learning_rate < self.min_learning_rate

    def check(self, train_accuracy: float, validation_accuracy: float) -> str | None:
        """Apply the rule after a check; returns ``"harder"``, ``"decay"`` or None (no change)."""
        self.train_history.append(float(train_accuracy))
        stalled = (
            len(self.train_history) > self.patience
            and self.train_history[-1] < self.train_history[-1 - self.patience]
        )
        if not (validation_accuracy > self.threshold or stalled):
            return None
        self.train_history = []
        if self.at_target:
            self.learning_rate *= self.decay
            return "decay"
        if self.length < self.target_length:
            self.length += 1
        else:
            self.nesting += 1
            self.length = 1
        return "harder"

    # -- checkpointing ---------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            "strategy": self.strategy,
            "length": self.length,
            "nesting": self.nesting,
            "learning_rate": self.learning_rate,
            "train_history": list(self.train_history),
        }

    def load_state_dict(self, state: dict) -> None:
        if state["strategy"] != self.strategy:
            raise ValueError(
                f"strategy: checkpoint was trained with {state['strategy']!r}, not {self.strategy!r}"
            )
        self.length = int(state["length"])
        self.nesting = int(state["nesting"])
        self.learning_rate = float(state["learning_rate"])
        self.train_history = [float(a) for a in state["train_history"]]
