"""Small tabular data sets: sknn against scikit-learn's MLP, on a quiet and on a busy machine.

iris, wine, breast_cancer and digits, standardised; both estimators train the
same network (one hidden layer of 100, Adam, batch 'auto') for the same
number of epochs (``tol=0``), interleaved, ratio of medians. Then the same
with another process spinning on one core, as on a laptop with a browser
open or a shared CI runner.

    python benchmarks/bench_small.py [--quick]
"""

import multiprocessing
import os
import statistics
import warnings

from _harness import command_line, interleaved, ratio_line
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLP
from sklearn.preprocessing import StandardScaler

import sknn

warnings.filterwarnings("ignore", category=ConvergenceWarning)

DATASETS = {"iris": load_iris, "wine": load_wine, "breast_cancer": load_breast_cancer,
            "digits": load_digits}


def spin(stop):
    """Keep one core busy until ``stop`` is set."""
    while not stop.is_set():
        sum(range(10_000))


def contenders(X, y, epochs):
    params = dict(max_iter=epochs, tol=0.0, random_state=0)
    return {
        "scikit-learn": lambda: SkMLP(**params).fit(X, y),
        "sknn": lambda: sknn.MLPClassifier(**params).fit(X, y),
    }


def run(label, rounds, epochs, limit):
    print(f"\n{label}: fit time, {epochs} epochs, median of {rounds} interleaved rounds")
    worst = 0.0
    for name, load in DATASETS.items():
        X, y = load(return_X_y=True)
        X = StandardScaler().fit_transform(X)
        times = interleaved(contenders(X, y, epochs), rounds=rounds)
        medians = {k: statistics.median(v) for k, v in times.items()}
        worst = max(worst, ratio_line(f"  {name:<14} sknn / scikit-learn ({label})",
                                      medians["sknn"], medians["scikit-learn"], limit))
    return worst


def per_epoch_cost(rounds):
    """Microseconds per epoch on iris (one batch of 150), from fits of 1 and 201 epochs."""
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)

    def fits(make):
        return {epochs: (lambda epochs=epochs: make(epochs).fit(X, y)) for epochs in (1, 201)}

    makers = {"sknn": lambda e: sknn.MLPClassifier(max_iter=e, tol=0.0, random_state=0),
              "scikit-learn": lambda e: SkMLP(max_iter=e, tol=0.0, random_state=0)}
    print("\nper-epoch cost, iris, one batch per epoch ((fit of 201 epochs - fit of 1) / 200):")
    for name, make in makers.items():
        times = interleaved(fits(make), rounds=rounds)
        cost = (statistics.median(times[201]) - statistics.median(times[1])) / 200
        print(f"  {name:<14} {cost * 1e6:7.1f} us per epoch")


def main():
    args, rounds = command_line()
    epochs = 50 if args.quick else 200
    print(f"{os.cpu_count()} cores")
    per_epoch_cost(rounds)
    run("quiet", rounds, epochs, 1.2)
    stop = multiprocessing.Event()
    busy = multiprocessing.Process(target=spin, args=(stop,), daemon=True)
    busy.start()
    try:
        run("one core busy", rounds, epochs, 2.0)
    finally:
        stop.set()
        busy.join()


if __name__ == "__main__":
    main()
