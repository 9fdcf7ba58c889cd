"""Estimators around the user's own ``torch.nn.Module``."""

import inspect
from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.utils.validation import check_array, check_consistent_length, validate_data
from torch import nn

from ._base import BaseNeuralNet
from ._data import to_tensor
from ._module_checks import ModuleChecks, is_sknn_module, keys_of, module_name
from ._params import Param, declare_parameters
from ._tasks import ClassifierTask, RegressorTask
from .modules import MLP, SoftmaxCrossEntropy

_PREFIX = "module__"

# Arguments the estimator fills in from the data, when the module takes them.
_DATA_ARGUMENTS = ("n_features", "n_outputs")

class _BaseModuleNet(ModuleChecks, BaseNeuralNet):
    """The user-module family: its parameters, its input and its module."""

    _params = (
        Param("module", MLP, [callable], "type or callable",
              """A ``torch.nn.Module`` subclass, or a function that returns a module.
              It is called anew at every (non warm-started) fit as
              ``module(**module_params)``, plus ``n_features=...`` and
              ``n_outputs=...`` when its signature names them:

              - ``n_features``: ``X.shape[1]`` (the channels of an n-D array), or
                for a dict input the dict ``{key: X[key].shape[1]}`` (1 for 1-D
                entries);
              - ``n_outputs``: the width its output must have: 1 for a binary
                classifier (one logit; a module that returns two logits, one per
                class, is accepted too), the number of classes for a multiclass
                one, the number of labels for a multilabel one, the number of
                targets for a regressor.

              ``forward`` receives a batch of ``X`` (one tensor, or the entries of
              a dict as keyword arguments) and returns a tensor of shape
              ``(batch, n_outputs)``: logits for a classifier (no softmax/sigmoid:
              a classifier refuses, before training, a module that returns
              probabilities; log-softmax outputs are accepted), values for a
              regressor (the log of the mean for ``loss='poisson'``).
              The default, :class:`sknn.modules.MLP`, is a dense network with one
              hidden layer of 100 units (``module__hidden_layer_sizes`` and its
              other arguments are parameters).""",
              positional=True, default_doc="sknn.modules.MLP"),
        Param("module_params", None, [dict, None], "dict or None",
              """Keyword arguments of ``module``. Each is also the estimator parameter
              ``module__<name>`` (``get_params``, ``set_params``, ``GridSearchCV``);
              ``set_params`` makes a new dict and never changes the one passed."""),
    )

    # -- module__<name> parameters ------------------------------------------
    def get_params(self, deep=True):
        """Get the parameters of the estimator; with ``deep``, also ``module__<name>``.

        Parameters
        ----------
        deep : bool, default=True
            Also return each entry of ``module_params`` as
            ``module__<name>``.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        params = super().get_params(deep=deep)
        if deep and isinstance(self.module_params, Mapping):
            params.update({_PREFIX + name: value for name, value in self.module_params.items()})
        return params

    def set_params(self, **params):
        """Set parameters; ``module__<name>`` sets ``module_params[name]``.

        ``module_params`` is replaced by a new dict; the old one is left as
        it was.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : object
            The estimator.
        """
        routed = {name[len(_PREFIX):]: params.pop(name)
                  for name in list(params) if name.startswith(_PREFIX)}
        super().set_params(**params)
        if routed:
            self.module_params = {**(self.module_params or {}), **routed}
        return self

    # -- input ----------------------------------------------------------------
    def _check_input(self, X, *, reset, dtype=np.float32):
        """One array (2-D, or n-D) as one tensor; a dict as a dict of tensors."""
        if isinstance(X, Mapping) and not sp.issparse(X):  # a dok_matrix is a Mapping
            return self._check_dict(X, reset=reset)
        X = validate_data(self, X, reset=reset, accept_sparse=("csr", "csc", "coo"),
                          dtype=dtype, order="C", allow_nd=True)
        if sp.issparse(X):
            X = X.toarray()
        self._check_spec(X.shape[1:], reset)
        return to_tensor(X)

    def _check_dict(self, X, *, reset):
        """Each entry validated; integer arrays to int64, others to float32.

        Float entries stay float32 at prediction too (the module would
        otherwise see mixed dtypes).
        """
        if not X:
            raise ValueError("X is an empty dict; pass at least one input array.")
        arrays = {}
        for key, value in X.items():
            kind = np.asarray(value).dtype.kind if not sp.issparse(value) else "f"
            dtype = np.int64 if kind in "iub" else np.float32
            arrays[key] = check_array(value, dtype=dtype, ensure_2d=False, allow_nd=True,
                                      input_name=f"X[{key!r}]")
        check_consistent_length(*arrays.values())
        if reset:
            for attribute in ("n_features_in_", "feature_names_in_"):
                if hasattr(self, attribute):
                    delattr(self, attribute)
        self._check_spec({key: (a.shape[1:], a.dtype.kind) for key, a in arrays.items()},
                         reset)
        return {key: to_tensor(value) for key, value in arrays.items()}

    def _check_spec(self, spec, reset):
        """Remember the input's layout on ``reset``; else insist on the same."""
        if reset:
            self._input_spec = spec
            return
        fitted = getattr(self, "_input_spec", None)
        if isinstance(spec, dict) != isinstance(fitted, dict):
            raise ValueError(
                f"X is {'a dict' if isinstance(spec, dict) else 'an array'} but "
                f"{type(self).__name__} was fitted on "
                f"{'a dict' if isinstance(fitted, dict) else 'an array'}.")
        if isinstance(spec, dict):
            if set(spec) != set(fitted):
                raise ValueError(f"X has the keys {sorted(map(str, spec))}, but "
                                 f"{type(self).__name__} was fitted with "
                                 f"{sorted(map(str, fitted))}.")
            for key, (shape, _) in spec.items():
                if shape != fitted[key][0]:
                    raise ValueError(f"X[{key!r}] has samples of shape {shape}, but "
                                     f"{type(self).__name__} was fitted with "
                                     f"{fitted[key][0]}.")
        elif tuple(spec) != tuple(fitted):
            raise ValueError(f"X has samples of shape {tuple(spec)}, but "
                             f"{type(self).__name__} was fitted with {tuple(fitted)}.")

    def _summary_input(self):
        spec = self._input_spec
        if isinstance(spec, dict):
            return {key: torch.zeros((2, *shape),
                                     dtype=torch.int64 if kind in "iub" else torch.float32)
                    for key, (shape, kind) in spec.items()}
        return torch.zeros((2, *spec))

    # -- module -----------------------------------------------------------------
    def _module_arguments(self, X, n_outputs):
        params = dict(self.module_params or {})
        taken = sorted(set(params) & set(_DATA_ARGUMENTS))
        if taken:
            raise ValueError(f"module_params sets {taken}, which {type(self).__name__} "
                             "fills in from the data; remove them.")
        try:
            signature = inspect.signature(self.module)
        except (TypeError, ValueError):  # some builtins and C extensions
            return params
        accepted = signature.parameters
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values()):
            unknown = sorted(set(params) - set(accepted))
            if unknown:
                raise ValueError(
                    f"module_params has {unknown}, which {module_name(self.module)} does not take; "
                    f"it takes {sorted(set(accepted) - set(_DATA_ARGUMENTS))}."
                )
        if "n_features" in accepted and isinstance(X, dict) and is_sknn_module(self.module):
            raise ValueError(
                f"{module_name(self.module)} takes n_features as an int, the width of one input "
                f"array, so it cannot take a dict X (keys {keys_of(X)}): pass one array (e.g. "
                "the dict's arrays side by side), or write a module whose forward takes the "
                "dict's keys as keyword arguments (n_features is then the dict "
                "{key: width}).")
        if "n_features" in accepted:
            params["n_features"] = (
                {key: (value.shape[1] if value.ndim > 1 else 1) for key, value in X.items()}
                if isinstance(X, dict) else X.shape[1]
            )
        if "n_outputs" in accepted:
            params["n_outputs"] = n_outputs
        return params

    def _build_module(self, X, n_outputs):
        if isinstance(self.module, nn.Module):
            raise ValueError(
                f"module must be a torch.nn.Module class or a function returning a module, "
                f"not the instance {type(self.module).__name__}(...): pass "
                f"{type(self.module).__name__} and its arguments as module_params, so "
                "that every fit starts from fresh weights."
            )
        arguments = self._module_arguments(X, n_outputs)
        try:
            module = self.module(**arguments)
        except TypeError as error:
            if not isinstance(arguments.get("n_features"), dict):
                raise
            raise TypeError(
                f"{module_name(self.module)}(n_features={arguments['n_features']}, ...) failed "
                f"({type(error).__name__}, chained above): for a dict X, n_features is the "
                "dict {key: width}, and a module that takes n_features as an int cannot "
                "take a dict X. Pass one array, or write a module that takes the dict of "
                "widths and whose forward takes the dict's keys as keyword arguments."
            ) from error
        if not isinstance(module, nn.Module):
            raise ValueError(f"module must return a torch.nn.Module; {module_name(self.module)} "
                             f"returned {type(module).__name__}.")
        if isinstance(X, dict):
            self._check_keywords(module, X)
        self._check_output(module, X, n_outputs)
        return module


