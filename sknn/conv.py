"""Convolutional networks for signals (1-D), images (2-D) and volumes (3-D)."""

import math
import warnings
from numbers import Integral

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.validation import validate_data

from ._base import BaseNeuralNet
from ._data import check_tabular, fast_path, to_tensor
from ._docs import fill_doc
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
#
#: A recipe is architecture plus training: each sets the schedule, batch size,
#: epochs and stopping rule it was measured with (benchmarks/bench_quality.py).
#: The schedules run their course (``n_iter_no_change=inf``): a cosine
#: annealed to 0 ends where the network has settled, and training stopped
#: halfway down it has not.
_SIGNAL_TRAINING = dict(solver="adam", learning_rate_init=0.003, learning_rate="cosine",
                        batch_size=16, balanced_batches=True, restore_best=True,
                        n_iter_no_change=math.inf)
_IMAGE_TRAINING = dict(solver="adam", learning_rate="cosine", batch_size=64,
                       balanced_batches=True, n_iter_no_change=math.inf)

RECIPES = {
    # LeCun et al. (1998): two 5x5 conv layers with 6 and 16 maps, average
    # pooling, tanh, dense 120-84 head. For 28x28 or 32x32 images; on small
    # images 'same' padding keeps the maps large enough. Trained with Adam
    # at 0.002 annealed along a cosine over 40 epochs, batches of 64.
    "lenet5": dict(filters=(6, 16), kernel_size=5, padding="same", pooling="avg",
                   pool_size=2, hidden_layer_sizes=(120, 84), activation="tanh",
                   **_IMAGE_TRAINING, learning_rate_init=0.002, max_iter=40),
    # Wang, Yan and Oates (2017), the fully convolutional network for time
    # series: 128-256-128 filters, kernels 8-5-3, batch norm, ReLU, no
    # pooling but global average pooling, no dense head. Training: see
    # _BaseConv.fcn.
    "fcn": dict(filters=(128, 256, 128), kernel_size=(8, 5, 3), padding="same",
                pooling=None, global_pooling="avg", batch_norm=True,
                hidden_layer_sizes=(), activation="relu", **_SIGNAL_TRAINING, max_iter=300),
    # Wang, Yan and Oates (2017), the residual network for time series: three
    # residual blocks of three conv layers (kernels 8-5-3; 64, 128, 128
    # filters), batch norm, global average pooling, no dense head. Training:
    # see _BaseConv.resnet; an epoch costs about twice FCN's, hence half the
    # epochs.
    "resnet": dict(filters=(64,) * 3 + (128,) * 6, kernel_size=(8, 5, 3) * 3,
                   padding="same", pooling=None, global_pooling="avg", residual=3,
                   batch_norm=True, hidden_layer_sizes=(), activation="relu",
                   **_SIGNAL_TRAINING, max_iter=150),
    # VGG-style (Simonyan and Zisserman 2015) for small images such as 8x8
    # digits: two blocks of two 3x3 conv layers (32, then 64 channels), batch
    # norm, ReLU, 2x2 max pooling after each block, a dense layer of 128,
    # dropout 0.2. Trained with Adam at 0.002 along a cosine over 60 epochs.
    "vgg_small": dict(filters=(32, 32, 64, 64), kernel_size=3, padding="same",
                      pooling="max", pool_size=(1, 2, 1, 2), batch_norm=True,
                      hidden_layer_sizes=(128,), dropout=0.2, activation="relu",
                      **_IMAGE_TRAINING, learning_rate_init=0.002, max_iter=60),
    # Ismail Fawaz et al. (2020), one InceptionTime network for time series
    # (the paper ensembles five): six inception modules of 32 filters per
    # branch (kernels 40, 20, 10 after a 32-channel bottleneck, plus the
    # pooled branch: 128 channels), batch norm, ReLU, a residual connection
    # every three modules, global average pooling, no dense head. The paper
    # trains 1,500 epochs (Adam at 0.001, the rate halved after 50 epochs
    # without a lower training loss, the weights of the lowest training loss
    # kept); the recipe trains as fcn() and resnet() do, at the paper's rate
    # and for 500 epochs: see _BaseConv.inception_time.
    "inception_time": dict(filters=(32,) * 6, inception=(40, 20, 10), bottleneck=32,
                           padding="same", pooling=None, global_pooling="avg", residual=3,
                           batch_norm=True, hidden_layer_sizes=(), activation="relu",
                           **{**_SIGNAL_TRAINING, "learning_rate_init": 0.001}, max_iter=500),
    # AlexNet (Krizhevsky et al. 2012) scaled for small images such as 8x8
    # digits: five conv layers, max pooling after the first, second and
    # fifth, ReLU, a two-layer dense head with dropout. Scaled: 3x3 kernels
    # with stride 1 everywhere (an 11x11 stride-4 kernel would not fit an
    # 8x8 image), a third of the channels (32-64-96-96-64 for 96-256-384-
    # 384-256: a few thousand images do not need more), dense layers of 256
    # for 4096, and batch normalisation in place of local response
    # normalisation.
    "alexnet": dict(filters=(32, 64, 96, 96, 64), kernel_size=3, padding="same",
                    pooling="max", pool_size=(2, 2, 1, 1, 2), hidden_layer_sizes=(256, 256),
                    dropout=0.25, batch_norm=True, activation="relu",
                    **_IMAGE_TRAINING, learning_rate_init=0.001, max_iter=40),
    # GoogLeNet (Szegedy et al. 2015) scaled for small images such as 8x8
    # digits: inception modules (1x1, 3x3 and 5x5 branches and a pooled
    # branch, behind one 16-channel bottleneck), batch norm, ReLU, max
    # pooling between them, global average pooling, no dense head. Scaled:
    # three modules of 16-32-48 filters per branch for nine modules of 64
    # to 384, no 7x7 stem (the image is 8x8: the stem's stride would leave
    # 2x2) and no auxiliary classifiers (three modules are shallow enough
    # to train without them). Both train as vgg_small() does.
    "googlenet": dict(filters=(16, 32, 48), inception=(1, 3, 5), bottleneck=16,
                      padding="same", pooling="max", pool_size=(1, 2, 2),
                      global_pooling="avg", hidden_layer_sizes=(), batch_norm=True,
                      activation="relu", **_IMAGE_TRAINING, learning_rate_init=0.001,
                      max_iter=40),
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
        Param("inception", None, ["array-like", None], "array-like of int or None",
              """Kernel sizes of parallel branches, e.g. ``(40, 20, 10)``: every conv
              layer becomes an inception module (GoogLeNet, InceptionTime). Its
              input goes through the 1x1 ``bottleneck`` convolution, then through
              one convolution per kernel size side by side, while a fourth branch
              max-pools it (3 wide) and convolves it 1x1; each branch has the
              layer's ``filters`` channels and the branches are concatenated
              (``filters * (len(inception) + 1)`` channels), batch normalised with
              ``batch_norm`` and activated. ``kernel_size`` is then unused; needs
              ``padding='same'``. None: plain conv layers."""),
        Param("bottleneck", 32, [Interval(Integral, 1, None, closed="left"), None],
              "int or None",
              """With ``inception``, the channels of the 1x1 convolution in front of
              each module's branches, applied where the module's input has more
              channels than this; None for none."""),
    )

    # -- recipes -----------------------------------------------------------
    @classmethod
    def from_recipe(cls, name, **params):
        """An estimator with the parameters of recipe ``name``, updated by ``params``.

        Parameters
        ----------
        name : str
            A key of :data:`sknn.conv.RECIPES`: 'lenet5', 'fcn', 'resnet',
            'vgg_small', 'inception_time', 'alexnet' or 'googlenet'.
        **params
            Any other constructor parameters; they override the recipe's.

        Returns
        -------
        estimator : instance of cls
            The unfitted estimator.
        """
        if name not in RECIPES:
            raise ValueError(f"Unknown recipe {name!r}; use one of {sorted(RECIPES)}.")
        return cls(**{**RECIPES[name], **params})

    @classmethod
    @fill_doc
    def lenet5(cls, **params):
        """LeNet-5 (LeCun et al. 1998) for images, and its training; see :data:`RECIPES`.

        Trained with Adam at 0.002 annealed to 0 along a cosine over 40
        epochs, in batches of at most 64 (``balanced_batches``): 0.952 on
        scikit-learn's digits as 8x8 images (5-fold stratified
        cross-validation), where :meth:`vgg_small` scores 0.992.

        ${recipe_parameters}

        Examples
        --------
        >>> from sknn import ConvClassifier
        >>> ConvClassifier.lenet5(max_iter=10).filters
        (6, 16)
        """
        return cls.from_recipe("lenet5", **params)

    @classmethod
    @fill_doc
    def fcn(cls, **params):
        """The fully convolutional network of Wang et al. (2017) for signals, and its training.

        Three conv layers (128-256-128 filters, kernels 8-5-3) with batch
        norm and ReLU, global average pooling, no dense head. The paper
        trains 2,000 epochs (Adam at 0.001, the rate halved after 50 epochs
        without a lower training loss, batches of ``min(n / 10, 16)``, the
        weights of the epoch with the lowest training loss kept). The
        recipe trains 300 epochs: Adam at 0.003 annealed to 0 along a cosine
        (``learning_rate='cosine'``), batches of at most 16 without a small
        last one (``balanced_batches``), no early stop
        (``n_iter_no_change=inf``), the lowest training loss's weights kept
        (``restore_best``).

        Why: on ArrowHead (36 training series; published mean accuracy
        0.85), seed 0, test accuracy after 120 epochs at 0.001 was 0.760
        with a cosine (training loss still 0.14: too few steps for 3
        batches an epoch), and after 100 epochs 0.709 with batches of 4 (the
        paper's size; noisier batch norm) and 0.800 at 0.01. Over 300
        epochs at 0.01 the plateau decay (``learning_rate='plateau'``,
        patience 10, floor 1e-4) reached 0.817 and the cosine 0.829 (0.846
        with seed 1; GunPoint 0.980 and 0.973, published 1.00); at 0.003 the
        cosine reached 0.840 on ArrowHead and 1.000 on GunPoint (seed 0).
        As shipped, seeds 0 and 1, one thread: ArrowHead 0.840 and 0.840
        (published 0.85), GunPoint 1.000 and 1.000 (1.00), ItalyPowerDemand
        0.958 and 0.956 (0.96), at most 91 s a fit; with two threads,
        OSULeaf (200 series of 427 steps) 0.979 and 0.979 (0.98), at most
        178 s a fit (``benchmarks/bench_quality.py``; published: the mean of
        10 runs, Ismail Fawaz et al. 2019).

        ${recipe_parameters}

        Examples
        --------
        >>> from sknn import ConvClassifier
        >>> model = ConvClassifier.fcn(max_iter=100)
        >>> model.learning_rate, model.max_iter, model.restore_best
        ('cosine', 100, True)
        """
        return cls.from_recipe("fcn", **params)

    @classmethod
    @fill_doc
    def resnet(cls, **params):
        """The residual network of Wang et al. (2017) for signals, and its training.

        Three residual blocks of three conv layers (kernels 8-5-3; 64, 128
        and 128 filters), batch norm, global average pooling, no dense
        head. Trained as :meth:`fcn` (Adam at 0.003 along a cosine, batches
        of at most 16 with ``balanced_batches``, ``restore_best``, no early
        stop) for 150 epochs: an epoch costs about twice FCN's (490,000
        multiply-adds per position and sample against 263,000), and the
        paper's 1,500 epochs are far from CPU minutes. At 0.01, seeds 0 and
        1, test accuracy was 0.726 and 0.771 on ArrowHead (published 0.84),
        0.973 and 0.967 on GunPoint (0.99), 0.961 and 0.966 on
        ItalyPowerDemand (0.96). As shipped (0.003), seeds 0 and 1, one
        thread: ArrowHead 0.851 and 0.834 (published 0.84), GunPoint 1.000
        and 1.000 (0.99), ItalyPowerDemand 0.962 and 0.962 (0.96), at most
        103 s a fit; with two threads, OSULeaf 0.979 and 0.963 (0.98), at
        most 147 s a fit (``benchmarks/bench_quality.py``).

        ${recipe_parameters}

        Examples
        --------
        >>> from sknn import ConvClassifier
        >>> model = ConvClassifier.resnet()
        >>> model.residual, model.max_iter
        (3, 150)
        """
        return cls.from_recipe("resnet", **params)

    @classmethod
    @fill_doc
    def vgg_small(cls, **params):
        """A VGG-style network for small images such as 8x8 digits, and its training.

        Two blocks of two 3x3 conv layers (32, then 64 channels) with batch
        norm and ReLU, 2x2 max pooling after each block, a dense layer of
        128 and dropout 0.2; Adam at 0.002 annealed to 0 along a cosine over
        60 epochs, batches of at most 64 (``balanced_batches``). On
        scikit-learn's digits as ``(1, 8, 8)`` images, 5-fold stratified
        cross-validation, it scored 0.9922 (0.9889 at 0.001 over 40 epochs;
        scikit-learn's MLP 0.977; :meth:`lenet5` 0.952).

        ${recipe_parameters}

        Examples
        --------
        >>> from sknn import ConvClassifier
        >>> ConvClassifier.vgg_small().filters
        (32, 32, 64, 64)
        """
        return cls.from_recipe("vgg_small", **params)

    @classmethod
    @fill_doc
    def inception_time(cls, **params):
        """One InceptionTime network (Ismail Fawaz et al. 2020) for signals.

        Six inception modules (kernels 40, 20 and 10 behind a 32-channel
        bottleneck, plus a pooled branch; 32 filters each), a residual
        connection every three modules, global average pooling, no dense
        head; see :data:`RECIPES`. The paper ensembles five such networks
        and trains each 1,500 epochs (Adam at 0.001, the rate halved after
        50 epochs without a lower training loss, batches of 64). The recipe
        trains for 500 epochs: Adam at the paper's 0.001 annealed along a
        cosine, batches of at most 16 without a small last one, the lowest
        training loss's weights kept. Against the mean of the authors' five
        runs of one network, seeds 0 to 4 with one thread averaged 0.826 on
        ArrowHead (0.847; the paper's schedule scored no higher), 0.999 on
        GunPoint (1.000), 0.965 on ItalyPowerDemand (0.964) and 0.720 on
        PickupGestureWiimoteZ (0.744); seed 0 scored 0.930 on ACSF1 (0.896)
        and seeds 0 to 2 0.953 on OSULeaf (0.925). See
        ``benchmarks/bench_architectures.py`` and the user guide.

        The paper's ensemble is scikit-learn's soft vote over networks of
        different seeds: ``VotingClassifier([(f"net{i}",
        ConvClassifier.inception_time(random_state=i)) for i in range(5)],
        voting="soft")`` averages their probabilities.

        ${recipe_parameters}

        Examples
        --------
        >>> from sknn import ConvClassifier
        >>> model = ConvClassifier.inception_time(max_iter=50)
        >>> model.inception, model.residual, model.max_iter
        ((40, 20, 10), 3, 50)
        """
        return cls.from_recipe("inception_time", **params)

    @classmethod
    @fill_doc
    def alexnet(cls, **params):
        """AlexNet (Krizhevsky et al. 2012) scaled for small images such as 8x8.

        Five 3x3 conv layers of 32-64-96-96-64 channels, max pooling after
        the first, second and fifth, batch normalisation, a 256-256 dense
        head with dropout. The original's 11x11 stride-4 first kernel cannot
        fit an 8x8 image, and its channel and dense widths (96-384, 4096)
        are far more than a few thousand small images need: kernels, widths
        and normalisation are scaled as :data:`RECIPES` says.

        ${recipe_parameters}

        Examples
        --------
        >>> from sknn import ConvClassifier
        >>> ConvClassifier.alexnet().filters
        (32, 64, 96, 96, 64)
        """
        return cls.from_recipe("alexnet", **params)

    @classmethod
    @fill_doc
    def googlenet(cls, **params):
        """GoogLeNet (Szegedy et al. 2015) scaled for small images such as 8x8.

        Three inception modules (1x1, 3x3 and 5x5 branches behind a
        16-channel bottleneck, plus a pooled branch; 16, 32 and 48 filters
        per branch), max pooling between them, global average pooling. The
        original stacks nine modules behind a 7x7 stride-2 stem, with two
        auxiliary classifiers; on an 8x8 image the stem would leave 2x2 maps
        and three modules suffice, as :data:`RECIPES` says.

        ${recipe_parameters}

        Examples
        --------
        >>> from sknn import ConvClassifier
        >>> ConvClassifier.googlenet().inception
        (1, 3, 5)
        """
        return cls.from_recipe("googlenet", **params)

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
            inception=None if self.inception is None else
            tuple(positive_ints(self.inception, "inception")),
            bottleneck=self.bottleneck,
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
    for signals), ``resnet()`` (their residual network), ``inception_time()``
    (InceptionTime, Ismail Fawaz et al. 2020, for signals), ``vgg_small()``
    for small images, and ``alexnet()`` and ``googlenet()`` scaled for small
    images. A recipe sets its training too (schedule, batch size, epochs,
    stopping rule); parameters given override the recipe's.

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
