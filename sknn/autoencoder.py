"""The autoencoder: a scikit-learn transformer, a non-linear PCA."""

from numbers import Integral, Real

import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted

from ._base import BaseNeuralNet
from ._data import to_tensor
from ._device import RNG_LOCK, random_stream
from ._params import ACTIVATION, DROPOUT, HIDDEN_LAYER_SIZES, Param, declare_parameters
from ._prediction import PREDICT_BATCH_ROWS
from ._sklearn import Interval
from ._tasks import ReconstructionTask
from ._validation import check_hidden_layer_sizes
from .modules import AutoEncoderNet


def _is_variational(estimator):
    if not estimator.variational:
        raise AttributeError("sample is only available with variational=True.")
    return True


def _row_squared_error(module, x):
    """Mean squared reconstruction error of each row of ``x``."""
    return (module.reconstruct(x) - x).pow(2).flatten(1).mean(1)


@declare_parameters
class AutoEncoder(ClassNamePrefixFeaturesOutMixin, ReconstructionTask, BaseNeuralNet):
    """Autoencoder: a non-linear PCA, trained with PyTorch.

    An encoder (dense layers of widths ``hidden_layer_sizes``) maps each
    sample to an ``n_components``-wide code, and a mirrored decoder maps the
    code back; both are trained to reconstruct the input with the squared
    error. ``transform`` returns the code, ``inverse_transform`` decodes
    codes, so that it slots into a :class:`~sklearn.pipeline.Pipeline`
    wherever :class:`~sklearn.decomposition.PCA` does. Scale the input first
    (:class:`~sklearn.preprocessing.MinMaxScaler` or
    :class:`~sklearn.preprocessing.StandardScaler`): the loss weighs every
    feature by its scale.

    With ``noise > 0`` it is a denoising autoencoder: Gaussian noise is added
    to the input during training only, and the clean input is the target.
    With ``variational=True`` it is a variational autoencoder: the code is a
    Gaussian posterior (``transform`` returns its mean), the loss is the
    negative evidence lower bound with a learned decoder noise variance (see
    :class:`sknn.modules.ReconstructionLoss`), and :meth:`sample` draws new
    samples from the prior.

    Parameters
    ----------
    ${parameters}

    Attributes
    ----------
    ${fitted_attributes}

    See Also
    --------
    sklearn.decomposition.PCA : The linear counterpart.
    sklearn.neural_network.BernoulliRBM : Another unsupervised network.

    Notes
    -----
    ``n_outputs_`` is ``n_features_in_`` (the reconstruction's width) and
    ``out_activation_`` is 'identity'. ``score`` (and the validation score of
    ``early_stopping``) is the negative mean squared reconstruction error;
    the training loss is half of it without ``variational``, the negative
    evidence lower bound per feature with it.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknn import AutoEncoder
    >>> X = load_digits().data / 16
    >>> ae = AutoEncoder(n_components=2, hidden_layer_sizes=(32,), max_iter=20,
    ...                  random_state=0)
    >>> ae.fit_transform(X).shape
    (1797, 2)
    >>> ae.inverse_transform(ae.transform(X[:3])).shape
    (3, 64)
    >>> ae.get_feature_names_out().tolist()
    ['autoencoder0', 'autoencoder1']
    >>> ae.score(X) < 0
    True
    """

    _params = (
        Param("n_components", 2, [Interval(Integral, 1, None, closed="left")], "int",
              """Width of the code (the bottleneck): the number of output features
              of ``transform``.""", positional=True),
        HIDDEN_LAYER_SIZES.replace(
            default=(128, 64), positional=True,
            doc="""Encoder widths, input side first; the decoder mirrors them. ``()``
            gives a linear autoencoder."""),
        ACTIVATION.replace(
            positional=True,
            doc="Hidden-layer activation. The code and the reconstruction are linear."),
        DROPOUT,
        Param("noise", 0.0, [Interval(Real, 0, None, closed="left")], "float",
              """Standard deviation of the Gaussian noise added to the input during
              training (a denoising autoencoder); 0 adds none."""),
        Param("variational", False, ["boolean"], "bool", "Train a variational autoencoder."),
    )

    def _build_module(self, X, n_outputs):
        return AutoEncoderNet(
            X.shape[1],
            n_components=self.n_components,
            hidden_layer_sizes=check_hidden_layer_sizes(self.hidden_layer_sizes),
            activation=self.activation,
            dropout=self.dropout,
            noise=self.noise,
            variational=self.variational,
        )

    @property
    def _n_features_out(self):
        # Raises AttributeError (so: not fitted) before fit.
        return self.module_.n_components

    def transform(self, X):
        """Encode ``X``: the code, or the posterior mean when variational.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input.

        Returns
        -------
        ndarray of shape (n_samples, n_components)
            The codes: float32 for float32 input, float64 otherwise.
        """
        check_is_fitted(self)
        return self._as_output(self._forward(X, fn=type(self.module_).encode), X)

    def inverse_transform(self, X):
        """Decode codes back to the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, as :meth:`transform` returns them.

        Returns
        -------
        ndarray of shape (n_samples, n_features_in_)
            The reconstructions.
        """
        check_is_fitted(self)
        device = torch.device(self.net_.device)
        codes = check_array(X, dtype=self._prediction_dtype(X), input_name="X")
        width = self.module_.n_components
        if codes.shape[1] != width:
            raise ValueError(f"X has {codes.shape[1]} features, but {type(self).__name__}."
                             f"inverse_transform is expecting {width} features (the code "
                             "width, n_components).")
        return self._as_output(self._decode(to_tensor(codes).to(device)), codes)

    def _decode(self, codes):
        decode = type(self.module_).decode
        return self.net_.predict_tensor(codes, PREDICT_BATCH_ROWS, fn=decode)

    def score(self, X, y=None):
        """Negative mean squared reconstruction error (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input.
        y : None
            Ignored.

        Returns
        -------
        float
            ``-mean((X - inverse_transform(transform(X))) ** 2)`` over every
            entry.
        """
        return -float(self._forward(X, fn=_row_squared_error).double().mean())

    @available_if(_is_variational)
    def sample(self, n_samples=1, random_state=None):
        """Draw new samples: decode codes drawn from the standard normal prior.

        Only with ``variational=True``.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples.
        random_state : int, RandomState instance or None, default=None
            Seeds the draw. None continues the estimator's own random stream
            (successive calls differ, and the sequence of calls is
            reproducible after a fit with an int ``random_state``); torch's
            and numpy's global random states are left as they were.

        Returns
        -------
        ndarray of shape (n_samples, n_features_in_)
            The new samples, in the space of the input.
        """
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive int, got {n_samples!r}.")
        device = torch.device(self.net_.device)
        shape = (n_samples, self.module_.n_components)
        if random_state is None:
            with RNG_LOCK:  # read, draw and store the stream as one step
                with random_stream(device, state=self.net_.random_state_) as stream:
                    codes = torch.randn(shape, device=device)
                self.net_.random_state_ = stream["state"]
        else:
            seed = random_state if isinstance(random_state, Integral) else \
                check_random_state(random_state).randint(2**31 - 1)
            generator = torch.Generator(device=device).manual_seed(int(seed))
            codes = torch.randn(shape, device=device, generator=generator)
        return self._decode(codes).cpu().numpy()
