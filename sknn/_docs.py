"""Docstring fragments shared by the estimators.

Each estimator's docstring is a ``string.Template``: ``${name}`` placeholders
are filled from :data:`FRAGMENTS` by :func:`fill_doc`, so a parameter is
documented once however many estimators take it.
"""

import string

_TRAINING = """\
solver : {'adam', 'adamw', 'sgd', 'rmsprop', 'adagrad', 'lbfgs'}, default='adam'
        The optimizer. 'lbfgs' trains on the full batch (good for small data
        sets); the others on mini-batches.

    alpha : float, default=0.0001
        Strength of the L2 penalty on weight matrices (not biases), scaled as
        in scikit-learn: ``alpha / batch_size`` per step. With 'adamw' it is
        the decoupled weight decay of :class:`torch.optim.AdamW`.

    batch_size : int or 'auto', default='auto'
        Mini-batch size; 'auto' is ``min(200, n_samples)``.

    learning_rate : {'constant', 'invscaling', 'adaptive', 'step', \
'exponential', 'cosine'}, default='constant'
        Learning-rate schedule, for every solver but 'lbfgs'.
        'invscaling' is ``learning_rate_init / (t + 1) ** power_t`` with ``t``
        the samples seen; 'adaptive' divides the rate by 5 when training
        would otherwise stop for lack of improvement; 'step' divides it by 10
        every ``max_iter // 3`` epochs; 'exponential' decays it to 1% at
        ``max_iter``; 'cosine' anneals it to 0 at ``max_iter``.

    learning_rate_init : float, default=0.001
        Initial learning rate.

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    max_iter : int, default=200
        Maximum number of epochs (iterations for 'lbfgs').

    shuffle : bool, default=True
        Shuffle the samples every epoch.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout and the validation
        split. An int gives bit-identical results on the CPU. Torch's and
        numpy's global random states are left as they were.

    tol : float, default=1e-4
        Training stops when the loss (or, with ``early_stopping``, the
        validation score) has not improved by ``tol`` for
        ``n_iter_no_change`` consecutive epochs.

    verbose : bool, default=False
        Show a progress bar and print one line per epoch (loss, validation
        score, seconds).

    warm_start : bool, default=False
        Continue from the previous fit's weights instead of starting anew.

    momentum : float, default=0.9
        Momentum for 'sgd'.

    nesterovs_momentum : bool, default=True
        Nesterov momentum for 'sgd' when ``momentum > 0``.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified for
        classifiers), stop when its score stops improving and keep the best
        weights.

    validation_fraction : float, default=0.1
        Share of the data held out for ``early_stopping``.

    beta_1, beta_2 : float, default=0.9, 0.999
        Adam's moment decay rates.

    epsilon : float, default=1e-8
        Numerical stability term of 'adam', 'adamw', 'rmsprop', 'adagrad'.

    n_iter_no_change : int, default=10
        Epochs without improvement by ``tol`` before training stops.

    max_fun : int, default=15000
        Most loss evaluations for 'lbfgs'.

    device : str, default='auto'
        'auto' (CUDA, else MPS, else CPU), 'cpu', 'cuda', 'cuda:N' or 'mps'.
        A device named explicitly that is not available is an error at fit.
        The device used is ``device_``.

    precision : {'float32', 'bfloat16', 'float16'}, default='float32'
        Precision of the training steps. 'bfloat16' and 'float16' run the
        forward pass and the loss under :func:`torch.autocast` (mixed
        precision: the weights stay float32), 'float16' with a gradient
        scaler. They pay off on hardware with fast 16-bit arithmetic (GPUs
        with tensor cores; 'bfloat16' on CPUs with AVX-512 BF16 or AMX),
        and 'float16' is slow on CPUs. Prediction and 'lbfgs' always run in
        full precision.

    compile : bool or dict, default=False
        Run the training steps through :func:`torch.compile` of the module;
        a dict is passed to :func:`torch.compile` as keyword arguments, e.g.
        ``{'mode': 'reduce-overhead'}`` for CUDA graphs. The first fit in a
        process spends seconds compiling (later fits of the same network
        reuse the compiled code), so it pays off only for long training.
        Prediction, validation and 'lbfgs' run the module uncompiled, and
        the fitted ``module_`` is the plain module."""

