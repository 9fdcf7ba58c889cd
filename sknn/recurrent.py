"""Recurrent networks (RNN, LSTM, GRU) for sequences and time series."""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._base import BaseNeuralNet, init_with_defaults
from ._data import to_tensor
from ._docs import fill_doc, training_parameters
from ._sklearn import Interval, StrOptions, _fit_context
from ._tasks import ClassifierTask, RegressorTask
from .mlp import check_hidden_layer_sizes
from .modules import ACTIVATIONS, CELLS, MaskedStepLoss, RecurrentNet

# Recurrent nets clip gradients by default, so their docstrings document
# max_grad_norm with that default and the reason for it.
_RECURRENT_CLIPPING = """\
max_grad_norm : float or None, default=1.0
        Clip the gradient norm of every step to this value. Recurrent
        networks default to 1.0 where the other families default to None:
        backpropagation through time multiplies the recurrent Jacobian once
        per step, so a long sequence can make one gradient explode and throw
        the weights far off in a single step; clipping the norm is the
        standard remedy and costs nothing when gradients are small. None
        turns it off."""
_FRAGMENTS = {
    "training_parameters": training_parameters(_RECURRENT_CLIPPING),
    "recurrent_parameters": """\
cell : {'rnn', 'lstm', 'gru'}, default='lstm'
        The recurrent layer: Elman RNN (tanh), LSTM or GRU.

    hidden_size : int, default=64
        Width of the recurrent state, per direction.

    num_layers : int, default=1
        Number of stacked recurrent layers.

    bidirectional : bool, default=False
        Also read every sequence backwards and concatenate both directions'
        states.

    return_sequences : bool, default=False
        False: one output per sequence, computed from the last hidden state
        (sequence to vector). True: one output per time step (sequence to
        sequence); ``y`` then has shape ``(n_samples, n_steps)`` or
        ``(n_samples, n_steps, n_targets)``, or is a list of per-step
        targets matching a list of sequences, and ``predict`` returns the
        same form. Padded steps never count in the loss.

    input_shape : tuple (n_steps, n_features) or None, default=None
        How to read 2-D input: each row is one sequence of ``n_steps`` steps
        of ``n_features`` features, flattened step by step (or feature by
        feature with ``channels_first``). This lets the estimator follow a
        2-D transformer in a Pipeline. None reads 2-D input as univariate
        sequences ``(n_samples, n_steps, 1)``. Ignored for other input.

    channels_first : bool, default=False
        Read 3-D arrays as ``(n_samples, n_features, n_steps)`` and list
        items as ``(n_features, n_steps)``, as time-series archives store
        them, instead of steps first.

    hidden_layer_sizes : array-like of int, default=()
        Dense layers between the recurrent representation and the output
        layer; empty for none.

    activation : {'identity', 'logistic', 'tanh', 'relu', 'leaky_relu', \
'elu', 'selu', 'gelu'}, default='relu'
        Activation of the dense layers.

    dropout : float, default=0.0
        Dropout probability between stacked recurrent layers, on the
        recurrent representation, and after each dense activation.""",
    "recurrent_input": """\
X takes any of these forms (the same form in ``fit`` and ``predict``):

    - a 3-D array ``(n_samples, n_steps, n_features)``;
    - a 2-D array or DataFrame ``(n_samples, n_steps)`` of univariate
      sequences, or of flattened ``(n_steps, n_features)`` sequences when
      ``input_shape`` is set;
    - a list (or 1-D object array) of ``(n_steps_i, n_features)`` or
      ``(n_steps_i,)`` arrays of different lengths. They are padded and
      packed (:func:`torch.nn.utils.rnn.pack_padded_sequence`), so a
      sequence's prediction does not depend on the others in its batch.

    ``n_features_in_`` is the number of features per step for 3-D and list
    input, and, as scikit-learn counts a table's features, the number of
    columns for 2-D input.

    On a CPU without a GPU, float32 arrays train and predict fastest;
    prediction on other input runs in float64 (see :class:`MLPClassifier`).""",
}


