"""Parameter declarations: every estimator parameter is written once.

A :class:`Param` holds a parameter's name, default, constraint (in
scikit-learn's ``_parameter_constraints`` language) and documentation. The
base estimator, each family and each task list the parameters they own in a
``_params`` tuple; :func:`declare_parameters`, applied to each concrete
estimator, collects them along the class's bases and writes

- an explicit ``__init__`` that only stores its arguments, the way
  :mod:`dataclasses` writes one, so ``inspect.signature``, ``help``,
  ``get_params`` and ``clone`` see every parameter and its default;
- the ``_parameter_constraints`` dict;
- the ``Parameters`` section of the docstring (its ``${parameters}``
  placeholder).

A family that needs another default or wording for a shared parameter
declares ``SHARED.replace(default=..., doc=...)``; the type and constraint
stay those of the one declaration. :data:`TRAINING` holds the training
parameters every estimator takes; adding one there adds it everywhere.
"""

import dataclasses
import inspect
import textwrap
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.metrics import get_scorer_names

from ._sklearn import Interval, Options, StrOptions
from ._training import LEARNING_RATES, SOLVERS
from .modules import ACTIVATIONS, WEIGHT_INITS

_INDENT = "    "


@dataclasses.dataclass(frozen=True)
class Param:
    """One estimator parameter: name, default, constraint and documentation.

    Parameters
    ----------
    name : str
        The parameter's name.
    default : object
        Its default value.
    constraint : list
        Its entry of ``_parameter_constraints``.
    type : str
        The numpydoc type, as in ``name : <type>, default=...``.
    doc : str
        The description, indented as a docstring (see :func:`inspect.cleandoc`).
    positional : bool, default=False
        May be passed by position; positional parameters come first in the
        signature, in declaration order.
    default_doc : str or None, default=None
        How to write the default, where ``repr(default)`` is not how a user
        writes it (``1e-4`` rather than ``0.0001``).

    Examples
    --------
    >>> from sknn._params import Param
    >>> size = Param("size", 3, [int], "int", "How many.")
    >>> print(size.render())
    size : int, default=3
        How many.
    >>> size.replace(default=4).default
    4
    """

    name: str
    default: object
    constraint: list
    type: str
    doc: str
    positional: bool = False
    default_doc: str = None

    def replace(self, **changes):
        """A copy with ``changes`` (another default, description, ...)."""
        return dataclasses.replace(self, **changes)

    def render(self):
        """The numpydoc entry, first line unindented, description indented once."""
        default = self.default_doc if self.default_doc is not None else repr(self.default)
        description = textwrap.indent(inspect.cleandoc(self.doc), _INDENT)
        return f"{self.name} : {self.type}, default={default}\n{description}"


def collect_parameters(cls):
    """The parameters of ``cls``, from the ``_params`` of its bases, base first.

    A class that declares a name again replaces the earlier declaration in
    place. Positional parameters come first.
    """
    params = {}
    for klass in reversed(cls.__mro__):
        for param in klass.__dict__.get("_params", ()):
            params[param.name] = param
    ordered = list(params.values())
    return [p for p in ordered if p.positional] + [p for p in ordered if not p.positional]


def _make_init(cls, params):
    positional = [p for p in params if p.positional]
    keyword = [p for p in params if not p.positional]
    arguments = ["self", *(p.name for p in positional)]
    if keyword:
        arguments += ["*", *(p.name for p in keyword)]
    body = "".join(f"{_INDENT}self.{p.name} = {p.name}\n" for p in params) or f"{_INDENT}pass\n"
    namespace = {}
    exec(f"def __init__({', '.join(arguments)}):\n{body}", {}, namespace)
    init = namespace["__init__"]
    init.__defaults__ = tuple(p.default for p in positional) or None
    init.__kwdefaults__ = {p.name: p.default for p in keyword} or None
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = f"Store the parameters; see :class:`{cls.__name__}`."
    return init


