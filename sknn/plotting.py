"""Training curves as a scikit-learn Display.

:class:`TrainingCurveDisplay` draws a fit's history: the training loss of
every epoch, the validation loss and score when they were recorded (with
``X_val``/``y_val`` or ``early_stopping``), the learning rate on a second
axis when it changed, and the best epoch. matplotlib is imported only when a
curve is drawn; it comes with ``pip install "sknn-torch[plots]"``.
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

__all__ = ["TrainingCurveDisplay"]

# the history's keys for the learning rate: sknn's own, then skorch's LRScheduler
_LR_KEYS = ("lr", "event_lr")


def _import_pyplot(caller):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} needs matplotlib, which is not installed. Install it with "
            "pip install 'sknn-torch[plots]' (or the 'examples' extra)."
        ) from exc
    return plt


def _final_estimator(estimator):
    """The network inside a Pipeline or a fitted search; ``estimator`` otherwise."""
    while True:
        if hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_
        elif hasattr(estimator, "steps"):
            estimator = estimator.steps[-1][1]
        else:
            return estimator


def _column(history, key):
    """``key`` of every epoch as a float array, NaN where missing; None if never recorded."""
    values = [row.get(key) for row in history]
    if all(value is None for value in values):
        return None
    return np.array([np.nan if value is None else float(value) for value in values])


def _curves(estimator):
    """The curves of one fitted estimator, as a dict of arrays (or None)."""
    estimator = _final_estimator(estimator)
    net = getattr(estimator, "net_", None)
    if net is not None:
        check_is_fitted(estimator)
        history = list(net.history)
        lr = next((col for col in (_column(history, key) for key in _LR_KEYS)
                   if col is not None), None)
        curves = dict(
            epochs=np.array([row["epoch"] for row in history]),
            train_loss=_column(history, "train_loss"),
            valid_loss=_column(history, "valid_loss"),
            valid_score=_column(history, "valid_score"),
            lr=lr,
        )
    elif getattr(estimator, "loss_curve_", None) is not None:
        # any estimator with scikit-learn's MLP attributes
        scores = getattr(estimator, "validation_scores_", None)
        curves = dict(
            train_loss=np.asarray(estimator.loss_curve_, dtype=float),
            valid_loss=None,
            valid_score=None if scores is None else np.asarray(scores, dtype=float),
            lr=None,
        )
        curves["epochs"] = np.arange(1, len(curves["train_loss"]) + 1)
    else:
        check_is_fitted(estimator)
        raise TypeError(
            f"{type(estimator).__name__} has no training history: "
            "TrainingCurveDisplay needs a fitted sknn estimator (with net_) or an "
            "estimator with a loss_curve_ attribute."
        )
    if curves["train_loss"] is None or len(curves["train_loss"]) == 0:
        raise ValueError(f"{type(estimator).__name__} recorded no epoch to plot.")
    if curves["lr"] is not None and np.nanmax(curves["lr"]) == np.nanmin(curves["lr"]):
        curves["lr"] = None  # a constant learning rate tells nothing
    curves["best_epoch"] = _best_epoch(curves)
    curves["name"] = type(estimator).__name__
    return curves


def _best_epoch(curves):
    """The epoch of the best validation score, else of the lowest validation or training loss."""
    epochs = curves["epochs"]
    if curves["valid_score"] is not None and not np.all(np.isnan(curves["valid_score"])):
        return int(epochs[np.nanargmax(curves["valid_score"])])
    loss = curves["valid_loss"]
    if loss is None or np.all(np.isnan(loss)):
        loss = curves["train_loss"]
    return int(epochs[np.nanargmin(loss)])


class TrainingCurveDisplay:
    """Training curves of fitted networks: losses, validation score, learning rate.

    Build it with :meth:`from_estimator` (one fitted estimator),
    :meth:`from_estimators` (several, e.g. one per hyperparameter setting) or
    :meth:`from_cv_results` (the estimators ``cross_validate`` returns).
    The constructor takes curves already computed; :meth:`plot` draws them.
    Each curve is an array of one value per epoch, or, for several
    estimators, a list of such arrays.

    Parameters
    ----------
    epochs : ndarray of shape (n_epochs,) or list of ndarray
        The epoch numbers (from 1; warm starts continue the count).
    train_loss : ndarray of shape (n_epochs,) or list of ndarray
        The mean training loss of every epoch (``loss_curve_``).
    valid_loss : ndarray of shape (n_epochs,) or list, default=None
        The validation loss of every epoch (``valid_loss`` in ``net_.history``),
        None when no validation data was given.
    valid_score : ndarray of shape (n_epochs,) or list, default=None
        The validation score of every epoch (``validation_scores_``).
    lr : ndarray of shape (n_epochs,) or list, default=None
        The learning rate of every epoch, drawn on a second axis.
    best_epoch : int or list of int, default=None
        The epoch to mark: the best validation score, else the lowest loss.
    name : str or list of str, default=None
        The name of each estimator in the legend.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes of the losses.
    score_ax_ : matplotlib Axes or None
        The second y-axis of the validation score, when drawn.
    lr_ax_ : matplotlib Axes or None
        The axis of the learning rate, when drawn.
    figure_ : matplotlib Figure
        The figure holding the axes.
    lines_ : dict or list of dict
        The drawn ``matplotlib.lines.Line2D`` objects by curve: keys
        ``'train_loss'``, ``'best_epoch'`` and, when drawn, ``'valid_loss'``,
        ``'valid_score'`` and ``'lr'``. A list of such dicts, one per
        estimator, for several estimators.

    See Also
    --------
    sklearn.model_selection.LearningCurveDisplay : Scores against the training set size.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import make_classification
    >>> from sknn import MLPClassifier, TrainingCurveDisplay
    >>> X, y = make_classification(n_samples=200, random_state=0)
    >>> clf = MLPClassifier(max_iter=20, early_stopping=True, random_state=0).fit(X, y)
    >>> display = TrainingCurveDisplay.from_estimator(clf)
    >>> sorted(display.lines_)
    ['best_epoch', 'train_loss', 'valid_loss', 'valid_score']
    >>> list(display.lines_["train_loss"].get_ydata()) == clf.loss_curve_
    True
    """

    _CURVES = ("epochs", "train_loss", "valid_loss", "valid_score", "lr", "best_epoch", "name")

    def __init__(self, *, epochs, train_loss, valid_loss=None, valid_score=None, lr=None,
                 best_epoch=None, name=None):
        self.epochs = epochs
        self.train_loss = train_loss
        self.valid_loss = valid_loss
        self.valid_score = valid_score
        self.lr = lr
        self.best_epoch = best_epoch
        self.name = name

    def _curve_sets(self):
        """The curves as a list of dicts, one per estimator."""
        several = isinstance(self.train_loss, list | tuple)
        n = len(self.train_loss) if several else 1
        sets = []
        for i in range(n):
            curve = {}
            for key in self._CURVES:
                value = getattr(self, key)
                if several and isinstance(value, list | tuple):
                    if len(value) != n:
                        raise ValueError(f"{key} has {len(value)} entries; train_loss has {n}.")
                    value = value[i]
                curve[key] = value
            if curve["best_epoch"] is None:
                curve["best_epoch"] = _best_epoch(curve)
            sets.append(curve)
        return sets, several

    def plot(self, ax=None, *, name=None, logy=False, train_kw=None, valid_kw=None,
             score_kw=None, lr_kw=None):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            The axes to draw the losses on; a new figure when None. The
            validation score and the learning rate get axes of their own that
            share its x-axis.
        name : str or list of str, default=None
            Names for the legend, overriding ``self.name``.
        logy : bool, default=False
            Whether the loss axis is logarithmic.
        train_kw, valid_kw, score_kw, lr_kw : dict, default=None
            Keyword arguments for :meth:`matplotlib.axes.Axes.plot` of the
            training loss, validation loss, validation score and learning rate.

        Returns
        -------
        display : TrainingCurveDisplay
            The display, with ``ax_``, ``figure_`` and ``lines_`` set.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import numpy as np
        >>> from sknn import TrainingCurveDisplay
        >>> display = TrainingCurveDisplay(epochs=np.arange(1, 4),
        ...                                train_loss=np.array([1.0, 0.6, 0.5]))
        >>> int(display.plot().lines_["best_epoch"].get_xdata()[0])
        3
        """
        plt = _import_pyplot(f"{type(self).__name__}.plot")
        sets, several = self._curve_sets()
        names = name if name is not None else [curve["name"] for curve in sets]
        if isinstance(names, str) or names is None:
            names = [names] * len(sets)
        if ax is None:
            _, ax = plt.subplots()
        colors = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
        has_score = any(curve["valid_score"] is not None for curve in sets)
        has_lr = any(curve["lr"] is not None for curve in sets)
        score_ax = ax.twinx() if has_score else None
        lr_ax = ax.twinx() if has_lr else None
        if score_ax is not None and lr_ax is not None:
            lr_ax.spines["right"].set_position(("axes", 1.15))

        all_lines = []
        for i, (curve, label) in enumerate(zip(sets, names)):
            # one colour per estimator; with one, a colour per curve kind
            color = colors[i % len(colors)] if several else None
            prefix = f"{label} " if several and label else ""

            def draw(axes, values, kw, default, curve=curve):
                style = {**default, **(kw or {})}
                return axes.plot(curve["epochs"], values, **style)[0]

            lines = {"train_loss": draw(ax, curve["train_loss"], train_kw, dict(
                label=f"{prefix}training loss", color=color or "C0"))}
            if curve["valid_loss"] is not None:
                lines["valid_loss"] = draw(ax, curve["valid_loss"], valid_kw, dict(
                    label=f"{prefix}validation loss", color=color or "C1", linestyle="--"))
            if curve["valid_score"] is not None:
                lines["valid_score"] = draw(score_ax, curve["valid_score"], score_kw, dict(
                    label=f"{prefix}validation score", color=color or "C2", linestyle=":"))
            if curve["lr"] is not None:
                lines["lr"] = draw(lr_ax, curve["lr"], lr_kw, dict(
                    label=f"{prefix}learning rate", color=color or "C7", linestyle="-.",
                    linewidth=1))
            # the best epoch, marked on the curve that chose it
            key = ("valid_score" if "valid_score" in lines
                   else "valid_loss" if "valid_loss" in lines else "train_loss")
            source = lines[key]
            where = np.flatnonzero(np.asarray(curve["epochs"]) == curve["best_epoch"])
            y = np.asarray(source.get_ydata())[where[0]] if where.size else np.nan
            lines["best_epoch"] = source.axes.plot(
                [curve["best_epoch"]], [y], marker="*", markersize=12, linestyle="none",
                color=source.get_color(),
                label=f"{prefix}best epoch ({curve['best_epoch']})")[0]
            all_lines.append(lines)

        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        if logy:
            ax.set_yscale("log")
        if score_ax is not None:
            score_ax.set_ylabel("validation score")
        if lr_ax is not None:
            lr_ax.set_ylabel("learning rate")
        handles = [line for lines in all_lines for line in lines.values()]
        # on the axes drawn last, so that no curve covers it
        top = lr_ax or score_ax or ax
        top.legend(handles=handles, labels=[line.get_label() for line in handles],
                   loc="best", fontsize="small", framealpha=0.9)

        self.ax_ = ax
        self.score_ax_ = score_ax
        self.lr_ax_ = lr_ax
        self.figure_ = ax.figure
        self.lines_ = all_lines if several else all_lines[0]
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, **kwargs):
        """Draw the training curves of one fitted estimator.

        Parameters
        ----------
        estimator : estimator instance
            A fitted sknn estimator, a Pipeline ending in one, or a fitted
            search (its ``best_estimator_``). Any estimator with scikit-learn's
            ``loss_curve_`` attribute (e.g. ``sklearn.neural_network.MLPClassifier``)
            works too, without the validation loss and learning rate.
        ax : matplotlib Axes, default=None
            The axes to draw on; a new figure when None.
        name : str, default=None
            The name in the legend; the estimator's class name when None.
        **kwargs : dict
            Keyword arguments of :meth:`plot`.

        Returns
        -------
        display : TrainingCurveDisplay
            The display, drawn.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from sklearn.datasets import make_regression
        >>> from sknn import MLPRegressor, TrainingCurveDisplay
        >>> X, y = make_regression(n_samples=100, n_features=4, random_state=0)
        >>> reg = MLPRegressor(max_iter=5, random_state=0).fit(X[:80], y[:80],
        ...                                                    X_val=X[80:], y_val=y[80:])
        >>> display = TrainingCurveDisplay.from_estimator(reg)
        >>> len(display.lines_["valid_loss"].get_ydata())
        5
        """
        _import_pyplot(f"{cls.__name__}.from_estimator")
        curves = _curves(estimator)
        if name is not None:
            curves["name"] = name
        return cls(**curves).plot(ax=ax, **kwargs)

    @classmethod
    def from_estimators(cls, estimators, *, names=None, ax=None, **kwargs):
        """Draw the training curves of several fitted estimators on one axes.

        Parameters
        ----------
        estimators : list of estimator instances
            Fitted estimators, each as :meth:`from_estimator` takes them: e.g.
            one per hyperparameter setting.
        names : list of str, default=None
            One legend name per estimator; their class names when None.
        ax : matplotlib Axes, default=None
            The axes to draw on; a new figure when None.
        **kwargs : dict
            Keyword arguments of :meth:`plot`.

        Returns
        -------
        display : TrainingCurveDisplay
            The display, drawn; its curves and ``lines_`` are lists, one
            entry per estimator.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from sklearn.datasets import make_classification
        >>> from sknn import MLPClassifier, TrainingCurveDisplay
        >>> X, y = make_classification(n_samples=100, random_state=0)
        >>> fits = [MLPClassifier(hidden_layer_sizes=(h,), max_iter=5, random_state=0).fit(X, y)
        ...         for h in (8, 32)]
        >>> display = TrainingCurveDisplay.from_estimators(fits, names=["8 units", "32 units"])
        >>> len(display.lines_)
        2
        """
        _import_pyplot(f"{cls.__name__}.from_estimators")
        estimators = list(estimators)
        if not estimators:
            raise ValueError("from_estimators needs at least one fitted estimator.")
        if names is not None and len(names) != len(estimators):
            raise ValueError(f"names has {len(names)} entries for {len(estimators)} estimators.")
        sets = [_curves(estimator) for estimator in estimators]
        if names is not None:
            for curve, name in zip(sets, names):
                curve["name"] = name
        return cls(**{key: [curve[key] for curve in sets] for key in cls._CURVES}).plot(
            ax=ax, **kwargs)

    @classmethod
    def from_cv_results(cls, cv_results, *, ax=None, **kwargs):
        """Draw the training curves of every fold of a cross-validation.

        Parameters
        ----------
        cv_results : dict
            The output of :func:`sklearn.model_selection.cross_validate` called
            with ``return_estimator=True``.
        ax : matplotlib Axes, default=None
            The axes to draw on; a new figure when None.
        **kwargs : dict
            Keyword arguments of :meth:`plot`.

        Returns
        -------
        display : TrainingCurveDisplay
            The display, drawn; one curve set per fold, named ``fold 0``,
            ``fold 1``...

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from sklearn.datasets import make_classification
        >>> from sklearn.model_selection import cross_validate
        >>> from sknn import MLPClassifier, TrainingCurveDisplay
        >>> X, y = make_classification(n_samples=90, random_state=0)
        >>> cv = cross_validate(MLPClassifier(max_iter=5, random_state=0), X, y, cv=3,
        ...                     return_estimator=True)
        >>> len(TrainingCurveDisplay.from_cv_results(cv).lines_)
        3
        """
        if not isinstance(cv_results, dict) or "estimator" not in cv_results:
            raise ValueError("cv_results must be the dict cross_validate returns with "
                             "return_estimator=True; it has no 'estimator' entry.")
        estimators = cv_results["estimator"]
        names = [f"fold {i}" for i in range(len(estimators))]
        return cls.from_estimators(estimators, names=names, ax=ax, **kwargs)
