"""ONNX models for the serving tests, written the way ``l2e-export`` writes them.

``write_exact_models``: exact stand-ins for trained NEE models. Each is a TensorFlow function
with the NEE step's inputs and decoded outputs (``bits``, ``mask`` -> ``value_bits``,
``pointer``, ``next_mask``; see ``export.signatures``) that computes its subroutine exactly,
converted by ``export.to_onnx``. The serving runtime run on
them must give exact answers, which tests the engine's coding and decoding end to end before
trained models exist.

``write_executor``: a tiny untrained LSTM executor with its real export metadata.

With ``savedmodel=True`` each version directory also gets the SavedModel ``l2e-export`` writes
beside the ONNX model (for TF Serving), with the same step and metadata.
``write_served_models``: all of them, in two versions for some, with a ``models.config``.
"""

import os
import shutil

import keras
import tensorflow as tf

from export.run import TrainedRun, metadata
from export.savedmodel import write_savedmodel
from export.signatures import StepFunction, lstm_step
from export.to_onnx import to_onnx
from l2e.lte.model import build_lstm_executor
from l2e.lte.vocab import CHAR_TO_ID
from serving.engine import FORMATS
from serving.numbers import INFINITY


def _exact_step(subroutine: str) -> StepFunction:
    num_bits = FORMATS[subroutine].num_bits
    signature = [tf.TensorSpec([None, None, num_bits], tf.float32, name="bits"),
                 tf.TensorSpec([None, None], tf.float32, name="mask")]
    powers = [2**i for i in reversed(range(num_bits))]

    @tf.function(input_signature=signature)
    def step(bits, mask):
        place_values = tf.constant(powers, tf.float32)  # in the graph: tf2onnx cannot take captures
        values = tf.reduce_sum(bits * place_values, axis=-1)
        pointer = tf.argmax(-(values + mask * 2.0 ** (num_bits + 1)), axis=-1, output_type=tf.int64)
        chosen = tf.one_hot(pointer, tf.shape(mask)[1])
        next_mask = tf.maximum(mask, chosen)
        if subroutine == "merge_step":
            next_mask *= 1.0 - tf.pad(chosen[:, :-1], [[0, 0], [1, 0]])
        if subroutine == "add":
            infinite = tf.reduce_any(values >= INFINITY, axis=-1)
            result = tf.where(infinite, float(INFINITY), tf.reduce_sum(values, axis=-1))
        elif subroutine == "mul":
            result = tf.reduce_prod(values, axis=-1)
        else:
            result = tf.gather(values, pointer, batch_dims=1)
        place_ints = tf.constant(powers, tf.int32)
        value_bits = tf.math.floormod(tf.math.floordiv(tf.cast(result, tf.int32)[:, None], place_ints), 2)
        return {"value_bits": value_bits, "pointer": pointer, "next_mask": next_mask > 0.5}

    return StepFunction(step, signature)


def _write(models_dir: str, name: str, step: StepFunction, info: dict, savedmodel: bool = False,
           model: keras.Model | None = None) -> None:
    """``models_dir/<name>/1/model.onnx``, and the SavedModel of ``step`` (variables in ``model``)
    beside it if ``savedmodel``."""
    path = os.path.join(models_dir, name, "1")
    if savedmodel:
        write_savedmodel(model, step, info, path)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "model.onnx"), "wb") as f:
        f.write(to_onnx(step, info).SerializeToString())


def write_exact_models(models_dir: str, subroutines=tuple(FORMATS), savedmodel: bool = False) -> None:
    """Write ``models_dir/<subroutine>/1/model.onnx`` (and the SavedModel) for each subroutine."""
    for subroutine in subroutines:
        fmt = FORMATS[subroutine]
        info = {"kind": "nee", "name": subroutine, "subroutine": subroutine, "num_bits": fmt.num_bits,
                "max_input": fmt.max_input, "tokens": {str(t): t for t in fmt.tokens},
                "training": {"exact": True}, "accuracy": {"exact": 1.0}}
        _write(models_dir, subroutine, _exact_step(subroutine), info, savedmodel)


def write_executor(models_dir: str, name: str = "lte-programs", end_bias: float = 0.0,
                   savedmodel: bool = False) -> keras.Model:
    """A 1-layer, 8-unit executor as ``models_dir/<name>/1/model.onnx`` (and the SavedModel);
    returns the Keras model.

    ``end_bias`` is added to the logit of the end-of-output character ``.``: a large one makes
    the executor stop at once.
    """
    model = build_lstm_executor(hidden_size=8, num_layers=1, seed=3)
    logits = model.get_layer("logits")
    bias = logits.bias.numpy()
    bias[CHAR_TO_ID["."]] += end_bias
    logits.bias.assign(bias)
    config = {"task": "programs", "length": 2, "nesting": 1, "seed": 0}
    run = TrainedRun(models_dir, model, "lte", config, {"test": {"exact_accuracy": 0.0}})
    _write(models_dir, name, lstm_step(model), metadata(run), savedmodel, model)
    return model


CONTRACT_CONFIG = """model_config_list {{
  config {{
    name: "find_min"
    base_path: "{base}/find_min"
    model_platform: "tensorflow"
    model_version_policy {{ all {{}} }}
    version_labels {{ key: "stable" value: 1 }}
  }}
{others}}}
"""


def write_served_models(models_dir: str, base_path: str | None = None, executor_end_bias: float = 2.0) -> str:
    """The models of the TF Serving tests, SavedModel and ONNX, with their ``models.config``.

    Every exact subroutine model and the tiny executor at version 1; ``find_min`` and ``add``
    also at version 2 (copies). ``find_min`` is served with every version and the label
    ``stable`` -> 1; the others with TF Serving's default policy (the latest version only).
    ``base_path`` is where the server sees ``models_dir`` (``/models`` in a container; default
    the absolute ``models_dir``). Returns the config's path.
    """
    write_exact_models(models_dir, savedmodel=True)
    write_executor(models_dir, end_bias=executor_end_bias, savedmodel=True)
    for name in ("find_min", "add"):
        shutil.copytree(os.path.join(models_dir, name, "1"), os.path.join(models_dir, name, "2"))
    base = (base_path or os.path.abspath(models_dir)).rstrip("/")
    others = "".join(f'  config {{\n    name: "{name}"\n    base_path: "{base}/{name}"\n'
                     f'    model_platform: "tensorflow"\n  }}\n'
                     for name in ("merge_step", "add", "mul", "lte-programs"))
    path = os.path.join(models_dir, "models.config")
    with open(path, "w") as f:
        f.write(CONTRACT_CONFIG.format(base=base, others=others))
    return path