def render_parameters(params):
    """The ``Parameters`` entries of ``params``, ready for a ``${parameters}`` slot."""
    return f"\n\n{_INDENT}".join(textwrap.indent(p.render(), _INDENT).lstrip()
                                 for p in params)


def declare_parameters(cls=None, *, fragments=None):
    """Class decorator: ``__init__``, constraints and parameter docs from ``_params``.

    Parameters
    ----------
    cls : type
        A concrete estimator class.
    fragments : dict or None, default=None
        Other ``${name}`` docstring fragments of the class's family (see
        :func:`sknn._docs.fill_doc`).

    Returns
    -------
    cls : type
        The class, changed in place.

    Examples
    --------
    >>> from sklearn.base import BaseEstimator
    >>> from sknn._params import Param, declare_parameters
    >>> @declare_parameters
    ... class Example(BaseEstimator):
    ...     '''Example.
    ...
    ...     Parameters
    ...     ----------
    ...     ${parameters}
    ...     '''
    ...     _params = (Param("size", 3, [int], "int", "How many.", positional=True),)
    >>> Example(4)
    Example(size=4)
    >>> Example._parameter_constraints
    {'size': [<class 'int'>]}
    """
    from ._docs import fill_doc

    if cls is None:
        return lambda cls: declare_parameters(cls, fragments=fragments)
    params = collect_parameters(cls)
    cls.__init__ = _make_init(cls, params)
    cls._parameter_constraints = {p.name: p.constraint for p in params}
    return fill_doc(cls, {"parameters": render_parameters(params), **(fragments or {})})


# -- skorch's constructor keywords, and what they are called here ----------

SKORCH_EQUIVALENTS = {
    "lr": "learning_rate_init",
    "max_epochs": "max_iter",
    "optimizer": "solver (a name: 'adam', 'sgd', ...)",
    "criterion": "loss (regressors); classifiers train with the cross-entropy",
    "train_split": "early_stopping=True with validation_fraction, or fit(X, y, X_val=..., "
                   "y_val=...)",
    "iterator_train__batch_size": "batch_size",
    "iterator_train__shuffle": "shuffle",
    "optimizer__lr": "learning_rate_init",
    "optimizer__weight_decay": "alpha",
    "optimizer__momentum": "momentum",
    "optimizer__betas": "beta_1 and beta_2",
    "optimizer__eps": "epsilon",
    "classes": "partial_fit(X, y, classes=...)",
}


def check_skorch_keywords(cls, names):
    """Raise a ``TypeError`` for skorch's constructor keywords among ``names``.

    Each is named with its sknn equivalent; other unknown names are left to
    ``__init__``'s own error.

    Examples
    --------
    >>> from sknn import MLPClassifier
    >>> MLPClassifier(lr=0.1)
    Traceback (most recent call last):
    ...
    TypeError: MLPClassifier takes no 'lr' (a skorch keyword); use learning_rate_init.
    """
    messages = []
    for name in sorted(set(names) - set(cls._parameter_constraints)):
        if name in SKORCH_EQUIVALENTS:
            messages.append(f"no {name!r} (a skorch keyword); use {SKORCH_EQUIVALENTS[name]}")
        elif name.startswith("module__"):
            messages.append(
                f"no {name!r} keyword; pass module_params={{{name[8:]!r}: ...}}, or "
                f"set_params({name}=...) after construction"
                if "module_params" in cls._parameter_constraints else
                f"no {name!r}: only NeuralNetClassifier and NeuralNetRegressor take a module")
    if messages:
        raise TypeError(f"{cls.__name__} takes " + "; ".join(messages) + ".")


# -- shared architecture parameters: each family sets default and wording ----

HIDDEN_LAYER_SIZES = Param(
    "hidden_layer_sizes", (100,), ["array-like", Interval(Integral, 1, None, closed="left")],
    "array-like of int", "Width of each hidden layer.")

ACTIVATION = Param(
    "activation", "relu", [StrOptions(set(ACTIVATIONS))],
    "{" + ", ".join(repr(name) for name in ACTIVATIONS) + "}", "Hidden-layer activation.")

