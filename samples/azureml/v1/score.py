import json
import os

import numpy as np


def init():
    global scale
    # AZUREML_MODEL_DIR is the registered model's folder, as Azure ML sets it.
    scale = 2.0


def run(raw_data):
    data = np.array(json.loads(raw_data)["data"])
    return (data * scale).tolist()
