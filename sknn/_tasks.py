"""What makes an estimator a classifier or a regressor.

A task mixin sits left of the family base in every concrete estimator and
supplies the target hooks the base template calls: target validation and
encoding (:meth:`_encode_target`), the criterion, the output activation, the
validation score computed on the device, decoding of network outputs into
predictions, and the task's tags and parameter constraints. The base never
asks which task it is.
"""

import warnings

import numpy as np
import torch
from sklearn.base import ClassifierMixin, RegressorMixin, TransformerMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from ._base import partial_fit_available
from ._data import to_tensor, weighted_mean
from ._sklearn import StrOptions, _check_y, _fit_context
from .modules import (
    HalfSquaredError,
    PoissonDeviance,
    ReconstructionLoss,
    SigmoidCrossEntropy,
    SoftmaxCrossEntropy,
)


def _ravel_column(y):
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please change "
            "the shape of y to (n_samples,), for example using ravel().",
            DataConversionWarning,
            stacklevel=4,
        )
        return y.ravel()
    return y


class ClassifierTask(ClassifierMixin):
    """Classification: labels of any type in and out, probabilities, class weights.

    Binary targets train one logistic output, multiclass targets a softmax
    over ``len(classes_)`` outputs, multilabel indicator targets one logistic
    output per label.
    """

    _task_parameter_constraints = {
        "loss": [StrOptions({"log_loss"})],
        "class_weight": [StrOptions({"balanced"}), dict, None],
    }
    _default_loss = "log_loss"

    def _encode_target(self, y, *, reset, incremental=False, classes=None):
        """Validate ``y``; on ``reset`` learn ``classes_``; return the target tensor.

        Later ``partial_fit`` calls accept any subset of ``classes_``; a warm
        started ``fit`` needs exactly the classes of the previous fit.
        """
        y = _ravel_column(_check_y(y, multi_output=True, estimator=self))
        check_classification_targets(y)
        multilabel = type_of_target(y) == "multilabel-indicator"
        if reset:
            if multilabel:
                labels = np.arange(y.shape[1])
            elif classes is not None:
                labels = np.unique(np.asarray(classes))
            else:
                labels = np.unique(y)
            if len(labels) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in the "
                    f"data, but the data contain only one class: {labels[0]!r}."
                )
            self.classes_ = labels
            self._multilabel = multilabel
            self.n_outputs_ = y.shape[1] if multilabel else (1 if len(labels) == 2 else len(labels))
            self.out_activation_ = "softmax" if self.n_outputs_ > 1 and not multilabel else "logistic"
        elif multilabel != self._multilabel or (multilabel and y.shape[1] != len(self.classes_)):
            raise ValueError(
                "The target type differs from the one seen in the first fit: "
                f"got {type_of_target(y)} with shape {y.shape}."
            )
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(f"`classes={np.unique(classes)}` is not the same as on the first "
                             f"call to partial_fit, was: {self.classes_}")
        elif not incremental and not multilabel and not np.array_equal(np.unique(y), self.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as in the "
                f"previous call to fit. Previously got {self.classes_}, `y` has {np.unique(y)}"
            )
        if self._multilabel:
            return to_tensor(y, torch.float32)
        unseen = np.setdiff1d(np.unique(y), self.classes_)
        if len(unseen):
            raise ValueError(
                f"y contains labels {unseen.tolist()} that are not in classes_ "
                f"{self.classes_.tolist()}. Pass every class to the first partial_fit "
                "call with `classes=`."
            )
        codes = np.searchsorted(self.classes_, y)
        if self.n_outputs_ == 1:
            return to_tensor(codes.reshape(-1, 1), torch.float32)
        return to_tensor(codes, torch.int64)

    @partial_fit_available
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Train for one epoch on ``X`` and ``y``, keeping the weights.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Training input.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss.
        classes : array-like of shape (n_classes,), default=None
            Every class that will ever appear; required on the first call
            (except for multilabel targets); on later calls, if given, it
            must be the same.

        Returns
        -------
        self : object
            The updated estimator.
        """
        if self.class_weight == "balanced":
            raise ValueError("class_weight='balanced' is not supported by partial_fit, which "
                             "sees one batch at a time; pass a dict of class weights.")
        if not hasattr(self, "net_") and classes is None and self._labels_need_classes(y):
            raise ValueError("classes must be passed on the first call to partial_fit.")
        return self._partial_fit(X, y, sample_weight, classes=classes)

    def _labels_need_classes(self, y):
        """Whether a first ``partial_fit`` on ``y`` needs ``classes=`` (not multilabel)."""
        return type_of_target(y) != "multilabel-indicator"

    def _target_weights(self, y):
        """Per-sample weights from ``class_weight``, or None."""
        if self.class_weight is None:
            return None
        y = y.numpy()
        if self.n_outputs_ == 1 and not self._multilabel:
            y = y.ravel()
        class_weight = self.class_weight
        if isinstance(class_weight, dict):
            unknown = [label for label in class_weight if label not in set(self.classes_)]
            if unknown:
                raise ValueError(f"class_weight names labels {unknown} that are not classes; "
                                 f"the classes are {self.classes_.tolist()}.")
            class_weight = {int(np.searchsorted(self.classes_, label)): weight
                            for label, weight in class_weight.items()}
        return compute_sample_weight(class_weight, y)

    def _stratify(self, y):
        return None if self._multilabel else y.numpy().ravel()

    def _make_criterion(self):
        return SoftmaxCrossEntropy() if self.out_activation_ == "softmax" else SigmoidCrossEntropy()

    @staticmethod
    def _predicted_codes(output, multiclass):
        return output.argmax(1) if multiclass else (output > 0).to(torch.int64)

    def _score_output(self, output, target, sample_weight):
        """Accuracy (exact match for multilabel) on the device."""
        multiclass = self.out_activation_ == "softmax"
        correct = self._predicted_codes(output, multiclass) == target.to(torch.int64)
        if not multiclass:
            correct = correct.all(1)
        return weighted_mean(correct.to(torch.float32), sample_weight)

    def _decode_output(self, output, X):
        multiclass = self.out_activation_ == "softmax"
        codes = self._predicted_codes(output, multiclass).cpu().numpy()
        if self._multilabel:
            return codes
        return self.classes_[codes.ravel()]

    def predict_proba(self, X):
        """Probability of each class.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            The input.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``. For multilabel targets, the
            probability of each label independently.
        """
        return self._proba(self._forward(X))

    def _proba(self, output):
        """Class probabilities from network outputs (classes on the last axis)."""
        if self.out_activation_ == "softmax":
            proba = torch.softmax(output, dim=-1)
        else:
            proba = torch.sigmoid(output)
            if not self._multilabel:
                proba = torch.cat([1 - proba, proba], dim=-1)
        return proba.cpu().numpy().astype(np.float64)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            The input.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class RegressorTask(RegressorMixin):
    """Regression: one or several continuous outputs, squared error or Poisson."""

    _task_parameter_constraints = {
        "loss": [StrOptions({"squared_error", "poisson"})],
        "class_weight": [None],
    }
    _default_loss = "squared_error"

    def _encode_target(self, y, *, reset, incremental=False, classes=None):
        y = _ravel_column(_check_y(y, multi_output=True, y_numeric=True, estimator=self))
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError(
                "Some value(s) of y are negative which is not allowed for Poisson regression."
            )
        width = 1 if y.ndim == 1 else y.shape[1]
        if reset:
            self.n_outputs_ = width
            self._y_ndim = y.ndim
            self.out_activation_ = "exp" if self.loss == "poisson" else "identity"
        elif width != self.n_outputs_:
            raise ValueError(f"y has {width} outputs, but {type(self).__name__} was fitted "
                             f"with {self.n_outputs_}.")
        return to_tensor(y.reshape(len(y), -1), torch.float32)

    @partial_fit_available
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch on ``X`` and ``y``, keeping the weights.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Training input.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._partial_fit(X, y, sample_weight)

    def _target_weights(self, y):
        return None

    def _stratify(self, y):
        return None

    def _make_criterion(self):
        return PoissonDeviance() if self.loss == "poisson" else HalfSquaredError()

    def _prediction(self, output):
        return output.exp() if self.loss == "poisson" else output

    def _score_output(self, output, target, sample_weight):
        """R^2 averaged over outputs, on the device."""
        prediction = self._prediction(output)
        weight = torch.ones_like(target[:, :1]) if sample_weight is None else \
            sample_weight.reshape(-1, 1)
        mean = (target * weight).sum(0) / weight.sum()
        residual = ((target - prediction) ** 2 * weight).sum(0)
        total = ((target - mean) ** 2 * weight).sum(0)
        r2 = torch.where(total > 0, 1 - residual / total.clamp_min(1e-12),
                         (residual == 0).to(target.dtype))
        return r2.mean()

    def _decode_output(self, output, X):
        prediction = self._as_output(self._prediction(output), X)
        return prediction.ravel() if self._y_ndim == 1 else prediction

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.positive_only = self.loss == "poisson"
        return tags


class ReconstructionTask(TransformerMixin):
    """Reconstruction: the input is the target (autoencoders).

    ``fit(X)`` needs no ``y`` (one passed is ignored). The network's output
    is compared with its own input by :class:`sknn.modules.ReconstructionLoss`;
    the validation score (``early_stopping``) is the negative mean squared
    reconstruction error.
    """

    def _encode_target(self, y, *, reset, incremental=False, classes=None):
        """Ignore ``y``; return None, so that the base trains on ``y = X``."""
        if reset:
            self.n_outputs_ = self.n_features_in_
            self.out_activation_ = "identity"
        return None

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Train the network to reconstruct ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data: numpy arrays, pandas DataFrames or scipy sparse
            matrices.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, None, sample_weight, incremental=False)

    @partial_fit_available
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, sample_weight=None):
        """Train for one epoch on ``X``, keeping the weights.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._partial_fit(X, None, sample_weight)

    def _target_weights(self, y):
        return None

    def _stratify(self, y):
        return None

    def _make_criterion(self):
        return ReconstructionLoss()

    def _score_output(self, output, target, sample_weight):
        """Negative mean squared reconstruction error, on the device."""
        reconstruction = output if isinstance(output, torch.Tensor) else output[0]
        error = (reconstruction - target).pow(2).flatten(1).mean(1)
        return -weighted_mean(error, sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
