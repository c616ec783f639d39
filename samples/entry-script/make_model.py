"""Trains the sample's scikit-learn model (a small iris-like classifier) and writes model.pkl and labels.json."""
import json
import os
import sys

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
centers = np.array([[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.6, 2.0]])
features = np.vstack([c + rng.normal(0, 0.25, size=(50, 4)) for c in centers])
classes = np.repeat([0, 1, 2], 50)
joblib.dump(LogisticRegression(max_iter=500).fit(features, classes), os.path.join(out, "model.pkl"))
with open(os.path.join(out, "labels.json"), "w") as f:
    json.dump(["setosa", "versicolor", "virginica"], f)
print(out)
