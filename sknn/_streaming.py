"""Training on data larger than memory: rows read window by window, not held whole.

A ``np.memmap`` larger than one window, a zarr array or a dask array given
to ``fit`` or ``partial_fit`` is not turned into one tensor. :func:`host_rows`
checks it block by block with the estimator's own input check (shape,
numbers, NaN: every error is raised before training starts) and wraps it as
:class:`HostRows`. :class:`StreamedDataset` then serves the batch loop: it
gathers the rows of several consecutive batches (a window of about
``WINDOW_BYTES``) in storage order, converts them with the same input check,
copies them to the device (through pinned memory on CUDA) and hands out the
batches in the loop's order.

A memory map is shuffled exactly as in memory (the same seeded permutation
of rows), so a fit from a memory map and one from the same array in memory
train the same weights. zarr and dask arrays are stored in compressed
chunks: a random row from each would read every chunk for every batch. They
are shuffled by whole storage blocks instead (a seeded permutation of the
blocks, and of the rows within each window of blocks), which reads each
chunk once per epoch.
"""

import math

import numpy as np
import torch

from ._data import batch_length, batch_rows
from ._outputs import DeviceDataset

# Rows read, converted and copied to the device at once, in bytes of float32.
WINDOW_BYTES = 16 * 2**20


def is_out_of_core(X):
    """Whether ``X`` is a memory map larger than one window, a zarr array or a dask array.

    Smaller memory maps are read whole, like any array.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn._streaming import is_out_of_core
    >>> is_out_of_core(np.zeros((3, 2)))
    False
    """
    if isinstance(X, np.memmap):
        return X.ndim >= 2 and X.size * 4 > WINDOW_BYTES
    return _blocked(X)


def _blocked(X):
    """zarr and dask arrays: stored in chunks of rows, read chunk by chunk."""
    module = type(X).__module__
    return (module == "zarr" or module.startswith(("zarr.", "dask.array"))) and \
        hasattr(X, "shape") and len(X.shape) >= 2


def _chunk_rows(X):
    """Rows per storage chunk of a zarr or dask array."""
    chunks = X.chunks[0]
    return int(max(chunks) if isinstance(chunks, tuple) else chunks)


def read_rows(X, start, stop):
    """Rows ``start:stop`` of ``X`` (a memory map, zarr or dask array) as a numpy array."""
    return np.asarray(X[start:stop])


