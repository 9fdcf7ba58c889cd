"""
Saving and serving: sknn.io files and ONNX
==========================================

``sknn.io.dump`` writes a fitted estimator as safetensors weights plus JSON
(no pickle: loading runs no code the file names), and ``sknn.io.load`` reads
it back. ``sknn.onnx.to_onnx`` exports a fitted Pipeline for onnxruntime,
which serves it without torch or scikit-learn; it needs the ``onnx`` extra
(``pip install "sknn-torch[onnx]"``) and is skipped without it.
"""

import importlib.util
import os
import pathlib
import tempfile
import warnings

import numpy as np
from sklearn.datasets import load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn import MLPClassifier
from sknn.io import dump, get_untrusted_types, load

warnings.filterwarnings("ignore", category=ConvergenceWarning)
QUICK = os.environ.get("SKNN_EXAMPLES_QUICK") == "1"  # fewer epochs

X, y = load_wine(return_X_y=True)
X = X.astype(np.float32)
scaler = StandardScaler().fit(X)
clf = MLPClassifier(hidden_layer_sizes=(32,), max_iter=20 if QUICK else 200,
                    random_state=0).fit(scaler.transform(X), y)
folder = pathlib.Path(tempfile.mkdtemp())

# %%
# A pickle-free file
# ------------------
path = folder / "wine.skn"
dump(clf, path)
print(f"{path.name}: {path.stat().st_size / 1024:.1f} KiB, "
      f"untrusted types: {get_untrusted_types(path)}")
restored = load(path)
same = np.array_equal(restored.predict_proba(scaler.transform(X)),
                      clf.predict_proba(scaler.transform(X)))
print(f"reloaded {type(restored).__name__}: identical probabilities: {same}; "
      f"{len(restored.loss_curve_)} epochs of history kept")

# %%
# Serving with ONNX Runtime
# -------------------------
if all(importlib.util.find_spec(name) for name in ("onnx", "onnxruntime", "skl2onnx")):
    import onnxruntime as ort

    from sknn.onnx import to_onnx

    pipe = make_pipeline(scaler, clf)
    onx = to_onnx(pipe, X[:1], options={MLPClassifier: {"zipmap": False}})
    (folder / "wine.onnx").write_bytes(onx.SerializeToString())
    session = ort.InferenceSession(str(folder / "wine.onnx"),
                                   providers=["CPUExecutionProvider"])
    labels, probabilities = session.run(None, {session.get_inputs()[0].name: X})
    print(f"ONNX Runtime: labels agree on {np.mean(labels == pipe.predict(X)):.0%} of "
          f"the samples, largest probability difference "
          f"{np.abs(probabilities - pipe.predict_proba(X)).max():.1e}")
else:
    print("ONNX export skipped: install sknn-torch[onnx]")
