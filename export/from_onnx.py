"""An ONNX model as a TensorFlow step function: the same graph, run by TensorFlow ops.

``OnnxGraph(proto)`` holds the model's floating-point initializers (its weights) as TensorFlow
variables and runs its nodes, in order, as TensorFlow ops; ``OnnxGraph.step()`` is the graph as
a ``StepFunction`` with the model's input names, dtypes and shapes (dynamic dimensions as None)
and a dict of its outputs by name, ready for ``export.savedmodel.write_savedmodel``. So a
SavedModel can be made from a shipped ONNX model alone, with the very weights onnxruntime runs
(``export.shipped``); ``export.parity`` then checks that both compute the same step.

It covers the operators ``export.to_onnx`` produces for the NEE step and the LSTM executor at
opsets 13 to 17 (``OPERATORS``); an operator or attribute outside them is a ValueError naming
it, at construction, never a silently different graph.
"""

import numpy as np
import onnx
import tensorflow as tf
from onnx import TensorProto, numpy_helper

from export.signatures import StepFunction

OPSETS = range(13, 18)
"""Default-domain opsets whose operator semantics this module implements."""

DTYPES = {TensorProto.FLOAT: tf.float32, TensorProto.DOUBLE: tf.float64, TensorProto.FLOAT16: tf.float16,
          TensorProto.INT8: tf.int8, TensorProto.INT16: tf.int16, TensorProto.INT32: tf.int32,
          TensorProto.INT64: tf.int64, TensorProto.UINT8: tf.uint8, TensorProto.BOOL: tf.bool}
"""ONNX element types -> TensorFlow dtypes."""


def _static(tensor, what: str) -> np.ndarray:
    """The value of a tensor known when the graph is traced (an initializer or folded from one)."""
    value = tf.get_static_value(tensor)
    if value is None:
        raise ValueError(f"onnx: {what} must be a constant in the graph")
    return np.asarray(value)


def _axes(values, rank: int) -> list[int]:
    """ONNX axes (negative ones count from the end) as non-negative ints."""
    return [int(axis) % rank for axis in np.atleast_1d(values)]


def _binary(function):
    return lambda args, attrs: [function(args[0], args[1])]


def _unary(function):
    return lambda args, attrs: [function(args[0])]


def _reduce(function):
    """A ReduceX of opset 13-17 (axes an attribute; ReduceSum takes them as its second input)."""

    def reduce(args, attrs):
        x = args[0]
        axes = attrs.get("axes")
        if len(args) > 1 and args[1] is not None:
            axes = _static(args[1], "the axes of a ReduceSum")
        if axes is None or len(axes) == 0:
            if attrs.get("noop_with_empty_axes", 0):
                return [x]
            axes = range(x.shape.rank)
        return [function(x, axis=_axes(axes, x.shape.rank), keepdims=bool(attrs.get("keepdims", 1)))]

    return reduce


def _global_pool(function):
    """GlobalAveragePool / GlobalMaxPool: over every axis after batch and channel, kept."""
    return lambda args, attrs: [function(args[0], axis=list(range(2, args[0].shape.rank)), keepdims=True)]


def _cast(args, attrs):
    return [tf.cast(args[0], DTYPES[attrs["to"]])]


def _shape(args, attrs):
    shape = tf.shape(args[0], out_type=tf.int64)
    return [shape[attrs.get("start", 0): attrs.get("end")]]


def _gather(args, attrs):
    params, indices = args
    axis = attrs.get("axis", 0) % params.shape.rank
    size = tf.shape(params, out_type=indices.dtype)[axis]
    return [tf.gather(params, tf.where(indices < 0, indices + size, indices), axis=axis)]


def _reshape(args, attrs):
    x, shape = args[0], tf.cast(args[1], tf.int64)
    if not attrs.get("allowzero", 0):  # a 0 copies the input's dimension at that position
        length = shape.shape[0]
        dims = tf.concat([tf.shape(x, out_type=tf.int64), tf.ones([length], tf.int64)], 0)[:length]
        shape = tf.where(tf.equal(shape, 0), dims, shape)
    return [tf.reshape(x, shape)]


def _concat(args, attrs):
    return [tf.concat(args, axis=attrs["axis"])]


def _squeeze(args, attrs):
    x = args[0]
    if len(args) < 2 or args[1] is None:
        return [tf.squeeze(x)]
    return [tf.squeeze(x, axis=_axes(_static(args[1], "the axes of a Squeeze"), x.shape.rank))]


def _unsqueeze(args, attrs):
    x = args[0]
    axes = _static(args[1], "the axes of an Unsqueeze")
    for axis in sorted(_axes(axes, x.shape.rank + len(np.atleast_1d(axes)))):
        x = tf.expand_dims(x, axis)
    return [x]


