"""LSTM training and prediction: sknn against a hand-written torch loop, in one
process, rounds interleaved.

The job: 4,000 fixed-length float32 sequences (n, 30, 8), a regression
target, one LSTM layer of 64 units and a linear output, Adam (lr 1e-3),
batches of 128, 5 epochs, gradient norm clipped to 1.0 (sknn's recurrent
default) in both, no L2 penalty, no early stopping.

    python benchmarks/bench_rnn.py [--quick] [--device cuda]
"""

import warnings

import numpy as np
import torch
from _harness import command_line, hand_written_fit, interleaved, ratio_line, report
from sklearn.exceptions import ConvergenceWarning
from torch import nn

import sknn

warnings.filterwarnings("ignore", category=ConvergenceWarning)

N_STEPS, N_FEATURES, HIDDEN = 30, 8, 64


def make_data(n, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n, N_STEPS, N_FEATURES)).astype(np.float32)
    y = np.tanh(X[:, :, 0].cumsum(1)[:, -1] / 5) + 0.1 * rng.standard_normal(n)
    return X, y.astype(np.float32)


class LSTMRegressor(nn.Module):
    """The same network sknn builds: LSTM, last hidden state, linear output."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(N_FEATURES, HIDDEN, batch_first=True)
        self.output = nn.Linear(HIDDEN, 1)

    def forward(self, x):
        _, (hidden, _) = self.rnn(x)
        return self.output(hidden[-1])


def torch_loop(X, y, epochs, batch_size, device):
    """sknn's loss: half the squared error; sknn's recurrent default: clipping at 1.0."""
    return hand_written_fit(LSTMRegressor(), X, y.reshape(-1, 1),
                            loss_fn=lambda out, target: 0.5 * (out - target).pow(2).mean(),
                            epochs=epochs, batch_size=batch_size, device=device,
                            max_grad_norm=1.0)


def sknn_model(epochs, batch_size, device):
    return sknn.RNNRegressor(cell="lstm", hidden_size=HIDDEN, batch_size=batch_size,
                             max_iter=epochs, alpha=0.0, tol=0.0, max_grad_norm=1.0,
                             device=device, random_state=0)


def bench_fit(n, epochs, rounds, device):
    X, y = make_data(n)
    batch_size = 128
    contenders = {
        "torch loop": lambda: torch_loop(X, y, epochs, batch_size, device),
        "sknn": lambda: sknn_model(epochs, batch_size, device).fit(X, y),
    }
    times = report(f"fit: {n} x ({N_STEPS}, {N_FEATURES}) float32 sequences, LSTM({HIDDEN}), "
                   f"batch {batch_size}, {epochs} epochs, device {device}",
                   interleaved(contenders, rounds=rounds), "torch loop")
    ratio_line("sknn fit / torch loop", times["sknn"], times["torch loop"], limit=1.10)


def bench_predict(n, rounds, device):
    X, y = make_data(n)
    model = sknn_model(1, 128, device).fit(X[:1000], y[:1000])
    module = model.module_

    def torch_predict():
        with torch.inference_mode():
            module.eval()
            return module(torch.from_numpy(X).to(device)).cpu().numpy().ravel()

    times = report(f"predict: {n} float32 sequences, device {device}",
                   interleaved({"torch inference_mode": torch_predict,
                                "sknn": lambda: model.predict(X)}, rounds=rounds),
                   "torch inference_mode")
    ratio_line("sknn predict / torch inference_mode", times["sknn"],
               times["torch inference_mode"], limit=1.15)


def main():
    args, rounds = command_line()
    n_fit = 1000 if args.quick else 4000
    bench_fit(n_fit, 3 if args.quick else 5, rounds, args.device)
    bench_predict(4 * n_fit, rounds, args.device)


if __name__ == "__main__":
    main()
