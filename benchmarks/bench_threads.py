"""torch's intra-op thread count on this machine, and where ``n_threads='auto'`` switches.

1. The threshold sweep: MLP training steps of growing size (floating-point
   operations per step, as ``sknn._threads.step_flops`` counts them) with one
   thread and with every core, interleaved. Below the size where more
   threads stop losing, ``n_threads='auto'`` trains on one thread
   (``sknn._threads.SMALL_STEP_FLOPS``).
2. The tabular MLP job of bench_mlp.py (and prediction of 200,000 rows) at
   every thread count from 1 to the number of cores, with ``n_threads=k``.

    python benchmarks/bench_threads.py
"""

import os
import statistics
import warnings

import numpy as np
import torch
from _harness import interleaved, report
from bench_mlp import make_data, sknn_model
from sklearn.exceptions import ConvergenceWarning

import sknn
from sknn._threads import SMALL_STEP_FLOPS, step_flops

warnings.filterwarnings("ignore", category=ConvergenceWarning)


def sweep(rounds):
    """Seconds per epoch with 1 thread and with every core, for steps of growing size."""
    cores = os.cpu_count()
    rng = np.random.RandomState(0)
    X = rng.normal(size=(2000, 32)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    print(f"\nthreshold sweep: 2000 x 32, batch 200, one hidden layer, {cores} threads vs 1 "
          f"(n_threads='auto' uses 1 thread below {SMALL_STEP_FLOPS:.0e} flops/step)")
    for width in (8, 32, 64, 128, 256, 512, 1024):
        def fit(threads, width=width):
            return lambda: sknn.MLPClassifier((width,), max_iter=3, tol=0, batch_size=200,
                                              n_threads=threads, random_state=0).fit(X, y)
        times = interleaved({"1": fit(1), "all": fit(cores)}, rounds=rounds)
        params = 32 * width + width + width * 1 + 1
        ratio = statistics.median(times["all"]) / statistics.median(times["1"])
        print(f"  width {width:>5}: {step_flops(params, 200):9.2e} flops/step, "
              f"{cores} threads / 1 thread = {ratio:.2f}")


def with_threads(n, fn):
    def run():
        previous = torch.get_num_threads()
        torch.set_num_threads(n)
        try:
            fn()
        finally:
            torch.set_num_threads(previous)
    return run


def main(rounds=3):
    cores = os.cpu_count()
    X, y = make_data(20_000)
    sweep(rounds)
    fit = {f"{n} thread(s)": with_threads(n, lambda: sknn_model(3, 256, "cpu").set_params(
        n_threads=None).fit(X, y)) for n in range(1, cores + 1)}
    report("fit: 20,000 x 64 rows, 64-256-256-4, batch 256, 3 epochs",
           interleaved(fit, rounds=rounds), "1 thread(s)")
    model = sknn_model(1, 256, "cpu").set_params(n_threads=None).fit(X[:2000], y[:2000])
    X_big, _ = make_data(200_000)
    predict = {f"{n} thread(s)": with_threads(n, lambda: model.predict(X_big))
               for n in range(1, cores + 1)}
    report("predict: 200,000 rows", interleaved(predict, rounds=rounds), "1 thread(s)")


if __name__ == "__main__":
    main()
