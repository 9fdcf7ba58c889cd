"""Input conversion: numpy, pandas and scipy.sparse in, float32 tensors out.

Training and prediction never go through ``Dataset.__getitem__``: the whole
input is held as one float32 tensor (or a tuple/dict of tensors for modules
that take several inputs) and batches are slices of it.
"""

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
from sklearn.utils.validation import validate_data


def check_tabular(estimator, X, *, reset, dtype=np.float32):
    """Validate 2-D ``X`` and return it as a C-contiguous ``dtype`` array.

    Sets ``n_features_in_`` and ``feature_names_in_`` when ``reset`` is true
    and checks them otherwise. NaN, infinity, complex numbers, 1-D input and
    empty input raise a ``ValueError`` naming the problem. Sparse matrices are
    accepted and made dense (the networks themselves are dense).

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator whose ``n_features_in_`` is set or checked.
    X : array-like or sparse matrix of shape (n_samples, n_features)
        The input.
    reset : bool
        True in ``fit``, False in ``predict`` and ``partial_fit`` after the
        first call.
    dtype : numpy dtype, default=np.float32
        The dtype of the result.

    Returns
    -------
    ndarray of shape (n_samples, n_features)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> from sknn._data import check_tabular
    >>> check_tabular(BaseEstimator(), np.arange(6).reshape(3, 2), reset=True).dtype
    dtype('float32')
    """
    X = validate_data(
        estimator,
        X,
        reset=reset,
        accept_sparse=("csr", "csc", "coo"),
        dtype=dtype,
        order="C",
    )
    if sp.issparse(X):
        X = X.toarray()
    return X


def fast_path(estimator, X, dtype):
    """Return ``X`` itself when it needs no conversion or checks; else None.

    That is a C-contiguous 2-D ndarray of ``dtype``, of the fitted width,
    finite, for an estimator fitted without feature names. Prediction on
    such input skips scikit-learn's general validation (tens of
    microseconds); anything else returns None and takes the general path,
    which raises the proper errors.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> from sknn._data import fast_path
    >>> estimator = BaseEstimator()
    >>> estimator.n_features_in_ = 2
    >>> fast_path(estimator, np.zeros((1, 2), np.float32), np.float32) is not None
    True
    >>> fast_path(estimator, np.array([[np.nan, 0]], np.float32), np.float32) is None
    True
    """
    if (type(X) is not np.ndarray or X.dtype != dtype or X.ndim != 2 or not X.shape[0]
            or X.shape[1] != estimator.n_features_in_ or not X.flags.c_contiguous
            or not X.flags.writeable or hasattr(estimator, "feature_names_in_")):
        return None
    return X if np.isfinite(X).all() else None


def to_tensor(array, dtype=None):
    """Return ``array`` as a tensor, sharing memory where it can.

    Read-only arrays (memory maps, say) are copied once, since torch cannot
    wrap them safely.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn._data import to_tensor
    >>> to_tensor(np.zeros((2, 3), dtype=np.float32)).shape
    torch.Size([2, 3])
    """
    array = np.asarray(array)
    if not array.flags.writeable:
        array = array.copy()
    tensor = torch.from_numpy(np.ascontiguousarray(array))
    return tensor if dtype is None else tensor.to(dtype)


def n_samples(data):
    """Number of samples in a tensor, or in a tuple/dict of tensors."""
    if isinstance(data, torch.Tensor) or hasattr(data, "stays_on_host"):
        return data.shape[0]
    first = next(iter(data.values())) if isinstance(data, dict) else data[0]
    return n_samples(first)


def take(data, index):
    """Select samples ``index`` (a slice or an index tensor) from ``data``."""
    if data is None:
        return None
    if isinstance(data, torch.Tensor) or hasattr(data, "stays_on_host"):
        return data[index]
    if isinstance(data, dict):
        return {key: take(value, index) for key, value in data.items()}
    return tuple(take(value, index) for value in data)


