"""
Sequence forecasting: a noisy sine with an LSTM, against a linear autoregression
================================================================================

The series is a sine with Gaussian noise and rare large spikes (impulsive
noise, as from a faulty sensor). ``SlidingWindows`` cuts it into windows of
20 steps and the value that follows each one; the first 800 windows train,
the rest test, in time order. ``Ridge`` on the same windows (a linear
autoregression) is the baseline: every spike inside a window throws its
forecast off, while the recurrent net learns to look past them.

Run it with ``python examples/rnn_forecasting.py``.
"""

import os
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge

from sknn import RNNRegressor, SlidingWindows

warnings.filterwarnings("ignore", category=ConvergenceWarning)
QUICK = os.environ.get("SKNN_EXAMPLES_QUICK") == "1"  # fewer epochs
EPOCHS = 3 if QUICK else 60

rng = np.random.RandomState(0)
t = np.arange(1200)
spikes = (rng.uniform(size=len(t)) < 0.05) * rng.choice([-3, 3], size=len(t))
series = np.sin(2 * np.pi * t / 25) + 0.1 * rng.normal(size=len(t)) + spikes

windows = SlidingWindows(window=20, horizon=1)
X, y = windows.fit_transform_with_targets(series)  # X (1180, 20, 1), y (1180,)
X = X.astype(np.float32)
X_train, X_test, y_train, y_test = X[:800], X[800:], y[:800], y[800:]

start = time.perf_counter()
rnn = RNNRegressor(cell="lstm", hidden_size=32, max_iter=EPOCHS, learning_rate_init=0.01,
                   random_state=0).fit(X_train, y_train)
rnn_seconds = time.perf_counter() - start
ridge = Ridge(alpha=1.0).fit(X_train[:, :, 0], y_train)

print(f"windows: train {X_train.shape}, test {X_test.shape}")
print(f"R^2 on the last {len(X_test)} windows: "
      f"RNNRegressor(lstm) {rnn.score(X_test, y_test):.4f} "
      f"({rnn.n_iter_} epochs, {rnn_seconds:.1f} s), "
      f"Ridge {ridge.score(X_test[:, :, 0], y_test):.4f}")

# %%
# The forecast against the series
# -------------------------------
try:
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: skipping the figure (sknn-torch[examples]).")
else:
    shown = slice(0, 150)  # the first 150 test windows
    steps = t[20 + 800:][shown]  # the step each test window forecasts
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.plot(steps, y_test[shown], color="0.6", linewidth=1, label="series (with spikes)")
    ax.plot(steps, ridge.predict(X_test[shown, :, 0]), color="C1", label="Ridge")
    ax.plot(steps, rnn.predict(X_test[shown]), color="C0", label="RNNRegressor(lstm)")
    ax.set_xlabel("time step")
    ax.legend(loc="upper right")
    ax.set_title("one-step-ahead forecasts on the test windows")
    plt.show()

# %%
# Forecast the step after the end of the series: the last window has no target yet.
next_value = rnn.predict(windows.transform(series)[-1:].astype(np.float32))[0]
print(f"next value forecast: {next_value:.4f} (noise-free sine there: "
      f"{np.round(np.sin(2 * np.pi * len(t) / 25), 4) + 0.0:.4f})")

# Several steps ahead: horizon=5 gives 5 targets per window, one output each.
X5, y5 = SlidingWindows(window=20, horizon=5).fit_transform_with_targets(series)
X5 = X5.astype(np.float32)
multi = RNNRegressor(hidden_size=32, max_iter=EPOCHS, learning_rate_init=0.01,
                     random_state=0).fit(X5[:800], y5[:800])
ridge5 = Ridge(alpha=1.0).fit(X5[:800, :, 0], y5[:800])
print(f"5 steps ahead, R^2: RNNRegressor {multi.score(X5[800:], y5[800:]):.4f}, "
      f"Ridge {ridge5.score(X5[800:, :, 0], y5[800:]):.4f}")
