"""Validators of parameter values and targets shared by the families and tasks.

They run at fit, on values the declarative ``_parameter_constraints`` let
through but that need a closer look (every item of a sequence, for
instance), so that no family imports another family.
"""

import contextlib
import warnings
from numbers import Integral

import numpy as np
from sklearn.exceptions import DataConversionWarning

from ._sklearn import _check_y

# The largest magnitude a float32 tensor holds; training runs in float32.
FLOAT32_MAX = float(np.finfo(np.float32).max)


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


def check_label_types(y, name="y"):
    """Refuse labels of mixed types (``'a'`` and ``1``), which cannot be ordered.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn._validation import check_label_types
    >>> check_label_types(np.array(["a", "b"], dtype=object))
    >>> check_label_types(np.array(["a", 1], dtype=object))
    Traceback (most recent call last):
    ...
    ValueError: y mixes labels of different types (int and str, e.g. 1 and 'a'); \
give every label one type, e.g. y.astype(str).
    """
    if y.dtype != object:
        return
    examples = {}
    for value in y.ravel():
        kind = "str" if isinstance(value, str) else type(value).__name__
        examples.setdefault(kind, value)
    numeric = {kind for kind in examples if kind != "str"}
    if "str" in examples and numeric:
        other = sorted(numeric)[0]
        raise ValueError(
            f"{name} mixes labels of different types ({other} and str, e.g. "
            f"{examples[other]!r} and {examples['str']!r}); give every label one type, e.g. "
            f"{name}.astype(str).")


def not_numbers(error):
    """Whether ``error`` is numpy's or torch's failure to read strings as numbers."""
    message = str(error)
    return any(phrase in message for phrase in
               ("could not convert", "can't convert", "invalid literal", "Unable to parse"))


@contextlib.contextmanager
def numbers_only(message):
    """Raise ``ValueError(message)`` in place of numpy's failure to read strings as numbers.

    Other errors pass through; the original is chained.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn._validation import numbers_only
    >>> with numbers_only("X holds strings."):
    ...     np.asarray(["a"], dtype=float)
    Traceback (most recent call last):
    ...
    ValueError: X holds strings.
    """
    try:
        yield
    except (TypeError, ValueError) as error:
        if not not_numbers(error):
            raise
        raise ValueError(message) from error


def check_numeric_target(estimator, y):
    """``y`` as a float array that float32 training can hold, or a clear ``ValueError``."""
    with numbers_only(f"{type(estimator).__name__} needs numeric targets, but y holds values "
                      "that are not numbers (strings, say). A regressor predicts numbers; for "
                      "labels use a classifier."):
        y = np.asarray(_check_y(y, multi_output=True, y_numeric=True, estimator=estimator),
                       dtype=np.float64)
    check_float32_range(y, "y", "Scale the targets (e.g. divide y by its standard deviation, "
                        "or use sklearn.compose.TransformedTargetRegressor).")
    return y


def check_float32_range(values, name, advice):
    """Refuse ``values`` beyond float32's range, which training would turn into inf."""
    if values.size and float(np.abs(values).max()) > FLOAT32_MAX:
        raise ValueError(f"{name} has values beyond float32's range (magnitudes above "
                         f"3.4e38), which training in float32 would turn into infinity. "
                         f"{advice}")
