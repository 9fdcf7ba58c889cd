"""sknn: scikit-learn compatible deep-learning estimators on PyTorch and skorch."""

from ._skorch import import_skorch

import_skorch()

from ._training import DivergenceError
from .autoencoder import AutoEncoder
from .conv import ConvClassifier, ConvRegressor
from .custom import NeuralNetClassifier, NeuralNetRegressor
from .mlp import MLPClassifier, MLPRegressor
from .plotting import TrainingCurveDisplay
from .preprocessing import SlidingWindows
from .recurrent import RNNClassifier, RNNRegressor

__version__ = "0.1.0"

__all__ = [
    "AutoEncoder",
    "ConvClassifier",
    "ConvRegressor",
    "DivergenceError",
    "MLPClassifier",
    "MLPRegressor",
    "NeuralNetClassifier",
    "NeuralNetRegressor",
    "RNNClassifier",
    "RNNRegressor",
    "SlidingWindows",
    "TrainingCurveDisplay",
]
