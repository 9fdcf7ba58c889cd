"""ONNX export of sknn estimators, alone or inside scikit-learn pipelines.

Importing this module registers a converter for every sknn estimator with
`skl2onnx <https://onnx.ai/sklearn-onnx/>`_, so that :func:`skl2onnx.to_onnx`
converts a :class:`~sklearn.pipeline.Pipeline` holding one (a scaler, then
an :class:`~sknn.MLPClassifier`, say) into one ONNX graph; :func:`to_onnx`
imports the converters and calls it.

Each converter exports the estimator's torch module with torch's exporter
(``torch.onnx.export(..., dynamo=True)``, at skl2onnx's target opset, with a
dynamic batch axis), splices that graph into skl2onnx's, and adds around it
what the estimator does around its module:

- the input: a cast to float32 and the training layout (a convolutional
  net's flat rows reshaped to its sample shape, channels-last input moved
  to channels first; a recurrent net's 2-D rows reshaped to ``(n, T, F)``);
- the output: a classifier's label (in the type of ``classes_``: int64, or
  string) and probabilities, as skl2onnx's own classifiers give them, with
  their ``zipmap``, ``nocl`` and ``output_class_labels`` options (binary
  classifiers have one logit, a sigmoid gives ``[1 - p, p]``; multiclass a
  softmax; multilabel a sigmoid per label and a 0/1 label matrix); a
  regressor's predictions (``exp`` of the output with ``loss='poisson'``);
  an :class:`~sknn.AutoEncoder`'s :meth:`~sknn.AutoEncoder.transform`.

Needs the ``onnx`` extra (onnx, onnxscript, onnxruntime, skl2onnx):
``pip install ".[onnx]"`` from a checkout.
"""


import numpy as np
from onnx import TensorProto
from skl2onnx import to_onnx as _skl2onnx_to_onnx
from skl2onnx import update_registered_converter
from skl2onnx.common.data_types import (
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
)
from skl2onnx.common.utils_classifier import get_label_classes

from ._data import is_ragged, is_sequence_list
from ._onnx_graph import (
    CLASSIFIERS,
    add,
    cast_to,
    constant,
    input_shape,
    network,
    reshape,
)
from .autoencoder import AutoEncoder
from .conv import ConvRegressor
from .custom import NeuralNetRegressor
from .mlp import MLPRegressor
from .recurrent import RNNRegressor

__all__ = ["to_onnx"]

_REGRESSORS = (MLPRegressor, ConvRegressor, RNNRegressor, NeuralNetRegressor)

# The options of skl2onnx's own classifiers (MLPClassifier's).
_CLASSIFIER_OPTIONS = {"zipmap": [True, False, "columns"], "nocl": [True, False],
                       "output_class_labels": [False, True]}


