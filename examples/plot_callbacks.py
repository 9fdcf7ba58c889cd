"""
skorch callbacks: a learning-rate schedule, scoring and early stopping
======================================================================

``callbacks=[...]`` takes skorch's callbacks as they are. Here a cosine
learning-rate schedule (skorch's ``LRScheduler``, which records the rate in
the history as ``event_lr``), an extra validation metric (``EpochScoring``)
and ``EarlyStopping`` on the validation loss train an
:class:`~sknn.MLPClassifier`. :class:`~sknn.TrainingCurveDisplay` draws the
learning rate on an axis of its own.
"""

import os
import warnings

from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import EarlyStopping, EpochScoring, LRScheduler

from sknn import MLPClassifier, TrainingCurveDisplay

warnings.filterwarnings("ignore", category=ConvergenceWarning)
QUICK = os.environ.get("SKNN_EXAMPLES_QUICK") == "1"  # fewer epochs

X, y = load_breast_cancer(return_X_y=True)
X_train, X_val, y_train, y_val = train_test_split(X, y, stratify=y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)

max_iter = 8 if QUICK else 60
clf = MLPClassifier(
    hidden_layer_sizes=(64,), learning_rate_init=0.01, max_iter=max_iter, random_state=0,
    callbacks=[
        LRScheduler("CosineAnnealingLR", T_max=max_iter),
        EpochScoring("f1", lower_is_better=False, name="valid_f1"),
        EarlyStopping(monitor="valid_loss", patience=10),
    ],
)
clf.fit(X_train, y_train, X_val=X_val, y_val=y_val)

# %%
# The history holds every callback's record, one row per epoch.
history = clf.net_.history
print(f"stopped after {len(history)} epochs; "
      f"last learning rate {history[-1, 'event_lr']:.5f}, "
      f"last validation F1 {history[-1, 'valid_f1']:.3f}")
print("columns:", sorted(key for key in history[-1] if key != "batches"))

# %%
# Losses, validation accuracy and the learning rate
# --------------------------------------------------
display = TrainingCurveDisplay.from_estimator(clf, name="cosine schedule")
display.figure_.tight_layout()
