# The benchmark's entry script, as an Azure ML user writes one: a small numpy model (16 features → 4 scores).
import json
import os

import numpy as np


def init():
    global weights
    weights = np.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "weights.npy"))


def run(raw_data):
    data = np.asarray(json.loads(raw_data)["data"], dtype=np.float32)
    return (data @ weights).tolist()
