"""Converting a step function to ONNX (opset 17) with its metadata, and checking the result."""

import contextlib
import json

import onnx
import tf2onnx

from export.graph_rewrites import add_biases_before_reshapes
from export.signatures import StepFunction

OPSET = 17


def to_onnx(step: StepFunction, metadata: dict) -> onnx.ModelProto:
    """The step as an ONNX model that passes ``onnx.checker``.

    Inputs and outputs keep the step's names; each Dense bias is added before the reshape that
    tf2onnx puts after its matrix product, so that onnxruntime fuses the two into one Gemm
    (``export.graph_rewrites``). Every metadata entry becomes a ``metadata_props``
    entry whose value is the JSON of the entry's value (``serving.onnx_model`` reads them back).
    An LSTM executor (``metadata["kind"] == "lte"``) must come out as one ONNX ``LSTM`` node per
    layer, with no loop left: ValueError otherwise.
    """
    with _reduce_mean_kept():
        proto, _ = tf2onnx.convert.from_function(step.function, input_signature=step.input_signature,
                                                 opset=OPSET)
    add_biases_before_reshapes(proto.graph)
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, json.dumps(value)
    onnx.checker.check_model(proto, full_check=True)
    if metadata["kind"] == "lte":
        check_lstm_ops(proto, metadata["num_layers"])
    return proto


@contextlib.contextmanager
def _reduce_mean_kept():
    """tf2onnx without its optimizer that turns ReduceMean into GlobalAveragePool between
    transposes: left as ReduceMean, the NEE's layer norms (``l2e.nee.norm.LayerNorm``) keep the
    pattern that onnxruntime fuses into one LayerNormalization kernel. (``from_function`` takes
    no optimizer list, so the entry is taken out of tf2onnx's default set and put back.)"""
    from tf2onnx import optimizer

    defaults = optimizer._get_optimizers()
    removed = defaults.pop("global_pool_optimizer", None)
    try:
        yield
    finally:
        if removed is not None:
            defaults["global_pool_optimizer"] = removed


def check_lstm_ops(proto: onnx.ModelProto, num_layers: int) -> None:
    """ValueError unless the graph has ``num_layers`` ``LSTM`` nodes and no ``Loop`` or ``Scan``."""
    op_types = [node.op_type for node in proto.graph.node]
    loops = sorted({op for op in op_types if op in ("Loop", "Scan")})
    if op_types.count("LSTM") != num_layers or loops:
        raise ValueError(f"onnx: the executor converted to {op_types.count('LSTM')} LSTM ops for "
                         f"{num_layers} layers{' and ' + ', '.join(loops) if loops else ''}; "
                         "tf2onnx did not recognize the Keras LSTM pattern")
