"""Multi-layer perceptrons: drop-in replacements for scikit-learn's MLPs."""

from ._base import BaseNeuralNet
from ._params import (
    ACTIVATION,
    BATCH_NORM,
    DROPOUT,
    HIDDEN_LAYER_SIZES,
    WEIGHT_INIT,
    declare_parameters,
)
from ._tasks import ClassifierTask, RegressorTask
from ._validation import check_hidden_layer_sizes
from .modules import MLP


class _BaseMLP(BaseNeuralNet):
    """The MLP family: its parameters, its network and its weight accessors."""

    _params = (
        HIDDEN_LAYER_SIZES.replace(positional=True),
        ACTIVATION.replace(positional=True),
        DROPOUT,
        BATCH_NORM,
        WEIGHT_INIT,
    )

    def _build_module(self, X, n_outputs):
        return MLP(
            X.shape[1],
            n_outputs,
            hidden_layer_sizes=check_hidden_layer_sizes(self.hidden_layer_sizes),
            activation=self.activation,
            dropout=self.dropout,
            batch_norm=self.batch_norm,
            weight_init=self.weight_init,
        )

    @property
    def coefs_(self):
        """Weight matrices, input to output; element i has shape (units_i, units_i+1)."""
        return [layer.weight.detach().cpu().numpy().T.copy()
                for layer in self.module_.linear_layers()]

    @property
    def intercepts_(self):
        """Bias vectors, input to output; element i has length units_i+1."""
        return [layer.bias.detach().cpu().numpy().copy()
                for layer in self.module_.linear_layers()]

    @property
    def n_layers_(self):
        """Number of layers, input and output included."""
        return len(self.module_.linear_layers()) + 1


_MLP_ATTRIBUTES = """\
coefs_ : list of ndarray
        Weight matrices, element i of shape (units in layer i, units in
        layer i + 1), as in scikit-learn.

    intercepts_ : list of ndarray
        Bias vectors, element i of length units in layer i + 1.

    n_layers_ : int
        Number of layers, input and output included."""


@declare_parameters(fragments={"mlp_attributes": _MLP_ATTRIBUTES})
class MLPClassifier(ClassifierTask, _BaseMLP):
    """Multi-layer perceptron classifier, trained with PyTorch.

    A drop-in replacement for :class:`sklearn.neural_network.MLPClassifier`:
    the same parameters with the same defaults and meaning, the same fitted
    attributes, plus dropout, batch normalisation, more activations,
    initialisations, optimizers and learning-rate decays, class weights,
    gradient clipping, skorch callbacks and a ``device``.

    Parameters
    ----------
    ${parameters}

    Attributes
    ----------
    ${classes_attribute}

    ${fitted_attributes}

    ${mlp_attributes}

    See Also
    --------
    MLPRegressor : The regressor.
    sklearn.neural_network.MLPClassifier : The CPU original.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknn import MLPClassifier
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> model = make_pipeline(StandardScaler(),
    ...                       MLPClassifier(max_iter=300, random_state=0)).fit(X, y)
    >>> model.score(X, y) > 0.95
    True
    >>> model[-1].predict_proba(X.iloc[:2]).shape
    (2, 3)
    """


@declare_parameters(fragments={"mlp_attributes": _MLP_ATTRIBUTES})
class MLPRegressor(RegressorTask, _BaseMLP):
    """Multi-layer perceptron regressor, trained with PyTorch.

    A drop-in replacement for :class:`sklearn.neural_network.MLPRegressor`
    (``loss`` is a keyword argument here), with the additions of
    :class:`MLPClassifier`. Targets may have several columns.

    Parameters
    ----------
    ${parameters}

    Attributes
    ----------
    ${fitted_attributes}

    ${mlp_attributes}

    See Also
    --------
    MLPClassifier : The classifier.
    sklearn.neural_network.MLPRegressor : The CPU original.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn import MLPRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-1, 1, size=(200, 2))
    >>> y = X[:, 0] ** 2 + X[:, 1]
    >>> model = MLPRegressor(hidden_layer_sizes=(32,), max_iter=300, random_state=0)
    >>> model.fit(X, y).score(X, y) > 0.9
    True
    >>> model.summary()["layer"].tolist()
    ['hidden.0.0', 'hidden.0.1', 'output', 'total']
    """
