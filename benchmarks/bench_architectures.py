"""The architectures' acceptance tasks, at full size, and InceptionTime on UCR sets.

- encoder-decoder: sequences of 10 random digits, one-hot ``(n, 10, 10)``,
  to their first 5 digits in reverse order; 4,000 training sequences,
  per-step accuracy on 1,000 new ones (bar: 0.95);
- vector to sequence: (amplitude, frequency) pairs to 30 samples of the
  sine they define; R^2 on new pairs (bar: 0.95);
- ``ConvClassifier.alexnet()`` and ``.googlenet()`` on scikit-learn's
  digits as 8x8 images, held-out accuracy (bar: 0.97);
- ``ConvClassifier.inception_time()`` on the UCR sets that the ``aeon``
  wheel bundles, against the published accuracy (Ismail Fawaz et al. 2020,
  the authors' results files): networks of ``--seeds`` seeds, each and their
  mean, beside the mean of the authors' five runs of one network; or the
  paper's ensemble (``--ensemble 5``) beside the published ensemble.
  The wheel is fetched with ``pip download aeon --no-deps`` into a cache
  folder (or pass ``--aeon-wheel PATH``); nothing is installed.

    python benchmarks/bench_architectures.py [--quick] [--skip-ucr] [--ucr-epochs N]
                                              [--only TASK] [--sets ArrowHead,OSULeaf] [--threads 1]
                                              [--seeds 5 | --ensemble 5]
"""

import argparse
import pathlib
import tempfile
import time
import warnings

import numpy as np
from bench_quality import as_signals, fetch_archive, load, n_threads
from sklearn.datasets import load_digits
from sklearn.ensemble import VotingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from sknn import ConvClassifier, RNNClassifier, RNNRegressor

warnings.filterwarnings("ignore", category=ConvergenceWarning)

#: Published test accuracy on the UCR archive 2018 (github.com/hfawaz/InceptionTime):
#: ``one``, one network, the mean of the authors' five runs (results-inception-128.csv);
#: ``ensemble``, InceptionTime, the ensemble of five (results-InceptionTime-128.csv).
#: PickupGestureWiimoteZ has series of unequal length in the archive; the
#: ``_eq`` files are the archive's equal-length version (length 361).
PUBLISHED = {
    "GunPoint": {"one": 1.0, "ensemble": 1.0},
    "ItalyPowerDemand": {"one": 0.9642, "ensemble": 0.9650},
    "ArrowHead": {"one": 0.8469, "ensemble": 0.8457},
    "PickupGestureWiimoteZ_eq": {"one": 0.7440, "ensemble": 0.7600},
    "OSULeaf": {"one": 0.9248, "ensemble": 0.9421},
    "ACSF1": {"one": 0.8960, "ensemble": 0.9200},
}


def line(name, value, bar, seconds, extra=""):
    mark = "ok" if value >= bar else "BELOW"
    print(f"  {name:<44} {value:6.4f}  (bar {bar:.2f}: {mark})  {seconds:6.0f} s {extra}",
          flush=True)


def reversed_digits(n, rng, length=10, keep=5):
    """One-hot sequences of random digits and their first ``keep`` digits reversed."""
    digits = rng.randint(0, 10, size=(n, length))
    return np.eye(10, dtype=np.float32)[digits], digits[:, :keep][:, ::-1]


def encoder_decoder(n_train):
    rng = np.random.RandomState(0)
    X, y = reversed_digits(n_train, rng)
    X_test, y_test = reversed_digits(1000, rng)
    start = time.perf_counter()
    model = RNNClassifier(hidden_size=128, output_steps=5, learning_rate_init=0.005,
                          batch_size=64, max_iter=40, random_state=0).fit(X, y)
    line(f"encoder-decoder, {n_train} sequences, per-step acc", model.score(X_test, y_test),
         0.95, time.perf_counter() - start, f"{model.n_iter_} epochs")


def sines(n, rng, n_samples=30):
    amplitude, frequency = rng.uniform(0.5, 2.0, n), rng.uniform(0.5, 2.0, n)
    t = np.linspace(0, 2 * np.pi, n_samples)
    X = np.c_[amplitude, frequency].astype(np.float32)
    return X, (amplitude[:, None] * np.sin(frequency[:, None] * t)).astype(np.float32)


def vector_to_sequence(n_train):
    rng = np.random.RandomState(0)
    X, y = sines(n_train, rng)
    X_test, y_test = sines(1000, rng)
    start = time.perf_counter()
    model = RNNRegressor(hidden_size=64, output_steps=30, input_shape=(1, 2),
                         learning_rate_init=0.005, max_iter=100, batch_size=50,
                         random_state=0).fit(X, y)
    line(f"vector to sequence, {n_train} sines, R^2", model.score(X_test, y_test), 0.95,
         time.perf_counter() - start, f"{model.n_iter_} epochs")


