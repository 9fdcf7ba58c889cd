"""GridSearchCV with n_jobs=2 against n_jobs=1: is the speed-up real?

With two processes on two cores, each process must use one torch thread, or
the threads oversubscribe the cores. joblib's default (loky) backend limits
each worker's OpenMP threads to cores // n_jobs before torch starts, so sknn
estimators need nothing special; the script prints the workers' thread count.

Two things bound the speed-up, and the script measures both:

- ``refit=True`` (the default) refits the best candidate on all the data in
  the main process after the search, one fit that cannot run in parallel;
  the ``refit=False`` lines show the search alone.
- Without psutil, loky's workers run a full ``gc.collect()`` after a task at
  most once a second. In a process that has imported torch (whose optimizers
  import ``torch._dynamo``) that takes about 0.2 s. sknn depends on psutil,
  with which loky collects only when a worker's memory has grown by 300 MB.

scikit-learn's own MLPClassifier runs the same search as the reference.

    python benchmarks/bench_gridsearch.py
"""

import importlib.util
import warnings

from _harness import interleaved, ratio_line, report
from joblib import Parallel, delayed
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sknn

warnings.filterwarnings("ignore", category=ConvergenceWarning)


def torch_threads():
    import torch

    return torch.get_num_threads()


def main(rounds=5):
    X, y = load_digits(return_X_y=True)
    workers = Parallel(n_jobs=2)(delayed(torch_threads)() for _ in range(2))
    print(f"torch threads in the n_jobs=2 workers: {workers}; psutil installed: "
          f"{importlib.util.find_spec('psutil') is not None}")
    # Short fits (30 epochs, ~0.1 s each) show the cost of dispatching work to
    # processes; longer ones (100 epochs, ~0.3 s each) the parallel speed-up.
    for epochs, sizes in [(30, [(64,), (128,)]), (100, [(64,), (128,)])]:
        grid = {"mlpclassifier__hidden_layer_sizes": sizes,
                "mlpclassifier__alpha": [1e-4, 1e-2]}
        estimators = {
            "sknn": sknn.MLPClassifier(max_iter=epochs, tol=0.0, random_state=0),
            "scikit-learn": MLPClassifier(max_iter=epochs, tol=0.0, random_state=0),
        }

        def search(estimator, n_jobs, refit=True, grid=grid):
            pipe = make_pipeline(StandardScaler(), estimator)
            return lambda: GridSearchCV(pipe, grid, cv=3, n_jobs=n_jobs, refit=refit).fit(X, y)

        contenders = {}
        for name, estimator in estimators.items():
            contenders[f"{name} n_jobs=1"] = search(estimator, 1)
            contenders[f"{name} n_jobs=2"] = search(estimator, 2)
        contenders["sknn n_jobs=1 refit=False"] = search(estimators["sknn"], 1, refit=False)
        contenders["sknn n_jobs=2 refit=False"] = search(estimators["sknn"], 2, refit=False)
        times = report(f"GridSearchCV: 4 candidates x 3 folds on digits, {epochs} epochs each",
                       interleaved(contenders, rounds=rounds), "sknn n_jobs=1")
        ratio_line(f"GridSearchCV speed-up n_jobs=2 over n_jobs=1 ({epochs} epochs)",
                   times["sknn n_jobs=1"], times["sknn n_jobs=2"], limit=1.7,
                   higher_is_better=True)
        ratio_line(f"  the same without the refit ({epochs} epochs)",
                   times["sknn n_jobs=1 refit=False"], times["sknn n_jobs=2 refit=False"])
        ratio_line(f"  scikit-learn's MLPClassifier, with the refit ({epochs} epochs)",
                   times["scikit-learn n_jobs=1"], times["scikit-learn n_jobs=2"])


if __name__ == "__main__":
    main()
