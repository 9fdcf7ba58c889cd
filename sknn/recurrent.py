"""Recurrent networks (RNN, LSTM, GRU) for sequences and time series."""

from numbers import Integral, Real

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
from sklearn.utils.validation import check_array, validate_data
from skorch.callbacks import Callback

from ._base import BaseNeuralNet
from ._callbacks import unwrap
from ._data import is_ragged, is_sequence_list, to_tensor
from ._docs import fill_doc
from ._params import (
    ACTIVATION,
    DROPOUT,
    HIDDEN_LAYER_SIZES,
    MAX_GRAD_NORM,
    Param,
    declare_parameters,
)
from ._sklearn import Interval, StrOptions
from ._tasks import ClassifierTask, RegressorTask, StepClassification, StepTargets, split_steps
from ._validation import check_hidden_layer_sizes
from .modules import CELLS, RecurrentNet

_FRAGMENTS = {
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


# -- input --------------------------------------------------------------------

def _steps_first(sequence, channels_first):
    """A 1-D or 2-D sequence as a ``(n_steps, n_features)`` array."""
    if sequence.ndim == 1:
        return sequence[:, None]
    return sequence.T if channels_first else sequence


class _BaseRNN(BaseNeuralNet):
    """The recurrent family: its parameters, input forms and network."""

    _params = (
        Param("cell", "lstm", [StrOptions(set(CELLS))], "{'rnn', 'lstm', 'gru'}",
              "The recurrent layer: Elman RNN (tanh), LSTM or GRU.", positional=True),
        Param("hidden_size", 64, [Interval(Integral, 1, None, closed="left")], "int",
              "Width of the recurrent state, per direction.", positional=True),
        Param("num_layers", 1, [Interval(Integral, 1, None, closed="left")], "int",
              "Number of stacked recurrent layers."),
        Param("bidirectional", False, ["boolean"], "bool",
              """Also read every sequence backwards and concatenate both directions'
              states."""),
        Param("return_sequences", False, ["boolean"], "bool",
              """False: one output per sequence, computed from the last hidden state
              (sequence to vector). True: one output per time step (sequence to
              sequence); ``y`` then has shape ``(n_samples, n_steps)`` or
              ``(n_samples, n_steps, n_targets)``, or is a list of per-step
              targets matching a list of sequences, and ``predict`` returns the
              same form. Padded steps never count in the loss. ``class_weight``
              is not supported with it."""),
        Param("output_steps", None, [Interval(Integral, 1, None, closed="left"), None],
              "int or None",
              """An int makes the network an encoder-decoder (sequence to vector to
              sequence): the recurrent layers read each input sequence (lists of
              different lengths included) into their last state, and a recurrent
              decoder started from that state emits ``output_steps`` steps,
              reading at each step the encoding and its own previous output (the
              probabilities of a classifier, the values of a regressor). ``y``
              then has shape ``(n_samples, output_steps)`` or ``(n_samples,
              output_steps, n_targets)``; a classifier predicts a label per step
              and ``predict_proba`` returns ``(n_samples, output_steps,
              n_classes)``. A one-step input, 2-D ``X`` with ``input_shape=(1,
              n_features)``, makes it vector to sequence. Exclusive with
              ``return_sequences``; ``class_weight`` is not supported with it."""),
        Param("teacher_forcing", 0.0, [Interval(Real, 0, 1, closed="both")], "float",
              """With ``output_steps``: the probability, drawn for each training
              batch, that the decoder reads the true previous step's target
              instead of its own previous output (teacher forcing). 0 always
              feeds back the outputs, as at prediction; it does not apply to
              ``solver='lbfgs'``."""),
        Param("input_shape", None, [tuple, list, None], "tuple (n_steps, n_features) or None",
              """How to read 2-D input: each row is one sequence of ``n_steps`` steps
              of ``n_features`` features, flattened step by step (or feature by
              feature with ``channels_first``). This lets the estimator follow a
              2-D transformer in a Pipeline. None reads 2-D input as univariate
              sequences ``(n_samples, n_steps, 1)``. Ignored for other input."""),
        Param("channels_first", False, ["boolean"], "bool",
              """Read 3-D arrays as ``(n_samples, n_features, n_steps)`` and list
              items as ``(n_features, n_steps)``, as time-series archives store
              them, instead of steps first."""),
        HIDDEN_LAYER_SIZES.replace(
            default=(), doc="""Dense layers between the recurrent representation and the
            output layer; empty for none."""),
        ACTIVATION.replace(doc="Activation of the dense layers."),
        DROPOUT.replace(doc="""Dropout probability between stacked recurrent layers, on the
            recurrent representation, and after each dense activation."""),
        # Recurrent nets clip gradients by default.
        MAX_GRAD_NORM.replace(default=1.0, doc="""Clip the gradient norm of every step to this
            value. Recurrent networks default to 1.0 where the other families
            default to None: backpropagation through time multiplies the
            recurrent Jacobian once per step, so a long sequence can make one
            gradient explode and throw the weights far off in a single step;
            clipping the norm is the standard remedy and costs nothing when
            gradients are small. None turns it off."""),
    )

    # -- recipe ---------------------------------------------------------------
    @classmethod
    @fill_doc
    def bigru(cls, **params):
        """A recipe for whole sequences: two bidirectional GRU layers and their training.

        Two stacked GRU layers of 128 units per direction, reading each
        sequence both ways, dropout 0.2 between them; Adam at 3e-3 annealed
        to 0 along a cosine over 100 epochs (no early stop: the schedule runs
        its course), in batches of at most 32 that leave no small last batch.
        On the UEA set JapaneseVowels (9 speakers, 12 variables, 270 training
        sequences of 7 to 26 steps and 370 test sequences, given as lists of
        different lengths), seeds 0 and 1, test accuracy was 0.976 and 0.973
        (0.99 published for FCN and ResNet, Ismail Fawaz et al. 2019); 64
        units over 60 epochs gave 0.970 and 0.968, and 64 units with dropout
        0.3 in batches of 16 over 100 epochs 0.965 (seed 0).

        ${recipe_parameters}

        Examples
        --------
        >>> from sknn import RNNClassifier
        >>> model = RNNClassifier.bigru(max_iter=30)
        >>> model.cell, model.bidirectional, model.learning_rate, model.max_iter
        ('gru', True, 'cosine', 30)
        """
        recipe = dict(cell="gru", hidden_size=128, num_layers=2, bidirectional=True,
                      dropout=0.2, learning_rate="cosine", learning_rate_init=3e-3,
                      max_iter=100, batch_size=32, balanced_batches=True,
                      n_iter_no_change=np.inf)
        return cls(**{**recipe, **params})

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
        X = self._as_sequences(X)
        if is_sequence_list(X) and is_ragged(X):
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

    @staticmethod
    def _as_sequences(X):
        """A pandas Series of sequences as a list; a list mixing scalars and arrays refused."""
        if isinstance(X, pd.Series) and X.dtype == object:
            return X.to_list()
        if isinstance(X, (list, tuple)) or (isinstance(X, np.ndarray) and X.dtype == object):
            dims = [np.ndim(item) for item in X]
            if any(dims) and not all(dims):
                bad = dims.index(0)
                raise ValueError(
                    f"X mixes sequences and scalars: item {bad} is {X[bad]!r}. Each item of a "
                    "list X is one sequence, an array of shape (n_steps,) or (n_steps, "
                    "n_features).")
        return X

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
        if is_sequence_list(X):
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
            output_steps=self._fitted_output_steps(),
            feedback=self.out_activation_ if self._fitted_output_steps() else "identity",
            teacher_forcing=self.teacher_forcing,
        )

    def _fitted_output_steps(self):
        """``output_steps`` as the network was built (None for files saved before it)."""
        return getattr(self, "_decoded_steps", None)

    def _make_net(self, X, device, batch_size, n, previous=None):
        if self.precision == "float16" and device.type == "cpu":
            raise ValueError("precision='float16' is not supported for recurrent networks on "
                             "the CPU (torch has no float16 LSTM/GRU kernels there); use "
                             "precision='bfloat16' or 'float32', or a GPU.")
        net = super()._make_net(X, device, batch_size, n, previous=previous)
        if self._fitted_output_steps() and self.teacher_forcing > 0:
            net.module_.teacher_forcing = self.teacher_forcing  # a warm start's new value
            net.callbacks_.append(("teacher_forcing", TeacherForcing().initialize()))
        return net

    def _positions_per_sample(self):
        return self._sequence_shape[0] + (self._fitted_output_steps() or 0)

    def _summary_input(self):
        return torch.zeros(2, *self._sequence_shape)

    def summary(self):
        """Table of the network's layers, output shapes and parameter counts.

        An encoder-decoder's decoder and head run once per output step; the
        table lists each layer once, with the output shape of one step.

        Returns
        -------
        pandas.DataFrame
            One row per layer that runs in the forward pass (columns
            ``layer``, ``type``, ``output_shape``, ``n_params``), then a
            ``total`` row with every trainable parameter.
        """
        table = super().summary()
        return table.drop_duplicates("layer", ignore_index=True)

    def _fit(self, X, y, sample_weight, *, incremental, classes=None, validation=None):
        if self.return_sequences and self.output_steps is not None:
            raise ValueError(
                f"return_sequences=True and output_steps={self.output_steps} are exclusive: "
                "return_sequences gives one output per input step, output_steps a decoder "
                "that emits output_steps steps after reading the whole sequence. Set one.")
        if self.teacher_forcing > 0 and self.output_steps is None:
            raise ValueError(
                f"teacher_forcing={self.teacher_forcing} feeds a decoder its true previous "
                "outputs, and there is no decoder: set output_steps, or teacher_forcing=0.")
        if self.return_sequences or self.output_steps is not None:
            self._check_step_scorers()
        self._check_step_lengths(X, y, "X", "y")
        self._check_output_steps(y, "y")
        if validation is not None:
            self._check_step_lengths(validation[0], validation[1], "X_val", "y_val")
            self._check_output_steps(validation[1], "y_val")
        keeps_network = hasattr(self, "net_") and (incremental or self.warm_start)
        if keeps_network and self._fitted_output_steps() != self.output_steps:
            raise ValueError(
                f"output_steps={self.output_steps!r}, but the network was fitted with "
                f"output_steps={self._fitted_output_steps()!r}; a warm start or "
                "partial_fit keeps the network: refit with warm_start=False.")
        if hasattr(self, "net_") and incremental and self._fitted_output_steps() and \
                self.net_.module_.teacher_forcing != self.teacher_forcing:
            raise ValueError(
                f"teacher_forcing={self.teacher_forcing}, but partial_fit continues the fit "
                f"that started with teacher_forcing={self.net_.module_.teacher_forcing}; "
                "set it back, or fit again (a warm start takes the new value).")
        return super()._fit(X, y, sample_weight, incremental=incremental, classes=classes,
                            validation=validation)

    def _check_output_steps(self, y, name):
        """With ``output_steps``, ``y`` is ``(n, output_steps)`` or ``(n, output_steps, k)``."""
        if self.output_steps is None or y is None:
            return
        shape = np.shape(y) if not (is_sequence_list(y) and is_ragged(y)) else None
        if shape is None or len(shape) not in (2, 3) or shape[1] != self.output_steps:
            got = "a list of sequences of different lengths" if shape is None else \
                f"shape {shape}"
            raise ValueError(
                f"With output_steps={self.output_steps}, {name} needs {self.output_steps} "
                f"targets per sample: shape (n_samples, {self.output_steps}) or (n_samples, "
                f"{self.output_steps}, n_targets); got {got}.")

    def _check_step_scorers(self):
        """Per-step outputs have no scikit-learn scorer: refuse ``scoring`` and skorch's."""
        from skorch.callbacks import BatchScoring, EpochScoring

        scorers = [type(cb).__name__ for cb in map(unwrap, self.callbacks or [])
                   if isinstance(cb, (EpochScoring, BatchScoring))]
        if self.scoring is not None or scorers:
            what = f"scoring={self.scoring!r}" if self.scoring is not None else scorers[0]
            steps = "return_sequences=True" if self.return_sequences else "output_steps"
            raise ValueError(
                f"{what} cannot score per-step outputs ({steps}): scikit-learn's scorers take "
                "one target per sample. Leave scoring=None: valid_score is then the score "
                "over every real time step.")

    def _check_step_lengths(self, X, y, x_name, y_name):
        """With ``return_sequences``, each sequence of ``y`` must have its input's steps."""
        if not self.return_sequences or X is None or y is None:
            return
        x_lengths, (_, y_lengths) = self._input_lengths(X), split_steps(y)
        if x_lengths is not None and len(x_lengths) == len(y_lengths) and \
                list(x_lengths) != list(y_lengths):
            bad = next(i for i, (a, b) in enumerate(zip(x_lengths, y_lengths)) if a != b)
            raise ValueError(f"With return_sequences=True, {y_name} needs one target per time "
                             f"step: sequence {bad} of {x_name} has {x_lengths[bad]} steps but "
                             f"its targets have {y_lengths[bad]}.")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


