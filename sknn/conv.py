"""Convolutional networks for signals (1-D), images (2-D) and volumes (3-D)."""

import math
import warnings
from numbers import Integral

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.validation import validate_data

from ._base import BaseNeuralNet
from ._data import check_tabular, fast_path, to_tensor
from ._params import (
    ACTIVATION,
    BATCH_NORM,
    DROPOUT,
    HIDDEN_LAYER_SIZES,
    WEIGHT_INIT,
    Param,
    declare_parameters,
)
from ._sklearn import Interval, StrOptions
from ._tasks import ClassifierTask, RegressorTask
from ._validation import check_hidden_layer_sizes, positive_ints
from .modules import ConvNet

#: Parameter recipes for well-known architectures, by name. Each is a dict of
#: constructor parameters; ``ConvClassifier.from_recipe(name, **overrides)``
#: (or the ``lenet5``, ``fcn``, ``resnet`` shortcuts) builds an estimator
#: from one.
RECIPES = {
    # LeCun et al. (1998): two 5x5 conv layers with 6 and 16 maps, average
    # pooling, tanh, dense 120-84 head. For 28x28 or 32x32 images; on small
    # images 'same' padding keeps the maps large enough.
    "lenet5": dict(filters=(6, 16), kernel_size=5, padding="same", pooling="avg",
                   pool_size=2, hidden_layer_sizes=(120, 84), activation="tanh"),
    # Wang, Yan and Oates (2017), the fully convolutional network for time
    # series: 128-256-128 filters, kernels 8-5-3, batch norm, ReLU, no
    # pooling but global average pooling, no dense head.
    "fcn": dict(filters=(128, 256, 128), kernel_size=(8, 5, 3), padding="same",
                pooling=None, global_pooling="avg", batch_norm=True,
                hidden_layer_sizes=(), activation="relu"),
    # Wang, Yan and Oates (2017), the residual network for time series: three
    # residual blocks of three conv layers (kernels 8-5-3; 64, 128, 128
    # filters), batch norm, global average pooling, no dense head.
    "resnet": dict(filters=(64,) * 3 + (128,) * 6, kernel_size=(8, 5, 3) * 3,
                   padding="same", pooling=None, global_pooling="avg", residual=3,
                   batch_norm=True, hidden_layer_sizes=(), activation="relu"),
}

# The constraint of parameters given for all conv layers or one per conv layer.
_PER_LAYER = ["array-like", Interval(Integral, 1, None, closed="left")]


