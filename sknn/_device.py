"""Resolve the ``device`` parameter to a :class:`torch.device`, and seed it."""

import contextlib
import re

import torch

_DEVICE_PATTERN = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


def _mps_available():
    backend = getattr(torch.backends, "mps", None)
    return backend is not None and backend.is_available()


def resolve_device(device):
    """Return the :class:`torch.device` that ``device`` names.

    Parameters
    ----------
    device : str
        ``'auto'`` (CUDA if present, else MPS, else the CPU), ``'cpu'``,
        ``'cuda'``, ``'cuda:N'`` or ``'mps'``.

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
    if not _DEVICE_PATTERN.match(device):
        raise ValueError(
            f"device={device!r} is not a device: use 'auto', 'cpu', 'cuda', "
            "'cuda:N' or 'mps'."
        )
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    resolved = torch.device(device)
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
    if resolved.type == "mps" and not _mps_available():
        raise ValueError(
            f"device={device!r} was requested but MPS is not available. "
            "Use device='auto' or device='cpu'."
        )
    return resolved


@contextlib.contextmanager
def seeded(seed, device):
    """Seed torch's generators for the CPU and ``device`` inside a block only.

    Weight initialisation, dropout masks and shuffling all draw from torch's
    default generators. Forking them keeps ``fit`` reproducible for a given
    ``random_state`` while leaving the caller's global random state untouched.

    Parameters
    ----------
    seed : int
        The seed.
    device : torch.device
        The device whose generator is seeded as well as the CPU's.

    Examples
    --------
    >>> import torch
    >>> from sknn._device import seeded
    >>> before = torch.random.get_rng_state()
    >>> with seeded(0, torch.device("cpu")):
    ...     a = torch.rand(1)
    >>> with seeded(0, torch.device("cpu")):
    ...     b = torch.rand(1)
    >>> bool(a == b), bool((torch.random.get_rng_state() == before).all())
    (True, True)
    """
    if device.type == "cuda":
        index = torch.cuda.current_device() if device.index is None else device.index
        with torch.random.fork_rng(devices=[index], device_type="cuda"):
            torch.random.default_generator.manual_seed(seed)
            torch.cuda.default_generators[index].manual_seed(seed)
            yield
    elif device.type == "mps":
        with torch.random.fork_rng(devices=[0], device_type="mps"):
            torch.random.default_generator.manual_seed(seed)
            torch.mps.manual_seed(seed)
            yield
    else:
        with torch.random.fork_rng(devices=[]):
            torch.random.default_generator.manual_seed(seed)
            yield
