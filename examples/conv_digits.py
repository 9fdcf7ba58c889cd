"""
Convolutional networks on digits, and the images they get wrong
===============================================================

scikit-learn's digits are 8x8 grey images with pixel values 0-16. Shaped
(n, 1, 8, 8) -- one channel -- ConvClassifier picks 2-D convolutions. Two
networks are cross-validated (5 folds); then one trained on three quarters
of the images shows the test images it misclassifies.

Run it with ``python examples/conv_digits.py``.
"""

import os
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split

from sknn import ConvClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)
QUICK = os.environ.get("SKNN_EXAMPLES_QUICK") == "1"  # less data, fewer epochs
EPOCHS = 3 if QUICK else 30

X, y = load_digits(return_X_y=True)
if QUICK:
    X, y = X[:300], y[:300]
X = (X / 16).reshape(-1, 1, 8, 8).astype(np.float32)  # pixels to [0, 1]

# %%
# Cross-validation
# ----------------

start = time.perf_counter()
cv = StratifiedKFold(5, shuffle=True, random_state=0)
scores = cross_val_score(ConvClassifier(max_iter=EPOCHS, random_state=0), X, y, cv=cv)
print(f"ConvClassifier(max_iter={EPOCHS}), digits (n, 1, 8, 8), 5-fold CV accuracy: "
      f"{scores.mean():.4f} (folds {np.round(scores, 4).tolist()}), "
      f"{time.perf_counter() - start:.1f} s")

# The LeNet-5 recipe: two 5x5 conv layers with average pooling, a 120-84 tanh
# head. Its tanh units learn slowly at Adam's default step; a larger one helps.
lenet = ConvClassifier.lenet5(max_iter=EPOCHS, learning_rate_init=0.01, random_state=0)
scores = cross_val_score(lenet, X, y, cv=cv)
print(f"ConvClassifier.lenet5(max_iter={EPOCHS}, learning_rate_init=0.01), 5-fold CV accuracy: "
      f"{scores.mean():.4f}")

# %%
# The misclassified test images
# -----------------------------
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
model = ConvClassifier(max_iter=EPOCHS, random_state=0).fit(X_train, y_train)
print(model.summary().to_string(index=False))
predicted = model.predict(X_test)
wrong = np.flatnonzero(predicted != y_test)
print(f"test accuracy {model.score(X_test, y_test):.4f}: {len(wrong)} of {len(y_test)} "
      "test images misclassified")

try:
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: skipping the figure (sknn-torch[examples]).")
else:
    shown = wrong[:16]
    fig, axes = plt.subplots(2, 8, figsize=(9, 3), squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, i in zip(axes.ravel(), shown):
        ax.imshow(X_test[i, 0], cmap="gray_r")
        ax.set_title(f"{y_test[i]} as {predicted[i]}", fontsize=9)
    fig.suptitle("misclassified test digits: true label as predicted")
    plt.show()
