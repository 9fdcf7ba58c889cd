"""Resolve the ``device`` parameter to a :class:`torch.device`, and seed it."""

import contextlib
import re
import threading

import torch

_DEVICE_PATTERN = re.compile(r"^(auto|cpu(:0)?|mps(:0)?|cuda(:\d+)?)$")

#: Held while a block runs on an estimator's own random stream. Torch's
#: default generators are process-wide: two threads that each swapped their
#: stream in and the caller's state back out would mix the streams and leave
#: the global state changed. sknn calls that draw random numbers therefore run
#: one at a time per process (training in parallel wants processes anyway:
#: joblib's default backend, Dask, Ray).
RNG_LOCK = threading.RLock()


def mps_available():
    """Whether this torch build has a usable MPS (Apple silicon) device."""
    backend = getattr(torch.backends, "mps", None)
    return backend is not None and backend.is_available()


def resolve_device(device):
    """Return the :class:`torch.device` that ``device`` names.

    Parameters
    ----------
    device : str
        ``'auto'`` (CUDA if present, else MPS, else the CPU), ``'cpu'``
        (or ``'cpu:0'``), ``'cuda'``, ``'cuda:N'`` or ``'mps'``.

    Returns
    -------
    torch.device

    Raises
    ------
    ValueError
        If the device is named explicitly but is not available here.

    Examples
    --------
    >>> from sknn._device import resolve_device
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if not isinstance(device, str) or not _DEVICE_PATTERN.match(device):
        raise ValueError(
            f"device={device!r} is not a device: use 'auto', 'cpu', 'cuda', "
            "'cuda:N' or 'mps'."
        )
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        if mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    resolved = torch.device(device)
    if resolved.type in ("cpu", "mps"):
        resolved = torch.device(resolved.type)  # one device each; 'cpu:0' is 'cpu'
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was requested but CUDA is not available "
                "(torch.cuda.is_available() is False). Use device='auto' or "
                "device='cpu'."
            )
        index = 0 if resolved.index is None else resolved.index
        if index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} was requested but only "
                f"{torch.cuda.device_count()} CUDA device(s) are visible."
            )
        return torch.device("cuda", index)
    if resolved.type == "mps" and not mps_available():
        raise ValueError(
            f"device={device!r} was requested but MPS is not available. "
            "Use device='auto' or device='cpu'."
        )
    return resolved


def _rng_state(device):
    state = {"cpu": torch.random.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    elif device.type == "mps":
        state["mps"] = torch.mps.get_rng_state()
    return state


def _set_rng_state(state, device):
    torch.random.set_rng_state(state["cpu"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)
    elif device.type == "mps" and "mps" in state:
        torch.mps.set_rng_state(state["mps"])


def _seed(seed, device):
    torch.random.default_generator.manual_seed(seed)
    if device.type == "cuda":
        torch.cuda.default_generators[device.index].manual_seed(seed)
    elif device.type == "mps":
        torch.mps.manual_seed(seed)


@contextlib.contextmanager
def random_stream(device, seed=None, state=None):
    """Run a block on the estimator's own random stream, not torch's global one.

    Weight initialisation, dropout masks and shuffling draw from torch's
    default generators (the CPU's and ``device``'s). Inside the block they
    start from ``seed`` or, to continue an earlier stream, from ``state``;
    on exit the caller's generators are restored, and the dict yielded holds
    the stream's final state (under ``"state"``) for the next call. The
    block holds :data:`RNG_LOCK`, so streams of concurrent threads never mix.

    Parameters
    ----------
    device : torch.device
        The training device; its index must be set for CUDA.
    seed : int or None
        Start the stream from this seed.
    state : dict or None
        Or continue it from a state a previous block yielded.

    Examples
    --------
    >>> import torch
    >>> from sknn._device import random_stream
    >>> cpu = torch.device("cpu")
    >>> before = torch.random.get_rng_state()
    >>> with random_stream(cpu, seed=0):
    ...     a, b = torch.rand(1), torch.rand(1)
    >>> with random_stream(cpu, seed=0) as stream:
    ...     c = torch.rand(1)
    >>> with random_stream(cpu, state=stream["state"]):
    ...     d = torch.rand(1)
    >>> bool(a == c), bool(b == d)
    (True, True)
    >>> bool((torch.random.get_rng_state() == before).all())
    True
    """
    if device.type in ("cuda", "mps"):
        index = device.index or 0
        fork = torch.random.fork_rng(devices=[index], device_type=device.type)
    else:
        fork = torch.random.fork_rng(devices=[])
    with RNG_LOCK, fork:
        if state is not None:
            _set_rng_state(state, device)
        else:
            _seed(seed, device)
        stream = {}
        yield stream
        stream["state"] = _rng_state(device)
