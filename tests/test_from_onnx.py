"""export.from_onnx: an ONNX graph run by TensorFlow ops computes what onnxruntime computes, for
the operators and attribute cases the exporter's graphs use and the corner cases of their ONNX
semantics (a 0 in a Reshape, negative Gather indices, Slice steps and clamped ends), and refuses
what it does not cover."""

import numpy as np
import onnx
import onnxruntime
import pytest
import tensorflow as tf
from onnx import TensorProto, helper, numpy_helper

from export.from_onnx import OnnxGraph


def _model(nodes, inputs, outputs, initializers=(), opset=17) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs,
                              [numpy_helper.from_array(np.asarray(value), name) for name, value in initializers])
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    proto.ir_version = 8
    return proto


def _value(name, elem_type, shape):
    return helper.make_tensor_value_info(name, elem_type, shape)


def _assert_same_as_onnxruntime(proto, feed):
    session = onnxruntime.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    expected = dict(zip(names, session.run(names, feed)))
    graph = OnnxGraph(proto)
    got = graph.step().function(*[tf.constant(feed[spec.name]) for spec in graph.input_signature])
    assert set(got) == set(expected)
    for name, want in expected.items():
        have = got[name].numpy()
        assert have.dtype == want.dtype and have.shape == want.shape, name
        np.testing.assert_allclose(have, want, rtol=1e-5, atol=1e-5, err_msg=name)


def test_shape_operators_follow_onnx_semantics():
    nodes = [
        helper.make_node("Reshape", ["x", "shape"], ["reshaped"]),  # 0 copies a dimension, -1 infers one
        helper.make_node("Gather", ["x", "negative"], ["gathered"], axis=1),
        helper.make_node("Slice", ["x", "starts", "ends", "axes", "steps"], ["sliced"]),
        helper.make_node("Pad", ["x", "pads"], ["padded"]),
        helper.make_node("Unsqueeze", ["x", "two_axes"], ["unsqueezed"]),
        helper.make_node("Squeeze", ["unsqueezed", "two_axes"], ["squeezed"]),
        helper.make_node("Shape", ["x"], ["shape_of"]),
        helper.make_node("ConstantOfShape", ["shape_of"], ["ones"], value=helper.make_tensor("v", TensorProto.FLOAT,
                                                                                             [1], [1.0])),
        helper.make_node("Transpose", ["x"], ["transposed"]),
        helper.make_node("Concat", ["x", "x"], ["joined"], axis=-1),
    ]
    initializers = [("shape", np.array([0, -1], np.int64)), ("negative", np.array([-1, 0], np.int64)),
                    ("starts", np.array([-1, 0], np.int64)), ("ends", np.array([-(2**63), 2**63 - 1], np.int64)),
                    ("axes", np.array([1, 2], np.int64)), ("steps", np.array([-2, 3], np.int64)),
                    ("pads", np.array([0, 1, 0, 1, 0, 2], np.int64)), ("two_axes", np.array([0, -1], np.int64))]
    outputs = [_value(name, TensorProto.FLOAT, None) for name in
               ("reshaped", "gathered", "sliced", "padded", "squeezed", "ones", "transposed", "joined")]
    proto = _model(nodes, [_value("x", TensorProto.FLOAT, ["B", 3, 5])], outputs, initializers)
    _assert_same_as_onnxruntime(proto, {"x": np.arange(30, dtype=np.float32).reshape(2, 3, 5)})


