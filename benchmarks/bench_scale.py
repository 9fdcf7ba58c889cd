"""GridSearchCV of sknn MLPs on a 2-worker Dask cluster against n_jobs=1.

How much two worker processes can gain depends on the machine as much as on
sknn: two cores that other programs also use, or that share caches and
memory bandwidth, give less than 2x to any pair of processes. So the script
also times plain CPU-bound work (a pure-python loop) done by one process and
by two processes in the same rounds, and quotes the Dask speed-up as a
fraction of that one:

    (n_jobs=1 search / Dask search) / (one process / two processes)

The search has 4 candidates of equal cost (same network, different alpha
and learning rate) x 3 folds, 60 epochs each, on the digits data, with
``refit=False`` (a refit is one more fit that runs alone, after the search).
The cluster is started, and every worker has imported torch and sknn,
before the timed rounds: a warm-up round runs every contender once first.

    python benchmarks/bench_scale.py [--quick]
"""

import importlib.util
import os
import statistics
import time
import warnings
from concurrent.futures import ProcessPoolExecutor

from _harness import command_line, interleaved, ratio_line, report
from joblib import parallel_backend
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

import sknn

warnings.filterwarnings("ignore", category=ConvergenceWarning)

#: Iterations of the plain loop: about as long as two of the search's fits.
LOOP = 12_000_000


def cpu_bound(n=LOOP):
    """Plain CPU-bound work: no memory traffic, no library, one core."""
    total = 0
    for i in range(n):
        total += i * i
    return total


def torch_threads():
    import torch

    return torch.get_num_threads()


def load():
    return os.getloadavg()[0]


def main(rounds=5):
    if importlib.util.find_spec("distributed") is None:
        print("distributed is not installed (pip install sknn-torch[scale]): skipped")
        return
    import distributed

    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    grid = {"alpha": [1e-4, 1e-3], "learning_rate_init": [1e-3, 2e-3]}
    mlp = sknn.MLPClassifier(hidden_layer_sizes=(64,), max_iter=60, tol=0.0, random_state=0)

    in_fits = {"search n_jobs=1": [], "search Dask, 2 workers": []}

    def search(name, n_jobs):
        results = GridSearchCV(mlp, grid, cv=3, n_jobs=n_jobs, refit=False).fit(X, y).cv_results_
        in_fits[name].append(3 * sum(results["mean_fit_time"]))

    def dask_search():
        with parallel_backend("dask"):
            search("search Dask, 2 workers", -1)

    print(f"load average (1 min) before: {load():.2f} on {os.cpu_count()} cores")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client, \
            ProcessPoolExecutor(2) as pool:
        print(f"torch threads in the Dask workers: {sorted(client.run(torch_threads).values())}")

        def one_process():
            pool.submit(cpu_bound).result()
            pool.submit(cpu_bound).result()

        def two_processes():
            for future in [pool.submit(cpu_bound), pool.submit(cpu_bound)]:
                future.result()

        contenders = {"search n_jobs=1": lambda: search("search n_jobs=1", 1),
                      "search Dask, 2 workers": dask_search,
                      "loop x2, one process": one_process,
                      "loop x2, two processes": two_processes}
        start = time.perf_counter()
        times = interleaved(contenders, rounds=rounds)
        elapsed = time.perf_counter() - start
    print(f"load average (1 min) after: {load():.2f}; {elapsed:.0f} s of rounds")
    medians = report("GridSearchCV, 4 candidates x 3 folds, 60 epochs; a plain loop in 1 and "
                     "2 processes", times, "search n_jobs=1")
    for name, seconds in in_fits.items():
        print(f"  {name}: median {statistics.median(seconds[1:]):.3f} s inside the 12 fits "
              "(the sum over fits, wherever they ran)")
    dask = ratio_line("Dask (2 workers) speed-up over n_jobs=1",
                      medians["search n_jobs=1"], medians["search Dask, 2 workers"])
    plain = ratio_line("two plain processes' speed-up over one",
                       medians["loop x2, one process"], medians["loop x2, two processes"])
    ratio_line("Dask speed-up / plain-process speed-up", dask, plain, limit=0.85,
               higher_is_better=True)


if __name__ == "__main__":
    args, rounds = command_line()
    main(rounds)
