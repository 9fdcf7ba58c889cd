"""The base estimator: one template for fit, partial_fit and predict.

``fit`` runs validate -> encode target -> build module -> build ``net_`` ->
train -> record. Families (MLP, convolutional, recurrent, ...) supply the
input check and the module; tasks (classifier, regressor) supply the target
hooks (see :mod:`sknn._tasks`).
"""

import copy
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if

from ._callbacks import (
    Convergence,
    LearningRateSchedule,
    ProgressLog,
    callback_names,
    check_callbacks,
    check_monitors,
    unwrap,
)
from ._data import (
    batch_length,
    check_tabular,
    fast_path,
    n_samples,
    take,
    to_device,
    to_tensor,
)
from ._device import random_stream, resolve_device
from ._distributed import check_batches, common_seed, process_group
from ._docs import DOC_LINK_TEMPLATE, fill_doc
from ._fitted import FittedAttributes
from ._params import TRAINING, check_skorch_keywords
from ._prediction import Prediction
from ._sklearn import _check_sample_weight, _fit_context, _safe_indexing
from ._state import VersionedState, restore, snapshot
from ._streaming import host_rows, is_out_of_core
from ._training import SknnNet, balanced_batch_size, make_optimizer_kwargs
from ._validation import check_float32_range, numbers_only


def _stochastic(estimator):
    if estimator.solver == "lbfgs":
        raise AttributeError("partial_fit is only available for stochastic optimizers; "
                             f"{estimator.solver!r} is not stochastic.")
    return True


