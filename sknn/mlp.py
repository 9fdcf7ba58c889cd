"""Multi-layer perceptrons: drop-in replacements for scikit-learn's MLPs."""

from numbers import Integral, Real

import numpy as np

from ._base import BaseNeuralNet, init_with_defaults
from ._docs import fill_doc
from ._sklearn import Interval, StrOptions
from ._tasks import ClassifierTask, RegressorTask
from .modules import ACTIVATIONS, MLP, WEIGHT_INITS


def check_hidden_layer_sizes(hidden_layer_sizes):
    """Return ``hidden_layer_sizes`` as a tuple of positive ints.

    Examples
    --------
    >>> from sknn.mlp import check_hidden_layer_sizes
    >>> check_hidden_layer_sizes(10), check_hidden_layer_sizes([8, 4])
    ((10,), (8, 4))
    """
    sizes = tuple(np.atleast_1d(hidden_layer_sizes).tolist())
    if any(not isinstance(size, Integral) or size <= 0 for size in sizes):
        raise ValueError(f"hidden_layer_sizes must be > 0, got {list(sizes)}.")
    return sizes


class _BaseMLP(BaseNeuralNet):
    """The MLP family: its parameters, its network and its weight accessors."""

    _parameter_constraints = {
        **BaseNeuralNet._parameter_constraints,
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "weight_init": [StrOptions(set(WEIGHT_INITS))],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        loss="log_loss",
        dropout=0.0,
        batch_norm=False,
        weight_init="auto",
        device="auto",
        precision="float32",
        compile=False,
        class_weight=None,
        max_grad_norm=None,
        callbacks=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.loss = loss
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.weight_init = weight_init
        self.device = device
        self.precision = precision
        self.compile = compile
        self.class_weight = class_weight
        self.max_grad_norm = max_grad_norm
        self.callbacks = callbacks

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


@fill_doc
class MLPClassifier(ClassifierTask, _BaseMLP):
    """Multi-layer perceptron classifier, trained with PyTorch.

    A drop-in replacement for :class:`sklearn.neural_network.MLPClassifier`:
    the same parameters with the same defaults and meaning, the same fitted
    attributes, plus dropout, batch normalisation, more activations,
    initialisations, optimizers and learning-rate decays, class weights,
    gradient clipping, skorch callbacks and a ``device``.

    Parameters
    ----------
    hidden_layer_sizes : array-like of int, default=(100,)
        Width of each hidden layer.

    activation : {'identity', 'logistic', 'tanh', 'relu', 'leaky_relu', \
'elu', 'selu', 'gelu'}, default='relu'
        Hidden-layer activation.

    ${training_parameters}

    ${classifier_parameters}

    dropout : float, default=0.0
        Dropout probability after each hidden activation.

    batch_norm : bool, default=False
        Batch normalisation before each hidden activation.

    weight_init : {'auto', 'glorot_uniform', 'glorot_normal', 'he_uniform', \
'he_normal', 'uniform', 'normal', 'orthogonal'}, default='auto'
        Initialisation of weight matrices. 'auto' is scikit-learn's own
        (Glorot-uniform weights and biases, with scikit-learn's smaller
        bound for 'logistic'), or LeCun normal for 'selu'. A named scheme
        draws the weights from it and starts the biases at 0.

    Attributes
    ----------
    ${classes_attribute}

    ${fitted_attributes}

    coefs_ : list of ndarray
        Weight matrices, element i of shape (units in layer i, units in
        layer i + 1), as in scikit-learn.

    intercepts_ : list of ndarray
        Bias vectors.

    n_layers_ : int
        Number of layers, input and output included.

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

    _parameter_constraints = {**_BaseMLP._parameter_constraints,
                              **ClassifierTask._task_parameter_constraints}
    __init__ = init_with_defaults(_BaseMLP.__init__, loss=ClassifierTask._default_loss)


@fill_doc
class MLPRegressor(RegressorTask, _BaseMLP):
    """Multi-layer perceptron regressor, trained with PyTorch.

    A drop-in replacement for :class:`sklearn.neural_network.MLPRegressor`
    (``loss`` is a keyword argument here), with the additions of
    :class:`MLPClassifier`. Targets may have several columns.

    Parameters
    ----------
    hidden_layer_sizes : array-like of int, default=(100,)
        Width of each hidden layer.

    activation : {'identity', 'logistic', 'tanh', 'relu', 'leaky_relu', \
'elu', 'selu', 'gelu'}, default='relu'
        Hidden-layer activation.

    ${training_parameters}

    ${regressor_parameters}

    dropout : float, default=0.0
        Dropout probability after each hidden activation.

    batch_norm : bool, default=False
        Batch normalisation before each hidden activation.

    weight_init : str, default='auto'
        Initialisation of weight matrices, as for :class:`MLPClassifier`.

    Attributes
    ----------
    ${fitted_attributes}

    coefs_ : list of ndarray
        Weight matrices, as in scikit-learn.

    intercepts_ : list of ndarray
        Bias vectors.

    n_layers_ : int
        Number of layers, input and output included.

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

    _parameter_constraints = {**_BaseMLP._parameter_constraints,
                              **RegressorTask._task_parameter_constraints}
    __init__ = init_with_defaults(_BaseMLP.__init__, loss=RegressorTask._default_loss)
