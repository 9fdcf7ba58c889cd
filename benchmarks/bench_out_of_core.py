"""Data larger than memory: fit and predict from a np.memmap, zarr and dask arrays.

1. Memory: a float32 memory map of 1.6 GB (8,000,000 x 50) on disk; one
   epoch of ``MLPClassifier.fit`` and one ``predict`` over it, each in a
   fresh subprocess, with the process's anonymous memory (``RssAnon``: what
   it allocates, not the file's pages the kernel maps in and can drop)
   sampled every 5 ms. Printed: the growth over the level before the call
   (after a small fit, so that imports made by a process's first fit do not
   count).
2. Throughput: the same fit from a memory map in the page cache against
   the same rows in memory (interleaved rounds, ratio of medians), and
   whether both trained the same weights. Then from a zarr and a dask
   array (block shuffling), where installed.

    python benchmarks/bench_out_of_core.py [--quick]
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
from _harness import command_line, ratio_line

import sknn

warnings.filterwarnings("ignore")

CHILD = r"""
import sys, threading, time, warnings
import numpy as np
warnings.simplefilter("ignore")
import sknn

def anon():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024

path, n, d, what = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
X = np.memmap(path, dtype=np.float32, mode="r", shape=(n, d))
y = np.arange(n) % 2  # labels: the only per-row data in memory
model = sknn.MLPClassifier(hidden_layer_sizes=(64,), max_iter=1, batch_size=1000,
                           random_state=0)
model.fit(np.asarray(X[:5000]), y[:5000])  # the first fit of a process imports more
peak, done = [anon()], threading.Event()

def sample():
    while not done.is_set():
        peak.append(anon())
        time.sleep(0.005)

watcher = threading.Thread(target=sample)
before = anon()
watcher.start()
start = time.perf_counter()
if what == "fit":
    model.fit(X, y)
else:
    model.predict(X)
seconds = time.perf_counter() - start
done.set()
watcher.join()
print(before, max(peak), seconds)
"""


def memory(path, n, d):
    limit = 400 * 2**20
    for what in ("fit", "predict"):
        out = subprocess.run([sys.executable, "-c", CHILD, path, str(n), str(d), what],
                             capture_output=True, text=True, check=True).stdout.split()
        before, peak, seconds = int(out[0]), int(out[1]), float(out[2])
        growth = peak - before
        verdict = "PASS" if growth < limit else "FAIL"
        print(f"{what} on a {n * d * 4 / 1e9:.1f} GB memmap: anonymous memory grew by "
              f"{growth / 2**20:.0f} MB (< 400 MB: {verdict}); {seconds:.1f} s")


def make_memmap(path, n, d):
    X = np.memmap(path, dtype=np.float32, mode="w+", shape=(n, d))
    rng = np.random.default_rng(0)
    for start in range(0, n, 1_000_000):
        stop = min(n, start + 1_000_000)
        X[start:stop] = rng.standard_normal((stop - start, d), dtype=np.float32)
    X.flush()
    return np.memmap(path, dtype=np.float32, mode="r", shape=(n, d))


def throughput(path, n, d, rounds):
    X = make_memmap(path, n, d)
    in_memory = np.array(X)
    y = (in_memory[:, 0] + in_memory[:, 1] > 0).astype(np.int64)
    params = dict(hidden_layer_sizes=(64,), max_iter=2, batch_size=200, random_state=0,
                  tol=0)
    fits = {"in memory": lambda: sknn.MLPClassifier(**params).fit(in_memory, y),
            "memmap": lambda: sknn.MLPClassifier(**params).fit(X, y)}
    try:
        import zarr

        z = zarr.create_array(store=os.path.join(os.path.dirname(path), "x.zarr"),
                              shape=X.shape, chunks=(50_000, d), dtype="float32")
        z[:] = in_memory
        fits["zarr"] = lambda: sknn.MLPClassifier(**params).fit(z, y)
    except ImportError:
        print("zarr not installed: skipped")
    try:
        import dask.array as da

        dx = da.from_array(X, chunks=(50_000, d))
        fits["dask"] = lambda: sknn.MLPClassifier(**params).fit(dx, y)
    except ImportError:
        print("dask not installed: skipped")
    times, models = {k: [] for k in fits}, {}
    for _ in range(rounds):
        for name, fit in fits.items():
            start = time.perf_counter()
            models[name] = fit()
            times[name].append(time.perf_counter() - start)
    medians = {k: statistics.median(v) for k, v in times.items()}
    print(f"\nfit, {n:,} x {d} float32 rows, 2 epochs, median of {rounds} interleaved rounds")
    ratio_line("memmap fit / in-memory fit (page cache)", medians["memmap"],
               medians["in memory"], 1.3)
    same = all(np.array_equal(a.detach().numpy(), b.detach().numpy()) for a, b in zip(
        models["memmap"].module_.parameters(), models["in memory"].module_.parameters()))
    print(f"memmap and in-memory weights identical: {same}")
    for name in ("zarr", "dask"):
        if name in medians:
            ratio_line(f"{name} fit / in-memory fit (block shuffle)", medians[name],
                       medians["in memory"])
            print(f"  {name} accuracy {models[name].score(in_memory, y):.4f}, "
                  f"in memory {models['in memory'].score(in_memory, y):.4f}")


def main():
    args, rounds = command_line()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "x.dat")
        n, d = (2_000_000, 50) if args.quick else (8_000_000, 50)
        make_memmap(path, n, d)
        memory(path, n, d)
        os.remove(path)
        throughput(path, 500_000 if args.quick else 2_000_000, 50, rounds)


if __name__ == "__main__":
    main()