_CLIPPING = """\
max_grad_norm : float or None, default=None
        Clip the gradient norm of every step to this value."""

_CALLBACKS = """\
callbacks : list of skorch callbacks or None, default=None
        Passed to the skorch net (copied, never changed): they receive the
        train, epoch and batch notifications and see every epoch's history
        (``train_loss``, ``train_loss_best``, ``valid_loss``,
        ``valid_loss_best`` and ``valid_score`` with ``early_stopping``,
        ``dur``). skorch's ``EarlyStopping``, ``Checkpoint``,
        ``GradientNormClipping`` and epoch-level ``LRScheduler`` work; the
        history has no per-batch rows. With 'lbfgs' only the train
        notifications are sent."""

_CLASSIFIER = """\
loss : {'log_loss'}, default='log_loss'
        The loss: softmax cross-entropy for multiclass targets, sigmoid
        cross-entropy for binary and multilabel ones.

    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into ``sample_weight``. 'balanced'
        weighs classes inversely to their frequency."""

_REGRESSOR = """\
loss : {'squared_error', 'poisson'}, default='squared_error'
        The loss. 'poisson' uses a log link: the network predicts the log of
        the mean, and ``y`` must be non-negative.

    class_weight : None
        Classifiers only; must be None here."""

_ATTRIBUTES = """\
n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when ``X`` had string column names.

    n_outputs_ : int
        Width of the network's output layer.

    out_activation_ : str
        Output activation: 'softmax', 'logistic', 'identity' or 'exp'.

    loss_ : float
        Training loss of the last epoch, L2 penalty included.

    best_loss_ : float or None
        Lowest training loss; None with ``early_stopping``.

    loss_curve_ : list of float
        Training loss of every epoch.

    validation_scores_ : list of float or None
        Validation score of every epoch with ``early_stopping``, else None.

    best_validation_score_ : float or None
        Best validation score with ``early_stopping``, else None.

    n_iter_ : int
        Epochs (L-BFGS iterations) run by the last call to fit.

    t_ : int
        Training samples seen by the optimizer, over all calls.

    net_ : skorch.NeuralNet
        The fitted skorch net; ``net_.history`` holds every epoch.

    module_ : torch.nn.Module
        The trained network.

    device_ : str
        The device the network lives on."""

_CLASSES = """\
classes_ : ndarray of shape (n_classes,)
        Class labels, in the user's own type (for multilabel targets, the
        label column indices)."""



def training_parameters(max_grad_norm=_CLIPPING):
    """The shared training parameters' docs, with a family's ``max_grad_norm`` entry.

    A family whose ``max_grad_norm`` default differs passes its own entry
    (starting ``max_grad_norm : ...``, indented as the others).
    """
    return f"{_TRAINING}\n\n    {max_grad_norm}\n\n    {_CALLBACKS}"


FRAGMENTS = {
    "training_parameters": training_parameters(),
    "classifier_parameters": _CLASSIFIER,
    "regressor_parameters": _REGRESSOR,
    "fitted_attributes": _ATTRIBUTES,
    "classes_attribute": _CLASSES,
}


def fill_doc(obj, fragments=None):
    """Fill the ``${fragment}`` placeholders of ``obj.__doc__``; return ``obj``.

    ``fragments`` adds to (or replaces some of) :data:`FRAGMENTS`.

    Examples
    --------
    >>> from sknn._docs import fill_doc
    >>> @fill_doc
    ... class Example:
    ...     '''Parameters
    ...
    ...     ${classes_attribute}
    ...     '''
    >>> Example.__doc__.split()[1]
    'classes_'
    """
    obj.__doc__ = string.Template(obj.__doc__).substitute({**FRAGMENTS, **(fragments or {})})
    return obj
