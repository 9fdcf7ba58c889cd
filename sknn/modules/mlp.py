"""The multi-layer perceptron."""

from torch import nn

from .layers import check_layer, dense_block, init_weights


class MLP(nn.Module):
    """A stack of dense blocks followed by a linear output layer.

    Parameters
    ----------
    n_features : int
        Width of the input.
    n_outputs : int
        Width of the output (logits or regression values).
    hidden_layer_sizes : tuple of int, default=(100,)
        Width of each hidden layer.
    activation : str, default='relu'
        Hidden activation, a key of :data:`sknn.modules.ACTIVATIONS`.
    dropout : float, default=0.0
        Dropout probability after each hidden activation.
    batch_norm : bool, default=False
        Batch normalisation before each hidden activation.
    weight_init : str, default='auto'
        See :func:`sknn.modules.init_weights`.

    Examples
    --------
    >>> import torch
    >>> from sknn.modules import MLP
    >>> net = MLP(4, 3, hidden_layer_sizes=(8, 5))
    >>> net(torch.zeros(2, 4)).shape, net.embed(torch.zeros(2, 4)).shape
    (torch.Size([2, 3]), torch.Size([2, 5]))
    """

    def __init__(self, n_features, n_outputs, hidden_layer_sizes=(100,), activation="relu",
                 dropout=0.0, batch_norm=False, weight_init="auto"):
        super().__init__()
        widths = [n_features, *hidden_layer_sizes]
        self.hidden = nn.ModuleList(
            dense_block(n_in, n_out, activation, dropout, batch_norm)
            for n_in, n_out in zip(widths[:-1], widths[1:])
        )
        self.output = nn.Linear(widths[-1], n_outputs)
        init_weights(self, weight_init, activation)

    def forward(self, x):
        for block in self.hidden:
            x = block(x)
        return self.output(x)

    def embed(self, x, layer=-1):
        """Output of hidden layer ``layer`` (negative counts from the last one)."""
        layer = check_layer(layer, len(self.hidden),
                            fix="give it at least one (hidden_layer_sizes)")
        for block in self.hidden[: layer + 1]:
            x = block(x)
        return x

    def linear_layers(self):
        """The ``nn.Linear`` layers from input to output."""
        return [block[0] for block in self.hidden] + [self.output]
