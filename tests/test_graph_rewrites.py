"""export.graph_rewrites: the Dense bias moves in front of tf2onnx's reshape, outputs unchanged."""

import numpy as np
import onnx
import onnxruntime
from onnx import TensorProto, helper, numpy_helper

from export.graph_rewrites import add_biases_before_reshapes

RNG = np.random.default_rng(3)
WEIGHTS = RNG.normal(size=(4, 5)).astype(np.float32)
BIAS = RNG.normal(size=5).astype(np.float32)


def _dense_on_3d(extra_use_of_reshape=False):
    """x [B, T, 4] -> Reshape [B*T, 4] -> MatMul W -> Reshape [B, T, 5] -> Add bias -> y (and,
    with ``extra_use_of_reshape``, the reshaped product as a second output z)."""
    nodes = [
        helper.make_node("Reshape", ["x", "flat"], ["x2"]),
        helper.make_node("MatMul", ["x2", "W"], ["p2"]),
        helper.make_node("Reshape", ["p2", "back"], ["p3"]),
        helper.make_node("Add", ["p3", "b"], ["y"]),
    ]
    outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3, 5])]
    if extra_use_of_reshape:
        nodes.append(helper.make_node("Identity", ["p3"], ["z"]))
        outputs.append(helper.make_tensor_value_info("z", TensorProto.FLOAT, [2, 3, 5]))
    initializers = [numpy_helper.from_array(WEIGHTS, "W"), numpy_helper.from_array(BIAS, "b"),
                    numpy_helper.from_array(np.array([-1, 4], np.int64), "flat"),
                    numpy_helper.from_array(np.array([2, 3, 5], np.int64), "back")]
    graph = helper.make_graph(nodes, "dense", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4])],
                              outputs, initializers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _run(model, x):
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})


def test_the_bias_is_added_before_the_reshape_with_the_same_result():
    model = _dense_on_3d()
    x = RNG.normal(size=(2, 3, 4)).astype(np.float32)
    before = _run(model, x)
    assert add_biases_before_reshapes(model.graph) == 1
    onnx.checker.check_model(model, full_check=True)
    assert [node.op_type for node in model.graph.node] == ["Reshape", "MatMul", "Add", "Reshape"]
    assert model.graph.node[-1].output[0] == "y"
    np.testing.assert_allclose(_run(model, x)[0], before[0], rtol=1e-6)
    np.testing.assert_allclose(before[0], x @ WEIGHTS + BIAS, rtol=1e-5)


def test_a_reshape_with_another_consumer_is_left_alone():
    model = _dense_on_3d(extra_use_of_reshape=True)
    assert add_biases_before_reshapes(model.graph) == 0
    assert [node.op_type for node in model.graph.node] == ["Reshape", "MatMul", "Reshape", "Add", "Identity"]
