"""Per-sample losses, defined as scikit-learn's MLPs define them.

Each loss returns one value per sample (reduction is left to the trainer,
which applies sample weights), so ``loss.mean()`` equals scikit-learn's
``LOSS_FUNCTIONS`` value for the same predictions.
"""

import torch
import torch.nn.functional as F
from torch import nn


class SoftmaxCrossEntropy(nn.Module):
    """Multiclass log loss on logits; integer class targets.

    Examples
    --------
    >>> import torch
    >>> from sknn.modules import SoftmaxCrossEntropy
    >>> SoftmaxCrossEntropy()(torch.zeros(2, 4), torch.tensor([0, 3])).shape
    torch.Size([2])
    """

    def forward(self, logits, target):
        return F.cross_entropy(logits, target, reduction="none")


class SigmoidCrossEntropy(nn.Module):
    """Binary or multilabel log loss on logits, summed over labels.

    Examples
    --------
    >>> import torch
    >>> from sknn.modules import SigmoidCrossEntropy
    >>> round(float(SigmoidCrossEntropy()(torch.zeros(1, 1), torch.ones(1, 1))[0]), 4)
    0.6931
    """

    def forward(self, logits, target):
        loss = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
        return loss.flatten(1).sum(1)


class HalfSquaredError(nn.Module):
    """Half the squared error, averaged over outputs.

    Examples
    --------
    >>> import torch
    >>> from sknn.modules import HalfSquaredError
    >>> HalfSquaredError()(torch.zeros(1, 2), torch.full((1, 2), 2.0))
    tensor([2.])
    """

    def forward(self, prediction, target):
        return 0.5 * (prediction - target).pow(2).flatten(1).mean(1)


class PoissonDeviance(nn.Module):
    """Half the Poisson deviance with a log link, summed over outputs.

    The network's output is the log of the predicted mean.

    Examples
    --------
    >>> import torch
    >>> from sknn.modules import PoissonDeviance
    >>> PoissonDeviance()(torch.zeros(1, 1), torch.ones(1, 1))
    tensor([0.])
    """

    def forward(self, log_mean, target):
        loss = torch.xlogy(target, target) - target * log_mean - target + log_mean.exp()
        return loss.flatten(1).sum(1)
