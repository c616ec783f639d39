#!/usr/bin/python3
"""Models for the journey tests and their expected answers, computed independently of the platform.

  journey_models.py make OUT_DIR          writes v1.onnx (the demo classifier) and v2.onnx (output weights halved, output bias shifted)
  journey_models.py expect MODEL JSON     prints softmax(relu(x W1 + b1) W2 + b2) for the rows in JSON, from the
                                          model file's own weights (numpy, not ONNX Runtime)
Run with Debian's /usr/bin/python3 (python3-onnx, python3-numpy).
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "samples"))


def make(out_dir: str) -> None:
    from make_demo_model import build

    os.makedirs(out_dir, exist_ok=True)
    v1 = build()
    onnx.save(v1, os.path.join(out_dir, "v1.onnx"))
    v2 = build()
    for init in v2.graph.initializer:
        if init.name == "w2":
            init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init) * np.float32(0.5), "w2"))
        if init.name == "b2":
            init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init) + np.array([1.5, 0, -1.5], np.float32), "b2"))
    onnx.save(v2, os.path.join(out_dir, "v2.onnx"))


def expect(model_file: str, rows_json: str) -> None:
    model = onnx.load(model_file)
    w = {i.name: numpy_helper.to_array(i).astype(np.float64) for i in model.graph.initializer}
    x = np.array(json.loads(rows_json), dtype=np.float64)
    hidden = np.maximum(x @ w["w1"] + w["b1"], 0)
    logits = hidden @ w["w2"] + w["b2"]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    print(json.dumps((e / e.sum(axis=1, keepdims=True)).tolist()))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        expect(sys.argv[2], sys.argv[3])
