"""Rewrites of a converted ONNX graph that keep its outputs and let onnxruntime fuse more.

A Keras ``Dense`` applied to a tensor [B, T, K] converts (through ``tf.tensordot``) to

    Reshape -> [B*T, K] -> MatMul(W [K, N]) -> Reshape -> [B, T, N] -> Add(bias [N])

onnxruntime fuses a MatMul and the Add of its bias into one ``Gemm`` kernel only when they are
adjacent and two-dimensional; here the second Reshape sits between them, so every projection of
the NEE makes a separate pass over its output to add the bias. ``add_biases_before_reshapes``
moves each such Add in front of the Reshape (a bias over the last axis is added the same way to
[B*T, N] as to [B, T, N]), and onnxruntime then fuses the pair.
"""

import onnx


def add_biases_before_reshapes(graph: onnx.GraphProto) -> int:
    """Rewrite ``MatMul -> Reshape -> Add(bias)`` into ``MatMul -> Add(bias) -> Reshape`` in place.

    A match needs: the MatMul's right operand an initializer [K, N]; the bias an initializer [N];
    the Reshape's output used by the Add alone and not a graph output. The Add and the Reshape
    swap places in the node list, so the order stays topological; the Reshape takes over the
    Add's output name, so every consumer is unchanged.

    Returns:
        The number of rewritten Add nodes.
    """
    nodes = [onnx.NodeProto.FromString(node.SerializeToString()) for node in graph.node]
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    producer = {name: index for index, node in enumerate(nodes) for name in node.output}
    uses: dict[str, int] = {}
    for node in nodes:
        for name in node.input:
            uses[name] = uses.get(name, 0) + 1
    graph_outputs = {output.name for output in graph.output}
    rewritten = 0
    for add_index, add in enumerate(nodes):
        if add.op_type != "Add":
            continue
        reshaped, bias = add.input
        if bias not in initializers:
            reshaped, bias = bias, reshaped
        if bias not in initializers or len(initializers[bias].dims) != 1 or reshaped not in producer:
            continue
        reshape_index = producer[reshaped]
        reshape = nodes[reshape_index]
        if (reshape.op_type != "Reshape" or reshaped in graph_outputs or uses[reshaped] != 1
                or reshape.input[0] not in producer):
            continue
        matmul = nodes[producer[reshape.input[0]]]
        if (matmul.op_type != "MatMul" or matmul.input[1] not in initializers
                or initializers[matmul.input[1]].dims[-1:] != initializers[bias].dims):
            continue
        biased, result = matmul.output[0] + "/biased", add.output[0]
        add.input[:] = [matmul.output[0], bias]
        add.output[:] = [biased]
        reshape.input[0] = biased
        reshape.output[:] = [result]
        nodes[add_index], nodes[reshape_index] = reshape, add
        producer[biased], producer[result] = reshape_index, add_index
        rewritten += 1
    del graph.node[:]
    graph.node.extend(nodes)
    return rewritten
