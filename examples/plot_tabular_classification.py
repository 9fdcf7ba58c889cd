"""
Tabular classification: loss curves and a decision boundary
============================================================

An :class:`~sknn.MLPClassifier` on scikit-learn's two moons, with a held-out
validation set given to ``fit`` (``X_val``, ``y_val``): the validation loss
and accuracy are then recorded every epoch, and
:class:`~sknn.TrainingCurveDisplay` draws them beside the training loss, the
best epoch marked. scikit-learn's ``DecisionBoundaryDisplay`` then shows what
the network learned.
"""

import os
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.inspection import DecisionBoundaryDisplay
from sklearn.model_selection import train_test_split

from sknn import MLPClassifier, TrainingCurveDisplay

warnings.filterwarnings("ignore", category=ConvergenceWarning)
QUICK = os.environ.get("SKNN_EXAMPLES_QUICK") == "1"  # less data, fewer epochs

X, y = make_moons(n_samples=200 if QUICK else 600, noise=0.25, random_state=0)
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, random_state=0)

# %%
# Training with validation data
# -----------------------------
clf = MLPClassifier(hidden_layer_sizes=(32, 32), learning_rate_init=0.01,
                    max_iter=10 if QUICK else 150, random_state=0)
clf.fit(X_train, y_train, X_val=X_val, y_val=y_val)
print(f"{clf.n_iter_} epochs, final training loss {clf.loss_:.3f}, "
      f"best validation accuracy {clf.best_validation_score_:.3f}")

# %%
# The training curves
# -------------------
# Training loss (solid), validation loss (dashed) and the validation score on
# the right-hand axis; the star marks the epoch of the best validation score.
display = TrainingCurveDisplay.from_estimator(clf)
display.ax_.set_title("MLPClassifier on two moons")

# %%
# The decision boundary
# ---------------------
fig, ax = plt.subplots()
DecisionBoundaryDisplay.from_estimator(clf, X, response_method="predict_proba",
                                       cmap="RdBu", alpha=0.6, ax=ax)
ax.scatter(X_val[:, 0], X_val[:, 1], c=y_val, cmap="RdBu", edgecolor="k", s=20)
ax.set_title(f"validation accuracy {clf.score(X_val, y_val):.3f}")
plt.show()
