"""
Signal classification with the FCN recipe
=========================================

The FCN recipe (Wang et al. 2017) finds a pulse's shape anywhere.

Each signal is noise plus one pulse at a random position: a square pulse
(class 0) or a triangular one (class 1) of the same width. The fully
convolutional network -- three conv layers with batch norm, then global
average pooling -- does not care where the pulse is.

Run it with ``python examples/conv_signals.py``.
"""

import os
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from sknn import ConvClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)
QUICK = os.environ.get("SKNN_EXAMPLES_QUICK") == "1"  # less data, fewer epochs
EPOCHS = 2 if QUICK else 15


def make_signals(n, length=64, width=8, noise=0.3, seed=0):
    rng = np.random.RandomState(seed)
    y = rng.randint(2, size=n)
    X = noise * rng.standard_normal((n, 1, length))
    square = np.ones(width)
    triangle = 2 * (1 - np.abs(np.linspace(-1, 1, width)))  # same area
    for i, start in enumerate(rng.randint(0, length - width, size=n)):
        X[i, 0, start:start + width] += triangle if y[i] else square
    return X.astype(np.float32), y


X, y = make_signals(100 if QUICK else 400)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)

try:
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
if plt is not None:
    fig, axes = plt.subplots(2, 3, figsize=(9, 4), sharex=True, sharey=True)
    for row, label in zip(axes, ("square", "triangle")):
        for ax, i in zip(row, np.flatnonzero(y == (label == "triangle"))[:3]):
            ax.plot(X[i, 0], color="C0" if label == "square" else "C1")
            ax.set_title(f"class {int(y[i])}: {label} pulse", fontsize=9)
    fig.suptitle("training signals: noise plus one pulse at a random position")
    plt.show()

# %%
# The FCN recipe against a small convolutional network
# ----------------------------------------------------

start = time.perf_counter()
fcn = ConvClassifier.fcn(max_iter=EPOCHS, batch_size=32, random_state=0).fit(X_train, y_train)
print(f"FCN recipe (128-256-128 filters, kernels 8-5-3, batch norm, global average "
      f"pooling): test accuracy {fcn.score(X_test, y_test):.4f}, "
      f"{time.perf_counter() - start:.1f} s")

# The same network without the global pooling sees positions, not shapes.
start = time.perf_counter()
small = ConvClassifier(filters=(16, 32), kernel_size=5, max_iter=EPOCHS, batch_size=32,
                       random_state=0).fit(X_train, y_train)
print(f"ConvClassifier(filters=(16, 32), kernel_size=5) with max pooling and a dense "
      f"head: test accuracy {small.score(X_test, y_test):.4f}, "
      f"{time.perf_counter() - start:.1f} s")
print("embedding of 3 test signals (FCN's pooled features):", fcn.embed(X_test[:3]).shape)
