"""GridSearchCV with n_jobs=2 against n_jobs=1: is the speed-up real?

With two processes on two cores, each process must use one torch thread, or
the threads oversubscribe the cores. joblib's default (loky) backend limits
each worker's OpenMP threads to cores // n_jobs before torch starts, so sknn
estimators need nothing special; this script measures that it holds.

    python benchmarks/bench_gridsearch.py
"""

import warnings

from _harness import interleaved, ratio_line, report
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sknn

warnings.filterwarnings("ignore", category=ConvergenceWarning)


def main(rounds=3):
    X, y = load_digits(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), sknn.MLPClassifier(max_iter=30, random_state=0))
    grid = {"mlpclassifier__hidden_layer_sizes": [(64,), (128,)],
            "mlpclassifier__alpha": [1e-4, 1e-2]}

    def search(n_jobs):
        return lambda: GridSearchCV(pipe, grid, cv=3, n_jobs=n_jobs).fit(X, y)

    times = report("GridSearchCV: 4 candidates x 3 folds on digits",
                   interleaved({"n_jobs=1": search(1), "n_jobs=2": search(2)}, rounds=rounds),
                   "n_jobs=1")
    ratio_line("GridSearchCV speed-up n_jobs=2 over n_jobs=1", times["n_jobs=1"],
               times["n_jobs=2"], limit=1.7, higher_is_better=True)


if __name__ == "__main__":
    main()
