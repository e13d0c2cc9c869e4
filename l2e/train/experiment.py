"""What the shared loop trains: the ``Experiment`` interface, and the ``Preset`` that every
paper's configuration starts from.

No TensorFlow here: ``python -m l2e.fit --help`` reads the presets before TensorFlow is imported.
"""

import dataclasses
from typing import Any, Protocol


@dataclasses.dataclass(frozen=True)
class Preset:
    """A named starting point of one paper's experiments (``paper``, ``quick``).

    Attributes:
        settings: keyword arguments of the paper's config shared by every experiment.
        per_experiment: experiment name -> the settings that differ between experiments (an
            LTE task's target difficulty, an NEE subroutine's width).
        steps: experiment name -> its step budget (None: until the experiment is finished).
    """

    settings: dict[str, Any]
    per_experiment: dict[str, dict[str, Any]]
    steps: dict[str, int | None]

    def settings_for(self, experiment: str) -> dict[str, Any]:
        """The preset's settings of ``experiment``: the shared ones, then its own."""
        return {**self.settings, **self.per_experiment.get(experiment, {})}


class Experiment(Protocol):
    """One training run that :func:`l2e.train.loop.train` drives (built from a config and a
    ``tf.distribute`` strategy): :class:`l2e.lte.experiment.LTEExperiment` and
    :class:`l2e.nee.experiment.NEEExperiment`.

    Everything outside ``trackables()`` that is needed to continue exactly is in
    ``state_dict()`` (JSON) and ``arrays()`` (numpy), and both are checkpointed with them.
    """

    check_every: int
    """Steps between two calls of ``check``."""

    @property
    def config(self) -> dict:
        """The run's settings as written to ``metrics.json`` (``name`` included)."""

    @property
    def finished(self) -> bool:
        """Whether training has reached its goal (a curriculum's end, a streak of perfect checks)."""

    def trackables(self) -> dict:
        """Name -> TF trackable (model variables, optimizer) to checkpoint."""

    def train_step(self) -> dict[str, float]:
        """One minibatch; returns statistics that the loop sums until the next check."""

    def check(self, sums: dict[str, float]) -> dict:
        """Called every ``check_every`` steps with the summed statistics; may change the
        curriculum or learning rate; returns a row of metrics for the history."""

    def progress(self) -> dict:
        """A few short fields for the progress bar."""

    def state_dict(self) -> dict:
        """Side state to checkpoint, as JSON."""

    def load_state_dict(self, state: dict) -> None:
        """Restore what ``state_dict`` returned."""

    def arrays(self) -> dict:
        """Side state to checkpoint, as numpy arrays."""

    def load_arrays(self, arrays: dict) -> None:
        """Restore what ``arrays`` returned."""

    def final_evaluation(self) -> dict:
        """The evaluation written as ``final`` in ``metrics.json``."""

    def summary_table(self, final: dict) -> str:
        """``final`` as Markdown, for the terminal."""

    def save_model(self, path: str) -> None:
        """Save the trained model as ``.keras`` at ``path``."""
