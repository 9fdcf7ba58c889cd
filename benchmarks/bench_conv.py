"""ConvClassifier training: sknn against a hand-written torch loop, in one
process, rounds interleaved.

The job: 3,000 float32 images of 1 x 12 x 12, 10 classes, the default
network (3x3 conv 32 -> max pool -> 3x3 conv 64 -> max pool -> dense 128 ->
10, ReLU), Adam (lr 1e-3), batches of 128, 3 epochs, no L2 penalty, no early
stopping, torch's default thread count.

    python benchmarks/bench_conv.py [--quick] [--device cuda]
"""

import warnings

import numpy as np
from _harness import command_line, hand_written_fit, interleaved, ratio_line, report
from sklearn.exceptions import ConvergenceWarning
from torch import nn

import sknn

warnings.filterwarnings("ignore", category=ConvergenceWarning)

SHAPE = (1, 12, 12)


def make_data(n, n_classes=10, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n, *SHAPE)).astype(np.float32)
    w = rng.standard_normal((int(np.prod(SHAPE)), n_classes))
    y = (X.reshape(n, -1) @ w).argmax(1)
    return X, y


def make_module(n_classes=10):
    """sknn's default ConvClassifier network, written out."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
        nn.Flatten(), nn.Linear(64 * 3 * 3, 128), nn.ReLU(), nn.Linear(128, n_classes))


def torch_loop(X, y, epochs, batch_size, device):
    return hand_written_fit(make_module(), X, y, loss_fn=nn.CrossEntropyLoss(), epochs=epochs,
                            batch_size=batch_size, device=device)


def sknn_model(epochs, batch_size, device):
    return sknn.ConvClassifier(batch_size=batch_size, max_iter=epochs, alpha=0.0, tol=0.0,
                               device=device, random_state=0)


def main():
    args, rounds = command_line()
    n = 1_000 if args.quick else 3_000
    epochs, batch_size = 3, 128
    X, y = make_data(n)
    # the same network: sknn's module has the hand-written one's parameter shapes
    sknn_shapes = [tuple(p.shape) for p in sknn_model(1, batch_size, args.device)
                   .fit(X[:200], y[:200]).module_.parameters()]
    assert sknn_shapes == [tuple(p.shape) for p in make_module().parameters()], sknn_shapes
    times = report(
        f"fit: {n} images {SHAPE}, conv 32-64 + dense 128, batch {batch_size}, "
        f"{epochs} epochs, device {args.device}",
        interleaved({
            "torch loop": lambda: torch_loop(X, y, epochs, batch_size, args.device),
            "sknn": lambda: sknn_model(epochs, batch_size, args.device).fit(X, y),
        }, rounds=rounds),
        "torch loop")
    for name, seconds in times.items():
        print(f"  {name:<28} {n * epochs / seconds:12.0f} samples/s")
    ratio_line("sknn / torch loop", times["sknn"], times["torch loop"], limit=1.10)


if __name__ == "__main__":
    main()
