"""Pure PyTorch building blocks: networks and losses, with no scikit-learn in them."""

from .layers import ACTIVATIONS, WEIGHT_INITS, dense_block, init_weights, make_activation
from .losses import HalfSquaredError, PoissonDeviance, SigmoidCrossEntropy, SoftmaxCrossEntropy
from .mlp import MLP

__all__ = [
    "ACTIVATIONS",
    "WEIGHT_INITS",
    "HalfSquaredError",
    "MLP",
    "PoissonDeviance",
    "SigmoidCrossEntropy",
    "SoftmaxCrossEntropy",
    "dense_block",
    "init_weights",
    "make_activation",
]