def batch_rows(index, n):
    """The positions a batch index (a slice of ``range(n)`` or an index tensor) selects.

    Examples
    --------
    >>> from sknn._data import batch_rows
    >>> batch_rows(slice(2, 5), 10).tolist()
    [2, 3, 4]
    """
    return torch.arange(*index.indices(n)) if isinstance(index, slice) else index


def batch_length(index, n):
    """How many positions of ``range(n)`` a batch index selects, without listing them."""
    return len(range(*index.indices(n))) if isinstance(index, slice) else len(index)


def to_device(data, device, dtype=None):
    """Move a tensor, or a tuple/dict of tensors, to ``device``.

    With ``dtype``, floating-point tensors are cast to it as well.
    """
    if data is None:
        return None
    if hasattr(data, "stays_on_host"):  # out-of-core rows: read onto the device batch by batch
        return data.to(device)
    if isinstance(data, torch.Tensor):
        if dtype is not None and data.is_floating_point():
            return data.to(device, dtype, non_blocking=True)
        return data.to(device, non_blocking=True)
    if isinstance(data, dict):
        return {key: to_device(value, device, dtype) for key, value in data.items()}
    moved = {}  # an element given twice (an autoencoder's target is its input) moves once
    for value in data:
        if id(value) not in moved:
            moved[id(value)] = to_device(value, device, dtype)
    return tuple(moved[id(value)] for value in data)


def weighted_mean(values, sample_weight=None):
    """Mean of per-sample ``values``, weighted; the loss and validation scores use it.

    Weights are normalised by their sum, so constant weights give the plain
    mean.

    Examples
    --------
    >>> import torch
    >>> from sknn._data import weighted_mean
    >>> float(weighted_mean(torch.tensor([1.0, 3.0]), torch.tensor([3.0, 1.0])))
    1.5
    """
    if sample_weight is None:
        return values.mean()
    return (values * sample_weight).sum() / sample_weight.sum().clamp_min(1e-12)


def call_module(module, data):
    """Call ``module`` on one input, positional inputs, or keyword inputs."""
    if isinstance(data, torch.Tensor):
        return module(data)
    if isinstance(data, dict):
        return module(**data)
    return module(*data)


def is_sequence_list(X):
    """True for a list, tuple or 1-D object array whose items are arrays (not scalars)."""
    if isinstance(X, np.ndarray):
        if X.dtype != object or X.ndim != 1:
            return False
    elif not isinstance(X, (list, tuple)):
        return False
    return len(X) > 0 and all(np.ndim(item) >= 1 for item in X)


def is_ragged(items):
    """True when the sequences ``items`` differ in shape (or come as an object array)."""
    return len({np.shape(item) for item in items}) > 1 or (
        isinstance(items, np.ndarray) and items.dtype == object)


def is_float32(X):
    """Whether ``X`` holds float32 values: an array of that dtype, or a DataFrame of them.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sknn._data import is_float32
    >>> is_float32(np.zeros(2, np.float32)), is_float32(pd.DataFrame({"a": [1.0]}))
    (True, False)
    """
    if isinstance(X, pd.DataFrame):
        return X.shape[1] > 0 and all(dtype == np.float32 for dtype in X.dtypes)
    return getattr(X, "dtype", None) == np.float32


def row_chunks(X, rows):
    """``(start, X[start:start + rows])`` pairs over a large array, DataFrame or sparse matrix.

    None for inputs of at most ``rows`` rows and for forms that are not
    sliced by rows (lists of sequences, dicts of arrays).
    """
    from ._streaming import is_out_of_core, read_rows  # it builds on this module

    if isinstance(X, pd.DataFrame):
        n, take_rows = len(X), lambda start: X.iloc[start:start + rows]
    elif (isinstance(X, np.ndarray) and X.ndim >= 2 and X.dtype != object) or (
            sp.issparse(X) and X.format in ("csr", "csc")):
        n, take_rows = X.shape[0], lambda start: X[start:start + rows]
    elif is_out_of_core(X):  # zarr and dask arrays: read a chunk of rows at a time
        n, take_rows = X.shape[0], lambda start: read_rows(X, start, start + rows)
    else:
        return None
    if n <= rows:
        return None
    return ((start, take_rows(start)) for start in range(0, n, rows))
