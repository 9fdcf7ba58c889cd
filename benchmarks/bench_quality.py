"""The recipes on real data, beside the published figures.

- ``ConvClassifier.fcn()`` and ``.resnet()`` as shipped on the UCR sets that
  aeon's wheel bundles (fetched with ``pip download aeon --no-deps`` into a
  temporary folder at run time), two seeds each: test accuracy beside the
  published FCN/ResNet accuracy, and the seconds each fit took;
- ``RNNClassifier.bigru()`` on JapaneseVowels (UEA, ragged lengths);
- ``ConvClassifier.vgg_small()`` on scikit-learn's digits as 8x8 images,
  5-fold stratified CV;
- ``RNNRegressor`` on ``SlidingWindows`` of the Mackey-Glass series, 5 steps
  ahead (NRMSE: RMSE over the target's standard deviation).

    python benchmarks/bench_quality.py [--sets ArrowHead,GunPoint] [--seeds 0,1]
                                       [--skip ucr,uea,digits,mackey]

Published accuracies: Fawaz et al. (2019), "Deep learning for time series
classification: a review", Data Mining and Knowledge Discovery 33, the mean
test accuracy of 10 runs (their results/results-ucr.csv and results-mts.csv
in github.com/hfawaz/dl-4-tsc), UCR archive 2015 splits.
"""

import argparse
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile

import numpy as np

# Fawaz et al. (2019), mean accuracy of 10 runs: (FCN, ResNet).
PUBLISHED_UCR = {
    "ArrowHead": (0.85, 0.84),
    "GunPoint": (1.00, 0.99),
    "ItalyPowerDemand": (0.96, 0.96),
    "OSULeaf": (0.98, 0.98),
}
# The same paper on the multivariate archive (Baydogan's): FCN, ResNet.
PUBLISHED_UEA = {"JapaneseVowels": (0.99, 0.99)}


# -- data ----------------------------------------------------------------------

def fetch_archive(folder):
    """Download aeon's wheel (no dependencies) into ``folder``; return its path."""
    subprocess.run([sys.executable, "-m", "pip", "download", "aeon", "--no-deps", "-q",
                    "-d", str(folder)], check=True)
    return next(pathlib.Path(folder).glob("aeon-*.whl"))


def read_ts(text):
    """``(X, y)`` of a ``.ts`` file: a list of ``(T_i, d)`` arrays and the labels."""
    X, y, in_data = [], [], False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.lower() == "@data":
            in_data = True
            continue
        if not in_data:
            continue
        *dims, label = line.split(":")
        X.append(np.array([[float(v) for v in dim.split(",")] for dim in dims],
                          dtype=np.float32).T)
        y.append(label)
    return X, np.array(y)


def load(wheel, name):
    """``(X_train, y_train, X_test, y_test)`` of a data set in aeon's wheel."""
    folder = name.removesuffix("_eq")  # an equal-length version lies beside its set
    with zipfile.ZipFile(wheel) as archive:
        parts = [read_ts(archive.read(f"aeon/datasets/data/{folder}/{name}_{split}.ts")
                         .decode()) for split in ("TRAIN", "TEST")]
    return (*parts[0], *parts[1])


def as_signals(X):
    """Equal-length univariate series as ``(n, 1, L)``, z-normalised per series."""
    X = np.stack([x[:, 0] for x in X])
    X = (X - X.mean(1, keepdims=True)) / (X.std(1, keepdims=True) + 1e-8)
    return X[:, None, :].astype(np.float32)


def n_threads(value):
    """The ``--threads`` option as an estimator's ``n_threads``: 'auto' or an int."""
    return value if value == "auto" else int(value)


def _line(text):
    print(text, flush=True)


# -- the benchmarks ------------------------------------------------------------

def bench_ucr(wheel, sets, seeds, threads="auto"):
    """FCN and ResNet recipes, as shipped, on the UCR sets; accuracy beside the paper's."""
    from sknn import ConvClassifier

    results = {}
    for name in sets:
        X_train, y_train, X_test, y_test = load(wheel, name)
        X_train, X_test = as_signals(X_train), as_signals(X_test)
        for column, recipe in enumerate(("fcn", "resnet")):
            published = PUBLISHED_UCR[name][column]
            for seed in seeds:
                model = getattr(ConvClassifier, recipe)(random_state=seed, n_threads=threads)
                start = time.perf_counter()
                model.fit(X_train, y_train)
                seconds = time.perf_counter() - start
                accuracy = model.score(X_test, y_test)
                results[recipe, seed, name] = (accuracy, published, seconds)
                _line(f"{name:<17} {recipe:<6} seed {seed}: test accuracy {accuracy:.3f}, "
                      f"published {published:.2f} ({accuracy - published:+.3f}), "
                      f"{model.n_iter_} epochs, {seconds:.0f} s")
    for recipe in ("fcn", "resnet"):
        for seed in seeds:
            rows = [results[recipe, seed, name] for name in sets]
            mean = np.mean([r[0] for r in rows])
            published = np.mean([r[1] for r in rows])
            worst = min(r[0] - r[1] for r in rows)
            slowest = max(r[2] for r in rows)
            verdict = "PASS" if (mean >= published - 0.01 and worst >= -0.03
                                 and slowest < 300) else "FAIL"
            _line(f"{recipe} seed {seed} on {len(sets)} sets: mean accuracy {mean:.3f}, "
                  f"published mean {published:.3f} ({mean - published:+.3f}), worst set "
                  f"{worst:+.3f}, slowest fit {slowest:.0f} s  "
                  f"(mean >= published - 0.01, no set below -0.03, fits < 300 s: {verdict})")


