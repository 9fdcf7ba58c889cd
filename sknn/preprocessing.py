"""Preprocessing for the estimators' input: :class:`SlidingWindows` for time series."""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._docs import DOC_LINK_TEMPLATE
from ._sklearn import Interval, _check_feature_names_in, _fit_context, _get_output_config
from ._validation import numbers_only


class SlidingWindows(TransformerMixin, BaseEstimator):
    """Cut a time series into sliding windows, and forecasting targets.

    A series of ``n_steps`` rows (1-D, or 2-D with one column per variable;
    numpy or pandas) becomes windows ``X`` of shape ``(n_windows, window,
    n_features)``, the input of :class:`RNNRegressor` and
    :class:`RNNClassifier`. Windows are anchored at the end of the series,
    so the most recent data is always in the last window.

    A transformer cannot change ``y`` inside a Pipeline, so the two uses
    are two methods:

    - :meth:`transform_with_targets` (training): the windows that have a
      target, and the targets: the ``horizon`` values that follow each
      window.
    - :meth:`transform` (forecasting): every window, including the last
      one, whose targets lie in the future.

    Parameters
    ----------
    window : int, default=10
        Steps per window.
    horizon : int, default=1
        How many steps ahead to forecast. 1: the value right after each
        window; ``h > 1``: the next ``h`` values, as ``h`` outputs.
    step : int, default=1
        Stride between consecutive windows.
    target : int, str, list or None, default=None
        The column(s) to forecast, by position or (for DataFrames) by name;
        None forecasts every column.

    Attributes
    ----------
    n_features_in_ : int
        Variables (columns) of the series seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when the series was a DataFrame with string names.

    See Also
    --------
    RNNRegressor : Forecasting with the windows.

    Notes
    -----
    The targets of :meth:`transform_with_targets` have shape
    ``(n_windows,)`` for one forecast column and ``horizon=1``; otherwise
    ``(n_windows, horizon * n_targets)``, step-major (all target columns one
    step ahead, then two steps ahead, ...).

    Examples
    --------
    >>> import numpy as np
    >>> from sknn import SlidingWindows
    >>> series = np.arange(10.0)
    >>> windows = SlidingWindows(window=3, horizon=2).fit(series)
    >>> X, y = windows.transform_with_targets(series)
    >>> X[0].ravel(), y[0]
    (array([0., 1., 2.]), array([3., 4.]))
    >>> windows.transform(series)[-1].ravel()
    array([7., 8., 9.])
    """

    _doc_link_module = "sknn"
    _doc_link_template = DOC_LINK_TEMPLATE

    _parameter_constraints = {
        "window": [Interval(Integral, 1, None, closed="left")],
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "step": [Interval(Integral, 1, None, closed="left")],
        "target": [Integral, str, list, None],
    }

    def __init__(self, window=10, horizon=1, step=1, target=None):
        self.window = window
        self.horizon = horizon
        self.step = step
        self.target = target

    def _validate(self, X, reset):
        if np.ndim(X) == 1 and not isinstance(X, str):
            if not reset and getattr(self, "n_features_in_", 1) != 1:
                raise ValueError(f"X is a 1-D (univariate) series, but {type(self).__name__} "
                                 f"was fitted on {self.n_features_in_} columns. Reshape your "
                                 "data to (n_steps, n_features).")
            X = np.asarray(X).reshape(-1, 1)
        with numbers_only("The series holds values that are not numbers (strings, say); "
                          "SlidingWindows needs numeric columns."):
            return validate_data(self, X, reset=reset, dtype=(np.float64, np.float32))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the number of variables (and their names) of the series.

        Parameters
        ----------
        X : array-like of shape (n_steps,) or (n_steps, n_features)
            The series, oldest step first.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self._validate(X, reset=True)
        return self

    def _target_columns(self):
        if self.target is None:
            return np.arange(self.n_features_in_)
        targets = self.target if isinstance(self.target, list) else [self.target]
        if not targets:
            raise ValueError("target=[] names no column; pass None for every column, or the "
                             "columns to forecast.")
        columns = []
        for target in targets:
            if isinstance(target, str):
                names = list(getattr(self, "feature_names_in_", []))
                if target not in names:
                    raise ValueError(f"target={target!r} is not a column of the series "
                                     f"fitted on (columns: {names}).")
                columns.append(names.index(target))
            elif isinstance(target, Integral) and -self.n_features_in_ <= target < \
                    self.n_features_in_:
                columns.append(int(target) % self.n_features_in_)
            else:
                raise ValueError(f"target={target!r} is not a column of a series of "
                                 f"{self.n_features_in_} columns.")
        return np.array(columns)

    def _windows(self, X, end):
        """Windows ending (exclusive) at ``end``, ``end - step``, ..., oldest first."""
        if end < self.window:
            raise ValueError(f"The series has {len(X)} steps; window={self.window} and "
                             f"horizon={self.horizon} need at least "
                             f"{self.window + (len(X) - end)}.")
        ends = np.arange(end, self.window - 1, -self.step)[::-1]
        index = ends[:, None] - self.window + np.arange(self.window)
        return X[index], ends

    def transform(self, X):
        """Every window of the series, the last one ending at its last step.

        Parameters
        ----------
        X : array-like of shape (n_steps,) or (n_steps, n_features)
            The series.

        Returns
        -------
        ndarray of shape (n_windows, window, n_features)
            The windows, in time order.
        """
        check_is_fitted(self)
        index = getattr(X, "index", None)
        X = self._validate(X, reset=False)
        windows, ends = self._windows(X, len(X))
        output = _get_output_config("transform", self)["dense"]
        if output == "default":
            return windows
        # set_output(transform="pandas"/"polars"): one row per window, flattened
        # step by step, columns named by get_feature_names_out; a pandas row is
        # indexed by its window's last step.
        flat = windows.reshape(len(windows), -1)
        if output == "pandas":
            return pd.DataFrame(flat, index=None if index is None else index[ends - 1])
        return flat

    def get_feature_names_out(self, input_features=None):
        """Get the names of the flattened window's values: ``<feature>_t-<lag>``.

        ``t-0`` is a window's last step. With ``set_output(transform="pandas")``,
        :meth:`transform` returns one row per window with these columns, the
        flat rows an :class:`RNNRegressor` reads with ``input_shape=(window,
        n_features)``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            The series' column names; default ``feature_names_in_`` or
            ``x0, x1, ...``.

        Returns
        -------
        ndarray of str, shape (window * n_features_in_,)
            The names, step by step.
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        return np.array([f"{name}_t-{self.window - 1 - step}" for step in range(self.window)
                         for name in names], dtype=object)

    def transform_with_targets(self, X):
        """Cut the windows that have targets, and their targets: the values that follow.

        Parameters
        ----------
        X : array-like of shape (n_steps,) or (n_steps, n_features)
            The series.

        Returns
        -------
        X_windows : ndarray of shape (n_windows, window, n_features)
            The windows that have targets, in time order.
        y : ndarray of shape (n_windows,) or (n_windows, horizon * n_targets)
            The next ``horizon`` values of the target column(s) after each
            window (see Notes).
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        windows, ends = self._windows(X, len(X) - self.horizon)
        columns = self._target_columns()
        targets = X[ends[:, None] + np.arange(self.horizon)][:, :, columns]
        targets = targets.reshape(len(windows), -1)
        return windows, targets.ravel() if targets.shape[1] == 1 else targets

    def fit_transform_with_targets(self, X, y=None):
        """:meth:`fit`, then :meth:`transform_with_targets`.

        Parameters
        ----------
        X : array-like of shape (n_steps,) or (n_steps, n_features)
            The series.
        y : None
            Ignored.

        Returns
        -------
        X_windows : ndarray of shape (n_windows, window, n_features)
            The windows that have targets.
        y : ndarray of shape (n_windows,) or (n_windows, horizon * n_targets)
            Their targets.
        """
        return self.fit(X).transform_with_targets(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