def to_onnx(model, X, *, target_opset=None, options=None):
    """Convert a fitted sknn estimator, or a pipeline holding one, to ONNX.

    Parameters
    ----------
    model : estimator
        A fitted sknn estimator, or any scikit-learn estimator skl2onnx
        converts (a :class:`~sklearn.pipeline.Pipeline`, ...) with sknn
        estimators inside.
    X : array-like
        A few rows of the input: their dtype and shape (all but the first
        axis, which stays dynamic) make the graph's input ``X``: float32 for
        float32 ``X``, double for float64 ``X`` (the networks compute in
        float32 either way). Recurrent estimators take fixed-length
        sequences: a 3-D array, or 2-D rows with ``input_shape``.
    target_opset : int or dict, default=None
        The ONNX opset, as for :func:`skl2onnx.to_onnx`; None is the latest
        that skl2onnx was tested with. The networks are exported at the same
        opset.
    options : dict, default=None
        Converter options, as for :func:`skl2onnx.to_onnx`, e.g.
        ``{MLPClassifier: {"zipmap": False}}`` for plain label and
        probability tensors instead of a list of dicts.

    Returns
    -------
    onnx.ModelProto
        Outputs as skl2onnx names them: ``label`` and ``probabilities``
        (``output_label`` and ``output_probability`` with zipmap) for
        classifiers, ``variable`` for regressors and transformers.

    Raises
    ------
    ValueError
        For input an ONNX graph cannot take: a list of sequences of
        different lengths, or a dict of inputs.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknn import MLPClassifier
    >>> from sknn.onnx import to_onnx
    >>> X = np.random.RandomState(0).normal(size=(60, 3)).astype(np.float32)
    >>> y = np.where(X[:, 0] > 0, "up", "down")
    >>> pipe = make_pipeline(StandardScaler(), MLPClassifier((8,), max_iter=20,
    ...                                                     random_state=0)).fit(X, y)
    >>> onx = to_onnx(pipe, X[:1], options={MLPClassifier: {"zipmap": False}})
    >>> session = onnxruntime.InferenceSession(onx.SerializeToString())
    >>> labels, proba = session.run(None, {"X": X[:4]})
    >>> bool((labels == pipe.predict(X[:4])).all())
    True
    >>> bool(np.allclose(proba, pipe.predict_proba(X[:4]), atol=1e-5))
    True
    """
    if is_sequence_list(X):
        if is_ragged(X):
            raise ValueError(
                "ONNX graphs take arrays: recurrent estimators export for sequences of one "
                "length only. Pass X as a (n_samples, n_steps, n_features) array; a model "
                "fitted on sequences of different lengths reads any fixed-length ones.")
        X = np.asarray(X)
    if isinstance(X, dict):
        raise ValueError("ONNX export takes one input array; modules that take a dict of "
                         "inputs cannot be exported.")
    return _skl2onnx_to_onnx(model, X, target_opset=target_opset, options=options)


# -- converters ------------------------------------------------------------

def _classes(scope, estimator):
    """The labels as ONNX holds them: int64 or strings (``nocl``: class indices)."""
    classes = np.asarray(get_label_classes(scope, estimator))
    if classes.dtype.kind in "OUS":
        return classes.astype(str)
    if classes.dtype.kind == "f" and not np.all(classes == np.round(classes)):
        raise ValueError("ONNX labels are int64 or strings; classes_ holds floats that are "
                         f"not integers: {classes.tolist()}. Encode the labels as ints or "
                         "strings before fitting.")
    return classes.astype(np.int64)


def _check_input_type(operator):
    if len(operator.inputs) != 1 or not isinstance(
            operator.inputs[0].type, (FloatTensorType, DoubleTensorType)):
        raise ValueError(f"{type(operator.raw_operator).__name__} takes one float or double "
                         f"tensor; got {[str(v.type) for v in operator.inputs]}.")


def _classifier_shape(operator):
    """Label (int64 or string; a matrix for multilabel) and probabilities.

    Probabilities follow the input's float type, except with ``zipmap``,
    whose maps hold float32 (ONNX's ZipMap takes no double).
    """
    _check_input_type(operator)
    estimator = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    classes = _classes(operator.scope_inst, estimator)
    label = StringTensorType if classes.dtype.kind == "U" else Int64TensorType
    operator.outputs[0].type = label([n, len(classes)] if estimator._multilabel else [n])
    zipmap = operator.scope_inst.get_options(estimator, dict(zipmap=True))["zipmap"]
    double = isinstance(operator.inputs[0].type, DoubleTensorType) and zipmap is False
    proba = DoubleTensorType if double else FloatTensorType
    operator.outputs[1].type = proba([n, len(classes)])