def digit_images(recipe, max_iter=None):
    X, y = load_digits(return_X_y=True)
    X = (X / 16).reshape(-1, 1, 8, 8).astype(np.float32)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0,
                                                        stratify=y)
    start = time.perf_counter()
    params = {} if max_iter is None else {"max_iter": max_iter}
    model = getattr(ConvClassifier, recipe)(random_state=0, **params)
    model.fit(X_train, y_train)
    line(f"{recipe}() on 8x8 digits, held-out acc", model.score(X_test, y_test), 0.97,
         time.perf_counter() - start, f"{model.n_iter_} epochs")


def _aeon_wheel(path):
    """The aeon wheel at ``path``, or one downloaded once into a cache folder."""
    if path:
        return pathlib.Path(path)
    cache = pathlib.Path(tempfile.gettempdir()) / "sknn-bench-aeon"
    wheels = sorted(cache.glob("aeon-*.whl"))
    return wheels[-1] if wheels else fetch_archive(cache)


def inception_time(wheel, max_iter, sets=tuple(PUBLISHED), threads="auto", seeds=1,
                   ensemble=1):
    """Networks of seeds 0, 1, ... one by one, each and their mean beside the authors'
    mean of one network; or the paper's ensemble, scikit-learn's soft
    ``VotingClassifier`` over ``ensemble`` networks, beside the published ensemble."""
    params = {"n_threads": threads, **({} if max_iter is None else {"max_iter": max_iter})}
    for name in sets:
        X, y, X_test, y_test = load(wheel, name)
        X, X_test = as_signals(X), as_signals(X_test)  # (n, 1, L), z-normalised
        size = f"{len(X)} train / {len(X_test)} test"
        if ensemble > 1:
            published = PUBLISHED[name]["ensemble"]
            start = time.perf_counter()
            model = VotingClassifier(
                [(f"seed{seed}", ConvClassifier.inception_time(random_state=seed, **params))
                 for seed in range(ensemble)], voting="soft").fit(X, y)
            # the members learnt the voter's label codes
            members = [np.mean(model.classes_[net.predict(X_test)] == y_test)
                       for net in model.estimators_]
            line(f"{ensemble} x inception_time() {name} (published {published:.4f})",
                 model.score(X_test, y_test), published - 0.03, time.perf_counter() - start,
                 "members " + " ".join(f"{score:.3f}" for score in members) + f", {size}")
            continue
        published = PUBLISHED[name]["one"]
        scores, seconds = [], []
        for seed in range(seeds):
            start = time.perf_counter()
            model = ConvClassifier.inception_time(random_state=seed, **params).fit(X, y)
            scores.append(model.score(X_test, y_test))
            seconds.append(time.perf_counter() - start)
            line(f"inception_time() {name} seed {seed} (one: {published:.4f})", scores[-1],
                 published - 0.03, seconds[-1], f"{model.n_iter_} epochs, {size}")
        if seeds > 1:
            line(f"inception_time() {name} mean of {seeds} (one: {published:.4f})",
                 float(np.mean(scores)), published - 0.03, sum(seconds), "in all")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller data, fewer epochs")
    parser.add_argument("--skip-ucr", action="store_true", help="skip InceptionTime on UCR")
    parser.add_argument("--ucr-epochs", type=int, default=None,
                        help="max_iter for InceptionTime (default: the recipe's)")
    parser.add_argument("--aeon-wheel", default=None, help="a downloaded aeon wheel")
    parser.add_argument("--threads", default="auto", type=n_threads,
                        help="n_threads of the InceptionTime fits: 'auto' or an int (1 keeps "
                             "a fit to one core on a shared machine)")
    parser.add_argument("--seeds", type=int, default=1,
                        help="InceptionTime: networks of seeds 0 to N-1, one by one, "
                             "and their mean")
    parser.add_argument("--ensemble", type=int, default=1,
                        help="InceptionTime as the paper's ensemble of this many networks")
    parser.add_argument("--sets", default=",".join(PUBLISHED),
                        help="the UCR sets for InceptionTime, comma-separated")
    parser.add_argument("--only", default=None,
                        help="one of seq2seq, vec2seq, alexnet, googlenet, ucr")
    args = parser.parse_args()
    tasks = {
        "seq2seq": lambda: encoder_decoder(1000 if args.quick else 4000),
        "vec2seq": lambda: vector_to_sequence(500 if args.quick else 2000),
        "alexnet": lambda: digit_images("alexnet", 10 if args.quick else None),
        "googlenet": lambda: digit_images("googlenet", 10 if args.quick else None),
        "ucr": lambda: inception_time(_aeon_wheel(args.aeon_wheel), args.ucr_epochs,
                                      [name for name in args.sets.split(",") if name],
                                      args.threads, args.seeds, args.ensemble),
    }
    if args.skip_ucr:
        tasks.pop("ucr")
    print("Architectures' acceptance tasks (one CPU run; value, bar, wall time)")
    for name, task in tasks.items():
        if args.only in (None, name):
            task()