def _fill_doc(obj):
    return fill_doc(obj, _FRAGMENTS)


# -- input --------------------------------------------------------------------

def _is_sequence_list(X):
    """True for a list, tuple or 1-D object array whose items are arrays (not scalars)."""
    if isinstance(X, np.ndarray):
        if X.dtype != object or X.ndim != 1:
            return False
    elif not isinstance(X, (list, tuple)):
        return False
    return len(X) > 0 and all(np.ndim(item) >= 1 for item in X)


def _ragged(items):
    return len({np.shape(item) for item in items}) > 1 or (
        isinstance(items, np.ndarray) and items.dtype == object)


def _steps_first(sequence, channels_first):
    """A 1-D or 2-D sequence as a ``(n_steps, n_features)`` array."""
    if sequence.ndim == 1:
        return sequence[:, None]
    return sequence.T if channels_first else sequence


class _BaseRNN(BaseNeuralNet):
    """The recurrent family: its parameters, input forms and network."""

    _parameter_constraints = {
        **BaseNeuralNet._parameter_constraints,
        "cell": [StrOptions(set(CELLS))],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "return_sequences": ["boolean"],
        "input_shape": [tuple, list, None],
        "channels_first": ["boolean"],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(
        self,
        cell="lstm",
        hidden_size=64,
        *,
        num_layers=1,
        bidirectional=False,
        return_sequences=False,
        input_shape=None,
        channels_first=False,
        hidden_layer_sizes=(),
        activation="relu",
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        loss="log_loss",
        dropout=0.0,
        device="auto",
        precision="float32",
        compile=False,
        class_weight=None,
        max_grad_norm=1.0,
        callbacks=None,
    ):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.return_sequences = return_sequences
        self.input_shape = input_shape
        self.channels_first = channels_first
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.loss = loss
        self.dropout = dropout
        self.device = device
        self.precision = precision
        self.compile = compile
        self.class_weight = class_weight
        self.max_grad_norm = max_grad_norm
        self.callbacks = callbacks

    # -- input ----------------------------------------------------------------
    def _row_shape(self, n_columns):
        """``(n_steps, n_features)`` of a 2-D input row of ``n_columns`` values."""
        if self.input_shape is None:
            return n_columns, 1
        shape = tuple(self.input_shape)
        if len(shape) != 2 or not all(isinstance(s, Integral) and s > 0 for s in shape):
            raise ValueError(f"input_shape must be a pair of positive ints (n_steps, "
                             f"n_features), got {self.input_shape!r}.")
        if shape[0] * shape[1] != n_columns:
            raise ValueError(f"input_shape={shape} needs rows of {shape[0] * shape[1]} values, "
                             f"but X has {n_columns} columns.")
        return shape

    def _check_input(self, X, *, reset, dtype=np.float32):
        """Validate ``X`` in any of its forms; return ``(n, T, F)`` or ``(padded, lengths)``."""
        if _is_sequence_list(X) and _ragged(X):
            return self._check_sequence_list(X, reset=reset, dtype=dtype)
        X = validate_data(self, X, reset=reset, ensure_2d=False, allow_nd=True,
                          accept_sparse=("csr", "csc", "coo"), dtype=dtype, order="C")
        if sp.issparse(X):
            X = X.toarray()
        if X.ndim not in (2, 3):
            raise ValueError(
                f"Expected sequences: a 3-D array (n_samples, n_steps, n_features), a 2-D "
                f"array (n_samples, n_steps) or a list of (n_steps, n_features) arrays; got "
                f"a {X.ndim}-D array of shape {X.shape} instead. Reshape your data, e.g. "
                "with X.reshape(1, -1) for a single univariate sequence.")
        table = X.ndim == 2
        if table:
            if X.shape[1] == 0:
                raise ValueError(f"0 feature(s) (shape={X.shape}) while a minimum of 1 is "
                                 "required.")
            self._check_width(X.shape[1], table=True, reset=reset)
            n_steps, n_features = self._row_shape(X.shape[1])
            if self.channels_first and self.input_shape is not None:
                X = X.reshape(len(X), n_features, n_steps).transpose(0, 2, 1)
            else:
                X = X.reshape(len(X), n_steps, n_features)
        elif self.channels_first:
            X = X.transpose(0, 2, 1)
        if 0 in X.shape[1:]:
            raise ValueError(f"Sequences need at least one step and one feature; got X of "
                             f"shape (n_samples, n_steps, n_features) = {X.shape}.")
        if not table:
            self._check_width(X.shape[2], table=False, reset=reset)
        self._check_step_features(X.shape[2], X.shape[1], reset=reset, table=table)
        return to_tensor(np.ascontiguousarray(X))

    def _check_sequence_list(self, X, *, reset, dtype):
        validate_data(self, X, reset=reset, skip_check_array=True, ensure_2d=False)
        sequences = []
        for i, item in enumerate(X):
            if np.shape(item)[0] == 0 or (self.channels_first and np.ndim(item) == 2
                                          and np.shape(item)[1] == 0):
                raise ValueError(f"Sequence {i} of X is empty; every sequence needs at least "
                                 "one step.")
            sequence = check_array(item, ensure_2d=False, allow_nd=True, dtype=dtype,
                                   input_name=f"X[{i}]", estimator=self)
            if sequence.ndim > 2:
                raise ValueError(f"Sequence {i} of X has shape {sequence.shape}; each sequence "
                                 "must be 1-D (n_steps,) or 2-D (n_steps, n_features).")
            sequences.append(_steps_first(sequence, self.channels_first))
        n_features = sequences[0].shape[1]
        for i, sequence in enumerate(sequences):
            if sequence.shape[1] != n_features:
                raise ValueError(f"Sequence {i} of X has {sequence.shape[1]} features per step "
                                 f"but sequence 0 has {n_features}; they must all match.")
        self._check_width(n_features, table=False, reset=reset)
        lengths = np.array([len(sequence) for sequence in sequences])
        self._check_step_features(n_features, lengths.max(), reset=reset, table=False)
        padded = np.zeros((len(sequences), lengths.max(), n_features), dtype=dtype)
        for i, sequence in enumerate(sequences):
            padded[i, :len(sequence)] = sequence
        return to_tensor(padded), torch.from_numpy(lengths)

    def _check_width(self, n_features, *, table, reset):
        """Set or check ``n_features_in_`` (columns of a table, or features per step)."""
        if reset:
            self.n_features_in_ = n_features
        elif table and self._fitted_on_table and n_features != self.n_features_in_:
            raise ValueError(f"X has {n_features} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input.")

    def _check_step_features(self, n_features, n_steps, *, reset, table):
        if reset:
            self._fitted_on_table = table
            self._sequence_shape = (int(n_steps), int(n_features))
        elif n_features != self._sequence_shape[1]:
            raise ValueError(f"X has sequences of {n_features} features per step, but "
                             f"{type(self).__name__} was fitted on {self._sequence_shape[1]}.")

    def _input_lengths(self, X):
        """Steps of each sequence of ``X`` (any input form), without converting it."""
        if _is_sequence_list(X):
            axis = 1 if self.channels_first else 0
            return [np.shape(item)[axis] if np.ndim(item) == 2 else len(item) for item in X]
        shape = np.shape(X) if not sp.issparse(X) else X.shape
        if len(shape) == 3:
            return [shape[2] if self.channels_first else shape[1]] * shape[0]
        if len(shape) == 2:
            return [self._row_shape(shape[1])[0]] * shape[0]
        return None

    # -- network --------------------------------------------------------------
    def _build_module(self, X, n_outputs):
        inputs = X[0] if isinstance(X, tuple) else X
        return RecurrentNet(
            inputs.shape[2],
            n_outputs,
            cell=self.cell,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            bidirectional=self.bidirectional,
            return_sequences=self.return_sequences,
            hidden_layer_sizes=check_hidden_layer_sizes(self.hidden_layer_sizes),
            activation=self.activation,
            dropout=self.dropout,
        )

    def _summary_input(self):
        return torch.zeros(2, *self._sequence_shape)

    def _fit(self, X, y, sample_weight, *, incremental, classes=None):
        if self.return_sequences and y is not None:
            x_lengths, (_, y_lengths) = self._input_lengths(X), _split_steps(y)
            if x_lengths is not None and len(x_lengths) == len(y_lengths) and \
                    list(x_lengths) != list(y_lengths):
                bad = next(i for i, (a, b) in enumerate(zip(x_lengths, y_lengths)) if a != b)
                raise ValueError(f"With return_sequences=True, y needs one target per time "
                                 f"step: sequence {bad} of X has {x_lengths[bad]} steps but "
                                 f"its targets have {y_lengths[bad]}.")
        return super()._fit(X, y, sample_weight, incremental=incremental, classes=classes)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


# -- per-step targets ---------------------------------------------------------

def _split_steps(y):
    """``(steps, lengths)``: the targets of every time step stacked, and steps per sequence.

    ``y`` is ``(n, T)``, ``(n, T, k)`` or a list of ``(T_i,)`` / ``(T_i, k)``
    arrays; ``steps`` is ``(sum T_i,)`` or ``(sum T_i, k)``.
    """
    if _is_sequence_list(y) and _ragged(y):
        items = [np.asarray(item) for item in y]
        widths = {item.shape[1:] for item in items}
        if len(widths) > 1 or any(item.ndim > 2 for item in items):
            raise ValueError("With return_sequences=True, every item of y must be (n_steps,) "
                             "or (n_steps, n_targets) with the same n_targets; got shapes "
                             f"{sorted({item.shape for item in items})}.")
        return np.concatenate(items), [len(item) for item in items]
    y = np.asarray(y)
    if y.ndim not in (2, 3):
        raise ValueError("With return_sequences=True, y needs one target per time step: shape "
                         f"(n_samples, n_steps) or (n_samples, n_steps, n_targets), or a list "
                         f"of per-sequence targets; got shape {y.shape}.")
    return y.reshape(y.shape[0] * y.shape[1], *y.shape[2:]), [y.shape[1]] * y.shape[0]


class _StepTargets:
    """Target hooks for ``return_sequences=True``: the task's hooks on time steps.

    Sits left of the task mixin. Without ``return_sequences`` every hook is
    the task's own. With it, ``y`` holds one target per time step; the steps
    are stacked and encoded by the task (so labels, ``classes_``,
    ``n_outputs_`` and the loss are the task's), then laid out again as
    ``(n, T, ...)`` with padding marked (NaN, or -1 for class codes) so that
    padded steps never count in the loss or the score.
    """

    # score() over the stacked real steps.
    _step_metric = staticmethod(r2_score)

    def _encode_target(self, y, *, reset, incremental=False, classes=None):
        if not self.return_sequences:
            return super()._encode_target(y, reset=reset, incremental=incremental,
                                          classes=classes)
        if self.class_weight is not None:
            raise ValueError("class_weight is not supported with return_sequences=True; "
                             "pass per-sequence sample_weight instead.")
        steps, lengths = _split_steps(y)
        width = steps.shape[1] if steps.ndim == 2 else None
        if reset:
            self._step_target_width = width
        elif width != self._step_target_width:
            raise ValueError(f"y has {width or 1} targets per step, but {type(self).__name__} "
                             f"was fitted with {self._step_target_width or 1}.")
        if width == 1:
            steps = steps.ravel()
        encoded = super()._encode_target(steps, reset=reset, incremental=incremental,
                                         classes=classes)
        marker = -1 if encoded.dtype == torch.int64 else float("nan")
        target = torch.full((len(lengths), max(lengths), *encoded.shape[1:]), marker,
                            dtype=encoded.dtype)
        valid = torch.arange(max(lengths))[None, :] < torch.tensor(lengths)[:, None]
        target[valid] = encoded
        return target

    def _make_criterion(self):
        criterion = super()._make_criterion()
        return MaskedStepLoss(criterion) if self.return_sequences else criterion

    def _target_weights(self, y):
        return None if self.return_sequences else super()._target_weights(y)

    def _stratify(self, y):
        return None if self.return_sequences else super()._stratify(y)

    @staticmethod
    def _valid_steps(output, target, sample_weight):
        """The real steps of ``(n, T, ...)`` outputs and targets, stacked, and their weights."""
        valid = target >= 0 if not target.is_floating_point() else \
            ~torch.isnan(target.reshape(*target.shape[:2], -1)).any(2)
        weight = None if sample_weight is None else \
            sample_weight[:, None].expand(valid.shape)[valid]
        return output[valid], target[valid], weight

    def _score_output(self, output, target, sample_weight):
        if not self.return_sequences:
            return super()._score_output(output, target, sample_weight)
        return super()._score_output(*self._valid_steps(output, target, sample_weight))

    def _decode_output(self, output, X):
        if not self.return_sequences:
            return super()._decode_output(output, X)
        n, n_steps = output.shape[:2]
        decoded = super()._decode_output(output.reshape(n * n_steps, -1), X)
        decoded = decoded.reshape(n, n_steps, *decoded.shape[1:])
        if self._step_target_width == 1:
            decoded = decoded[..., None]
        if _is_sequence_list(X):
            return [decoded[i, :length] for i, length in enumerate(self._input_lengths(X))]
        return decoded

    def score(self, X, y, sample_weight=None):
        """Mean accuracy (classifiers) or R^2 (regressors) of ``predict(X)``.

        With ``return_sequences=True`` every real time step counts once, and
        a sequence's ``sample_weight`` applies to each of its steps.

        Parameters
        ----------
        X : array-like or list of arrays
            The input.
        y : array-like or list of arrays
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples.

        Returns
        -------
        score : float
        """
        if not self.return_sequences:
            return super().score(X, y, sample_weight)
        y_true, lengths = _split_steps(y)
        y_pred, _ = _split_steps(self.predict(X))
        if sample_weight is not None:
            sample_weight = np.repeat(np.asarray(sample_weight, dtype=float), lengths)
        if self._step_target_width == 1:
            y_true, y_pred = y_true.reshape(len(y_true), -1), y_pred.reshape(len(y_pred), -1)
        return float(self._step_metric(y_true, y_pred, sample_weight=sample_weight))


class _StepClassification(_StepTargets):
    """Per-step probabilities for sequence-to-sequence classification."""

    _step_metric = staticmethod(accuracy_score)

    def _labels_need_classes(self, y):
        # Per-step labels, shape (n, T) or a ragged list, are not multilabel rows.
        return self.return_sequences or super()._labels_need_classes(y)

    def predict_proba(self, X):
        """Probability of each class (for each time step with ``return_sequences``).

        Parameters
        ----------
        X : array-like or list of arrays
            The input.

        Returns
        -------
        ndarray of shape (n_samples, n_classes) or (n_samples, n_steps, n_classes)
            Columns follow ``classes_``. With ``return_sequences`` and a list
            ``X``, a list of ``(n_steps_i, n_classes)`` arrays.
        """
        if not self.return_sequences:
            return super().predict_proba(X)
        proba = self._proba(self._forward(X))
        if _is_sequence_list(X):
            return [proba[i, :length] for i, length in enumerate(self._input_lengths(X))]
        return proba


@_fill_doc
class RNNClassifier(_StepClassification, ClassifierTask, _BaseRNN):
    """Recurrent neural network classifier (RNN, LSTM or GRU), trained with PyTorch.

    Classifies whole sequences (sequence to vector) or, with
    ``return_sequences=True``, every time step (sequence to sequence).
    Labels may be of any type; binary, multiclass and multilabel targets
    work as for :class:`MLPClassifier`.

    ${recurrent_input}

    Parameters
    ----------
    ${recurrent_parameters}

    ${training_parameters}

    ${classifier_parameters}
        Not supported with ``return_sequences=True``.

    Attributes
    ----------
    ${classes_attribute}

    ${fitted_attributes}

    See Also
    --------
    RNNRegressor : The regressor.
    SlidingWindows : Cut a series into windows and forecasting targets.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn import RNNClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(100, 12, 2)).astype(np.float32)
    >>> y = np.where(X[:, :, 0].sum(1) > 0, "up", "down")
    >>> clf = RNNClassifier(hidden_size=16, max_iter=60, learning_rate_init=0.01,
    ...                     random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    >>> clf.predict_proba(X[:3]).shape, clf.embed(X[:3]).shape
    ((3, 2), (3, 16))
    >>> sequences = [rng.normal(size=(length, 2)) for length in (5, 9, 12)]
    >>> clf.predict(sequences).shape
    (3,)
    """

    _parameter_constraints = {**_BaseRNN._parameter_constraints,
                              **ClassifierTask._task_parameter_constraints}
    __init__ = init_with_defaults(_BaseRNN.__init__, loss=ClassifierTask._default_loss)


@_fill_doc
class RNNRegressor(_StepTargets, RegressorTask, _BaseRNN):
    """Recurrent neural network regressor (RNN, LSTM or GRU), trained with PyTorch.

    Predicts one or several values per sequence (the next value of a
    series, or several steps ahead as several outputs), or with
    ``return_sequences=True`` values at every time step. For forecasting,
    :class:`SlidingWindows` cuts a series into windows and targets.

    ${recurrent_input}

    Parameters
    ----------
    ${recurrent_parameters}

    ${training_parameters}

    ${regressor_parameters}

    Attributes
    ----------
    ${fitted_attributes}

    See Also
    --------
    RNNClassifier : The classifier.
    SlidingWindows : Cut a series into windows and forecasting targets.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn import RNNRegressor, SlidingWindows
    >>> series = np.sin(np.arange(300) / 5.0)
    >>> X, y = SlidingWindows(window=10).fit(series).transform_with_targets(series)
    >>> X.shape, y.shape
    ((290, 10, 1), (290,))
    >>> model = RNNRegressor(hidden_size=16, max_iter=40, learning_rate_init=0.01,
    ...                      random_state=0).fit(X, y)
    >>> model.score(X, y) > 0.9
    True
    >>> model.summary()["layer"].tolist()
    ['rnn', 'dropout', 'output', 'total']
    """

    _parameter_constraints = {**_BaseRNN._parameter_constraints,
                              **RegressorTask._task_parameter_constraints}
    __init__ = init_with_defaults(_BaseRNN.__init__, loss=RegressorTask._default_loss)


# -- windows --------------------------------------------------------------------

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
        """
        self._validate(X, reset=True)
        return self

    def _target_columns(self):
        if self.target is None:
            return np.arange(self.n_features_in_)
        targets = self.target if isinstance(self.target, list) else [self.target]
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
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        return self._windows(X, len(X))[0]

    def transform_with_targets(self, X):
        """Windows that have targets, and their targets: the values that follow.

        Parameters
        ----------
        X : array-like of shape (n_steps,) or (n_steps, n_features)
            The series.

        Returns
        -------
        X_windows : ndarray of shape (n_windows, window, n_features)
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
        X_windows, y : ndarrays
        """
        return self.fit(X).transform_with_targets(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