DROPOUT = Param(
    "dropout", 0.0, [Interval(Real, 0, 1, closed="left")], "float",
    "Dropout probability after each hidden activation.")

BATCH_NORM = Param(
    "batch_norm", False, ["boolean"], "bool",
    "Batch normalisation before each hidden activation.")

WEIGHT_INIT = Param(
    "weight_init", "auto", [StrOptions(set(WEIGHT_INITS))],
    "{" + ", ".join(repr(name) for name in ("auto", *WEIGHT_INITS)) + "}",
    """Initialisation of weight matrices. 'auto' is scikit-learn's own
    (Glorot-uniform weights and biases, with scikit-learn's smaller bound for
    'logistic'), or LeCun normal for 'selu'. A named scheme draws the weights
    from it and starts the biases at 0.""")

MAX_GRAD_NORM = Param(
    "max_grad_norm", None, [Interval(Real, 0, None, closed="neither"), None], "float or None",
    "Clip the gradient norm of every step to this value.")


# -- the training parameters of every estimator ------------------------------

TRAINING = (
    Param("solver", "adam", [StrOptions(set(SOLVERS))],
          "{" + ", ".join(repr(name) for name in SOLVERS) + "}",
          """The optimizer. 'lbfgs' trains on the full batch (good for small data
          sets); the others on mini-batches."""),
    Param("alpha", 0.0001, [Interval(Real, 0, None, closed="left")], "float",
          """Strength of the L2 penalty on weight matrices (not biases), scaled as
          in scikit-learn: ``alpha / batch_size`` per step. With 'adamw' it is
          the decoupled weight decay of :class:`torch.optim.AdamW`."""),
    Param("batch_size", "auto",
          [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")], "int or 'auto'",
          "Mini-batch size; 'auto' is ``min(200, n_samples)``."),
    Param("balanced_batches", False, ["boolean"], "bool",
          """Lower the batch size, where needed, so that no batch of an epoch holds
          fewer than half the rows of the others: 50 samples in batches of 16
          become batches of 13, 13, 13 and 11 rather than 16, 16, 16 and 2. A
          small last batch makes batch normalisation's statistics noisy and
          weighs as much as a full step. The size used is ``net_.batch_size``."""),
    Param("learning_rate", "constant", [StrOptions(set(LEARNING_RATES))],
          "{" + ", ".join(repr(name) for name in LEARNING_RATES) + "}",
          """Learning-rate schedule, for every solver but 'lbfgs'.
          'invscaling' is ``learning_rate_init / (t + 1) ** power_t`` with ``t``
          the samples seen; 'adaptive' divides the rate by 5 when training
          would otherwise stop for lack of improvement; 'step' divides it by 10
          every ``max_iter // 3`` epochs; 'exponential' decays it to 1% at
          ``max_iter``; 'cosine' anneals it to 0 at ``max_iter``; 'plateau'
          multiplies it by ``plateau_factor`` (down to ``min_learning_rate``)
          when the validation loss (with validation data; else the training
          loss) has not reached a new low for ``plateau_patience`` epochs,
          as Keras' and torch's ``ReduceLROnPlateau``; with it, the
          ``tol``/``n_iter_no_change`` rule stops training only once the rate
          is down to ``min_learning_rate``."""),
    Param("learning_rate_init", 0.001, [Interval(Real, 0, None, closed="neither")], "float",
          "Initial learning rate."),
    Param("plateau_patience", 10, [Interval(Integral, 0, None, closed="left")], "int",
          "Epochs without a new lowest loss before the 'plateau' schedule decays the rate."),
    Param("plateau_factor", 0.5, [Interval(Real, 0, 1, closed="neither")], "float",
          "Factor of each 'plateau' decay."),
    Param("min_learning_rate", 1e-6, [Interval(Real, 0, None, closed="left")], "float",
          "The rate below which 'plateau' does not decay.", default_doc="1e-6"),
    Param("power_t", 0.5, [Interval(Real, 0, None, closed="left")], "float",
          "Exponent of the 'invscaling' schedule."),
    Param("max_iter", 200, [Interval(Integral, 1, None, closed="left")], "int",
          "Maximum number of epochs (iterations for 'lbfgs')."),
    Param("shuffle", True, ["boolean"], "bool", "Shuffle the samples every epoch."),
    Param("random_state", None, ["random_state"], "int, RandomState instance or None",
          """Seeds weight initialisation, shuffling, dropout and the validation
          split. An int gives bit-identical results on the CPU. Torch's and
          numpy's global random states are left as they were."""),
    Param("tol", 1e-4, [Interval(Real, 0, None, closed="left")], "float",
          """Training stops when the loss (or, with ``early_stopping``, the
          validation score) has not improved by ``tol`` for
          ``n_iter_no_change`` consecutive epochs.""", default_doc="1e-4"),
    Param("verbose", False, ["verbose"], "bool",
          """Show a progress bar and print one line per epoch (loss, validation
          score, seconds)."""),
    Param("warm_start", False, ["boolean"], "bool",
          "Continue from the previous fit's weights instead of starting anew."),
    Param("momentum", 0.9, [Interval(Real, 0, 1, closed="both")], "float",
          "Momentum for 'sgd'."),
    Param("nesterovs_momentum", True, ["boolean"], "bool",
          "Nesterov momentum for 'sgd' when ``momentum > 0``."),
    Param("early_stopping", False, ["boolean"], "bool",
          """Hold out ``validation_fraction`` of the data (stratified for
          classifiers), stop when its score stops improving and keep the best
          weights."""),
    Param("restore_best", False, ["boolean"], "bool",
          """End each fit with the weights of its best epoch rather than its last:
          the highest validation score with validation data (``X_val``), else
          the lowest training loss. ``early_stopping`` always does so. A
          warm-started fit keeps the best of its own epochs; ``partial_fit``,
          one epoch a call, keeps the epoch it trained. The other fitted
          attributes (``loss_``, ``n_iter_``, the history) still describe
          every epoch that ran. A fit whose loss diverges ends with the best
          epoch's weights and a warning. 'lbfgs', which has no epochs, ignores
          it. Batch normalisation's running statistics are kept with the
          weights: those of an epoch early in training have not settled yet,
          so keep it for fits of many epochs."""),
    Param("scoring", None, [StrOptions(set(get_scorer_names())), callable, None],
          "str, callable or None",
          """The validation score of every epoch (``validation_scores_``, the
          ``valid_score`` column of the history) and so what ``early_stopping``
          watches: a scorer name (:func:`sklearn.metrics.get_scorer_names`) or
          a callable ``scorer(estimator, X, y)``, as in
          :func:`~sklearn.model_selection.cross_val_score`. None is the
          estimator's own ``score`` (accuracy, R^2, negative reconstruction
          error), computed on the device from the outputs the validation loss
          needs anyway; a scorer predicts the validation set once more each
          epoch."""),
    Param("validation_fraction", 0.1, [Interval(Real, 0, 1, closed="neither")], "float",
          "Share of the data held out for ``early_stopping``."),
    Param("beta_1", 0.9, [Interval(Real, 0, 1, closed="left")], "float",
          "Adam's decay rate of the first moment."),
    Param("beta_2", 0.999, [Interval(Real, 0, 1, closed="left")], "float",
          "Adam's decay rate of the second moment."),
    Param("epsilon", 1e-8, [Interval(Real, 0, None, closed="neither")], "float",
          "Numerical stability term of 'adam', 'adamw', 'rmsprop', 'adagrad'.",
          default_doc="1e-8"),
    Param("n_iter_no_change", 10,
          [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})], "int",
          "Epochs without improvement by ``tol`` before training stops."),
    Param("max_fun", 15000, [Interval(Integral, 1, None, closed="left")], "int",
          "Most loss evaluations for 'lbfgs'."),
    Param("device", "auto", [str, torch.device], "str",
          """'auto' (CUDA, else MPS, else CPU), 'cpu', 'cuda', 'cuda:N' or 'mps'.
          A device named explicitly that is not available is an error at fit.
          The device used is ``device_``."""),
    Param("n_threads", "auto",
          [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left"), None],
          "'auto', int or None",
          """Torch's intra-op threads during each call to ``fit``, ``partial_fit``
          and prediction, restored when the call returns. 'auto' uses one
          thread when a training or prediction step is too small to gain from
          more (below about 1e7 floating-point operations, where two
          threads gained 7% or less on a 2-core CPU), which also keeps small
          networks fast on a busy machine, and torch's setting otherwise; an
          int sets the count; None leaves torch's setting alone."""),
    Param("precision", "float32", [StrOptions({"float32", "bfloat16", "float16"})],
          "{'float32', 'bfloat16', 'float16'}",
          """Precision of the training steps. 'bfloat16' and 'float16' run the
          forward pass and the loss under :func:`torch.autocast` (mixed
          precision: the weights stay float32), 'float16' with a gradient
          scaler. They pay off on hardware with fast 16-bit arithmetic (GPUs
          with tensor cores; 'bfloat16' on CPUs with AVX-512 BF16 or AMX),
          and 'float16' is slow on CPUs. Prediction and 'lbfgs' always run in
          full precision."""),
    Param("compile", False, ["boolean", dict], "bool or dict",
          """Run the training steps through :func:`torch.compile` of the module;
          a dict is passed to :func:`torch.compile` as keyword arguments, e.g.
          ``{'mode': 'reduce-overhead'}`` for CUDA graphs. The first fit in a
          process spends seconds compiling (later fits of the same network
          reuse the compiled code), so it pays off only for long training.
          Prediction, validation and 'lbfgs' run the module uncompiled, and
          the fitted ``module_`` is the plain module."""),
    Param("distributed", False, ["boolean"], "bool",
          """Data-parallel training over the processes of an initialised
          :mod:`torch.distributed` group (started by ``torchrun``,
          ``accelerate launch``, Ray Train or Lightning). Every rank calls
          ``fit`` with the same data; each batch of ``batch_size`` rows is
          drawn from one seeded permutation and split between the ranks, the
          module runs wrapped in ``DistributedDataParallel`` (the fitted
          ``module_`` is the plain module), and the epoch loss is averaged
          over the ranks, so that every rank stops on the same epoch. The
          validation set is scored whole on every rank. Batch normalisation
          normalises each rank's share. Not with 'lbfgs'."""),
    MAX_GRAD_NORM,
    Param("callbacks", None, [list, None], "list of skorch callbacks or None",
          """The skorch callbacks; every one in ``skorch.callbacks`` works. They get
        skorch's notifications with skorch's arguments (the training and
        validation data as skorch datasets, a batch as ``(X, y)`` with its
        ``loss`` and ``y_pred``) and skorch's history: per epoch
        ``train_loss``, ``train_loss_best``, ``dur`` and, with validation
        data, ``valid_loss``, ``valid_loss_best`` and ``valid_score``; per
        batch ``train_loss``/``valid_loss`` and
        ``train_batch_size``/``valid_batch_size``. Scorers (``EpochScoring``,
        ``BatchScoring``) see the net, which predicts what ``y`` holds in
        training: class codes ``0 .. n_classes - 1``, not the labels. Each
        fit uses deep copies, so the instances passed stay as they were; a
        callback that cannot be copied (``TensorBoard`` with its
        ``SummaryWriter``) is used as given, and scikit-learn's ``clone``
        (``GridSearchCV``) fails on it. The host reads the losses once per
        epoch, or once per batch as in skorch when a callback implements
        ``on_batch_begin`` or ``on_batch_end``; without callbacks the
        history has no per-batch rows. skorch's own printing (``PrintLog``
        with its default sink, ``EarlyStopping``'s notes) follows
        ``verbose``. With 'lbfgs' only the train notifications are sent."""),
)
