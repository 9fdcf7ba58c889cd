"""The ``n_threads`` parameter: torch's intra-op threads for the duration of one call.

Torch splits each operation over its intra-op threads and waits for all of
them at the end. For the small matrix products of a small network that is
no faster than one thread on an idle machine, and far slower on a busy one:
when another process holds a core, every operation waits for a descheduled
thread (a 178x100 @ 100x100 product took milliseconds instead of tens of
microseconds on 2 cores). scikit-learn's MLP does not suffer, because its
BLAS runs small products on one thread. With ``n_threads='auto'`` an sknn
call whose work per step is below :data:`SMALL_STEP_FLOPS` runs on one
thread; larger work keeps torch's setting. The setting is restored when the
call returns, and ``n_threads=None`` leaves it alone.
"""

import contextlib
import math

import torch

#: Work per step (floating-point operations, forward and backward when
#: training) below which more threads gain little on an idle machine.
#: ``benchmarks/bench_threads.py`` on a 2-core machine, two threads' time over
#: one thread's: 1.03 at 3e5, 1.04 at 2.6e6, 0.98 at 5.2e6, 0.93 at 1.0e7,
#: 0.87 at 2.1e7, 0.75 at 4.2e7 operations per step.
SMALL_STEP_FLOPS = 1e7


def step_flops(n_params, rows, positions=1, training=True):
    """Estimated floating-point operations of one step over ``rows`` samples.

    Each weight is used once per sample and position (a convolution's
    spatial positions, a recurrent net's time steps) in a multiply and an
    add; the backward pass costs about twice the forward pass.
    """
    forward = 2.0 * n_params * rows * positions
    return 3.0 * forward if training else forward


def threads_for(n_threads, flops):
    """Torch's intra-op thread count for a call, or None to leave torch's setting.

    Examples
    --------
    >>> from sknn._threads import threads_for
    >>> threads_for("auto", 1e5), threads_for("auto", 1e12), threads_for(3, 1e5)
    (1, None, 3)
    """
    if n_threads is None:
        return None
    if n_threads == "auto":
        return 1 if flops < SMALL_STEP_FLOPS else None
    return int(n_threads)


@contextlib.contextmanager
def intra_op_threads(count):
    """Run a block with ``torch.set_num_threads(count)``, restoring the setting after.

    ``count`` None leaves torch's setting as it is.

    Examples
    --------
    >>> import torch
    >>> from sknn._threads import intra_op_threads
    >>> before = torch.get_num_threads()
    >>> with intra_op_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    previous = torch.get_num_threads()
    if count is None or count == previous:
        yield
        return
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def positions(sample_shape):
    """Positions a weight is applied at per sample: the product of the non-channel axes."""
    return math.prod(sample_shape[1:]) if len(sample_shape) > 1 else 1