def bench_uea(wheel, seeds, threads="auto"):
    """The recurrent recipe on JapaneseVowels (ragged lengths, 12 variables)."""
    from sknn import RNNClassifier

    X_train, y_train, X_test, y_test = load(wheel, "JapaneseVowels")
    best = max(PUBLISHED_UEA["JapaneseVowels"])
    for seed in seeds:
        model = RNNClassifier.bigru(random_state=seed, n_threads=threads)
        start = time.perf_counter()
        model.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        accuracy = model.score(X_test, y_test)
        _line(f"JapaneseVowels    bigru  seed {seed}: test accuracy {accuracy:.3f}, published "
              f"best {best:.2f}, {seconds:.0f} s  (>= 0.97: "
              f"{'PASS' if accuracy >= 0.97 else 'FAIL'})")


def bench_digits(threads="auto"):
    """The small-image recipe on digits as 8x8 images, 5-fold stratified CV."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    from sknn import ConvClassifier

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).reshape(-1, 1, 8, 8).astype(np.float32)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    start = time.perf_counter()
    model = ConvClassifier.vgg_small(random_state=0, n_threads=threads)
    scores = cross_val_score(model, X, y, cv=cv)
    seconds = time.perf_counter() - start
    _line(f"digits 8x8, vgg_small, 5-fold stratified CV: {scores.mean():.4f} "
          f"(folds {np.round(scores, 4).tolist()}), {seconds:.0f} s  (>= 0.990: "
          f"{'PASS' if scores.mean() >= 0.990 else 'FAIL'}; scikit-learn's MLP 0.977)")


def mackey_glass(n, tau=17, beta=0.2, gamma=0.1, power=10, dt=0.1, x0=1.2, discard=500):
    """The Mackey-Glass series (``tau=17``) sampled every time unit, Euler steps of ``dt``."""
    steps, lag = round(1 / dt), round(tau / dt)
    total = (n + discard) * steps
    x = np.full(total + lag, x0)
    for t in range(lag, total + lag - 1):
        delayed = x[t - lag]
        x[t + 1] = x[t] + dt * (beta * delayed / (1 + delayed ** power) - gamma * x[t])
    return x[lag::steps][discard:discard + n]


def bench_mackey_glass(threads="auto"):
    """``RNNRegressor`` on ``SlidingWindows``: the next 5 values, NRMSE on the last 500 steps."""
    from sknn import RNNRegressor, SlidingWindows

    series = mackey_glass(2500)
    z = (series - series[:2000].mean()) / series[:2000].std()
    windows = SlidingWindows(window=24, horizon=5).fit(z)
    X, y = windows.transform_with_targets(z)
    split = 2000 - 24 - 5  # windows whose targets lie in the first 2,000 steps
    model = RNNRegressor(**MACKEY_GLASS_MODEL, random_state=0, n_threads=threads)
    start = time.perf_counter()
    model.fit(X[:split], y[:split])
    seconds = time.perf_counter() - start
    error = model.predict(X[split:]) - y[split:]
    nrmse = np.sqrt(np.mean(error ** 2)) / y[split:].std()
    fifth = np.sqrt(np.mean(error[:, -1] ** 2)) / y[split:, -1].std()
    _line(f"Mackey-Glass, 5 steps ahead, {len(error)} test windows: NRMSE {nrmse:.4f} "
          f"(5th step alone {fifth:.4f}), {seconds:.0f} s  (<= 0.02: "
          f"{'PASS' if nrmse <= 0.02 else 'FAIL'})")


MACKEY_GLASS_MODEL = dict(cell="gru", hidden_size=64, learning_rate="cosine",
                          learning_rate_init=3e-3, max_iter=100, batch_size=64,
                          balanced_batches=True, n_iter_no_change=np.inf)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(PUBLISHED_UCR))
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--skip", default="")
    parser.add_argument("--threads", default="auto", type=n_threads,
                        help="n_threads of every model: 'auto' (the default) or an int; 1 "
                             "keeps each fit to one core on a shared machine")
    args = parser.parse_args()
    sets = [name for name in args.sets.split(",") if name]
    seeds = [int(seed) for seed in args.seeds.split(",")]
    skip = set(args.skip.split(","))
    warnings.filterwarnings("ignore", message="Stochastic Optimizer")
    _line(f"torch threads: {__import__('torch').get_num_threads()}, n_threads={args.threads!r}, "
          f"CPUs: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as folder:
        wheel = fetch_archive(folder) if {"ucr", "uea"} - skip else None
        if "ucr" not in skip:
            bench_ucr(wheel, sets, seeds, args.threads)
        if "uea" not in skip:
            bench_uea(wheel, seeds, args.threads)
    if "digits" not in skip:
        bench_digits(args.threads)
    if "mackey" not in skip:
        bench_mackey_glass(args.threads)


if __name__ == "__main__":
    main()
