"""Interleaved timing: every contender runs once per round, rounds alternate.

Machines are noisy; interleaving spreads the noise over all contenders, and
medians ignore the outliers. Ratios between contenders are what to quote.
"""

import statistics
import time


def interleaved(contenders, rounds=5, warmup=1):
    """Time each callable in ``contenders`` (a dict name -> fn) ``rounds`` times.

    Every round runs all contenders in turn; ``warmup`` rounds run first and
    are not recorded. Returns a dict name -> list of seconds.
    """
    times = {name: [] for name in contenders}
    for round_ in range(warmup + rounds):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            elapsed = time.perf_counter() - start
            if round_ >= warmup:
                times[name].append(elapsed)
    return times


def report(title, times, baseline, unit="s", scale=1.0):
    """Print the median of each contender and its ratio to ``baseline``."""
    medians = {name: statistics.median(values) for name, values in times.items()}
    base = medians[baseline]
    print(f"\n{title}")
    for name, median in medians.items():
        print(f"  {name:<28} median {median * scale:10.4f} {unit}   "
              f"ratio to {baseline}: {median / base:5.2f}")
    return medians


def ratio_line(label, numerator, denominator, limit=None, higher_is_better=False):
    """Print ``label: a / b = r`` with a pass/fail mark against ``limit``."""
    ratio = numerator / denominator
    mark = ""
    if limit is not None:
        ok = ratio >= limit if higher_is_better else ratio <= limit
        mark = f"  ({'>=' if higher_is_better else '<='} {limit}: {'PASS' if ok else 'FAIL'})"
    print(f"{label} = {ratio:.3f}{mark}")
    return ratio


def hand_written_fit(model, X, y, *, loss_fn, epochs, batch_size, device, max_grad_norm=None,
                     fused=None):
    """The training loop a careful engineer writes by hand, as the baseline.

    Data goes to the device once, batches are index gathers of a fresh
    permutation each epoch, Adam at lr 1e-3 (torch's default implementation,
    or ``fused=True``), optional gradient clipping, and the running loss is
    read back once per epoch.
    """
    import torch

    model = model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, fused=fused)
    X_t = torch.from_numpy(X).to(device)
    y_t = torch.from_numpy(y).to(device)
    n = len(X_t)
    for _ in range(epochs):
        total = torch.zeros((), device=device)
        order = torch.randperm(n, device=device)
        for start in range(0, n, batch_size):
            index = order[start:start + batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(X_t[index]), y_t[index])
            loss.backward()
            if max_grad_norm is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
            optimizer.step()
            total += loss.detach() * len(index)
        float(total / n)
    return model


def command_line():
    """``(args, rounds)`` from the shared options ``--quick`` and ``--device``.

    Prints the torch version, thread count and device, so every benchmark's
    output says where it ran.
    """
    import argparse

    import torch

    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller data, fewer rounds")
    parser.add_argument("--device", default="cpu", help="'cpu', 'cuda', 'cuda:N' or 'mps'")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}")
    return args, 3 if args.quick else 5
