"""
Scaling out: a grid search on a Dask cluster
============================================

sknn's estimators are plain scikit-learn estimators, so joblib runs their
searches on any of its backends. With ``distributed`` installed (the
``scale`` extra), ``joblib.parallel_backend("dask")`` sends a
``GridSearchCV``'s fits to a Dask cluster: here a ``LocalCluster`` of two
workers inside this process (``processes=True`` gives each its own
process; in a script, start it under ``if __name__ == "__main__":``). Point
a ``Client`` at a real scheduler's address to use a cluster. Without
``distributed`` the same search runs on joblib's local processes. See the
guide on scaling out for Ray and data-parallel training.
"""

import importlib.util
import os
import time
import warnings

import joblib
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sknn import MLPClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)
QUICK = os.environ.get("SKNN_EXAMPLES_QUICK") == "1"  # less data, fewer epochs

X, y = load_digits(return_X_y=True)
if QUICK:
    X, y = X[:300], y[:300]
pipe = make_pipeline(MinMaxScaler(), MLPClassifier(max_iter=5 if QUICK else 40,
                                                   random_state=0))
grid = GridSearchCV(pipe, {"mlpclassifier__hidden_layer_sizes": [(32,), (128,)],
                           "mlpclassifier__alpha": [1e-4, 1e-2]}, cv=3, n_jobs=-1)

# %%
# The search, on Dask when it is installed
# -----------------------------------------
start = time.perf_counter()
if importlib.util.find_spec("distributed"):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        print(f"Dask cluster: {len(client.scheduler_info()['workers'])} workers")
        with joblib.parallel_backend("dask"):
            grid.fit(X, y)
else:
    print("distributed is not installed: joblib's local processes run the search")
    grid.fit(X, y)
print(f"{len(grid.cv_results_['params'])} settings x 3 folds in "
      f"{time.perf_counter() - start:.1f} s; best {grid.best_params_}, "
      f"cross-validated accuracy {grid.best_score_:.3f}")
