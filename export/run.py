"""A finished training run (read by :mod:`l2e.runs`) and its export metadata.

Two kinds of run are exported:

- ``nee``: a Neural Execution Engine step model (``l2e.nee.model``) trained on one subroutine;
  its ``metrics.json`` config names the ``subroutine`` (find_min, merge_step, add or mul).
- ``lte``: a Learning-to-Execute LSTM executor (``l2e.lte.model``); its config names the
  ``task`` and the target ``length`` and ``nesting``.
"""

from dataclasses import dataclass

import keras

from l2e import runs
from l2e.lte.curriculum import Curriculum
from l2e.lte.data.tasks import make_task
from l2e.lte.evaluation import sample_examples
from l2e.lte.model import state_size
from l2e.lte.vocab import END_OF_INPUT, END_OF_OUTPUT, NEWLINE, VOCAB
from l2e.nee.model import NeuralExecutionEngine, engine_layer
from serving.engine import FORMATS
from serving.numbers import END, INFINITY


@dataclass(frozen=True)
class TrainedRun:
    """A finished training run.

    Attributes:
        path: the run directory.
        model: the trained Keras model.
        kind: ``"nee"`` or ``"lte"``.
        config: the run's settings (``metrics.json`` ``config``).
        final: the run's final evaluation (``metrics.json`` ``final``).
    """

    path: str
    model: keras.Model
    kind: str
    config: dict
    final: dict

    @property
    def name(self) -> str:
        """The default model name: an NEE run's subroutine (``find_min``); ``lte-`` and the task
        with its input transforms for an executor (``lte-programs``, ``lte-memorization-reverse``)."""
        if self.kind == "nee":
            return self.config["subroutine"]
        transforms = [t for t in ("reverse", "double") if self.config.get(t)]
        return "-".join(["lte", self.config["task"], *transforms])


def _kind(model: keras.Model, config: dict, run_dir: str) -> str:
    """``nee`` or ``lte`` from the model's layers, checked against the config."""
    if any(isinstance(layer, NeuralExecutionEngine) for layer in model.layers):
        if config.get("subroutine") not in FORMATS:
            raise ValueError(f"run: {run_dir}: an NEE run's config must name its subroutine, one of "
                             f"{', '.join(FORMATS)}; got {config.get('subroutine')!r}")
        return "nee"
    if [tensor.name for tensor in model.inputs][:1] == ["ids"] and "task" in config:
        return "lte"
    raise ValueError(f"run: {run_dir}: model {model.name!r} is neither an NEE step model nor an LSTM executor")


def load_run(run_dir: str) -> TrainedRun:
    """The run in ``run_dir``; ValueError naming the problem if it is not a finished run."""
    metrics = runs.finished_metrics(run_dir)
    model = runs.load_model(run_dir)
    config = metrics["config"]
    return TrainedRun(run_dir, model, _kind(model, config, run_dir), config, metrics["final"])


def lte_primer(config: dict) -> str:
    """The primer the run's final test evaluation read before every example (see
    ``l2e.lte.evaluation``): the executor is trained on streams and never starts from zero."""
    task = make_task(config["task"], config.get("reverse", False), config.get("double", False))
    nesting = config.get("nesting", 1) if task.moves_nesting else 1
    _, primer = sample_examples(task, Curriculum("baseline", config["length"], nesting), 0, "test",
                                config.get("seed", 0))
    return primer


def metadata(run: TrainedRun) -> dict:
    """What a runtime needs to use the exported model, and what it was trained and measured as.

    Common keys: ``kind``, ``name``, ``training`` (the run config), ``accuracy`` (the run's
    final evaluation). NEE: ``subroutine``, ``num_bits``, ``max_input``, ``tokens`` (special
    codes of the subroutine's number format). LTE: ``task``, ``vocab``, ``newline``,
    ``end_of_input``, ``end_of_output``, ``primer``, ``num_layers``, ``hidden_size``.
    """
    common = {"kind": run.kind, "name": run.name, "training": run.config, "accuracy": run.final}
    if run.kind == "nee":
        subroutine = run.config["subroutine"]
        fmt = FORMATS[subroutine]
        num_bits = engine_layer(run.model).num_bits
        if num_bits != fmt.num_bits:
            raise ValueError(f"run: {run.path}: a {subroutine} model must have {fmt.num_bits} bits, "
                             f"this one has {num_bits}")
        names = {INFINITY: "INFINITY", END: "END"}
        return {**common, "subroutine": subroutine, "num_bits": num_bits, "max_input": fmt.max_input,
                "tokens": {names[token]: token for token in fmt.tokens}}
    num_layers, hidden_size = state_size(run.model)
    return {**common, "task": run.config["task"], "vocab": VOCAB, "newline": NEWLINE,
            "end_of_input": END_OF_INPUT, "end_of_output": END_OF_OUTPUT,
            "primer": lte_primer(run.config), "num_layers": num_layers, "hidden_size": hidden_size}