def _window_rows(X):
    """Rows per window: ``WINDOW_BYTES`` of float32 rows, whole storage chunks for zarr/dask."""
    rows = max(1, WINDOW_BYTES // (4 * max(1, math.prod(X.shape[1:]))))
    if _blocked(X):
        chunk = _chunk_rows(X)
        rows = max(chunk, rows // chunk * chunk)
    return rows


def host_rows(estimator, X, *, reset):
    """Check out-of-core ``X`` block by block; return it as :class:`HostRows`.

    Each block goes through ``estimator._numeric_input`` (the first one with
    ``reset``, which records ``n_features_in_`` and the sample shape), so
    the errors are those of in-memory input, raised before any training.
    """
    n = X.shape[0]
    if n == 0:  # the input check names empty input
        estimator._numeric_input(read_rows(X, 0, 0), reset=reset)
    window = _window_rows(X)
    head = None
    for start in range(0, n, window):
        block = estimator._numeric_input(read_rows(X, start, start + window),
                                         reset=reset and start == 0)
        if head is None:
            head = block[:2].clone()
    return HostRows(X, lambda array: estimator._numeric_input(array, reset=False), head)


class HostRows:
    """Rows of an out-of-core array, converted to a float32 tensor when read.

    Parameters
    ----------
    source : np.memmap, zarr array or dask array
        The rows, on disk or in a cluster.
    convert : callable
        ``convert(numpy rows) -> tensor``: the estimator's input check.
    head : tensor
        The first (at most two) rows converted: what building a module needs.
    rows : ndarray of int or None
        The source rows this view holds (sorted), or None for all of them.
    device : torch.device
        Where :meth:`read` puts the rows.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from sknn._streaming import HostRows
    >>> rows = HostRows(np.arange(10.0).reshape(5, 2), torch.as_tensor, None)
    >>> rows.read(np.array([3, 1])).tolist()
    [[6.0, 7.0], [2.0, 3.0]]
    """

    stays_on_host = True  # sknn._data.to_device hands it over instead of copying it

    def __init__(self, source, convert, head, rows=None, device="cpu"):
        self.source = source
        self.convert = convert
        self.head = head
        self.rows = rows
        self.device = torch.device(device)
        self.shape = (source.shape[0] if rows is None else len(rows), *source.shape[1:])
        self.blocked = _blocked(source)
        self.window_rows = _window_rows(source)

    def __len__(self):
        return self.shape[0]

    def to(self, device):
        """This view, reading onto ``device``."""
        return HostRows(self.source, self.convert, self.head, self.rows, device)

    def subset(self, positions):
        """A view of the rows at ``positions`` (sorted) of this one."""
        positions = np.sort(np.asarray(positions))
        rows = positions if self.rows is None else self.rows[positions]
        return HostRows(self.source, self.convert, self.head, rows, self.device)

    def __getitem__(self, index):
        if isinstance(index, int):
            return self.read(np.array([index]))[0]
        positions = np.arange(len(self))[index] if isinstance(index, slice) else \
            np.asarray(index.cpu() if isinstance(index, torch.Tensor) else index)
        return self.read(positions)

    def gather(self, positions):
        """The rows at ``positions`` as they are stored, in storage order, and
        the permutation that puts them in the order asked for (None: already).

        They are read with one contiguous slice when they are contiguous.
        """
        wanted = positions if self.rows is None else self.rows[positions]
        order = np.argsort(wanted, kind="stable")
        ascending = wanted[order]
        if len(ascending) and ascending[-1] - ascending[0] + 1 == len(ascending):
            block = read_rows(self.source, int(ascending[0]), int(ascending[-1]) + 1)
        elif hasattr(self.source, "oindex"):  # zarr: orthogonal selection of rows
            block = np.asarray(self.source.oindex[ascending])
        else:  # a memory map or a dask array
            block = np.asarray(self.source[ascending])
        if np.array_equal(order, np.arange(len(order))):
            return block, None
        inverse = np.empty_like(order)
        inverse[order] = np.arange(len(order))
        return block, inverse

    def read(self, positions):
        """The rows at ``positions`` (in that order) as a tensor on the device.

        They are read in storage order, converted, and put in the order
        asked for.
        """
        block, inverse = self.gather(positions)
        tensor = self.convert(block)
        if inverse is not None:
            tensor = tensor[torch.from_numpy(inverse)]
        if self.device.type == "cuda":
            return tensor.pin_memory().to(self.device, non_blocking=True)
        return tensor.to(self.device)


def shuffled_blocks(n, block, window, device):
    """A seeded order of ``range(n)``: blocks of ``block`` rows in random order,
    rows shuffled within each window of whole blocks (``window`` rows or one block).

    Examples
    --------
    >>> import torch
    >>> from sknn._streaming import shuffled_blocks
    >>> order = shuffled_blocks(10, 4, 4, torch.device("cpu"))
    >>> sorted(order.tolist()) == list(range(10))
    True
    """
    starts = (torch.randperm(math.ceil(n / block), device=device) * block).tolist()
    per_window = max(1, window // block)
    parts = []
    for first in range(0, len(starts), per_window):
        rows = torch.cat([torch.arange(start, min(start + block, n), device=device)
                          for start in starts[first:first + per_window]])
        parts.append(rows[torch.randperm(len(rows), device=device)])
    return torch.cat(parts)


class StreamedDataset(DeviceDataset):
    """Training data whose ``X`` is :class:`HostRows`: batches served a window at a time.

    The batch loop asks for :meth:`shuffled` and :meth:`batches` as of a
    :class:`~sknn._outputs.DeviceDataset`; here ``batches`` reads the rows
    of consecutive batches together (about ``WINDOW_BYTES`` at once). A
    target that is the input itself (an autoencoder's) is the batch's input.
    """

    def shuffled(self):
        if not self.X.blocked:
            return super().shuffled()
        return shuffled_blocks(len(self), _chunk_rows(self.X.source), self.X.window_rows,
                               self.X.device)

    def batches(self, indexes):
        window, rows = [], 0
        for index in indexes:
            window.append(index)
            rows += batch_length(index, len(self))
            if rows >= self.X.window_rows:
                yield from self._serve(window)
                window, rows = [], 0
        if window:
            yield from self._serve(window)

    def batch(self, index):
        return next(self._serve([index]))

    def __getitem__(self, i):
        X, y, _ = self.batch(torch.tensor([i]))
        return X[0], y[0]

    def _serve(self, window):
        n = len(self)
        X = self.X.read(torch.cat([batch_rows(index, n).cpu() for index in window]).numpy())
        start = 0
        for index in window:
            stop = start + batch_length(index, n)
            rows = X[start:stop]
            w = self.sample_weight
            yield (rows, rows if self.y is self.X else self.y[index],
                   None if w is None else w[index])
            start = stop
