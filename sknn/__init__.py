"""sknn: scikit-learn compatible deep-learning estimators on PyTorch and skorch."""

from ._training import DivergenceError
from .mlp import MLPClassifier, MLPRegressor

__version__ = "0.1.0"

__all__ = [
    "DivergenceError",
    "MLPClassifier",
    "MLPRegressor",
]
