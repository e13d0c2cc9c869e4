"""A run directory: its layout, its config and metrics, its model, and whether it is finished.

``python -m l2e.fit --out DIR`` (the loop of :mod:`l2e.train.loop`) writes:

    DIR/metrics.json      config, the command's arguments, a row per check, then ``final``
    DIR/checkpoints/      the latest checkpoints (``l2e.train.checkpoints``)
    DIR/tensorboard/      TensorBoard event files
    DIR/model.keras       the trained model, written last

A run is *finished* when ``metrics.json`` holds its final evaluation and ``model.keras`` exists;
a run paused by ``--time-limit`` or stopped by Ctrl-C has checkpoints but is not finished, and
``--resume`` finishes it. Reading needs no TensorFlow; :func:`load_model` imports Keras and the
papers' layers.
"""

import json
import os

METRICS_FILE = "metrics.json"
MODEL_FILE = "model.keras"
CHECKPOINTS = "checkpoints"
TENSORBOARD = "tensorboard"


def metrics_path(run_dir: str) -> str:
    return os.path.join(run_dir, METRICS_FILE)


def model_path(run_dir: str) -> str:
    return os.path.join(run_dir, MODEL_FILE)


def checkpoint_dir(run_dir: str) -> str:
    return os.path.join(run_dir, CHECKPOINTS)


def has_checkpoint(run_dir: str) -> bool:
    """Whether the run has saved a checkpoint (TensorFlow's index of the latest one exists)."""
    return os.path.exists(os.path.join(checkpoint_dir(run_dir), "checkpoint"))


def write_atomically(path: str, write) -> None:
    """Call ``write(temporary_path)``, then rename the file to ``path``: a reader, or a process
    killed meanwhile, never sees a half-written file."""
    tmp = f"{path}.tmp-{os.getpid()}"
    write(tmp)
    os.replace(tmp, path)


def write_metrics(run_dir: str, metrics: dict) -> None:
    """Write ``metrics.json`` atomically."""
    def write(tmp):
        with open(tmp, "w") as f:
            json.dump(metrics, f, indent=1)

    write_atomically(metrics_path(run_dir), write)


def read_metrics(run_dir: str) -> dict | None:
    """``metrics.json`` of the run (``{}`` for a run checkpointed without one); None when
    ``run_dir`` holds no run; ValueError when the file cannot be read."""
    path = metrics_path(run_dir)
    if not os.path.exists(path):
        return {} if has_checkpoint(run_dir) else None
    try:
        with open(path) as f:
            metrics = json.load(f)
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"run: cannot read {path}: {error}") from None
    if not isinstance(metrics, dict):
        raise ValueError(f"run: {path} is not a JSON object")
    return metrics


def is_finished(run_dir: str) -> bool:
    """Whether the run has its final evaluation and its model."""
    try:
        metrics = read_metrics(run_dir)
    except ValueError:
        return False
    return bool(metrics) and isinstance(metrics.get("final"), dict) and os.path.isfile(model_path(run_dir))


def finished_metrics(run_dir: str) -> dict:
    """``metrics.json`` of a finished run (with ``config`` and ``final``); ValueError naming what is
    missing otherwise."""
    if not os.path.isdir(run_dir):
        raise ValueError(f"run: {run_dir} is not a directory")
    metrics = read_metrics(run_dir)
    if not metrics:
        raise ValueError(f"run: {metrics_path(run_dir)} does not exist (is {run_dir} a finished training run?)")
    if not isinstance(metrics.get("config"), dict):
        raise ValueError(f"run: {metrics_path(run_dir)} has no config")
    if not isinstance(metrics.get("final"), dict):
        raise ValueError(f"run: {metrics_path(run_dir)} has no final evaluation (the run did not finish)")
    if not os.path.isfile(model_path(run_dir)):
        raise ValueError(f"run: {model_path(run_dir)} does not exist (is {run_dir} a finished training run?)")
    return metrics


def finished_runs(directory: str, prefix: str = "") -> dict[str, dict]:
    """Name -> ``metrics.json`` of every finished run directly in ``directory`` whose name starts
    with ``prefix``, by name; {} when ``directory`` does not exist."""
    if not os.path.isdir(directory):
        return {}
    return {name: read_metrics(os.path.join(directory, name)) for name in sorted(os.listdir(directory))
            if name.startswith(prefix) and is_finished(os.path.join(directory, name))}


def load_model(path: str):
    """The Keras model saved at ``path`` (a ``.keras`` file, or a run directory's ``model.keras``),
    without its training configuration; ValueError naming the file when it is missing or damaged.

    The papers' layers are registered first, so files that name their layers' modules as they
    were when saved (``l2e.models.lstm`` before the regrouping by paper) load too.
    """
    import keras

    import l2e.lte.model  # noqa: F401  (registers WindowLSTM)
    import l2e.nee.baseline  # noqa: F401  (registers the baseline's layers)
    import l2e.nee.model  # noqa: F401  (registers the NEE's layers)
    from serving.model import first_line

    if os.path.isdir(path):
        path = model_path(path)
    if not os.path.isfile(path):
        raise ValueError(f"run: {path} does not exist")
    try:
        return keras.saving.load_model(path, compile=False)
    except Exception as error:  # keras raises many types for a damaged archive
        raise ValueError(f"run: cannot load {path}: {first_line(error)}") from None
