"""Activations, weight initialisation and the dense block shared by every network."""

import math

from torch import nn

ACTIVATIONS = {
    "identity": nn.Identity,
    "logistic": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "selu": nn.SELU,
    "gelu": nn.GELU,
}

WEIGHT_INITS = (
    "auto",
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "uniform",
    "normal",
    "orthogonal",
)

# 'auto': He initialisation for the rectifier family, LeCun normal for SELU
# (self-normalising networks need it), Glorot for saturating activations.
_AUTO_INIT = {
    "relu": "he_uniform",
    "leaky_relu": "he_uniform",
    "elu": "he_uniform",
    "gelu": "he_uniform",
    "selu": "lecun_normal",
}


def make_activation(name):
    """Return a new activation module from its name.

    Examples
    --------
    >>> from sknn.modules import make_activation
    >>> make_activation("tanh")
    Tanh()
    """
    return ACTIVATIONS[name]()


def dense_block(n_in, n_out, activation, dropout=0.0, batch_norm=False):
    """Linear -> [BatchNorm] -> activation -> [Dropout], as one ``nn.Sequential``.

    Examples
    --------
    >>> from sknn.modules import dense_block
    >>> [type(layer).__name__ for layer in dense_block(4, 8, "relu", 0.5, batch_norm=True)]
    ['Linear', 'BatchNorm1d', 'ReLU', 'Dropout']
    """
    layers = [nn.Linear(n_in, n_out)]
    if batch_norm:
        layers.append(nn.BatchNorm1d(n_out))
    layers.append(make_activation(activation))
    if dropout:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def _init_tensor(weight, scheme, activation):
    if scheme == "auto":
        scheme = _AUTO_INIT.get(activation, "glorot_uniform")
    nonlinearity = "leaky_relu" if activation == "leaky_relu" else "relu"
    if scheme == "glorot_uniform":
        nn.init.xavier_uniform_(weight)
    elif scheme == "glorot_normal":
        nn.init.xavier_normal_(weight)
    elif scheme == "he_uniform":
        nn.init.kaiming_uniform_(weight, a=0.01 if nonlinearity == "leaky_relu" else 0,
                                 nonlinearity=nonlinearity)
    elif scheme == "he_normal":
        nn.init.kaiming_normal_(weight, a=0.01 if nonlinearity == "leaky_relu" else 0,
                                nonlinearity=nonlinearity)
    elif scheme == "lecun_normal":
        fan_in = weight[0].numel()
        nn.init.normal_(weight, std=1.0 / math.sqrt(fan_in))
    elif scheme == "uniform":
        nn.init.uniform_(weight, -0.05, 0.05)
    elif scheme == "normal":
        nn.init.normal_(weight, std=0.05)
    elif scheme == "orthogonal":
        nn.init.orthogonal_(weight)
    else:
        raise ValueError(f"Unknown weight_init {scheme!r}; use one of {WEIGHT_INITS}.")


def init_weights(module, scheme="auto", activation="relu"):
    """Initialise every weight matrix of ``module`` by ``scheme``; zero the biases.

    Weight matrices are the parameters named ``weight*`` with two or more
    dimensions (linear, convolutional and recurrent weights); normalisation
    layers keep their own initialisation.

    Parameters
    ----------
    module : nn.Module
        The network to initialise, in place.
    scheme : str, default='auto'
        One of :data:`WEIGHT_INITS`. ``'auto'`` picks He initialisation for
        the rectifier family, LeCun normal for SELU and Glorot otherwise.
    activation : str, default='relu'
        The hidden activation, which ``'auto'`` and the He schemes read.

    Examples
    --------
    >>> from torch import nn
    >>> from sknn.modules import init_weights
    >>> layer = init_weights(nn.Linear(3, 2), "orthogonal")
    >>> float(layer.bias.detach().abs().sum())
    0.0
    """
    for name, param in module.named_parameters():
        leaf = name.rsplit(".", 1)[-1]
        if leaf.startswith("weight") and param.ndim >= 2:
            _init_tensor(param.data, scheme, activation)
        elif leaf.startswith("bias") and not _is_norm_parameter(module, name):
            nn.init.zeros_(param.data)
    return module


def _is_norm_parameter(module, name):
    owner = module.get_submodule(name.rsplit(".", 1)[0]) if "." in name else module
    return isinstance(owner, (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm))
