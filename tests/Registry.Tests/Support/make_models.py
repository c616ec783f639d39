# Writes the small ONNX models the registry tests register. Run with Debian's /usr/bin/python3 (python3-onnx).
# Usage: make_models.py OUTPUT_DIR
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)

# A linear classifier with a symbolic batch dimension: y = x @ W + B.
w = numpy_helper.from_array(rng.standard_normal((4, 3)).astype(np.float32), "W")
b = numpy_helper.from_array(rng.standard_normal((3,)).astype(np.float32), "B")
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "W"], ["xw"]), helper.make_node("Add", ["xw", "B"], ["y"])],
    "linear",
    # W is also listed as an input (the pre-IR-4 style): it has an initializer, so callers need not feed it.
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4]),
     helper.make_tensor_value_info("W", TensorProto.FLOAT, [4, 3])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
    [w, b],
)
model = helper.make_model(graph, producer_name="registry-tests", opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, os.path.join(out, "linear.onnx"))

# Two inputs of other element types, one dimension of unknown size.
graph = helper.make_graph(
    [helper.make_node("Cast", ["ids"], ["ids_f"], to=TensorProto.FLOAT),
     helper.make_node("Mul", ["ids_f", "scale"], ["scaled"])],
    "cast",
    [helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch", None]),
     helper.make_tensor_value_info("scale", TensorProto.FLOAT, [1])],
    [helper.make_tensor_value_info("scaled", TensorProto.FLOAT, ["batch", None])],
)
model = helper.make_model(graph, producer_name="registry-tests", opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, os.path.join(out, "cast.onnx"))
# The linear model again, its weights kept in a separate file next to it (ONNX external data).
external_dir = os.path.join(out, "external")
os.makedirs(external_dir, exist_ok=True)
model = onnx.load(os.path.join(out, "linear.onnx"))
onnx.save_model(model, os.path.join(external_dir, "model.onnx"), save_as_external_data=True,
                all_tensors_to_one_file=True, location="weights.bin", size_threshold=0)
print("ok")
