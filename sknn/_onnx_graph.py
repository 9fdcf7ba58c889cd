"""The graph pieces of ONNX export: a torch module's graph spliced into skl2onnx's.

:func:`network` exports an estimator's module with torch's exporter
(``dynamo=True``, at skl2onnx's target opset, with a dynamic batch axis) and
splices it into the converter's container, after the estimator's input
layout (cast to float32, conv sample shape and channels-last, recurrent
``(n, T, F)``). Used by :mod:`sknn.onnx`; needs the ``onnx`` extra.
"""

import contextlib
import copy
import logging
import warnings

import numpy as np
import onnx
import torch
from onnx import TensorProto
from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

from .conv import ConvClassifier, ConvRegressor
from .custom import NeuralNetClassifier, NeuralNetRegressor
from .mlp import MLPClassifier
from .recurrent import RNNClassifier, RNNRegressor

CLASSIFIERS = (MLPClassifier, ConvClassifier, RNNClassifier, NeuralNetClassifier)
CONV = (ConvClassifier, ConvRegressor)
RECURRENT = (RNNClassifier, RNNRegressor)

class _Method(torch.nn.Module):
    """``module.<method>(x)`` as a module's forward, for the exporter."""

    def __init__(self, module, method):
        super().__init__()
        self.module = module
        self.method = method

    def forward(self, x):
        return getattr(self.module, self.method)(x)


