"""Reconstruction: the input is its own target (autoencoders)."""

import torch
from sklearn.base import TransformerMixin

from .._base import partial_fit_available
from .._data import weighted_mean
from .._docs import fill_doc
from .._sklearn import _fit_context
from ..modules import ReconstructionLoss


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

    @fill_doc
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None, *, X_val=None, sample_weight_val=None):
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
        ${validation_input}

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, None, sample_weight, incremental=False,
                         validation=(X_val, None, sample_weight_val))

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
