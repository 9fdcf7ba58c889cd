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
    # Short fits (30 epochs, ~0.1 s each) show the cost of dispatching work to
    # processes; longer ones (100 epochs, ~1-2 s each) the parallel speed-up.
    for epochs, sizes in [(30, [(64,), (128,)]), (100, [(64,), (128,)])]:
        pipe = make_pipeline(StandardScaler(),
                             sknn.MLPClassifier(max_iter=epochs, tol=0.0, random_state=0))
        grid = {"mlpclassifier__hidden_layer_sizes": sizes,
                "mlpclassifier__alpha": [1e-4, 1e-2]}

        def search(n_jobs):
            return lambda: GridSearchCV(pipe, grid, cv=3, n_jobs=n_jobs).fit(X, y)

        times = report(f"GridSearchCV: 4 candidates x 3 folds on digits, {epochs} epochs each",
                       interleaved({"n_jobs=1": search(1), "n_jobs=2": search(2)},
                                   rounds=rounds), "n_jobs=1")
        ratio_line(f"GridSearchCV speed-up n_jobs=2 over n_jobs=1 ({epochs} epochs)",
                   times["n_jobs=1"], times["n_jobs=2"], limit=1.7, higher_is_better=True)


if __name__ == "__main__":
    main()
