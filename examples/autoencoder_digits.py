"""Digits in two dimensions: an AutoEncoder against PCA.

Fits PCA(2) and AutoEncoder(n_components=2) to scikit-learn's digits (pixels
scaled to [0, 1]), prints their reconstruction errors, plots both 2-D codes
coloured by digit to examples/autoencoder_digits.png (when matplotlib is
installed: ``pip install "sknn-torch[examples]"``), then compares PCA(16)
and AutoEncoder(16) as the features of a logistic regression (5-fold CV).

    python examples/autoencoder_digits.py
"""

import pathlib
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sknn import AutoEncoder

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X01 = MinMaxScaler().fit_transform(X)

codes = {}
for name, model in [("PCA(2)", PCA(2)),
                    ("AutoEncoder(2)", AutoEncoder(n_components=2, random_state=0))]:
    start = time.perf_counter()
    codes[name] = model.fit_transform(X01)
    error = np.mean((model.inverse_transform(codes[name]) - X01) ** 2)
    print(f"{name}: reconstruction MSE {error:.4f} ({time.perf_counter() - start:.1f} s)")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: skipping the figure "
          "(pip install matplotlib, or sknn-torch[examples]).")
else:
    fig, axes = plt.subplots(1, 2, figsize=(11, 5))
    for ax, (name, code) in zip(axes, codes.items()):
        points = ax.scatter(code[:, 0], code[:, 1], c=y, cmap="tab10", s=6)
        ax.set_title(f"digits, {name}")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(points, ax=axes, ticks=range(10), label="digit")
    path = pathlib.Path(__file__).with_name("autoencoder_digits.png")
    fig.savefig(path, dpi=120)
    print(f"figure written to {path}")

# 16 components as the features of a linear classifier.
for name, reducer in [("PCA(16)", PCA(16)),
                      ("AutoEncoder(16)", AutoEncoder(n_components=16, random_state=0))]:
    start = time.perf_counter()
    pipe = make_pipeline(MinMaxScaler(), reducer, LogisticRegression())
    scores = cross_val_score(pipe, X, y, cv=StratifiedKFold(5, shuffle=True, random_state=0))
    print(f"MinMaxScaler -> {name} -> LogisticRegression, 5-fold CV accuracy "
          f"{scores.mean():.4f} ({time.perf_counter() - start:.1f} s)")