@contextlib.contextmanager
def _quiet_export():
    """Silence the exporter's warnings and log lines (no torchvision, opset conversions)."""
    loggers = [logging.getLogger(name) for name in ("torch.onnx", "onnxscript")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _export_module(module, sample_shape, opset, method="forward"):
    """The ONNX graph of ``module.<method>`` for float32 input ``(batch, *sample_shape)``.

    Parameters
    ----------
    module : torch.nn.Module
        The module; a float32 CPU copy in eval mode is exported.
    sample_shape : tuple of int
        Shape of one sample.
    opset : int
        The ONNX opset of the default domain.
    method : str, default='forward'
        The module's method to export.

    Returns
    -------
    onnx.ModelProto
        With the input ``input`` (the batch axis dynamic) and the output
        ``output``.
    """
    network = _Method(copy.deepcopy(module).to("cpu", torch.float32).eval(), method)
    example = torch.zeros((2, *sample_shape), dtype=torch.float32)
    with _quiet_export(), torch.no_grad():
        program = torch.onnx.export(
            network, (example,), dynamo=True, opset_version=opset,
            input_names=["input"], output_names=["output"],
            dynamic_shapes=({0: torch.export.Dim("batch")},), verbose=False)
    graph = program.model_proto
    exported = {entry.domain: entry.version for entry in graph.opset_import}.get("")
    if exported != opset:
        raise RuntimeError(f"torch exported the network at opset {exported}, not at the "
                           f"target opset {opset}; choose another target_opset.")
    return graph


def _splice(scope, container, graph, input_name):
    """Add an exported graph's nodes and weights to skl2onnx's; return its output's name.

    Every name is made unique in skl2onnx's scope (subgraphs included); the
    graph's input becomes ``input_name``.
    """
    if graph.functions:
        graph = onnx.inliner.inline_local_functions(graph)
    names = {graph.graph.input[0].name: input_name}

    def rename(name):
        if name and name not in names:
            names[name] = scope.get_unique_variable_name(name)
        return names.get(name, name)

    body = _renamed(graph.graph, rename, scope)
    container.initializers.extend(body.initializer)
    for node in body.node:
        container.nodes.extend(_without_omitted_inputs(node, scope))
    for entry in graph.opset_import:
        container.node_domain_version_pair_sets.add((entry.domain, entry.version))
    return rename(graph.graph.output[0].name)


def _renamed(graph, rename, scope):
    """A copy of ``graph`` with every value renamed by ``rename``, node names made unique."""
    graph = copy.deepcopy(graph)
    for value in (*graph.input, *graph.output):
        value.name = rename(value.name)
    for tensor in graph.initializer:
        tensor.name = rename(tensor.name)
    for node in graph.node:
        node.input[:] = [rename(name) for name in node.input]
        node.output[:] = [rename(name) for name in node.output]
        node.name = scope.get_unique_operator_name(node.name or node.op_type)
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.GRAPH:
                attribute.g.CopyFrom(_renamed(attribute.g, rename, scope))
            for i, subgraph in enumerate(attribute.graphs):
                attribute.graphs[i].CopyFrom(_renamed(subgraph, rename, scope))
    return graph


_RECURRENT_OPS = frozenset({"LSTM", "GRU", "RNN"})
_SEQUENCE_LENS = 4  # the input index of the recurrent ops' sequence_lens


def _without_omitted_inputs(node, scope):
    """``node``, and nodes it then needs, without empty names for omitted inputs.

    skl2onnx's topological sort takes the empty name of an omitted optional
    input for a missing value. Trailing ones are dropped; the
    ``sequence_lens`` a recurrent op omits (torch's LSTM, GRU and RNN
    before their initial states) becomes every sequence's full length.
    """
    while node.input and not node.input[-1]:
        node.input.pop()
    omitted = [i for i, name in enumerate(node.input) if not name]
    if not omitted:
        return [node]
    if node.op_type not in _RECURRENT_OPS or omitted != [_SEQUENCE_LENS]:
        raise NotImplementedError(
            f"The exported network has a {node.op_type} node that omits optional inputs "
            f"{omitted} before others, which skl2onnx cannot place in its graph.")
    layout = next((a.i for a in node.attribute if a.name == "layout"), 0)
    steps_axis, batch_axis = (1, 0) if layout else (0, 1)
    names = {key: scope.get_unique_variable_name(key)
             for key in ("steps", "batch", "lengths64", "lengths")}
    made = [
        onnx.helper.make_node("Shape", [node.input[0]], [names["steps"]],
                              start=steps_axis, end=steps_axis + 1),
        onnx.helper.make_node("Shape", [node.input[0]], [names["batch"]],
                              start=batch_axis, end=batch_axis + 1),
        onnx.helper.make_node("Expand", [names["steps"], names["batch"]],
                              [names["lengths64"]]),
        onnx.helper.make_node("Cast", [names["lengths64"]], [names["lengths"]],
                              to=TensorProto.INT32),
    ]
    for extra in made:
        extra.name = scope.get_unique_operator_name(extra.op_type)
    node.input[_SEQUENCE_LENS] = names["lengths"]
    return [*made, node]


def add(scope, container, op_type, inputs, name=None, **attributes):
    """Add one node; return its output's name."""
    output = scope.get_unique_variable_name(name or op_type.lower())
    container.add_node(op_type, inputs, [output],
                       name=scope.get_unique_operator_name(op_type), **attributes)
    return output


def constant(scope, container, name, proto_type, values):
    """A 1-D initializer; return its name."""
    values = np.asarray(values)
    unique = scope.get_unique_variable_name(name)
    container.add_initializer(unique, proto_type, list(values.shape), values.ravel().tolist())
    return unique


def reshape(scope, container, value, shape):
    shape = constant(scope, container, "shape", TensorProto.INT64, [-1, *shape])
    return add(scope, container, "Reshape", [value, shape], "reshaped")


def input_shape(operator):
    """The input's shape after the batch axis; None for unknown sizes."""
    return list(operator.inputs[0].type.shape or [None, None])[1:]


def _network_input(scope, operator, container):
    """The operator's input as the network takes it; return ``(name, sample shape)``."""
    estimator = operator.raw_operator
    value = operator.inputs[0].onnx_name
    if not isinstance(operator.inputs[0].type, FloatTensorType):
        value = add(scope, container, "Cast", [value], "float_input", to=TensorProto.FLOAT)
    shape = input_shape(operator)
    if isinstance(estimator, CONV):
        # As _BaseConv._check_input: rows to the sample shape, channels first.
        value = reshape(scope, container, value, estimator._sample_shape)
        if estimator._channels_last:
            rank = len(estimator._sample_shape)
            value = add(scope, container, "Transpose", [value], "channels_first",
                         perm=[0, rank, *range(1, rank)])
        return value, tuple(estimator.input_shape_)
    if isinstance(estimator, RECURRENT):
        return recurrent_input(scope, container, estimator, value, shape)
    if isinstance(estimator, (NeuralNetClassifier, NeuralNetRegressor)):
        if isinstance(estimator._input_spec, dict):
            raise ValueError(f"{type(estimator).__name__} was fitted on a dict of inputs; "
                             "ONNX export takes one input array.")
        return value, tuple(estimator._input_spec)
    return value, (estimator.n_features_in_,)


def recurrent_input(scope, container, estimator, value, shape):
    """As _BaseRNN._check_input, for fixed-length sequences: ``(n, T, F)``."""
    if len(shape) == 1:
        n_steps, n_features = estimator._row_shape(shape[0]) if shape[0] else \
            estimator._sequence_shape
        if estimator.channels_first and estimator.input_shape is not None:
            value = reshape(scope, container, value, (n_features, n_steps))
            value = add(scope, container, "Transpose", [value], "steps_first", perm=[0, 2, 1])
        else:
            value = reshape(scope, container, value, (n_steps, n_features))
        return value, (n_steps, n_features)
    if len(shape) != 2:
        raise ValueError(f"{type(estimator).__name__} takes 2-D or 3-D input, not input of "
                         f"shape {['N', *shape]}.")
    if estimator.channels_first:
        value = add(scope, container, "Transpose", [value], "steps_first", perm=[0, 2, 1])
        shape = shape[::-1]
    n_steps = shape[0] or estimator._sequence_shape[0]
    return value, (n_steps, estimator._sequence_shape[1])


def network(scope, operator, container, method="forward"):
    """Splice the estimator's network in; return the name of its float32 output."""
    estimator = operator.raw_operator
    if getattr(estimator, "_per_step", False) and isinstance(estimator, CLASSIFIERS):
        raise NotImplementedError("RNNClassifier with return_sequences=True or output_steps "
                                  "has per-step labels, which skl2onnx's classifier outputs "
                                  "cannot hold; export the regressor or a sequence "
                                  "classifier.")
    value, sample_shape = _network_input(scope, operator, container)
    graph = _export_module(estimator.module_, sample_shape, container.target_opset, method)
    return _splice(scope, container, graph, value)


def cast_to(scope, container, value, variable):
    """``value`` (float32) cast to the type of ``variable``, written to it."""
    to = TensorProto.DOUBLE if isinstance(variable.type, DoubleTensorType) else \
        TensorProto.FLOAT
    container.add_node("Cast", [value], [variable.onnx_name],
                       name=scope.get_unique_operator_name("Cast"), to=to)