class BaseNeuralNet(Prediction, FittedAttributes, VersionedState, BaseEstimator):
    """Template of every sknn estimator. Not for direct use.

    It declares the training parameters every estimator takes
    (:data:`sknn._params.TRAINING`). A family declares its own ``_params``
    and provides ``_build_module`` and, when the input is not a table,
    ``_check_input`` and ``_summary_input``; a task mixin declares the
    task's ``_params`` and provides ``_encode_target``, ``_target_weights``,
    ``_stratify``, ``_make_criterion``, ``_score_output`` and, where the task
    predicts, ``predict`` (through ``_decode_output``). An ``_encode_target``
    that returns None makes the input its own target. Each concrete
    estimator is a task, a family and :func:`~sknn._params.declare_parameters`,
    which writes its ``__init__``.
    """

    _params = TRAINING
    # the "?" and parameter links of the HTML repr: the API reference's page
    _doc_link_module = "sknn"
    _doc_link_template = DOC_LINK_TEMPLATE

    # -- callbacks__<name>__<param> parameters, as skorch's ----------------
    def get_params(self, deep=True):
        """Get the parameters of the estimator; with ``deep``, also the callbacks'.

        Parameters
        ----------
        deep : bool, default=True
            Also return each callback as ``callbacks__<name>`` and its
            parameters as ``callbacks__<name>__<param>``, named as skorch
            names them (the name of a ``(name, callback)`` pair, else the
            class name).

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        params = super().get_params(deep=deep)
        if deep and isinstance(self.callbacks, list):
            for name, item in zip(callback_names(self.callbacks), self.callbacks):
                callback = unwrap(item)
                params[f"callbacks__{name}"] = callback
                if hasattr(callback, "get_params"):  # checked at fit, not here
                    params.update({f"callbacks__{name}__{key}": value
                                   for key, value in callback.get_params().items()})
        return params

    def set_params(self, **params):
        """Set parameters; ``callbacks__<name>__<param>`` sets a callback's parameter.

        As in skorch, ``callbacks__<name>`` replaces a callback (None removes
        it). ``callbacks`` is replaced by a new list holding a copy of each
        callback changed: the callbacks passed are left as they were.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : object
            The estimator.
        """
        routed = {name[len("callbacks__"):]: params.pop(name)
                  for name in list(params) if name.startswith("callbacks__")}
        super().set_params(**params)
        if routed:
            self.callbacks = _set_callback_params(self.callbacks, routed)
        return self

    def __new__(cls, *args, **kwargs):
        # skorch's keywords (lr=, max_epochs=, ...) get an error naming sknn's.
        check_skorch_keywords(cls, kwargs)
        return super().__new__(cls)

    # -- hooks for families ---------------------------------------------
    def _check_input(self, X, *, reset, dtype=np.float32):
        """Validate ``X``; return it as a ``dtype`` tensor (or tuple of tensors)."""
        ready = None if reset else fast_path(self, X, dtype)
        if ready is not None:
            return torch.from_numpy(ready)
        return to_tensor(check_tabular(self, X, reset=reset, dtype=dtype))

    def _numeric_input(self, X, *, reset, dtype=np.float32, name="X"):
        """:meth:`_check_input`, with a clear error for input that is not numbers."""
        with numbers_only(
                f"{name} holds values that are not numbers (strings, say); "
                f"{type(self).__name__} needs numeric input. Encode categorical columns "
                "first, e.g. with sklearn.preprocessing.OneHotEncoder in a "
                "sklearn.compose.ColumnTransformer."):
            return self._check_input(X, reset=reset, dtype=dtype)

    def _training_input(self, X, *, reset):
        """:meth:`_numeric_input` for ``fit``; out-of-core arrays stay where they are.

        A large memory map, a zarr or a dask array is checked block by block
        and read batch window by batch window while training (see
        :mod:`sknn._streaming`).
        """
        if not is_out_of_core(X):
            return self._numeric_input(X, reset=reset)
        if self.solver == "lbfgs":
            raise ValueError(
                f"solver='lbfgs' needs all the training data in memory at once, and X is a "
                f"{type(X).__name__} read from storage batch by batch; use a stochastic "
                "solver (e.g. 'adam') or load X into memory (np.asarray(X)).")
        return host_rows(self, X, reset=reset)

    def _build_module(self, X, n_outputs):
        """Return the untrained ``nn.Module`` for input ``X`` and ``n_outputs``."""
        raise NotImplementedError

    def _summary_input(self):
        """Two zero samples shaped like the training input, for :meth:`summary`."""
        return torch.zeros(2, self.n_features_in_)

    # -- fitting ----------------------------------------------------------
    @fill_doc
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None, sample_weight_val=None):
        """Train the network on ``X`` and ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Training input: numpy arrays of any numeric dtype, pandas
            DataFrames, or (tabular estimators) scipy sparse matrices.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss and the validation score.
        ${validation_data}

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False,
                         validation=(X_val, y_val, sample_weight_val))

    def _partial_fit(self, X, y, sample_weight, classes=None):
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _fit(self, X, y, sample_weight, *, incremental, classes=None, validation=None):
        """Train; a call that raises (Ctrl-C included) leaves the estimator as it was."""
        before = snapshot(self)
        try:
            return self._train(X, y, sample_weight, incremental=incremental, classes=classes,
                               validation=validation)
        except BaseException:
            restore(self, before)
            raise

    def _train(self, X, y, sample_weight, *, incremental, classes, validation):
        reset = not hasattr(self, "net_") or not (incremental or self.warm_start)
        if reset:
            self.__dict__.pop("net_", None)
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        world = process_group(self)[1] if self.distributed else None
        device = resolve_device(str(self.device)) if reset else torch.device(self.net_.device)
        # The user's own data, for a scoring scorer on a validation split; a
        # scalar weight weighs every sample alike.
        raw = (X, y, None if isinstance(sample_weight, Real) else sample_weight)
        X = self._training_input(X, reset=reset)
        if y is None and self.__sklearn_tags__().target_tags.required:
            raise ValueError(f"This {type(self).__name__} estimator requires y to be passed, "
                             "but the target y is None.")
        y = self._encode_target(y, reset=reset, incremental=incremental, classes=classes)
        if y is None:  # the task's target is the input itself (an autoencoder's)
            y = X
        n = n_samples(X)
        if y.shape[0] != n:
            raise ValueError(f"X has {n} samples but y has {y.shape[0]}; they must match.")
        weights = self._sample_weights(sample_weight, y, n)
        given = self._validation_set(*(validation or (None, None, None)))
        check_callbacks(self.callbacks)
        check_monitors(self.callbacks, has_validation=given is not None or (
            self.early_stopping and not incremental and self.solver != "lbfgs"))
        # Each call continues the estimator's random stream where the last one
        # stopped, so n calls of partial_fit train as fit does for n epochs.
        seed, state = (self._draw_seed(device), None) if reset else \
            (None, self.net_.random_state_)
        with random_stream(device, seed=seed, state=state) as stream:
            if given is not None:
                train, (valid, raw_valid) = (X, y, weights), given
            else:
                train, valid, raw_valid = self._split(X, y, weights, incremental, raw)
            # From the rows that train (after early stopping's split), as scikit-learn does.
            n_train = n_samples(train[0])
            batch_size = self._batch_size(n_train)
            if reset or not incremental:
                # fit builds the net from the current parameters; a warm
                # start hands it the trained module and the history.
                self.net_ = self._make_net(X, device, batch_size, n,
                                           previous=getattr(self, "net_", None))
            self.net_.batch_size = batch_size
            if batch_size < 2 and self.net_._normalises_batches():
                raise ValueError(
                    "Batch normalisation needs batches of at least 2 rows, but this fit has "
                    f"batches of {batch_size} ({n} samples, batch_size={self.batch_size}).")
            if world is not None:
                check_batches([batch_length(index, n_train)
                               for index in self.net_._batches(n_train)],
                              world, self.net_._normalises_batches())
            with self._threads(batch_size, training=True):
                self.n_iter_ = self.net_.fit_epochs(
                    to_device(train, device),
                    to_device(valid, device),
                    epochs=1 if incremental else self.max_iter,
                    shuffle=self.shuffle,
                    max_grad_norm=self.max_grad_norm,
                    score=None if valid is None else self._validation_score(raw_valid),
                )
            # In-place (fused) optimizer steps need not bump the tensors' version
            # counters that key the float64 prediction copy: drop it.
            self.net_.__dict__.pop("_float64_copy", None)
        self.net_.random_state_ = stream["state"]
        if not incremental and not self.net_.converged_:
            if self.solver == "lbfgs":
                warnings.warn(f"L-BFGS did not converge: {self.net_.stop_message_}",
                              ConvergenceWarning, stacklevel=4)
            elif self.n_iter_ == self.max_iter:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and "
                    "the optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=4,
                )
        return self

    def _draw_seed(self, device):
        if self.distributed:  # one permutation and one initialisation on every rank
            return common_seed(self._own_seed(), device)
        return self._own_seed()

    def _own_seed(self):
        if self.random_state is None:
            # Fresh entropy: leaves numpy's global random state untouched.
            return int(np.random.SeedSequence().generate_state(1)[0] >> 1)
        if isinstance(self.random_state, Integral):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(2**31 - 1))

    def _batch_size(self, n):
        if self.solver == "lbfgs":
            return n
        if self.batch_size == "auto":
            size = min(200, n)
        else:
            if self.batch_size > n:
                warnings.warn("Got `batch_size` less than 1 or larger than sample size. "
                              "It is going to be clipped", stacklevel=5)
            size = min(self.batch_size, n)
        return balanced_batch_size(n, size) if self.balanced_batches else size

    def _sample_weights(self, sample_weight, y, n):
        """Sample weights times class weights, as a tensor; None when all equal.

        The weighted loss is normalised by the weights' sum, so constant
        weights train exactly as no weights.
        """
        weights = None
        if sample_weight is not None:
            weights = _check_sample_weight(sample_weight, np.empty((n, 0)), dtype=np.float64)
        class_weights = self._target_weights(y)
        if class_weights is not None:
            weights = class_weights if weights is None else weights * class_weights
        if weights is None:
            return None
        check_float32_range(weights, "sample_weight (times class_weight)",
                            "Rescale the weights: only their ratios matter.")
        if not weights.sum() > 0:
            raise ValueError("The sample weights (times class_weight) sum to zero: no "
                             "sample would count in the loss.")
        if np.all(weights == weights[0]):
            return None
        return to_tensor(weights, torch.float32)

    def _split(self, X, y, weights, incremental, raw):
        """``(train, valid, raw_valid)``: ``valid`` is None without early stopping.

        ``train`` and ``valid`` are ``(X, y, sample_weight)`` tensor triples;
        ``raw_valid`` is the held-out part of the user's own ``raw`` triple,
        for a ``scoring`` scorer. The split's seed is drawn from the
        estimator's random stream.
        """
        if incremental or not self.early_stopping or self.solver == "lbfgs":
            return (X, y, weights), None, None  # L-BFGS, as in scikit-learn, uses all the data
        index = np.arange(n_samples(X))
        train_index, valid_index = train_test_split(
            index, test_size=self.validation_fraction,
            random_state=int(torch.randint(2**31 - 1, ())),
            stratify=self._stratify(y),
        )
        if len(valid_index) < 2:
            raise ValueError("The validation set is too small. Increase 'validation_fraction' "
                             "or the size of your dataset.")

        streamed = hasattr(X, "stays_on_host")  # out-of-core X (see _training_input)

        def subset(index, stay=False):
            index = np.sort(index)
            if streamed:  # the training rows stay in storage; the held-out ones are read
                rows = X.subset(index) if stay else X.read(index)
            else:
                rows = take(X, torch.from_numpy(index))
            index = torch.from_numpy(index)
            return (rows, rows if y is X else y[index],
                    None if weights is None else weights[index])

        def raw_subset(part, is_dict=False):  # a dict input: each of its arrays
            if is_dict:
                return {key: raw_subset(value) for key, value in part.items()}
            return None if part is None else _safe_indexing(part, np.sort(valid_index))

        if not streamed:
            raw_X = raw_subset(raw[0], is_dict=isinstance(X, dict))
        else:  # only a scorer reads the raw held-out rows
            raw_X = None if self.scoring is None else X.gather(np.sort(valid_index))[0]
        raw_valid = (raw_X, raw_subset(raw[1]), raw_subset(raw[2]))
        return subset(train_index, stay=True), subset(valid_index), raw_valid

    def _validation_set(self, X_val, y_val, sample_weight_val):
        """``((X, y, sample_weight) tensors, raw triple)`` of given validation data, or None."""
        if X_val is None:
            if y_val is not None or sample_weight_val is not None:
                raise ValueError("y_val and sample_weight_val need X_val: pass the validation "
                                 "input as X_val.")
            return None
        if self.solver == "lbfgs":
            raise ValueError("solver='lbfgs' trains on the full batch and does not use "
                             "validation data; use a stochastic solver with X_val.")
        target_required = self.__sklearn_tags__().target_tags.required
        if target_required and y_val is None:
            raise ValueError("X_val was given without y_val; pass both to validate on them.")
        X = self._numeric_input(X_val, reset=False, name="X_val")
        y = self._encode_target(y_val, reset=False, incremental=True) if target_required else X
        n = n_samples(X)
        if y.shape[0] != n:
            raise ValueError(f"X_val has {n} samples but y_val has {y.shape[0]}; they must "
                             "match.")
        weights = self._sample_weights(sample_weight_val, y, n)
        raw_weight = None if isinstance(sample_weight_val, Real) else sample_weight_val
        return (X, y, weights), (X_val, y_val, raw_weight)

    def _validation_score(self, raw_valid):
        """``score(output, target, sample_weight)`` for the validation set, each epoch.

        Without ``scoring`` it is the task's own score, computed on the
        device from the outputs the validation loss already needed; with it,
        scikit-learn's scorer runs on the raw validation data.
        """
        if self.scoring is None:
            return self._score_output
        if isinstance(self.scoring, str) and not hasattr(self, "predict"):
            raise ValueError(f"scoring={self.scoring!r} needs predict, which "
                             f"{type(self).__name__} does not have: pass a callable "
                             "scorer(estimator, X, y), or scoring=None for its own score.")
        scorer = check_scoring(self, scoring=self.scoring)
        X_val, y_val, sample_weight_val = raw_valid
        kwargs = {} if sample_weight_val is None else {"sample_weight": sample_weight_val}

        def score(output, target, sample_weight):
            self.net_.__dict__.pop("_float64_copy", None)  # the weights changed this epoch
            return torch.tensor(float(scorer(self, X_val, y_val, **kwargs)))

        return score

    def _make_net(self, X, device, batch_size, n, previous=None):
        """A new ``SknnNet`` built from the current parameters.

        With ``previous`` (a warm start), the net takes over its trained
        module, history and sample count; optimizer, schedule, stopping rule
        and callbacks start afresh, as in scikit-learn.
        """
        optimizer, optimizer_kwargs = make_optimizer_kwargs(self, batch_size)
        if self.solver == "lbfgs":
            l2_penalty = self.alpha / n
        else:
            l2_penalty = 0.0 if self.solver == "adamw" else self.alpha / batch_size
        callbacks = [
            ("convergence", Convergence(self.tol, self.n_iter_no_change, self.early_stopping,
                                        adaptive=self.learning_rate == "adaptive",
                                        verbose=bool(self.verbose),
                                        restore_best=self.restore_best,
                                        decays_to=self.min_learning_rate
                                        if self.learning_rate == "plateau" else None)),
        ]
        if self.solver == "lbfgs":
            callbacks = []
        elif self.learning_rate not in ("constant", "adaptive"):
            callbacks.append(("learning_rate", LearningRateSchedule(
                self.learning_rate, self.learning_rate_init, self.power_t, self.max_iter,
                patience=self.plateau_patience, factor=self.plateau_factor,
                floor=self.min_learning_rate)))
        if self.verbose:
            callbacks.append(("progress", ProgressLog(self.max_iter)))
        callbacks += SknnNet.copy_callbacks(self.callbacks)
        net = SknnNet(
            self._build_module(getattr(X, "head", X), self.n_outputs_) if previous is None
            else previous.module_,
            criterion=self._make_criterion(),
            optimizer=optimizer,
            lr=self.learning_rate_init,
            batch_size=batch_size,
            max_epochs=self.max_iter,
            device=device,
            callbacks=callbacks,
            l2_penalty=l2_penalty,
            max_fun=self.max_fun,
            tol=self.tol,
            precision=self.precision,
            compile=self.compile,
            distributed=self.distributed,
            verbose=int(bool(self.verbose)),
            **{f"optimizer__{key}": value for key, value in optimizer_kwargs.items()},
        ).initialize()
        if previous is not None:
            net.history_ = previous.history_
            net.samples_seen_ = previous.samples_seen_
        return net

    def __sklearn_is_fitted__(self):
        return hasattr(self, "net_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


partial_fit_available = available_if(_stochastic)


def _set_callback_params(callbacks, routed):
    """A new ``callbacks`` list with ``routed`` (``"<name>__<param>"`` or
    ``"<name>"`` to value) set on shallow copies of the named callbacks."""
    items = list(callbacks) if isinstance(callbacks, list) else []
    names = callback_names(items)
    for key, value in routed.items():
        name, _, param = key.partition("__")
        if name not in names:
            raise ValueError(
                f"Invalid parameter 'callbacks__{key}': no callback is named {name!r}. "
                f"The callbacks' names: {names}; name one with a (name, callback) pair.")
        i = names.index(name)
        if not param:
            items[i] = (name, value)
            continue
        callback = copy.copy(unwrap(items[i]))
        callback.set_params(**{param: value})
        items[i] = (name, callback) if unwrap(items[i]) is not items[i] else callback
    kept = [item for item in items if unwrap(item) is not None]
    return kept or None

