"""The autoencoder: a dense encoder, a bottleneck code and a mirrored decoder."""

import torch
from torch import nn

from .layers import check_layer, dense_block, init_weights

# Lower bound of the variational decoder's log noise variance (variance 1e-6),
# so a near-perfect reconstruction cannot drive the loss to minus infinity.
_MIN_LOG_NOISE_VAR = -13.8


class AutoEncoderNet(nn.Module):
    """Encoder -> code -> decoder, optionally denoising and variational.

    The encoder is a stack of dense blocks of widths ``hidden_layer_sizes``
    followed by a linear layer to the ``n_components`` code; the decoder
    mirrors it (dense blocks of the reversed widths) and ends in a linear
    layer back to ``n_features``.

    **Denoising** (``noise > 0``): in training mode, Gaussian noise of
    standard deviation ``noise`` is added to the input before encoding; the
    target stays the clean input. In eval mode the input is left alone.

    **Variational** (``variational=True``): the code layer outputs the mean
    and log-variance of a diagonal Gaussian posterior; in training mode the
    decoder receives a reparametrised sample of it, in eval mode its mean.
    ``forward`` then returns the tuple ``(reconstruction, mean, log_var,
    log_noise_var)``, where ``log_noise_var`` is a learned scalar: the log
    variance of the decoder's Gaussian likelihood. :class:`ReconstructionLoss`
    turns that tuple into the negative evidence lower bound.
    Without ``variational`` ``forward`` returns the reconstruction alone.

    Parameters
    ----------
    n_features : int
        Width of the input and of the reconstruction.
    n_components : int, default=2
        Width of the code (the bottleneck).
    hidden_layer_sizes : tuple of int, default=(128, 64)
        Encoder widths, input side first; the decoder uses them reversed.
        ``()`` gives a linear autoencoder.
    activation : str, default='relu'
        Hidden activation, a key of :data:`sknn.modules.ACTIVATIONS`.
    dropout : float, default=0.0
        Dropout probability after each hidden activation.
    noise : float, default=0.0
        Standard deviation of the training-time input noise.
    variational : bool, default=False
        Make it a variational autoencoder.
    weight_init : str, default='auto'
        See :func:`sknn.modules.init_weights`.

    Examples
    --------
    >>> import torch
    >>> from sknn.modules import AutoEncoderNet
    >>> net = AutoEncoderNet(6, n_components=2, hidden_layer_sizes=(4,))
    >>> x = torch.zeros(3, 6)
    >>> net(x).shape, net.encode(x).shape
    (torch.Size([3, 6]), torch.Size([3, 2]))
    >>> vae = AutoEncoderNet(6, n_components=2, hidden_layer_sizes=(4,), variational=True)
    >>> [tuple(t.shape) for t in vae(x)]
    [(3, 6), (3, 2), (3, 2), ()]
    """

    def __init__(self, n_features, n_components=2, hidden_layer_sizes=(128, 64),
                 activation="relu", dropout=0.0, noise=0.0, variational=False,
                 weight_init="auto"):
        super().__init__()
        self.n_components = n_components
        self.noise = noise
        self.variational = variational
        widths = [n_features, *hidden_layer_sizes]
        self.encoder = nn.ModuleList(
            dense_block(n_in, n_out, activation, dropout)
            for n_in, n_out in zip(widths[:-1], widths[1:])
        )
        self.code = nn.Linear(widths[-1], 2 * n_components if variational else n_components)
        widths = [n_components, *reversed(hidden_layer_sizes)]
        self.decoder = nn.ModuleList(
            dense_block(n_in, n_out, activation, dropout)
            for n_in, n_out in zip(widths[:-1], widths[1:])
        )
        self.output = nn.Linear(widths[-1], n_features)
        init_weights(self, weight_init, activation)
        if variational:
            self.log_noise_var = nn.Parameter(torch.zeros(()))

    def _hidden(self, x):
        for block in self.encoder:
            x = block(x)
        return x

    def posterior(self, x):
        """``(mean, log_var)`` of the code given ``x`` (variational only)."""
        mean, log_var = self.code(self._hidden(x)).chunk(2, dim=1)
        return mean, log_var

    def encode(self, x):
        """The code of ``x``: the posterior mean when variational."""
        code = self.code(self._hidden(x))
        return code[:, :self.n_components] if self.variational else code

    def decode(self, z):
        """The reconstruction (the likelihood's mean) of code ``z``."""
        for block in self.decoder:
            z = block(z)
        return self.output(z)

    def reconstruct(self, x):
        """``decode(encode(x))``: deterministic, whatever the mode."""
        return self.decode(self.encode(x))

    def forward(self, x):
        if self.training and self.noise:
            x = x + self.noise * torch.randn_like(x)
        if not self.variational:
            return self.decode(self.encode(x))
        mean, log_var = self.posterior(x)
        z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean) if self.training else mean
        log_noise_var = self.log_noise_var.clamp(min=_MIN_LOG_NOISE_VAR)
        return self.decode(z), mean, log_var, log_noise_var

    def embed(self, x, layer=-1):
        """Output of encoder layer ``layer``; the last one (-1) is the code."""
        n_layers = len(self.encoder) + 1
        layer = check_layer(layer, n_layers, "encoder layers (the last one is the code)")
        if layer == n_layers - 1:
            return self.encode(x)
        for block in self.encoder[:layer + 1]:
            x = block(x)
        return x


class ReconstructionLoss(nn.Module):
    """Per-sample loss of :class:`AutoEncoderNet`'s output against the input.

    For a plain output tensor: half the squared error averaged over features
    (as :class:`HalfSquaredError`). For the variational tuple ``(reconstruction,
    mean, log_var, log_noise_var)``: the negative evidence lower bound per
    feature, i.e. the Gaussian negative log-likelihood with the learned noise
    variance (constant dropped) averaged over features, plus the KL
    divergence of the posterior from the standard normal prior divided by the
    number of features. Learning the noise variance balances the two terms
    on any data scale, which keeps the code from collapsing onto the prior.

    Examples
    --------
    >>> import torch
    >>> from sknn.modules import ReconstructionLoss
    >>> ReconstructionLoss()(torch.zeros(1, 2), torch.full((1, 2), 2.0))
    tensor([2.])
    >>> zeros = torch.zeros(1, 2)
    >>> ReconstructionLoss()((zeros, zeros, zeros, torch.zeros(())), zeros)
    tensor([0.])
    """

    def forward(self, output, target):
        if isinstance(output, torch.Tensor):
            return 0.5 * (output - target).pow(2).flatten(1).mean(1)
        reconstruction, mean, log_var, log_noise_var = output
        squared = (reconstruction - target).pow(2).flatten(1)
        nll = 0.5 * (squared * torch.exp(-log_noise_var) + log_noise_var).mean(1)
        kl = -0.5 * (1 + log_var - mean.pow(2) - log_var.exp()).sum(1)
        return nll + kl / squared.shape[1]