class TeacherForcing(Callback):
    """Hand each training batch's targets to an encoder-decoder, for teacher forcing.

    Sets the module's ``targets`` before a training batch (the module feeds
    them back with probability ``teacher_forcing``) and clears them after.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn import RNNRegressor
    >>> X, y = np.zeros((8, 3, 1)), np.zeros((8, 4))
    >>> model = RNNRegressor(output_steps=4, teacher_forcing=0.5, max_iter=2).fit(X, y)
    >>> dict(model.net_.callbacks_)["teacher_forcing"]
    <TeacherForcing()>
    """

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        net.module_.targets = batch[1] if training else None

    def on_batch_end(self, net, **kwargs):
        net.module_.targets = None

    def __repr__(self):
        return "<TeacherForcing()>"


@declare_parameters(fragments=_FRAGMENTS)
class RNNClassifier(StepClassification, ClassifierTask, _BaseRNN):
    """Recurrent neural network classifier (RNN, LSTM or GRU), trained with PyTorch.

    Classifies whole sequences (sequence to vector) or, with
    ``return_sequences=True``, every time step (sequence to sequence).
    Labels may be of any type; binary, multiclass and multilabel targets
    work as for :class:`MLPClassifier`.

    ${recurrent_input}

    Parameters
    ----------
    ${parameters}

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

    An encoder-decoder labels ``output_steps`` steps after reading a sequence:

    >>> signs = np.where(X[:, :3, 0] > 0, "up", "down")[:, ::-1]  # reversed
    >>> seq2seq = RNNClassifier(output_steps=3, hidden_size=8, max_iter=2, random_state=0)
    >>> seq2seq.fit(X, signs).predict_proba(sequences).shape
    (3, 3, 2)
    """


@declare_parameters(fragments=_FRAGMENTS)
class RNNRegressor(StepTargets, RegressorTask, _BaseRNN):
    """Recurrent neural network regressor (RNN, LSTM or GRU), trained with PyTorch.

    Predicts one or several values per sequence (the next value of a
    series, or several steps ahead as several outputs), or with
    ``return_sequences=True`` values at every time step. For forecasting,
    :class:`SlidingWindows` cuts a series into windows and targets.

    ${recurrent_input}

    Parameters
    ----------
    ${parameters}

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

    Vector to sequence: a one-step input and ``output_steps`` outputs.

    >>> amplitude = np.random.RandomState(0).uniform(0.5, 2.0, size=(100, 1))
    >>> curves = amplitude * np.sin(np.linspace(0, 3, 8))
    >>> curve_model = RNNRegressor(output_steps=8, input_shape=(1, 1), hidden_size=8,
    ...                            max_iter=3, random_state=0).fit(amplitude, curves)
    >>> curve_model.predict(amplitude[:2]).shape
    (2, 8)
    """