def _transpose(args, attrs):
    x = args[0]
    return [tf.transpose(x, attrs.get("perm", list(reversed(range(x.shape.rank)))))]


def _slice(args, attrs):
    x, starts, ends = args[:3]
    rank = x.shape.rank
    count = starts.shape[0]
    axes = _axes(_static(args[3], "the axes of a Slice") if len(args) > 3 and args[3] is not None
                 else range(count), rank)
    steps = (_static(args[4], "the steps of a Slice") if len(args) > 4 and args[4] is not None
             else np.ones(count, np.int64))
    index = tf.constant([[axis] for axis in axes])
    begin = tf.scatter_nd(index, tf.cast(starts, tf.int64), [rank])
    end = tf.scatter_nd(index, tf.cast(ends, tf.int64), [rank])
    strides = np.ones(rank, np.int64)
    strides[axes] = steps
    whole = sum(1 << axis for axis in range(rank) if axis not in axes)  # untouched axes: begin to end
    return [tf.strided_slice(x, begin, end, strides, begin_mask=whole, end_mask=whole)]


def _pad(args, attrs):
    x, pads = args[0], tf.cast(args[1], tf.int64)
    if attrs.get("mode", b"constant") != b"constant" or (len(args) > 3 and args[3] is not None):
        raise ValueError("onnx: only a constant Pad over every axis is supported")
    value = args[2] if len(args) > 2 and args[2] is not None else tf.zeros([], x.dtype)
    return [tf.pad(x, tf.transpose(tf.reshape(pads, [2, -1])), constant_values=value)]


def _cumsum(args, attrs):
    return [tf.math.cumsum(args[0], axis=args[1], exclusive=bool(attrs.get("exclusive", 0)),
                           reverse=bool(attrs.get("reverse", 0)))]


def _argmax(args, attrs):
    if attrs.get("select_last_index", 0):
        raise ValueError("onnx: ArgMax with select_last_index is not supported")
    x = args[0]
    axis = attrs.get("axis", 0) % x.shape.rank
    index = tf.argmax(x, axis=axis, output_type=tf.int64)
    return [tf.expand_dims(index, axis) if attrs.get("keepdims", 1) else index]


def _constant_of_shape(args, attrs):
    value = attrs.get("value") or numpy_helper.from_array(np.zeros(1, np.float32))
    return [tf.fill(args[0], tf.constant(numpy_helper.to_array(value).reshape(()), DTYPES[value.data_type]))]


def _divide(x, y):
    return tf.truncatediv(x, y) if x.dtype.is_integer else tf.math.divide(x, y)


def _maximum(args, attrs):
    result = args[0]
    for other in args[1:]:
        result = tf.maximum(result, other)
    return [result]


LSTM_ACTIVATIONS = [b"Sigmoid", b"Tanh", b"Tanh"]


def _lstm(args, attrs):
    """ONNX LSTM, forward, layout 0, default activations, no peepholes or sequence lengths:
    X [T, B, I], W [1, 4H, I], R [1, 4H, H], B [1, 8H] (gates i, o, f, c) -> Y [T, 1, B, H],
    Y_h [1, B, H], Y_c [1, B, H]."""
    args = list(args) + [None] * (8 - len(args))
    x, w, r, bias, lengths, h0, c0, peepholes = args
    if (attrs.get("direction", b"forward") != b"forward" or attrs.get("layout", 0) or "clip" in attrs
            or attrs.get("input_forget", 0) or attrs.get("activations", LSTM_ACTIVATIONS) != LSTM_ACTIVATIONS
            or lengths is not None or peepholes is not None):
        raise ValueError("onnx: only a forward LSTM with default activations, no clip, peepholes or sequence "
                         "lengths is supported")
    hidden = attrs["hidden_size"]
    batch = tf.shape(x)[1]
    zeros = tf.zeros(tf.stack([batch, hidden]), x.dtype)
    h0 = zeros if h0 is None else h0[0]
    c0 = zeros if c0 is None else c0[0]
    inputs = tf.tensordot(x, tf.transpose(w[0]), axes=1)  # [T, B, 4H]
    if bias is not None:
        inputs += bias[0, :4 * hidden] + bias[0, 4 * hidden:]
    recurrent = tf.transpose(r[0])

    def cell(state, projected):
        h, c = state
        i, o, f, candidate = tf.split(projected + tf.matmul(h, recurrent), 4, axis=-1)
        c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(candidate)
        return tf.sigmoid(o) * tf.tanh(c), c

    hs, cs = tf.scan(cell, inputs, initializer=(h0, c0))
    return [hs[:, None], hs[-1][None], cs[-1][None]]


