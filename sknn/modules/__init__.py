"""Pure PyTorch building blocks: networks and losses, with no scikit-learn in them."""

from .autoencoder import AutoEncoderNet, ReconstructionLoss
from .conv import ConvNet, ResidualBlock
from .layers import ACTIVATIONS, WEIGHT_INITS, dense_block, init_weights, make_activation
from .losses import HalfSquaredError, PoissonDeviance, SigmoidCrossEntropy, SoftmaxCrossEntropy
from .mlp import MLP
from .recurrent import CELLS, MaskedStepLoss, RecurrentNet

__all__ = [
    "CELLS",
    "MaskedStepLoss",
    "RecurrentNet",
    "ACTIVATIONS",
    "ConvNet",
    "ResidualBlock",
    "WEIGHT_INITS",
    "AutoEncoderNet",
    "HalfSquaredError",
    "MLP",
    "PoissonDeviance",
    "ReconstructionLoss",
    "SigmoidCrossEntropy",
    "SoftmaxCrossEntropy",
    "dense_block",
    "init_weights",
    "make_activation",
]
