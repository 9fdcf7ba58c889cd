"""Pure PyTorch building blocks: networks and losses, with no scikit-learn in them."""

from .autoencoder import AutoEncoderNet, ReconstructionLoss
from .conv import ConvNet, ResidualBlock
from .layers import ACTIVATIONS, WEIGHT_INITS, dense_block, init_weights, make_activation
from .losses import HalfSquaredError, PoissonDeviance, SigmoidCrossEntropy, SoftmaxCrossEntropy
from .mlp import MLP
from .recurrent import CELLS, MaskedStepLoss, RecurrentNet

__all__ = [
    "ACTIVATIONS",
    "CELLS",
    "MLP",
    "WEIGHT_INITS",
    "AutoEncoderNet",
    "ConvNet",
    "HalfSquaredError",
    "MaskedStepLoss",
    "PoissonDeviance",
    "ReconstructionLoss",
    "RecurrentNet",
    "ResidualBlock",
    "SigmoidCrossEntropy",
    "SoftmaxCrossEntropy",
    "dense_block",
    "init_weights",
    "make_activation",
]