def _convert_classifier(scope, operator, container):
    estimator = operator.raw_operator
    logits = network(scope, operator, container)
    label, probabilities = operator.outputs[:2]
    if estimator.out_activation_ == "softmax":
        proba = add(scope, container, "Softmax", [logits], "proba", axis=-1)
        index = add(scope, container, "ArgMax", [logits], "index", axis=1, keepdims=0)
    else:  # as sknn predicts: logit > 0
        proba = add(scope, container, "Sigmoid", [logits], "proba")
        zero = constant(scope, container, "zero", TensorProto.FLOAT, [0.0])
        positive = add(scope, container, "Greater", [logits, zero], "positive")
        index = add(scope, container, "Cast", [positive], "index", to=TensorProto.INT64)
    if estimator._multilabel:
        container.add_node("Identity", [index], [label.onnx_name],
                           name=scope.get_unique_operator_name("Identity"))
    else:
        if estimator.out_activation_ != "softmax":  # one logit: [1 - p, p], index (n,)
            one = constant(scope, container, "one", TensorProto.FLOAT, [1.0])
            negative = add(scope, container, "Sub", [one, proba], "negative")
            proba = add(scope, container, "Concat", [negative, proba], "proba", axis=1)
            index = reshape(scope, container, index, ())
        classes = _classes(scope, estimator)
        kind = TensorProto.STRING if classes.dtype.kind == "U" else TensorProto.INT64
        values = classes.tolist() if kind == TensorProto.INT64 else \
            [label.encode("utf-8") for label in classes.tolist()]
        table = scope.get_unique_variable_name("classes")
        container.add_initializer(table, kind, [len(values)], values)
        container.add_node("Gather", [table, index], [label.onnx_name], axis=0,
                           name=scope.get_unique_operator_name("Gather"))
    cast_to(scope, container, proba, probabilities)


def _regressor_shape(operator):
    """Predictions ``(n, n_outputs)``; ``(n, T)`` or ``(n, T, k)`` per time step."""
    _check_input_type(operator)
    estimator = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    kind = operator.inputs[0].type.__class__
    operator.outputs[0].type = kind([n, estimator.n_outputs_])
    if getattr(estimator, "_per_step", False):
        width = estimator._step_target_width
        operator.outputs[0].type = kind([n, None] if width is None else [n, None, width])


def _convert_regressor(scope, operator, container):
    estimator = operator.raw_operator
    output = network(scope, operator, container)
    if estimator.loss == "poisson":
        output = add(scope, container, "Exp", [output], "mean")
    if getattr(estimator, "_per_step", False) and estimator._step_target_width is None:
        n_steps = getattr(estimator, "_decoded_steps", None) or _network_input_steps(operator)
        output = reshape(scope, container, output, (n_steps,))
    cast_to(scope, container, output, operator.outputs[0])


def _network_input_steps(operator):
    """Time steps of a recurrent estimator's input (as :func:`recurrent_input` reads them)."""
    estimator = operator.raw_operator
    shape = input_shape(operator)
    if len(shape) == 1:
        return (estimator._row_shape(shape[0]) if shape[0] else estimator._sequence_shape)[0]
    steps = shape[1] if estimator.channels_first else shape[0]
    return steps or estimator._sequence_shape[0]


def _transformer_shape(operator):
    """The code: ``(n, n_components)``."""
    _check_input_type(operator)
    estimator = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = operator.inputs[0].type.__class__(
        [n, estimator.module_.n_components])


def _convert_transformer(scope, operator, container):
    code = network(scope, operator, container, method="encode")
    cast_to(scope, container, code, operator.outputs[0])


def _register():
    """Register a shape calculator and converter for every sknn estimator."""
    for cls in CLASSIFIERS:
        update_registered_converter(cls, f"Sknn{cls.__name__}", _classifier_shape,
                                    _convert_classifier, options=_CLASSIFIER_OPTIONS)
    for cls in _REGRESSORS:
        update_registered_converter(cls, f"Sknn{cls.__name__}", _regressor_shape,
                                    _convert_regressor)
    update_registered_converter(AutoEncoder, "SknnAutoEncoder", _transformer_shape,
                                _convert_transformer)


_register()
