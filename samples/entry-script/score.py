# An Azure ML entry script, unchanged: init() loads the model from AZUREML_MODEL_DIR once, run() scores a JSON body.
import json
import os

import joblib
import numpy as np

model = None
labels = None


def init():
    global model, labels
    model_dir = os.getenv("AZUREML_MODEL_DIR")
    model = joblib.load(os.path.join(model_dir, "model.pkl"))
    with open(os.path.join(model_dir, "labels.json")) as f:
        labels = json.load(f)
    print("iris classifier loaded from", model_dir)


def run(raw_data):
    data = np.array(json.loads(raw_data)["data"], dtype=np.float64)
    probabilities = model.predict_proba(data)
    return [{"label": labels[int(np.argmax(p))], "probabilities": p.round(4).tolist()} for p in probabilities]