class _BaseConv(BaseNeuralNet):
    """The convolutional family: its parameters, input shapes and network."""

    _params = (
        Param("filters", (32, 64), _PER_LAYER, "array-like of int",
              "Output channels of each conv layer; one conv layer each.", positional=True),
        Param("kernel_size", 3, _PER_LAYER, "int or array-like of int",
              """Kernel size along every spatial axis, for all conv layers or one per
              conv layer.""", positional=True),
        Param("strides", 1, _PER_LAYER, "int or array-like of int",
              "Stride, for all conv layers or one per conv layer."),
        Param("padding", "same", [StrOptions({"same", "valid"})], "{'same', 'valid'}",
              """'same' zero-pads so that a layer's output has ``ceil(size / stride)``
              positions; 'valid' does not pad. Pooling follows it: with 'same' the
              partial window at the edge is pooled too, with 'valid' it is dropped."""),
        Param("pooling", "max", [StrOptions({"max", "avg"}), None], "{'max', 'avg'} or None",
              "Pooling after each conv layer (after each block with ``residual``)."),
        Param("pool_size", 2, _PER_LAYER, "int or array-like of int",
              "Pooling window and stride, for all conv layers or one per conv layer."),
        Param("global_pooling", None, [StrOptions({"max", "avg"}), None],
              "{'avg', 'max'} or None",
              """Pool each feature map to one value before the head (FCN / ResNet
              style), so the network's size does not depend on the input length.
              None flattens the feature maps into the head."""),
        Param("residual", False, ["boolean", Interval(Integral, 1, None, closed="left")],
              "bool or int",
              """Skip connections. An int ``k`` groups the conv layers into blocks of
              ``k`` (the last block takes the rest), adds each block's input to its
              output (through a 1x1 convolution where the shapes differ) and pools
              after each block; True is 2, the basic ResNet block. Needs
              ``padding='same'``."""),
        HIDDEN_LAYER_SIZES.replace(
            default=(128,), doc="Width of each dense hidden layer of the head; () for none."),
        ACTIVATION.replace(doc="Activation of the conv and dense hidden layers."),
        Param("input_shape", None, ["array-like", None], "tuple of int or None",
              """Shape of one sample, ``(C, L)``, ``(C, H, W)`` or ``(C, D, H, W)``
              (channels last with ``channels_last``). Rows of X are reshaped to it,
              so flat rows (after a scaler in a Pipeline) and images without a
              channel axis, ``(n, H, W)`` with ``input_shape=(1, H, W)``, work. None
              takes the shape from X: 2-D X is one-channel signals
              ``(n, 1, n_features)``, 3-D X ``(n, C, L)`` signals, 4-D X images,
              5-D X volumes."""),
        Param("channels_last", False, ["boolean"], "bool",
              """Read X (and ``input_shape``) with the channel axis last,
              ``(n, ..., C)``, as Keras and image libraries store it."""),
        DROPOUT.replace(doc="""Dropout probability after each conv layer's pooling and each
            dense hidden activation."""),
        BATCH_NORM.replace(doc="Batch normalisation before each activation."),
        WEIGHT_INIT.replace(doc="""Initialisation of weights. 'auto' gives conv kernels He-uniform
            (rectifier activations) or Glorot-uniform (others) weights and zero
            biases, and the dense layers scikit-learn's initialisation; with
            'selu' it is LeCun normal throughout. A named scheme applies to every
            layer, biases start at 0."""),
    )

    # -- recipes -----------------------------------------------------------
    @classmethod
    def from_recipe(cls, name, **params):
        """An estimator with the parameters of recipe ``name``, updated by ``params``.

        Parameters
        ----------
        name : {'lenet5', 'fcn', 'resnet'}
            A key of :data:`sknn.conv.RECIPES`.
        **params
            Any other constructor parameters; they override the recipe's.

        Returns
        -------
        estimator : instance of cls
        """
        if name not in RECIPES:
            raise ValueError(f"Unknown recipe {name!r}; use one of {sorted(RECIPES)}.")
        return cls(**{**RECIPES[name], **params})

    @classmethod
    def lenet5(cls, **params):
        """LeNet-5 (LeCun et al. 1998) for images; see :data:`RECIPES`."""
        return cls.from_recipe("lenet5", **params)

    @classmethod
    def fcn(cls, **params):
        """The fully convolutional network of Wang et al. (2017) for signals."""
        return cls.from_recipe("fcn", **params)

    @classmethod
    def resnet(cls, **params):
        """The residual network of Wang et al. (2017) for signals."""
        return cls.from_recipe("resnet", **params)

    # -- input -------------------------------------------------------------
    def _check_input(self, X, *, reset, dtype=np.float32):
        """Validate ``X``; return a ``(n, C, *spatial)`` ``dtype`` tensor.

        ``n_features_in_`` is the number of values in one sample (for flat
        rows, their number of columns); ``input_shape_`` the sample's shape
        as the network sees it, channels first.
        """
        ndim = X.ndim if hasattr(X, "ndim") else np.asarray(X).ndim
        ready = None
        if not reset and isinstance(X, np.ndarray) and ndim >= 2 and len(X) and (
                ndim == 2 or X.shape[1:] == self._sample_shape):
            # Prediction on clean float arrays skips the general validation.
            ready = fast_path(self, X.reshape(len(X), -1), dtype)
        if ready is not None:
            X = ready
        elif ndim <= 2:
            # Tables (numpy, pandas, sparse): n_features_in_ and feature names.
            X = check_tabular(self, X, reset=reset, dtype=dtype)
        else:
            X = check_array(X, allow_nd=True, dtype=dtype, order="C",
                            estimator=self, input_name="X")
            if not reset and self.input_shape is None and X.shape[1:] != self._sample_shape:
                raise ValueError(
                    f"X has samples of shape {X.shape[1:]}, but {type(self).__name__} was "
                    f"fitted on samples of shape {self._sample_shape}.")
            # Counts (and clears feature names) as for flat rows of the same values.
            validate_data(self, X.reshape(len(X), -1), reset=reset, dtype=None,
                          ensure_all_finite=False)
        if reset:
            self._sample_shape = self._layout(X)
            self._channels_last = self.channels_last  # the layout fitted, whatever set later
            shape = self._sample_shape
            if self._channels_last:
                shape = (shape[-1], *shape[:-1])
            self.input_shape_ = tuple(int(size) for size in shape)
        X = X.reshape(len(X), *self._sample_shape)
        if self._channels_last:
            X = np.ascontiguousarray(np.moveaxis(X, -1, 1))
        return to_tensor(X)

    def _layout(self, X):
        """The shape of one sample, in the user's layout, at fit."""
        if self.input_shape is not None:
            shape = tuple(positive_ints(self.input_shape, "input_shape"))
            if not 2 <= len(shape) <= 4:
                raise ValueError(
                    "input_shape must hold the channel axis and 1 to 3 spatial axes, e.g. "
                    f"(C, L), (C, H, W) or (C, D, H, W); got {self.input_shape!r}. For "
                    "one-channel images give (1, H, W).")
            if math.prod(shape) != math.prod(X.shape[1:]):
                raise ValueError(
                    f"input_shape={shape} holds {math.prod(shape)} values per sample, but "
                    f"the samples of X have shape {X.shape[1:]} ({math.prod(X.shape[1:])} "
                    "values).")
            return shape
        if X.ndim == 2:
            # Flat rows: one-channel signals.
            return (X.shape[1], 1) if self.channels_last else (1, X.shape[1])
        self._warn_if_layout_is_ambiguous(X.shape)
        if X.ndim > 5:
            raise ValueError(
                f"X has {X.ndim} dimensions; {type(self).__name__} takes (n, C, L) signals, "
                "(n, C, H, W) images, (n, C, D, H, W) volumes, or flat rows with "
                "input_shape.")
        return X.shape[1:]

    def _warn_if_layout_is_ambiguous(self, shape):
        """Say how X is read when its shape suggests another layout.

        The rule is fixed (3-D X is ``(n, C, L)`` signals; 4-D X is
        ``(n, C, H, W)``, or ``(n, H, W, C)`` with ``channels_last``); this
        never changes it, but names the parameter for the other reading.
        """
        name = type(self).__name__
        if len(shape) == 3 and shape[1] == shape[2] >= 8:
            warnings.warn(
                f"{name} reads 3-D X of shape {shape} as {shape[0]} signals of {shape[1]} "
                f"channels and length {shape[2]}. If these are one-channel {shape[1]}x"
                f"{shape[2]} images, pass input_shape=(1, {shape[1]}, {shape[2]}) (or add the "
                "channel axis: X[:, None]).", UserWarning, stacklevel=5)
        elif len(shape) == 4 and not self.channels_last and shape[3] in (1, 3, 4) and \
                shape[1] not in (1, 3, 4):
            warnings.warn(
                f"{name} reads 4-D X of shape {shape} channels first, as {shape[1]} "
                f"channels of {shape[2]}x{shape[3]}. If the channels are the last axis "
                f"({shape[3]} channels of {shape[1]}x{shape[2]}), set channels_last=True.",
                UserWarning, stacklevel=5)

    def _build_module(self, X, n_outputs):
        filters = positive_ints(self.filters, "filters")
        per_layer = {name: int(value) if isinstance(value, Integral) else
                     tuple(positive_ints(value, name)) for name, value in
                     [("kernel_size", self.kernel_size), ("strides", self.strides),
                      ("pool_size", self.pool_size)]}
        # A network that does not fit the sample shape is a ValueError naming the layer.
        return ConvNet(
            self.input_shape_,
            n_outputs,
            filters=filters,
            padding=self.padding,
            pooling=self.pooling,
            global_pooling=self.global_pooling,
            residual=self.residual,
            hidden_layer_sizes=check_hidden_layer_sizes(self.hidden_layer_sizes),
            activation=self.activation,
            dropout=self.dropout,
            batch_norm=self.batch_norm,
            weight_init=self.weight_init,
            **per_layer,
        )

    def _positions_per_sample(self):
        return math.prod(self.input_shape_[1:])

    def _summary_input(self):
        return to_tensor(np.zeros((2, *self.input_shape_), dtype=np.float32))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


