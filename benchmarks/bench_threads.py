"""torch's intra-op thread count for small networks on this machine.

Times the tabular MLP job of bench_mlp.py (and prediction of 200,000 rows)
at every thread count from 1 to the number of cores, interleaved. sknn never
changes the process-wide setting itself; this tells you whether to call
``torch.set_num_threads`` in your own program.

    python benchmarks/bench_threads.py
"""

import os

import torch
from _harness import interleaved, report
from bench_mlp import make_data, sknn_model


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
    fit = {f"{n} thread(s)": with_threads(n, lambda: sknn_model(3, 256, "cpu").fit(X, y))
           for n in range(1, cores + 1)}
    report("fit: 20,000 x 64 rows, 64-256-256-4, batch 256, 3 epochs",
           interleaved(fit, rounds=rounds), "1 thread(s)")
    model = sknn_model(1, 256, "cpu").fit(X[:2000], y[:2000])
    X_big, _ = make_data(200_000)
    predict = {f"{n} thread(s)": with_threads(n, lambda: model.predict(X_big))
               for n in range(1, cores + 1)}
    report("predict: 200,000 rows", interleaved(predict, rounds=rounds), "1 thread(s)")


if __name__ == "__main__":
    main()
