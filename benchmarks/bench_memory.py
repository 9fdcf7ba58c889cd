"""Peak memory of MLPClassifier.fit on 1,000,000 x 100 float64 rows, and of predict.

The fit runs in a fresh subprocess; the figure is the growth of the peak
resident set size over the resident size just before ``fit`` (with X already
in memory), compared with the float32 size of X. Then ``predict`` on a
float32 DataFrame of 1,000,000 x 50, with the resident size sampled every
2 ms, against the DataFrame's own size.

    python benchmarks/bench_memory.py [--rows N]
"""

import argparse
import subprocess
import sys

CHILD = r"""
import resource, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
import sknn

def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()

n = int(sys.argv[1])
rng = np.random.RandomState(0)
X = rng.standard_normal((n, 100))
y = (X[:, 0] > 0).astype(np.int64)
model = sknn.MLPClassifier(hidden_layer_sizes=(64,), max_iter=1, batch_size=1000,
                           random_state=0, device="cpu")
before = rss_bytes()
model.fit(X, y)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
params = sum(p.numel() for p in model.module_.parameters()) * 4
print(before, peak, X.nbytes // 2, params)
"""


PREDICT_CHILD = r"""
import resource, sys, threading, time, warnings
import numpy as np, pandas as pd
warnings.simplefilter("ignore")
import sknn

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()

n = int(sys.argv[1])
rng = np.random.RandomState(0)
X = pd.DataFrame(rng.standard_normal((n, 50)).astype(np.float32),
                 columns=[f"f{i}" for i in range(50)])
y = (X["f0"] > 0).astype(int)
model = sknn.MLPClassifier(hidden_layer_sizes=(64,), max_iter=1, random_state=0)
model.fit(X.iloc[:5000], y[:5000]).predict(X.iloc[:100])
peak, done = [rss()], threading.Event()

def sample():
    while not done.is_set():
        peak[0] = max(peak[0], rss())
        time.sleep(0.002)

before = rss()
sampler = threading.Thread(target=sample)
sampler.start()
model.predict(X)
done.set()
sampler.join()
print(peak[0] - before, int(X.memory_usage().sum()))
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    out = subprocess.run([sys.executable, "-c", CHILD, str(args.rows)], check=True,
                         capture_output=True, text=True).stdout.split()
    before, peak, x32, params = map(int, out)
    growth = peak - before
    model = 4 * params  # weights, gradients and two Adam moments
    limit = 2 * x32 + model
    print(f"\nfit memory: {args.rows} x 100 float64 rows")
    print(f"  float32 size of X {x32 / 2**20:8.1f} MiB; model with Adam state "
          f"{model / 2**20:.2f} MiB")
    print(f"  peak growth during fit {growth / 2**20:8.1f} MiB")
    print(f"fit peak growth / (2 x float32 X + model) = {growth / limit:.3f}  "
          f"(<= 1.0: {'PASS' if growth <= limit else 'FAIL'})")
    out = subprocess.run([sys.executable, "-c", PREDICT_CHILD, str(args.rows)], check=True,
                         capture_output=True, text=True).stdout.split()
    growth, size = map(int, out)
    print(f"\npredict memory: {args.rows} x 50 float32 DataFrame ({size / 2**20:.1f} MiB)")
    print(f"predict growth / DataFrame size = {growth / size:.3f}  "
          f"(< 1.0: {'PASS' if growth < size else 'FAIL'})")


if __name__ == "__main__":
    main()