OPERATORS = {
    "Add": _binary(tf.add), "Sub": _binary(tf.subtract), "Mul": _binary(tf.multiply), "Div": _binary(_divide),
    "Pow": _binary(tf.pow), "MatMul": _binary(tf.linalg.matmul), "Max": _maximum,
    "Equal": _binary(tf.equal), "Less": _binary(tf.less), "LessOrEqual": _binary(tf.less_equal),
    "Greater": _binary(tf.greater), "GreaterOrEqual": _binary(tf.greater_equal),
    "And": _binary(tf.logical_and), "Or": _binary(tf.logical_or), "Not": _unary(tf.logical_not),
    "Neg": _unary(tf.negative), "Reciprocal": _unary(tf.math.reciprocal), "Sqrt": _unary(tf.sqrt),
    "Exp": _unary(tf.exp), "Log": _unary(tf.math.log), "Relu": _unary(tf.nn.relu), "Sigmoid": _unary(tf.sigmoid),
    "Tanh": _unary(tf.tanh), "Identity": _unary(tf.identity),
    "ReduceSum": _reduce(tf.reduce_sum), "ReduceMean": _reduce(tf.reduce_mean), "ReduceMax": _reduce(tf.reduce_max),
    "GlobalAveragePool": _global_pool(tf.reduce_mean), "GlobalMaxPool": _global_pool(tf.reduce_max),
    "Cast": _cast, "Shape": _shape, "Gather": _gather, "Reshape": _reshape, "Concat": _concat,
    "Squeeze": _squeeze, "Unsqueeze": _unsqueeze, "Transpose": _transpose, "Slice": _slice, "Pad": _pad,
    "CumSum": _cumsum, "ArgMax": _argmax, "ConstantOfShape": _constant_of_shape, "LSTM": _lstm,
}
"""ONNX operator -> f(input tensors (None for an omitted one), attributes) -> output tensors."""


class OnnxGraph(tf.Module):
    """An ONNX model's graph as TensorFlow ops; its floating-point initializers as variables.

    Args:
        proto: the model; ValueError if it uses an opset, operator or dtype not covered here.
    """

    def __init__(self, proto: onnx.ModelProto):
        super().__init__(name="onnx_graph")
        opset = next((entry.version for entry in proto.opset_import if entry.domain in ("", "ai.onnx")), None)
        if opset not in OPSETS:
            raise ValueError(f"onnx: opset {opset} is not supported (only {OPSETS.start}..{OPSETS.stop - 1})")
        unknown = sorted({node.op_type for node in proto.graph.node
                          if node.op_type not in OPERATORS or node.domain not in ("", "ai.onnx")})
        if unknown:
            raise ValueError(f"onnx: operators not supported: {', '.join(unknown)}")
        graph = proto.graph
        arrays = {tensor.name: numpy_helper.to_array(tensor) for tensor in graph.initializer}
        weights = [name for name, array in arrays.items() if np.issubdtype(array.dtype, np.floating)]
        self.weights = [tf.Variable(arrays[name], trainable=False, name="weight") for name in weights]
        self._weight_index = {name: index for index, name in enumerate(weights)}
        self._constants = {name: array for name, array in arrays.items() if name not in self._weight_index}
        self._nodes = [(node.op_type, list(node.input), list(node.output),
                        {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}) for node in graph.node]
        self.input_signature = [self._spec(value) for value in graph.input if value.name not in arrays]
        self.output_names = [value.name for value in graph.output]

    @staticmethod
    def _spec(value: onnx.ValueInfoProto) -> tf.TensorSpec:
        tensor_type = value.type.tensor_type
        if tensor_type.elem_type not in DTYPES:
            raise ValueError(f"onnx: input {value.name} has an unsupported element type {tensor_type.elem_type}")
        shape = [dim.dim_value if dim.HasField("dim_value") else None for dim in tensor_type.shape.dim]
        return tf.TensorSpec(shape, DTYPES[tensor_type.elem_type], name=value.name)

    def __call__(self, *inputs) -> dict[str, tf.Tensor]:
        """The graph's outputs (name -> tensor) for its inputs, in the order of ``input_signature``."""
        values = {spec.name: tensor for spec, tensor in zip(self.input_signature, inputs)}
        values.update({name: self.weights[index] for name, index in self._weight_index.items()})
        values.update({name: tf.constant(array) for name, array in self._constants.items()})
        for op_type, input_names, output_names, attrs in self._nodes:
            args = [values[name] if name else None for name in input_names]
            for name, tensor in zip(output_names, OPERATORS[op_type](args, attrs)):
                if name:
                    values[name] = tensor
        return {name: tf.identity(values[name]) for name in self.output_names}

    def step(self) -> StepFunction:
        """The graph as a traced step function: inputs by name, a dict of outputs."""

        @tf.function(input_signature=self.input_signature, autograph=False)
        def step(*inputs):
            return self(*inputs)

        return StepFunction(step, self.input_signature)
