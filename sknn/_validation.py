"""Validators of parameter values and targets shared by the families and tasks.

They run at fit, on values the declarative ``_parameter_constraints`` let
through but that need a closer look (every item of a sequence, for
instance), so that no family imports another family.
"""

import warnings
from numbers import Integral

import numpy as np
from sklearn.exceptions import DataConversionWarning


def check_hidden_layer_sizes(hidden_layer_sizes):
    """Return ``hidden_layer_sizes`` as a tuple of positive ints.

    Examples
    --------
    >>> from sknn._validation import check_hidden_layer_sizes
    >>> check_hidden_layer_sizes(10), check_hidden_layer_sizes([8, 4])
    ((10,), (8, 4))
    """
    sizes = tuple(np.atleast_1d(hidden_layer_sizes).tolist())
    if any(not isinstance(size, Integral) or size <= 0 for size in sizes):
        raise ValueError(f"hidden_layer_sizes must be > 0, got {list(sizes)}.")
    return sizes


def positive_ints(value, name):
    """``value`` (an int or a sequence of ints) as a non-empty list of positive ints.

    Examples
    --------
    >>> from sknn._validation import positive_ints
    >>> positive_ints(3, "kernel_size"), positive_ints((3, 5), "kernel_size")
    ([3], [3, 5])
    """
    values = np.atleast_1d(value).tolist()
    if not values or any(not isinstance(v, Integral) or isinstance(v, bool) or v < 1
                         for v in values):
        raise ValueError(f"{name} must be a positive int or a non-empty sequence of "
                         f"positive ints, got {value!r}.")
    return values


def ravel_column(y):
    """A column-vector ``y`` as 1-D, with scikit-learn's ``DataConversionWarning``."""
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please change "
            "the shape of y to (n_samples,), for example using ravel().",
            DataConversionWarning,
            stacklevel=4,
        )
        return y.ravel()
    return y
