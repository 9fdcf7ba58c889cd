"""
AutoEncoder: digits in two dimensions, and a VAE's samples
==========================================================

Fits PCA(2) and AutoEncoder(n_components=2) to scikit-learn's digits (pixels
scaled to [0, 1]), prints their reconstruction errors and plots both 2-D
codes coloured by digit (when matplotlib is installed:
``pip install "sknn-torch[examples]"``). A variational AutoEncoder then draws
new digits from its prior (``sample``). Last, PCA(16) and AutoEncoder(16)
compete as the features of a logistic regression (5-fold CV).

Run it with ``python examples/autoencoder_digits.py``.
"""

import os
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
QUICK = os.environ.get("SKNN_EXAMPLES_QUICK") == "1"  # less data, fewer epochs
EPOCHS = dict(max_iter=5) if QUICK else {}

X, y = load_digits(return_X_y=True)
if QUICK:
    X, y = X[:300], y[:300]
X01 = MinMaxScaler().fit_transform(X)

codes = {}
for name, model in [("PCA(2)", PCA(2)),
                    ("AutoEncoder(2)", AutoEncoder(n_components=2, random_state=0, **EPOCHS))]:
    start = time.perf_counter()
    codes[name] = model.fit_transform(X01)
    error = np.mean((model.inverse_transform(codes[name]) - X01) ** 2)
    print(f"{name}: reconstruction MSE {error:.4f} ({time.perf_counter() - start:.1f} s)")

# %%
# The two codes
# -------------
try:
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
    print("matplotlib is not installed: skipping the figures "
          "(pip install matplotlib, or sknn-torch[examples]).")
if plt is not None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 5))
    for ax, (name, code) in zip(axes, codes.items()):
        points = ax.scatter(code[:, 0], code[:, 1], c=y, cmap="tab10", s=6)
        ax.set_title(f"digits, {name}")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(points, ax=axes, ticks=range(10), label="digit")
    plt.show()

# %%
# New digits from a variational AutoEncoder
# ------------------------------------------
# ``variational=True`` learns a Gaussian code; ``sample`` decodes draws from
# the standard normal prior into new images.
vae = AutoEncoder(hidden_layer_sizes=(128, 64), n_components=8, variational=True,
                  max_iter=5 if QUICK else 100, random_state=0).fit(X01)
samples = vae.sample(24, random_state=0)
print(f"VAE: reconstruction MSE {-vae.score(X01):.4f}, samples {samples.shape}")
if plt is not None:
    fig, axes = plt.subplots(3, 8, figsize=(8, 3.3))
    for ax, image in zip(axes.ravel(), samples):
        ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        ax.set_axis_off()
    fig.suptitle("digits drawn from the VAE's prior")
    plt.show()

# %%
# Codes as features
# -----------------
# 16 components as the features of a linear classifier.
for name, reducer in [("PCA(16)", PCA(16)),
                      ("AutoEncoder(16)", AutoEncoder(n_components=16, random_state=0, **EPOCHS))]:
    start = time.perf_counter()
    pipe = make_pipeline(MinMaxScaler(), reducer, LogisticRegression())
    scores = cross_val_score(pipe, X, y, cv=StratifiedKFold(5, shuffle=True, random_state=0))
    print(f"MinMaxScaler -> {name} -> LogisticRegression, 5-fold CV accuracy "
          f"{scores.mean():.4f} ({time.perf_counter() - start:.1f} s)")
