#!/usr/bin/python3
"""Benchmark models for the inference node, all with a dynamic batch dimension "batch" and fixed seeds.

Run with Debian's /usr/bin/python3 (python3-onnx, python3-numpy): ./make_models.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
rng = np.random.default_rng(20261122)


def weight(name, *shape, scale=None):
    scale = scale if scale is not None else 1.0 / np.sqrt(np.prod(shape[1:]) if len(shape) > 1 else shape[0])
    return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)


def save(path, nodes, inputs, outputs, initializers):
    graph = helper.make_graph(nodes, os.path.basename(path), inputs, outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="bench")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def tensor(name, *dims):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch", *dims])


def identity(out):
    save(out, [helper.make_node("Identity", ["x"], ["y"])], [tensor("x", 16)], [tensor("y", 16)], [])


def mlp(out):
    sizes = [784, 256, 256, 10]
    nodes, inits, prev = [], [], "x"
    for i in range(3):
        inits += [weight(f"w{i}", sizes[i], sizes[i + 1]), weight(f"b{i}", sizes[i + 1], scale=0.01)]
        nodes += [helper.make_node("MatMul", [prev, f"w{i}"], [f"m{i}"]), helper.make_node("Add", [f"m{i}", f"b{i}"], [f"a{i}"])]
        if i < 2:
            nodes.append(helper.make_node("Relu", [f"a{i}"], [f"r{i}"]))
            prev = f"r{i}"
    nodes.append(helper.make_node("Identity", ["a2"], ["y"]))
    save(out, nodes, [tensor("x", 784)], [tensor("y", 10)], inits)


def conv(nodes, inits, name, x, cin, cout, k, stride=1, relu=True):
    pad = k // 2
    inits += [weight(f"{name}_w", cout, cin, k, k), weight(f"{name}_b", cout, scale=0.01)]
    nodes.append(helper.make_node("Conv", [x, f"{name}_w", f"{name}_b"], [f"{name}_c"], kernel_shape=[k, k], pads=[pad] * 4, strides=[stride, stride]))
    if not relu:
        return f"{name}_c"
    nodes.append(helper.make_node("Relu", [f"{name}_c"], [f"{name}_r"]))
    return f"{name}_r"


def cnn(out):
    nodes, inits = [], []
    h = conv(nodes, inits, "c1", "x", 1, 16, 3)
    nodes.append(helper.make_node("MaxPool", [h], ["p1"], kernel_shape=[2, 2], strides=[2, 2]))
    h = conv(nodes, inits, "c2", "p1", 16, 32, 3)
    nodes.append(helper.make_node("MaxPool", [h], ["p2"], kernel_shape=[2, 2], strides=[2, 2]))
    nodes.append(helper.make_node("Flatten", ["p2"], ["f"], axis=1))
    inits += [weight("fc_w", 32 * 7 * 7, 10), weight("fc_b", 10, scale=0.01)]
    nodes += [helper.make_node("MatMul", ["f", "fc_w"], ["fm"]), helper.make_node("Add", ["fm", "fc_b"], ["y"])]
    save(out, nodes, [tensor("x", 1, 28, 28)], [tensor("y", 10)], inits)


def resnet(out, blocks=4, channels=64, bottleneck=16):
    nodes, inits, h = [], [], "x"
    for b in range(blocks):
        a = conv(nodes, inits, f"b{b}a", h, channels, bottleneck, 1)
        m = conv(nodes, inits, f"b{b}b", a, bottleneck, bottleneck, 3)
        e = conv(nodes, inits, f"b{b}c", m, bottleneck, channels, 1, relu=False)
        nodes += [helper.make_node("Add", [e, h], [f"b{b}_sum"]), helper.make_node("Relu", [f"b{b}_sum"], [f"b{b}_out"])]
        h = f"b{b}_out"
    nodes.append(helper.make_node("GlobalAveragePool", [h], ["gap"]))
    nodes.append(helper.make_node("Flatten", ["gap"], ["y"], axis=1))
    save(out, nodes, [tensor("x", channels, 14, 14)], [tensor("y", channels)], inits)


def transformer(out, hidden=256, seq=128, heads=4, ffn=1024):
    d = hidden // heads
    nodes, inits = [], []

    def const(name, values, dtype=np.int64):
        inits.append(numpy_helper.from_array(np.array(values, dtype=dtype), name))
        return name

    for n in ("q", "k", "v", "o"):
        inits += [weight(f"w{n}", hidden, hidden), weight(f"b{n}", hidden, scale=0.01)]
    split_shape = const("split_shape", [0, seq, heads, d])
    merge_shape = const("merge_shape", [0, seq, hidden])
    scale = const("scale", np.float32(1.0 / np.sqrt(d)), np.float32)
    for n in ("q", "k", "v"):
        nodes += [
            helper.make_node("MatMul", ["x", f"w{n}"], [f"{n}_m"]),
            helper.make_node("Add", [f"{n}_m", f"b{n}"], [f"{n}_a"]),
            helper.make_node("Reshape", [f"{n}_a", split_shape], [f"{n}_s"]),
            helper.make_node("Transpose", [f"{n}_s"], [f"{n}_t"], perm=[0, 2, 1, 3] if n != "k" else [0, 2, 3, 1]),
        ]
    nodes += [
        helper.make_node("MatMul", ["q_t", "k_t"], ["scores"]),
        helper.make_node("Mul", ["scores", scale], ["scaled"]),
        helper.make_node("Softmax", ["scaled"], ["attn"], axis=-1),
        helper.make_node("MatMul", ["attn", "v_t"], ["ctx"]),
        helper.make_node("Transpose", ["ctx"], ["ctx_t"], perm=[0, 2, 1, 3]),
        helper.make_node("Reshape", ["ctx_t", merge_shape], ["ctx_m"]),
        helper.make_node("MatMul", ["ctx_m", "wo"], ["o_m"]),
        helper.make_node("Add", ["o_m", "bo"], ["o_a"]),
        helper.make_node("Add", ["o_a", "x"], ["res1"]),
    ]
    inits += [numpy_helper.from_array(np.ones(hidden, np.float32), "ln1_g"), numpy_helper.from_array(np.zeros(hidden, np.float32), "ln1_b"),
              numpy_helper.from_array(np.ones(hidden, np.float32), "ln2_g"), numpy_helper.from_array(np.zeros(hidden, np.float32), "ln2_b"),
              weight("w1", hidden, ffn), weight("b1", ffn, scale=0.01), weight("w2", ffn, hidden), weight("b2", hidden, scale=0.01)]
    nodes += [
        helper.make_node("LayerNormalization", ["res1", "ln1_g", "ln1_b"], ["ln1"], axis=-1),
        helper.make_node("MatMul", ["ln1", "w1"], ["f1m"]),
        helper.make_node("Add", ["f1m", "b1"], ["f1a"]),
        helper.make_node("Relu", ["f1a"], ["f1r"]),
        helper.make_node("MatMul", ["f1r", "w2"], ["f2m"]),
        helper.make_node("Add", ["f2m", "b2"], ["f2a"]),
        helper.make_node("Add", ["f2a", "ln1"], ["res2"]),
        helper.make_node("LayerNormalization", ["res2", "ln2_g", "ln2_b"], ["y"], axis=-1),
    ]
    save(out, nodes, [tensor("x", seq, hidden)], [tensor("y", seq, hidden)], inits)


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "out/models"
    os.makedirs(out, exist_ok=True)
    for name, make in [("identity", identity), ("mlp", mlp), ("cnn", cnn), ("resnet", resnet), ("transformer", transformer)]:
        make(os.path.join(out, f"{name}.onnx"))
        print(f"wrote {out}/{name}.onnx")
