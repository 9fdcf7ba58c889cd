"""Docstring fragments shared by the estimators: their fitted attributes.

Each estimator's docstring is a ``string.Template``: ``${name}`` placeholders
are filled from :data:`FRAGMENTS` by :func:`fill_doc`, so an attribute is
documented once however many estimators have it. Parameters are documented
where they are declared (:mod:`sknn._params`).
"""

import string

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



_X_VAL = """\
X_val : array-like of shape (n_val_samples, ...), default=None
            Validation input, in any form ``X`` takes. With it, the
            validation loss (``valid_loss``) and score (``valid_score``, see
            ``scoring``) are recorded every epoch in ``net_.history`` and
            ``validation_scores_``, for skorch callbacks that monitor them;
            with ``early_stopping=True`` it replaces the
            ``validation_fraction`` split. Not with ``solver='lbfgs'``."""

_Y_VAL = """\
y_val : array-like of shape (n_val_samples,) or (n_val_samples, n_outputs), \
default=None
            Validation targets; required with ``X_val``."""

_SAMPLE_WEIGHT_VAL = """\
sample_weight_val : array-like of shape (n_val_samples,), default=None
            Weights of the validation samples."""

_RECIPE_PARAMETERS = """\
Parameters
        ----------
        **params
            Constructor parameters that override the recipe's.

        Returns
        -------
        estimator : instance of cls
            The unfitted estimator."""

# The API reference's page of an estimator: the HTML repr's "?" and parameter
# links (scikit-learn's ``_doc_link_template``).
DOC_LINK_TEMPLATE = "https://sknn-torch.readthedocs.io/en/latest/generated/sknn.{estimator_name}.html"

FRAGMENTS = {
    # fit's validation data: supervised, and for transformers (no y_val)
    "validation_data": f"{_X_VAL}\n        {_Y_VAL}\n        {_SAMPLE_WEIGHT_VAL}",
    "validation_input": f"{_X_VAL}\n        {_SAMPLE_WEIGHT_VAL}",
    "fitted_attributes": _ATTRIBUTES,
    "classes_attribute": _CLASSES,
    # a recipe classmethod's parameters and result
    "recipe_parameters": _RECIPE_PARAMETERS,
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
    if obj.__doc__ is not None:  # None under ``python -OO``
        obj.__doc__ = string.Template(obj.__doc__).substitute({**FRAGMENTS, **(fragments or {})})
    return obj