_CONV_ATTRIBUTES = """\
input_shape_ : tuple of int
        Shape of one sample as the network sees it, channels first."""

_CONV_NOTES = """Recipes: ``from_recipe(name, **params)`` with a name of
    :data:`sknn.conv.RECIPES`, or the shortcuts ``lenet5()`` (LeNet-5 for
    images), ``fcn()`` (the fully convolutional network of Wang et al. 2017
    for signals) and ``resnet()`` (their residual network). Parameters given
    override the recipe's.

    ``n_features_in_`` is the number of values in one sample.
    :meth:`embed` returns the output of a dense hidden layer of the head, or,
    without one, the flattened (or globally pooled) conv features."""


_CONV_FRAGMENTS = {"conv_attributes": _CONV_ATTRIBUTES, "conv_notes": _CONV_NOTES}


@declare_parameters(fragments=_CONV_FRAGMENTS)
class ConvClassifier(ClassifierTask, _BaseConv):
    """Convolutional neural network classifier, trained with PyTorch.

    For signals ``(n, C, L)``, images ``(n, C, H, W)`` and volumes
    ``(n, C, D, H, W)``: the number of spatial axes of X picks 1-D, 2-D or
    3-D convolutions. Conv layers (with pooling) extract features, a dense
    head classifies them.

    Parameters
    ----------
    ${parameters}

    Attributes
    ----------
    ${classes_attribute}

    ${fitted_attributes}

    ${conv_attributes}

    See Also
    --------
    ConvRegressor : The regressor.
    MLPClassifier : For tables.

    Notes
    -----
    ${conv_notes}

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknn import ConvClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X.reshape(-1, 1, 8, 8) / 16
    >>> model = ConvClassifier(max_iter=10, batch_size=50, random_state=0)
    >>> model.fit(X[:500], y[:500]).score(X[500:1000], y[500:1000]) > 0.8
    True
    >>> model.embed(X[:3]).shape
    (3, 128)
    """


@declare_parameters(fragments=_CONV_FRAGMENTS)
class ConvRegressor(RegressorTask, _BaseConv):
    """Convolutional neural network regressor, trained with PyTorch.

    The inputs of :class:`ConvClassifier`, one or several continuous
    outputs.

    Parameters
    ----------
    ${parameters}

    Attributes
    ----------
    ${fitted_attributes}

    ${conv_attributes}

    See Also
    --------
    ConvClassifier : The classifier.
    MLPRegressor : For tables.

    Notes
    -----
    ${conv_notes}

    Examples
    --------
    >>> import numpy as np
    >>> from sknn import ConvRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.standard_normal((300, 2, 32)).astype(np.float32)
    >>> y = (X[:, 0] + X[:, 1]).max(1)  # the peak of the channels' sum
    >>> model = ConvRegressor(filters=(8,), global_pooling="max", hidden_layer_sizes=(),
    ...                       max_iter=30, batch_size=32, learning_rate_init=0.01,
    ...                       random_state=0)
    >>> model.fit(X, y).score(X, y) > 0.9
    True
    >>> model.summary()["layer"].tolist()[:3]
    ['features.0.0.0', 'features.0.0.1', 'features.0.1']
    """