def _class_codes(target):
    """Binary class codes as int64 ``(n,)``, from those or from ``(n, 1)`` floats."""
    return target if target.dtype == torch.int64 else target.reshape(-1).to(torch.int64)


class _BinaryTwoLogits(SoftmaxCrossEntropy):
    """The softmax cross-entropy of a binary classifier whose module returns two logits.

    The target may be int64 class codes, or the ``(n, 1)`` floats a binary
    target is encoded as for one logit: a fresh fit encodes its target (and
    any ``X_val``) before the module is built and tells its width.
    """

    def forward(self, logits, target):
        return super().forward(logits, _class_codes(target))


@declare_parameters
class NeuralNetClassifier(ClassifierTask, _BaseModuleNet):
    """Classifier around your own ``torch.nn.Module``.

    sknn builds the module, trains it and gives it scikit-learn's
    classifier interface: labels of any type in and out, ``predict_proba``,
    class and sample weights, early stopping, and every training parameter
    of :class:`MLPClassifier`. The module returns logits; the loss is the
    softmax cross-entropy (multiclass, or binary with two logits) or the
    sigmoid cross-entropy (binary: one logit; multilabel: one per label).
    A module that returns probabilities (a final ``nn.Softmax`` or
    ``nn.Sigmoid``, as skorch's modules often have) is refused before
    training; log-probabilities (``nn.LogSoftmax``) train as logits.

    Parameters
    ----------
    ${parameters}

    Attributes
    ----------
    ${classes_attribute}

    ${fitted_attributes}

    See Also
    --------
    NeuralNetRegressor : The regressor.
    MLPClassifier : The same with a built-in dense network.

    Notes
    -----
    ``X`` may be a 2-D table, an n-D array (images, sequences: the module
    receives batches of it) or a dict of arrays, whose entries the module
    receives as keyword arguments (integer arrays as int64 tensors, for
    ``nn.Embedding``; others as float32). scikit-learn's splitters cannot
    index a dict: for ``cross_val_score`` or ``GridSearchCV``, pass one 2-D
    array and split its columns in ``forward``.

    On the CPU, prediction on input that is not float32 runs a float64 copy
    of the module; a module that makes tensors in ``forward`` should make
    them with the input's dtype (``torch.zeros(..., dtype=x.dtype)``).

    Examples
    --------
    >>> import torch
    >>> from sklearn.datasets import load_iris
    >>> from sknn import NeuralNetClassifier
    >>> class Net(torch.nn.Module):
    ...     def __init__(self, n_features, n_outputs, hidden=16):
    ...         super().__init__()
    ...         self.layers = torch.nn.Sequential(
    ...             torch.nn.Linear(n_features, hidden), torch.nn.ReLU(),
    ...             torch.nn.Linear(hidden, n_outputs))
    ...     def forward(self, x):
    ...         return self.layers(x)
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = NeuralNetClassifier(Net, module_params={"hidden": 32}, max_iter=300,
    ...                           learning_rate_init=0.01, random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    >>> clf.get_params()["module__hidden"]
    32
    >>> clf.set_params(module__hidden=8).module_params
    {'hidden': 8}
    """

    # -- the module's output: one or two logits, never probabilities ------------

    def _two_logits(self):
        """Whether a binary target trains two logits (a softmax) rather than one."""
        return not self._multilabel and len(self.classes_) == 2 and self.n_outputs_ == 2

    def _make_criterion(self):
        # _make_net builds the module (which may switch to two logits) first.
        return _BinaryTwoLogits() if self._two_logits() else super()._make_criterion()

    def _score_output(self, output, target, sample_weight):
        if self._two_logits():
            target = _class_codes(target)
        return super()._score_output(output, target, sample_weight)

    def _check_output(self, module, X, n_outputs):
        """The shape, one or two logits for a binary target, and no probabilities.

        Two logits for a binary target switch the task to a softmax over two
        outputs (``n_outputs_ = 2``, ``out_activation_ = 'softmax'``), which
        the loss, score, predictions and later target encodings follow; a
        target encoded before the switch (``(n, 1)`` floats) is read as class
        codes by the loss and the score.
        """
        output, trace = self._probe(module, X, trace=True)
        binary = not self._multilabel and len(self.classes_) == 2 and n_outputs == 1
        self._check_shape(output, X, n_outputs, also=2 if binary else None)
        softmax = not self._multilabel and output.shape[1] > 1
        self._check_logits(output, trace, softmax)
        if binary and output.shape[1] == 2:
            self.n_outputs_, self.out_activation_ = 2, "softmax"

    def _check_logits(self, output, trace, softmax):
        """Refuse an output that is a probability (or, for a sigmoid loss, a log of one)."""
        kind, layer = trace.origin(output) or (None, None)
        if kind == "log_softmax" and softmax:
            return  # log-probabilities: softmax(log p) = p, so they train as logits
        if kind is not None:
            raise ValueError(self._not_logits(kind, layer, softmax))
        if softmax:
            rows = output.detach().to(torch.float64)
            if bool((rows >= 0).all()) and bool(((rows.sum(1) - 1).abs() <= 1e-5).all()):
                raise ValueError(
                    f"{type(self).__name__}'s module must return logits; "
                    f"{module_name(self.module)} "
                    "returned rows that are non-negative and sum to 1, probabilities: "
                    "remove the final softmax (predict_proba applies it) or return "
                    "log-probabilities (log_softmax)."
                )

    def _not_logits(self, kind, layer, softmax):
        if layer is not None:
            name, layer_type = layer
            where = f"its last layer{f' {name!r}' if name else ''} is {layer_type}"
        else:
            where = f"{module_name(self.module)}.forward returns the output of {kind}()"
        applied = "softmax" if softmax else "sigmoid"
        if kind == "log_softmax":
            advice = ("a one-logit binary or a multilabel classifier applies a sigmoid to "
                      "each output: return logits without it (log_softmax over one column "
                      "is always 0; a binary module may return two logits instead)")
        elif kind in ("softmax", "softmin") and softmax:
            advice = (f"remove it (the loss and predict_proba apply the softmax) or use "
                      f"{'LogSoftmax' if layer is not None else 'log_softmax'}")
        else:
            advice = f"remove it (the loss and predict_proba apply the {applied})"
        return f"{type(self).__name__}'s module must return logits; {where}: {advice}."


@declare_parameters
class NeuralNetRegressor(RegressorTask, _BaseModuleNet):
    """Regressor around your own ``torch.nn.Module``.

    As :class:`NeuralNetClassifier`, for continuous targets: ``y`` of shape
    ``(n_samples,)`` or ``(n_samples, n_targets)``; the module returns
    ``(batch, n_outputs)`` values.

    Parameters
    ----------
    ${parameters}

    Attributes
    ----------
    ${fitted_attributes}

    See Also
    --------
    NeuralNetClassifier : The classifier; its notes on inputs apply here.
    MLPRegressor : The same with a built-in dense network.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from sknn import NeuralNetRegressor
    >>> def linear(n_features, n_outputs):
    ...     return torch.nn.Linear(n_features, n_outputs)
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 3))
    >>> Y = np.c_[X @ [1.0, 2.0, -1.0], X[:, 0]]
    >>> reg = NeuralNetRegressor(linear, solver="lbfgs", random_state=0).fit(X, Y)
    >>> reg.predict(X[:4]).shape, reg.score(X, Y) > 0.99
    ((4, 2), True)
    """