def test_reductions_and_arithmetic_follow_onnx_semantics():
    nodes = [
        helper.make_node("ReduceSum", ["x", "axis1"], ["summed"], keepdims=1),
        helper.make_node("ReduceSum", ["x", "no_axes"], ["untouched"], noop_with_empty_axes=1),
        helper.make_node("ReduceMean", ["x"], ["mean"], axes=[-1], keepdims=0),
        helper.make_node("ReduceMax", ["x"], ["largest"], axes=[1]),
        helper.make_node("GlobalAveragePool", ["x"], ["pooled"]),
        helper.make_node("GlobalMaxPool", ["x"], ["max_pooled"]),
        helper.make_node("CumSum", ["x", "axis1_scalar"], ["cumulative"], exclusive=1, reverse=1),
        helper.make_node("ArgMax", ["x"], ["argmax"], axis=-1, keepdims=1),
        helper.make_node("Cast", ["x"], ["ints"], to=TensorProto.INT64),
        helper.make_node("Div", ["ints", "three"], ["quotient"]),
        helper.make_node("Max", ["x", "half", "x"], ["maximum"]),
        helper.make_node("Pow", ["x", "two"], ["squared"]),
        helper.make_node("LessOrEqual", ["x", "half"], ["small"]),
        helper.make_node("Not", ["small"], ["large"]),
        helper.make_node("Sqrt", ["squared"], ["root"]),
        helper.make_node("Reciprocal", ["two"], ["inverse"]),
    ]
    initializers = [("axis1", np.array([1], np.int64)), ("no_axes", np.zeros(0, np.int64)),
                    ("axis1_scalar", np.array(1, np.int32)), ("three", np.array(3, np.int64)),
                    ("half", np.array(0.5, np.float32)), ("two", np.array(2.0, np.float32))]
    floats = ("summed", "untouched", "mean", "largest", "pooled", "max_pooled", "cumulative", "maximum",
              "squared", "root", "inverse")
    outputs = ([_value(name, TensorProto.FLOAT, None) for name in floats]
               + [_value(name, TensorProto.INT64, None) for name in ("argmax", "quotient")]
               + [_value(name, TensorProto.BOOL, None) for name in ("small", "large")])
    proto = _model(nodes, [_value("x", TensorProto.FLOAT, [None, 3, 4])], outputs, initializers)
    x = np.random.default_rng(0).normal(0, 4, (2, 3, 4)).astype(np.float32)
    x[0, 0, :2] = x[0, 0, 3]  # a tie: ArgMax takes the first
    _assert_same_as_onnxruntime(proto, {"x": x})


def test_lstm_without_initial_state_follows_onnx_semantics():
    rng = np.random.default_rng(1)
    hidden, features = 3, 2
    initializers = [("W", rng.normal(size=(1, 4 * hidden, features)).astype(np.float32)),
                    ("R", rng.normal(size=(1, 4 * hidden, hidden)).astype(np.float32)),
                    ("B", rng.normal(size=(1, 8 * hidden)).astype(np.float32))]
    nodes = [helper.make_node("LSTM", ["x", "W", "R", "B"], ["y", "y_h", "y_c"], hidden_size=hidden)]
    outputs = [_value(name, TensorProto.FLOAT, None) for name in ("y", "y_h", "y_c")]
    proto = _model(nodes, [_value("x", TensorProto.FLOAT, ["T", "B", features])], outputs, initializers)
    _assert_same_as_onnxruntime(proto, {"x": rng.normal(size=(5, 4, features)).astype(np.float32)})


def test_weights_become_variables_and_other_initializers_constants():
    nodes = [helper.make_node("MatMul", ["x", "w"], ["product"]), helper.make_node("Reshape", ["product", "shape"],
                                                                                    ["y"])]
    proto = _model(nodes, [_value("x", TensorProto.FLOAT, [None, 2])], [_value("y", TensorProto.FLOAT, None)],
                   [("w", np.ones((2, 3), np.float32)), ("shape", np.array([-1], np.int64))])
    graph = OnnxGraph(proto)
    assert [tuple(variable.shape) for variable in graph.variables] == [(2, 3)]
    assert [(spec.name, spec.shape.as_list(), spec.dtype) for spec in graph.input_signature] == [
        ("x", [None, 2], tf.float32)]


@pytest.mark.parametrize("nodes, opset, message", [
    ([helper.make_node("Softmax", ["x"], ["y"])], 17, "operators not supported: Softmax"),
    ([helper.make_node("Identity", ["x"], ["y"])], 12, "opset 12 is not supported"),
    ([helper.make_node("ArgMax", ["x"], ["y"], select_last_index=1)], 17, "select_last_index is not supported"),
])
def test_what_is_not_covered_is_refused(nodes, opset, message):
    proto = _model(nodes, [_value("x", TensorProto.FLOAT, [None, 2])], [_value("y", TensorProto.FLOAT, None)],
                   opset=opset)
    with pytest.raises(ValueError, match=message):
        graph = OnnxGraph(proto)
        graph.step().function.get_concrete_function()
