"""Regression: one or several continuous outputs, squared error or Poisson."""

import numpy as np
import torch
from sklearn.base import RegressorMixin

from .._base import partial_fit_available
from .._data import to_tensor
from .._params import Param
from .._sklearn import StrOptions, _fit_context
from .._validation import check_numeric_target, ravel_column
from ..modules import HalfSquaredError, PoissonDeviance


class RegressorTask(RegressorMixin):
    """Regression: one or several continuous outputs, squared error or Poisson."""

    _params = (
        Param("loss", "squared_error", [StrOptions({"squared_error", "poisson"})],
              "{'squared_error', 'poisson'}",
              """The loss. 'poisson' uses a log link: the network predicts the log of
              the mean, and ``y`` must be non-negative."""),
    )

    def _encode_target(self, y, *, reset, incremental=False, classes=None):
        y = ravel_column(check_numeric_target(self, y))
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

    def predict(self, X):
        """Predict the targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            The input.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted values: float32 for float32 ``X``, else float64.
        """
        return self._decode_output(self._forward(X), X)

    def _decode_output(self, output, X):
        prediction = self._as_output(self._prediction(output), X)
        if self.loss == "poisson" and not np.isfinite(prediction).all():
            raise ValueError(
                f"{type(self).__name__}'s predicted means overflow (the network's log-mean "
                "output is beyond the float range): the model has not learned the targets' "
                "scale. Refit with scaled input (StandardScaler), a lower learning_rate_init "
                "or max_grad_norm.")
        return prediction.ravel() if self._y_ndim == 1 else prediction

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.positive_only = self.loss == "poisson"
        return tags
