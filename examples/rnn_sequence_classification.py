"""
Variable-length sequences: classifying them with a GRU, and tagging every step
==============================================================================

Generated 2-D trajectories of 10 to 60 steps: class 'circle' turns at a
steady rate, 'zigzag' turns back and forth, 'line' goes straight; every
trajectory has noise and its own speed and length. The sequences go in as a
plain list of (n_steps_i, 2) arrays: RNNClassifier pads and packs them, so
no sequence's prediction depends on the others in its batch.

The second part tags each step (sequence to sequence): is the trajectory
turning left or right at this step?

Run it with ``python examples/rnn_sequence_classification.py``.
"""

import os
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from sknn import RNNClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)
QUICK = os.environ.get("SKNN_EXAMPLES_QUICK") == "1"  # less data, fewer epochs
EPOCHS = 3 if QUICK else 30
rng = np.random.RandomState(0)
CLASSES = np.array(["circle", "zigzag", "line"])


def trajectory(kind):
    n_steps = rng.randint(10, 61)
    if kind == "circle":
        turn = np.full(n_steps, rng.choice([-1, 1]) * rng.uniform(0.2, 0.4))
    elif kind == "zigzag":
        turn = 0.6 * np.sign(np.sin(np.arange(n_steps) / rng.uniform(1.0, 2.0)))
    else:
        turn = np.zeros(n_steps)
    turn = turn + 0.1 * rng.normal(size=n_steps)
    heading = rng.uniform(0, 2 * np.pi) + np.cumsum(turn)
    speed = rng.uniform(0.5, 1.5)
    steps = speed * np.stack([np.cos(heading), np.sin(heading)], axis=1)
    return steps.astype(np.float32), turn


kinds = CLASSES[rng.randint(3, size=150 if QUICK else 900)]
data = [trajectory(kind) for kind in kinds]
X = [steps for steps, _ in data]  # a list of (n_steps_i, 2) arrays: the step vectors
X_train, X_test, y_train, y_test = train_test_split(X, kinds, test_size=0.3, random_state=0)

start = time.perf_counter()
clf = RNNClassifier(cell="gru", hidden_size=32, max_iter=EPOCHS, learning_rate_init=0.01,
                    random_state=0).fit(X_train, y_train)
print(f"sequence classification, {len(X_train)} training sequences of 10-60 steps: "
      f"test accuracy {clf.score(X_test, y_test):.4f} ({time.perf_counter() - start:.1f} s)")
print("first test predictions:", clf.predict(X_test[:5]).tolist(),
      "true:", y_test[:5].tolist())

# Sequence to sequence: a label for every step.
turning = [np.where(turn > 0, "left", "right") for _, turn in data]
T_train, T_test, s_train, s_test = train_test_split(X, turning, test_size=0.3, random_state=0)
start = time.perf_counter()
tagger = RNNClassifier(cell="gru", hidden_size=32, bidirectional=True, return_sequences=True,
                       max_iter=EPOCHS, learning_rate_init=0.01, random_state=0)
tagger.fit(T_train, s_train)
tags = tagger.predict(T_test[:1])[0]
print(f"per-step tagging: test accuracy over all steps {tagger.score(T_test, s_test):.4f} "
      f"({time.perf_counter() - start:.1f} s); first sequence: {len(tags)} steps, "
      f"{(tags == s_test[0]).mean():.2f} of its steps right")
