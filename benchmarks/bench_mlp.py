"""MLP training and prediction: sknn against a hand-written torch loop, skorch
and scikit-learn, in one process, rounds interleaved.

The job: 50,000 x 64 float32 rows, 4 classes, a 64-256-256-4 ReLU network,
Adam (lr 1e-3), batches of 256, 5 epochs, no L2 penalty, no early stopping,
every library at torch's default thread count.

    python benchmarks/bench_mlp.py [--quick] [--device cuda]
"""

import time
import warnings

import numpy as np
import torch
from _harness import command_line, hand_written_fit, interleaved, ratio_line, report
from sklearn.exceptions import ConvergenceWarning
from torch import nn

import sknn

warnings.filterwarnings("ignore", category=ConvergenceWarning)


def make_data(n, n_features=64, n_classes=4, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n, n_features)).astype(np.float32)
    w = rng.standard_normal((n_features, n_classes))
    y = (X @ w + rng.standard_normal((n, n_classes))).argmax(1)
    return X, y


def make_module(n_features=64, n_classes=4):
    return nn.Sequential(nn.Linear(n_features, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                         nn.Linear(256, n_classes))


def torch_loop(X, y, epochs, batch_size, device, fused=None):
    return hand_written_fit(make_module(), X, y, loss_fn=nn.CrossEntropyLoss(), epochs=epochs,
                            batch_size=batch_size, device=device, fused=fused)


def sknn_model(epochs, batch_size, device, **kwargs):
    return sknn.MLPClassifier(hidden_layer_sizes=(256, 256), batch_size=batch_size,
                              max_iter=epochs, alpha=0.0, tol=0.0, device=device,
                              random_state=0, **kwargs)


def skorch_model(epochs, batch_size, device, **kwargs):
    """skorch's NeuralNetClassifier with its defaults but the job's network,
    optimizer, learning rate, batch size and epochs. Its default train_split
    holds out 20% and scores it every epoch; ``train_split=None`` trains on
    everything, the same work as the others."""
    from skorch import NeuralNetClassifier

    return NeuralNetClassifier(make_module, criterion=nn.CrossEntropyLoss,
                               optimizer=torch.optim.Adam, lr=1e-3, max_epochs=epochs,
                               batch_size=batch_size, device=device, verbose=0, **kwargs)


def sklearn_model(epochs, batch_size):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(hidden_layer_sizes=(256, 256), batch_size=batch_size, max_iter=epochs,
                         alpha=0.0, tol=0.0, random_state=0)


def bench_fit(n, epochs, rounds, device):
    X, y = make_data(n)
    batch_size = 256
    contenders = {
        "torch loop": lambda: torch_loop(X, y, epochs, batch_size, device),
        "sknn": lambda: sknn_model(epochs, batch_size, device).fit(X, y),
        # sknn uses the fused Adam kernel where torch has one; so can a loop.
        "torch loop (fused Adam)": lambda: torch_loop(X, y, epochs, batch_size, device, True),
    }
    # Opt-in speed-ups: mixed precision (pays off on GPUs with tensor cores)
    # and torch.compile. The first compiled fit of a process pays the
    # compilation; time it alone, then let the interleaved rounds measure fits
    # that reuse the compiled code.
    options = {"sknn (bfloat16)": dict(precision="bfloat16"),
               "sknn (float16)": dict(precision="float16"),
               "sknn (compile)": dict(compile=True)}
    if device == "cpu":  # float16 autocast on the CPU: 18x slower in the --quick run
        del options["sknn (float16)"]
    start = time.perf_counter()
    sknn_model(epochs, batch_size, device, compile=True).fit(X, y)
    first_compiled = time.perf_counter() - start
    for name, kwargs in options.items():
        contenders[name] = lambda kw=kwargs: sknn_model(epochs, batch_size, device, **kw).fit(X, y)
    contenders["skorch defaults"] = lambda: skorch_model(epochs, batch_size, device).fit(X, y)
    contenders["skorch (train_split=None)"] = \
        lambda: skorch_model(epochs, batch_size, device, train_split=None).fit(X, y)
    if device == "cpu":
        contenders["scikit-learn"] = lambda: sklearn_model(epochs, batch_size).fit(X, y)
    times = report(f"fit: {n} x 64 rows, 64-256-256-4, batch {batch_size}, {epochs} epochs, "
                   f"device {device}", interleaved(contenders, rounds=rounds), "torch loop")
    samples = n * epochs
    for name, seconds in times.items():
        print(f"  {name:<28} {samples / seconds:12.0f} samples/s")
    ratio_line("sknn fit / torch loop", times["sknn"], times["torch loop"], limit=1.10)
    ratio_line("sknn fit / torch loop (fused Adam)", times["sknn"],
               times["torch loop (fused Adam)"])
    ratio_line("skorch defaults fit / sknn", times["skorch defaults"], times["sknn"],
               limit=1.5, higher_is_better=True)
    ratio_line("skorch (train_split=None) fit / sknn", times["skorch (train_split=None)"],
               times["sknn"])
    for name in options:
        ratio_line(f"{name} fit / sknn", times[name], times["sknn"])
    print(f"first sknn (compile) fit of the process, compilation included (one run; "
          f"torch's on-disk cache may hold code compiled by earlier runs): "
          f"{first_compiled / times['sknn']:.1f}x the median sknn fit")
    losses = {name: sknn_model(epochs, batch_size, device, **kwargs).fit(X, y).loss_
              for name, kwargs in {"sknn": {}, **options}.items()}
    print(f"training loss after {epochs} epochs: "
          + ", ".join(f"{name} {loss:.5f}" for name, loss in losses.items()))
    return times


def bench_predict(n, rounds, device):
    X, y = make_data(n)
    small = slice(0, 2000)
    model = sknn_model(1, 256, device).fit(X[small], y[small])
    module = model.module_
    net = skorch_model(1, 256, device, train_split=None).fit(X[small], y[small])

    def torch_predict():
        with torch.inference_mode():
            module.eval()
            return module(torch.from_numpy(X).to(device)).argmax(1).cpu().numpy()

    contenders = {
        "torch inference_mode": torch_predict,
        "sknn": lambda: model.predict(X),
        "skorch": lambda: net.predict(X),
    }
    if device == "cpu":
        sk = sklearn_model(1, 256).fit(X[small], y[small])
        contenders["scikit-learn"] = lambda: sk.predict(X)
    times = report(f"predict: {n} float32 rows, device {device}",
                   interleaved(contenders, rounds=rounds), "torch inference_mode")
    ratio_line("sknn predict / torch inference_mode", times["sknn"],
               times["torch inference_mode"], limit=1.15)

    row = X[:1]
    row_t = torch.from_numpy(row).to(device)

    def bare_call():  # .cpu() waits for the device, as predict must
        with torch.inference_mode():
            return module(row_t).cpu()

    def many(fn, k=200):
        def run():
            for _ in range(k):
                fn()
        return run

    latency = report("one-row latency (200 calls)", interleaved(
        {"bare module call": many(bare_call), "sknn predict": many(lambda: model.predict(row)),
         "sknn predict_proba": many(lambda: model.predict_proba(row))}, rounds=rounds),
        "bare module call", unit="us/call", scale=1e6 / 200)
    ratio_line("sknn one-row predict / bare module call", latency["sknn predict"],
               latency["bare module call"], limit=2.0)


def main():
    args, rounds = command_line()
    n_fit = 10_000 if args.quick else 50_000
    n_predict = 50_000 if args.quick else 200_000
    bench_fit(n_fit, 5, rounds, args.device)
    bench_predict(n_predict, rounds, args.device)


if __name__ == "__main__":
    main()
