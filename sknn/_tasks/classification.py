"""Classification: labels of any type in and out, probabilities, class weights."""

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from .._base import partial_fit_available
from .._data import to_tensor, weighted_mean
from .._params import Param
from .._sklearn import StrOptions, _check_y, _fit_context
from .._validation import check_label_types, ravel_column
from ..modules import SigmoidCrossEntropy, SoftmaxCrossEntropy


class ClassifierTask(ClassifierMixin):
    """Classification: labels of any type in and out, probabilities, class weights.

    Binary targets train one logistic output, multiclass targets a softmax
    over ``len(classes_)`` outputs, multilabel indicator targets one logistic
    output per label.
    """

    _params = (
        Param("class_weight", None, [StrOptions({"balanced"}), dict, None],
              "dict, 'balanced' or None",
              """Weights of the classes, multiplied into ``sample_weight``. 'balanced'
              weighs classes inversely to their frequency."""),
    )

    def _encode_target(self, y, *, reset, incremental=False, classes=None):
        """Validate ``y``; on ``reset`` learn ``classes_``; return the target tensor.

        Later ``partial_fit`` calls accept any subset of ``classes_``; a warm
        started ``fit`` needs exactly the classes of the previous fit.
        """
        y = ravel_column(_check_y(y, multi_output=True, estimator=self))
        check_label_types(y)
        check_classification_targets(y)
        kind = type_of_target(y)
        if kind == "multiclass-multioutput":
            raise ValueError(
                f"y has {y.shape[1]} columns of labels (multiclass-multioutput), which "
                f"{type(self).__name__} does not support. Fit one estimator per column "
                "(sklearn.multioutput.MultiOutputClassifier), or pass a 0/1 indicator "
                "matrix for multilabel targets.")
        multilabel = kind == "multilabel-indicator"
        if reset:
            if multilabel:
                labels = np.arange(y.shape[1])
            elif classes is not None:
                check_label_types(np.asarray(list(classes), dtype=object), "classes")
                labels = np.unique(np.asarray(classes))
            else:
                labels = np.unique(y)
            if len(labels) == 0:
                raise ValueError("classes is empty; pass every class that will ever appear.")
            if len(labels) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in the "
                    f"data, but the data contain only one class: {labels[0]!r}."
                )
            self.classes_ = labels
            self._multilabel = multilabel
            self.n_outputs_ = y.shape[1] if multilabel else \
                (1 if len(labels) == 2 else len(labels))
            multiclass = self.n_outputs_ > 1 and not multilabel
            self.out_activation_ = "softmax" if multiclass else "logistic"
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
        check_label_types(np.asarray(y, dtype=object))
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

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            The input.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_labels)
            Class labels, in the type of the training labels (for multilabel
            targets, a 0/1 indicator matrix).
        """
        return self._decode_output(self._forward(X), X)

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
            The log-probabilities; columns follow ``classes_``.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
