"""Hypothesis strategies for ``tests/test_fuzz.py``: data, parameters and call plans.

Every generated object is made by a plain function of this module
(:func:`make_array`, :func:`make_labels`, :func:`make_sequences`, ...) from a
few small arguments, and its ``repr`` is the call that makes it. A scenario
therefore prints as a Python snippet that reproduces it::

    from fuzz_strategies import *
    est = MLPClassifier(max_iter=1, batch_norm=True, callbacks=[TrainingProbe()])
    X0 = make_array((1, 2), 'float64', 'normal', 0, 'ndarray')
    ...

Hypothesis shrinks the small arguments (shapes, kinds, seeds), so a failure
shrinks to a short scenario on small arrays. Each choice lists its plainest
option first (:func:`biased` draws it half of the time), so shrinking walks
towards ordinary input and the exotic part of a failing case stands out.

Nothing here touches a global random state: arrays come from a local
``np.random.RandomState(seed)``.
"""

import dataclasses
import functools
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
from hypothesis import strategies as st
from skorch.callbacks import Callback, EarlyStopping, EpochScoring
from torch import nn

import sknn
from sknn.modules import MLP

#: Set (appended to) by :class:`TrainingProbe` when a fit's training loop starts.
TRAINING_BEGAN = []


class TrainingProbe(Callback):
    """A skorch callback that records that training began (``on_train_begin``).

    sknn deep-copies the callbacks it is given, so the record is the
    module-level list :data:`TRAINING_BEGAN`, not the instance.
    """

    def on_train_begin(self, net, **kwargs):
        TRAINING_BEGAN.append(type(net).__name__)

    def __repr__(self):
        return "TrainingProbe()"


# -- the values ----------------------------------------------------------------

class Made:
    """An object made by a call of this module, printed as that call."""

    def __init__(self, obj, code, *, finite=True, extreme=False, n=None):
        self.obj = obj
        self.code = code
        #: all values are numbers, finite in float64, and X converts to float32 cleanly
        self.finite = finite
        #: finite values of magnitude > 1e6 (training may legitimately diverge)
        self.extreme = extreme
        #: number of samples, where it has one
        self.n = n

    def __repr__(self):
        return self.code


def _call(name, *args, **kwargs):
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def _fill(rng, shape, values):
    """float64 values of kind ``values``."""
    size = math.prod(shape)
    if values == "ints":
        out = rng.randint(-3, 4, size=size).astype(np.float64)
    elif values == "constant":
        out = np.full(size, 1.5)
    elif values == "tiny":
        out = rng.standard_normal(size) * 1e-40
    elif values == "positive":
        out = rng.uniform(0.1, 3.0, size)
    else:
        out = rng.standard_normal(size)
    out = out.reshape(shape)
    if values == "constant_column" and len(shape) >= 2 and shape[0] and shape[1]:
        out[:, 0] = 7.0
    special = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf, "huge": 1e39, "big": 3e30,
               "large": 1e7}
    if values in special and size:
        flat = out.reshape(-1)
        flat[rng.randint(size)] = special[values]
    return out


def make_array(shape, dtype="float64", values="normal", seed=0, container="ndarray"):
    """An array-like of ``shape``: values of kind ``values`` in ``dtype``, held in ``container``.

    values: 'normal', 'ints', 'constant', 'constant_column', 'tiny' (1e-40),
    'positive', 'large' (one 1e7), 'big' (one 3e30), 'huge' (one 1e39), 'nan',
    'inf', '-inf', 'words' (non-numeric strings), 'mixed' (strings, numbers
    and None).
    dtype: 'float16', 'float32', 'float64', 'int8', 'int64', 'uint8', 'bool',
    'object', 'str', 'complex128'.
    container: 'ndarray', 'list', 'tuple', 'dataframe', 'dataframe_intcols',
    'dataframe_mixedcols', 'series', 'csr', 'fortran', 'readonly', 'strided'.
    """
    rng = np.random.RandomState(seed)
    shape = tuple(shape)
    if values == "words":
        words = np.array(["a", "b", "cc", "1.5"])
        array = words[rng.randint(len(words), size=shape)] if math.prod(shape) else \
            np.empty(shape, dtype=str)
    elif values == "mixed":
        pool = np.array(["a", 1, 2.5, None, True], dtype=object)
        array = pool[rng.randint(len(pool), size=shape)] if math.prod(shape) else \
            np.empty(shape, dtype=object)
    else:
        array = _fill(rng, shape, values)
        with np.errstate(all="ignore"):
            if dtype in ("int8", "int64", "uint8"):
                array = np.nan_to_num(array, nan=0, posinf=100, neginf=-100)
                array = np.clip(np.round(array * 3), -100, 100).astype(dtype)
            elif dtype == "bool":
                array = array > 0
            elif dtype == "str":
                array = array.astype(str)
            else:
                array = array.astype(dtype)
    return _contain(np.asarray(array), container)


def _contain(array, container):
    if container in ("ndarray",) or (array.ndim == 0 and container != "list"):
        return array
    if container == "list":
        return array.tolist()
    if container == "tuple":
        return tuple(array.tolist()) if array.ndim == 1 else tuple(map(tuple, array.tolist()))
    if container.startswith("dataframe"):
        if array.ndim != 2:
            return pd.DataFrame(array.reshape(len(array), -1) if array.size else
                                np.empty((len(array), 0)))
        names = {"dataframe": [f"f{i}" for i in range(array.shape[1])],
                 "dataframe_intcols": list(range(array.shape[1])),
                 "dataframe_mixedcols": [f"f{i}" if i % 2 else i
                                         for i in range(array.shape[1])]}[container]
        return pd.DataFrame(array, columns=names)
    if container == "series":
        if array.ndim == 2 and array.shape[1]:
            return pd.Series(array[:, 0])
        return pd.Series(array.reshape(-1))
    if container == "csr":
        try:
            return sp.csr_matrix(array) if array.ndim == 2 else array
        except (TypeError, ValueError):
            return array
    if container == "fortran":
        return np.asfortranarray(array)
    if container == "readonly":
        array = array.copy()
        array.flags.writeable = False
        return array
    if container == "strided":
        return np.repeat(array, 2, axis=0)[::2]
    return array


def _finite(array_like):
    """True when every value is a finite number that also fits float32."""
    try:
        if sp.issparse(array_like):
            array_like = array_like.toarray()
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            values = np.asarray(array_like, dtype=np.float64)
            if np.iscomplexobj(array_like):
                return False
    except (TypeError, ValueError):
        return False
    with np.errstate(all="ignore"):
        return bool(np.isfinite(values).all() and (np.abs(values) < 3e38).all())


def _extreme(array_like):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = np.asarray(array_like.toarray() if sp.issparse(array_like)
                                else array_like, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    with np.errstate(all="ignore"):
        finite = values[np.isfinite(values)]
    return bool(finite.size and np.abs(finite).max() > 1e6)


def made_array(shape, dtype="float64", values="normal", seed=0, container="ndarray", n=None):
    obj = make_array(shape, dtype, values, seed, container)
    code = _call("make_array", tuple(shape), dtype, values, seed, container)
    return Made(obj, code, finite=_finite(obj) and values not in ("words", "mixed"),
                extreme=_extreme(obj), n=shape[0] if n is None and len(shape) else n)


# -- labels ------------------------------------------------------------------------

LABEL_KINDS = ("int2", "int3", "str", "bool", "mixed", "one_class", "multilabel",
               "multioutput", "continuous", "float_integral", "nan", "none", "big_int",
               "negative", "str_numbers", "column", "categorical", "bytes")


def make_labels(n, kind="int2", seed=0, container="ndarray"):
    """Classification labels for ``n`` samples; every class appears when ``n`` allows."""
    rng = np.random.RandomState(seed)
    order = rng.permutation(n)
    if kind == "multilabel":
        y = (rng.uniform(size=(n, 3)) > 0.5).astype(int)
        if n >= 2:
            y[order[0]], y[order[1]] = [1, 0, 1], [0, 1, 0]
        return _contain(y, container)
    if kind == "multioutput":
        y = np.stack([order % 3, (order + 1) % 3], axis=1)
        return _contain(y, container)
    pools = {
        "int2": np.array([0, 1]), "int3": np.array([0, 1, 2]),
        "str": np.array(["cat", "dog", "eel"]), "bool": np.array([False, True]),
        "mixed": np.array(["a", 1], dtype=object), "one_class": np.array([3]),
        "continuous": np.array([0.5, 1.25, 2.75]), "float_integral": np.array([0.0, 1.0]),
        "nan": np.array([0.0, 1.0, np.nan]), "none": np.array(["a", None], dtype=object),
        "big_int": np.array([2**40, -(2**40)]), "negative": np.array([-1, 5]),
        "str_numbers": np.array(["1", "2"]), "column": np.array([0, 1, 2]),
        "categorical": np.array(["lo", "hi"]), "bytes": np.array([b"x", b"y"]),
    }
    pool = pools[kind]
    y = pool[order % len(pool)] if n else pool[:0]
    if kind == "column":
        y = y.reshape(-1, 1)
    if kind == "categorical":
        return pd.Series(pd.Categorical(y))
    return _contain(y, container)


def made_labels(n, kind="int2", seed=0, container="ndarray"):
    obj = make_labels(n, kind, seed, container)
    return Made(obj, _call("make_labels", n, kind, seed, container),
                finite=kind not in ("nan", "none"), n=n)


# -- sequences ---------------------------------------------------------------------

def make_sequences(lengths, n_features=2, dtype="float64", values="normal", seed=0,
                   item="2d", container="list"):
    """A list of ``len(lengths)`` sequences (items ``(T_i, F)``, ``(T_i,)`` or scalars).

    item: '2d', '1d', 'scalar' (a list of numbers), 'mixed_ndim' (1-D and 2-D
    items), 'mixed_features' (items with different feature counts), 'nested'
    (2-D items given as nested lists).
    container: 'list', 'tuple', 'object_array'.
    """
    rng = np.random.RandomState(seed)
    items = []
    for i, length in enumerate(lengths):
        if item == "scalar":
            items.append(float(rng.standard_normal()))
            continue
        width = n_features + (i % 2 if item == "mixed_features" else 0)
        shape = (length,) if item == "1d" or (item == "mixed_ndim" and i % 2) else \
            (length, width)
        array = make_array(shape, dtype, values, seed + i)
        items.append(array.tolist() if item == "nested" else array)
    if container == "tuple":
        return tuple(items)
    if container == "object_array":
        out = np.empty(len(items), dtype=object)
        for i, value in enumerate(items):
            out[i] = value
        return out
    return items


def made_sequences(lengths, n_features=2, dtype="float64", values="normal", seed=0,
                   item="2d", container="list"):
    obj = make_sequences(lengths, n_features, dtype, values, seed, item, container)
    code = _call("make_sequences", list(lengths), n_features, dtype, values, seed, item,
                 container)
    finite = values not in ("words", "mixed") and all(
        _finite(s) for s in (obj if not isinstance(obj, np.ndarray) else list(obj)))
    return Made(obj, code, finite=finite and item != "scalar",
                extreme=any(_extreme(s) for s in obj), n=len(lengths))


def make_step_targets(lengths, kind="float", width=None, seed=0, container="auto"):
    """Per-step targets for sequences of ``lengths``: an (n, T[, k]) array or a list.

    kind: 'float', or a label kind of :func:`make_labels` ('int2', 'str', ...).
    container: 'auto' (an array when all lengths are equal, else a list),
    'list', 'array' (an (n, max T) array even for ragged lengths).
    """
    rng = np.random.RandomState(seed)
    items = []
    for i, length in enumerate(lengths):
        if kind == "float":
            shape = (length,) if width is None else (length, width)
            items.append(rng.standard_normal(shape))
        else:
            labels = np.asarray(make_labels(max(length, 2) * 2, kind, seed + i))[:length]
            items.append(labels if width is None else np.repeat(labels[:, None], width, 1))
    if container == "list" or (container == "auto" and len(set(lengths)) > 1):
        return items
    longest = max(lengths, default=0)
    if kind == "float":
        padded = np.zeros((len(items), longest) + (() if width is None else (width,)))
    else:
        padded = np.empty((len(items), longest) + (() if width is None else (width,)),
                          dtype=np.asarray(items[0]).dtype if items else float)
    for i, item in enumerate(items):
        padded[i, :len(item)] = item
        padded[i, len(item):] = item[-1] if len(item) else 0
    return padded


def made_step_targets(lengths, kind="float", width=None, seed=0, container="auto"):
    obj = make_step_targets(lengths, kind, width, seed, container)
    return Made(obj, _call("make_step_targets", list(lengths), kind, width, seed, container),
                n=len(lengths))


# -- sample weights ------------------------------------------------------------------

WEIGHT_KINDS = ("ones", "random", "zeros", "one_zero", "negative", "huge", "nan", "inf",
                "wrong_length", "2d", "scalar", "list", "str", "tiny")


def make_weights(n, kind="random", seed=0):
    """``sample_weight`` for ``n`` samples, of kind ``kind`` (see :data:`WEIGHT_KINDS`)."""
    rng = np.random.RandomState(seed)
    w = rng.uniform(0.5, 2.0, n)
    if kind == "ones":
        return np.ones(n)
    if kind == "zeros":
        return np.zeros(n)
    if kind == "one_zero" and n:
        w[0] = 0.0
    if kind == "negative" and n:
        w[0] = -1.0
    if kind == "huge" and n:
        w[0] = 1e30
    if kind == "tiny":
        return w * 1e-30
    if kind == "nan" and n:
        w[0] = np.nan
    if kind == "inf" and n:
        w[0] = np.inf
    if kind == "wrong_length":
        return np.ones(n + 1)
    if kind == "2d":
        return w.reshape(-1, 1)
    if kind == "scalar":
        return 2.0
    if kind == "list":
        return w.tolist()
    if kind == "str":
        return w.astype(str)
    return w


def made_weights(n, kind="random", seed=0):
    obj = make_weights(n, kind, seed)
    return Made(obj, _call("make_weights", n, kind, seed),
                finite=kind not in ("nan", "inf", "str"), extreme=kind == "huge", n=n)


# -- modules for NeuralNetClassifier / NeuralNetRegressor -----------------------------

def linear(n_features, n_outputs):
    """A linear module (a function that returns one)."""
    return nn.Linear(n_features, n_outputs)


class TwoLogits(nn.Module):
    """Always two outputs (a binary classifier's two logits)."""

    def __init__(self, n_features):
        super().__init__()
        self.layer = nn.Linear(n_features, 2)

    def forward(self, x):
        return self.layer(x)


class Softmaxed(nn.Module):
    """Returns probabilities (a classifier must refuse it)."""

    def __init__(self, n_features, n_outputs):
        super().__init__()
        self.layer = nn.Sequential(nn.Linear(n_features, n_outputs), nn.Softmax(dim=1))

    def forward(self, x):
        return self.layer(x)


class WrongWidth(nn.Module):
    """One output too many."""

    def __init__(self, n_features, n_outputs):
        super().__init__()
        self.layer = nn.Linear(n_features, n_outputs + 1)

    def forward(self, x):
        return self.layer(x)


class BatchNormNet(nn.Module):
    """Batch normalisation before the output."""

    def __init__(self, n_features, n_outputs):
        super().__init__()
        self.layer = nn.Sequential(nn.Linear(n_features, 4), nn.BatchNorm1d(4), nn.ReLU(),
                                   nn.Linear(4, n_outputs))

    def forward(self, x):
        return self.layer(x)


class TupleOut(nn.Module):
    """Returns a tuple (output, hidden)."""

    def __init__(self, n_features, n_outputs):
        super().__init__()
        self.layer = nn.Linear(n_features, n_outputs)

    def forward(self, x):
        out = self.layer(x)
        return out, out


class FlattenNet(nn.Module):
    """Any input shape: flatten, then a lazy linear layer."""

    def __init__(self, n_outputs):
        super().__init__()
        self.layer = nn.Sequential(nn.Flatten(), nn.LazyLinear(n_outputs))

    def forward(self, x):
        return self.layer(x)


class DictNet(nn.Module):
    """Keyword inputs ``a`` (float table) and ``b`` (integer codes)."""

    def __init__(self, n_features, n_outputs):
        super().__init__()
        self.embed = nn.Embedding(10, 2)
        self.layer = nn.Linear(n_features["a"] + 2 * n_features["b"], n_outputs)

    def forward(self, a, b):
        codes = self.embed(b.clamp(0, 9).reshape(len(b), -1)).flatten(1)
        return self.layer(torch.cat([a.reshape(len(a), -1), codes], dim=1))


def not_a_module(n_features, n_outputs):
    """A function that returns a tensor, not a module."""
    return torch.zeros(n_features, n_outputs)


MODULES = {
    "MLP": MLP, "linear": linear, "TwoLogits": TwoLogits, "Softmaxed": Softmaxed,
    "WrongWidth": WrongWidth, "BatchNormNet": BatchNormNet, "TupleOut": TupleOut,
    "FlattenNet": FlattenNet, "DictNet": DictNet, "not_a_module": not_a_module,
}


class ModuleChoice:
    """A ``module`` parameter value, printed as the code that names it."""

    def __init__(self, name):
        self.name = name
        self.value = nn.Linear(2, 1) if name == "instance" else MODULES[name]

    def __repr__(self):
        return "nn.Linear(2, 1)" if self.name == "instance" else self.name


# -- the estimators ------------------------------------------------------------------

FAMILIES = ("MLPClassifier", "MLPRegressor", "ConvClassifier", "ConvRegressor",
            "RNNClassifier", "RNNRegressor", "AutoEncoder", "NeuralNetClassifier",
            "NeuralNetRegressor", "SlidingWindows")
CLASSIFIERS = ("MLPClassifier", "ConvClassifier", "RNNClassifier", "NeuralNetClassifier")
REGRESSORS = ("MLPRegressor", "ConvRegressor", "RNNRegressor", "NeuralNetRegressor")


@dataclasses.dataclass
class Dataset:
    """One training set: ``X``, ``y`` (None for unsupervised) and its label values."""

    X: Made
    y: Any = None
    labels: tuple = ()   # the distinct labels of y (classifiers), for classes= and class_weight
    kind: str = ""


@dataclasses.dataclass
class Step:
    """One call: ``method`` on dataset ``data`` (``rows``: 'all', 'none' or 'first'), kwargs."""

    method: str
    data: int = 0
    rows: str = "all"
    kwargs: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Scenario:
    """An estimator, its data and the calls to make on it."""

    family: str
    params: dict
    datasets: list
    steps: list

    def code(self):
        """The scenario as a Python snippet (``from fuzz_strategies import *`` first)."""
        params = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        lines = [f"est = {self.family}({params})"]
        for i, ds in enumerate(self.datasets):
            lines.append(f"X{i} = {ds.X!r}")
            if ds.y is not None:
                lines.append(f"y{i} = {ds.y!r}")
        for step in self.steps:
            lines.append(step_code(step))
        return "\n".join(lines)

    def __repr__(self):
        return "\n" + self.code() + "\n"


def head(data, k):
    """The first ``k`` samples of ``data`` (array, list, DataFrame, sparse matrix, dict)."""
    if data is None:
        return None
    if isinstance(data, dict):
        return {key: value[:k] for key, value in data.items()}
    if isinstance(data, (int, float, str, np.generic)) or (
            isinstance(data, np.ndarray) and data.ndim == 0):
        return data  # a scalar has no samples to take
    if hasattr(data, "iloc"):
        return data.iloc[:k]
    return data[:k]


def step_code(step):
    if step.method == "set_params":
        return f"est.set_params({', '.join(f'{k}={v!r}' for k, v in step.kwargs.items())})"
    def rows(name):
        return {"all": name, "none": f"head({name}, 0)", "first": f"head({name}, 1)"}[
            step.rows]

    args = []
    if step.method not in ("sample", "summary"):
        args.append(rows(f"X{step.data}") if step.method != "inverse_transform" else
                    repr(step.kwargs["codes"]))
    if step.kwargs.get("with_y"):
        args.append(rows(f"y{step.data}"))
    args += [f"{k}={v!r}" for k, v in step.kwargs.items()
             if k not in ("with_y", "codes")]
    return f"est.{step.method}({', '.join(args)})"


ESTIMATORS = {name: getattr(sknn, name) for name in FAMILIES}


# -- what a scenario fuzzes ------------------------------------------------------------

#: The aspects of a scenario that may be exotic. A scenario draws up to three;
#: every other choice is drawn from valid (but varied) options, so that most
#: scenarios get through validation and train, and a failure shrinks to the
#: few aspects that matter.
ASPECTS = ("n_samples", "width", "form", "dtype", "values", "container", "labels",
           "y_shape", "y_length", "weights", "params", "callbacks", "class_weight", "order",
           "second_data", "validation", "classes", "input_shape")


def rarely(draw, k):
    """True once in ``k + 1`` draws; shrinks to False."""
    return draw(st.integers(0, k)) == k


class Fuzz:
    """The exotic aspects of one scenario, and choices that honour them."""

    def __init__(self, aspects):
        self.aspects = frozenset(aspects)

    def __contains__(self, aspect):
        return aspect in self.aspects

    def pick(self, draw, aspect, valid, exotic=()):
        """One of ``exotic`` when ``aspect`` is exotic here, else one of ``valid``."""
        if exotic and aspect in self.aspects:
            return draw(st.sampled_from(tuple(exotic)))
        return draw(st.sampled_from(tuple(valid)))


class Seeded(np.random.RandomState):
    """A ``RandomState`` that prints as the code that makes it."""

    def __init__(self, seed):
        super().__init__(seed)
        self.seed_value = seed

    def __repr__(self):
        return f"np.random.RandomState({self.seed_value})"


class EarlyStop(EarlyStopping):
    """skorch's ``EarlyStopping(patience=1)``, printed as such."""

    def __init__(self, patience=1, **kwargs):
        super().__init__(patience=patience, **kwargs)

    def __repr__(self):
        return f"EarlyStopping(patience={self.patience})"


class Scoring(EpochScoring):
    """skorch's ``EpochScoring``, printed as such."""

    def __repr__(self):
        return f"EpochScoring({self.scoring!r}, on_train={self.on_train})"


# -- parameters ------------------------------------------------------------------------

VALID_DEVICES = ("cpu", "cpu:0", "auto", torch.device("cpu"))
BAD_DEVICES = ("cuda", "cuda:0", "cuda:7", "bogus", "mps", "CPU", "", "cpu:1")
ACTIVATIONS = ("relu", "tanh", "logistic", "identity", "selu", "leaky_relu", "elu", "gelu")
WEIGHT_INITS = ("auto", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
                "uniform", "normal", "orthogonal")


@st.composite
def training_params(draw, family, fz):
    """The training parameters every estimator takes: small, varied, mostly valid."""
    bad = "params" in fz
    classifier = family in CLASSIFIERS
    # An int random_state by default: a scenario must behave the same every run.
    p = {"max_iter": draw(st.integers(1, 3)) if not bad else draw(st.sampled_from((1, 0))),
         "random_state": 0}
    optional = {
        "batch_size": ("auto", 1, 2, 3, 5, 64),
        "solver": ("adam", "sgd", "lbfgs", "adamw", "rmsprop", "adagrad"),
        "learning_rate": ("constant", "invscaling", "adaptive", "step", "exponential",
                          "cosine", "plateau"),
        "plateau_patience": (0, 2),
        "min_learning_rate": (0.0, 0.01),
        "restore_best": (True,),
        "balanced_batches": (True,),
        "learning_rate_init": (0.01, 0.001, 0.1),
        "alpha": (1e-4, 0.0, 1.0),
        "precision": ("float32", "float16", "bfloat16"),
        "device": VALID_DEVICES,
        "early_stopping": (True,),
        "validation_fraction": (0.1, 0.5, 0.9),
        "random_state": (7, Seeded(3), None),
        "shuffle": (False,),
        "warm_start": (True,),
        "tol": (1e-4, 0.0),
        "n_iter_no_change": (1, np.inf),
        "max_grad_norm": (0.5, None, 1e-12),
        "momentum": (0.0, 1.0),
        "nesterovs_momentum": (False,),
        "beta_1": (0.0,),
        "beta_2": (0.0,),
        "epsilon": (1.0,),
        "max_fun": (1,),
        "power_t": (0.0,),
        "verbose": (True,),
        "scoring": ("accuracy", "f1_macro", "neg_log_loss") if classifier else
                   ("r2", "neg_mean_squared_error"),
    }
    exotic = {
        "batch_size": (0, -1, 2.5),
        "solver": ("bogus", "LBFGS"),
        "alpha": (-1.0, np.nan),
        "precision": ("float64", "half"),
        "device": BAD_DEVICES,
        "learning_rate_init": (0.0, np.inf),
        "validation_fraction": (1.0, 0.0),
        "n_iter_no_change": (0,),
        "compile": ({"backend": "no_such_backend"}, {"no_such_option": 1}),
        "scoring": ("bogus", "r2" if classifier else "accuracy", "roc_auc",
                    "neg_log_loss" if classifier else "explained_variance"),
        "random_state": ("x", -1),
        "max_grad_norm": (0.0, -1.0),
        "distributed": (True,),  # no process group here: a clear error before training
        "plateau_factor": (0.0, 1.0),
    }
    names = draw(st.lists(st.sampled_from(sorted(optional)), max_size=4, unique=True))
    for name in names:
        p[name] = draw(st.sampled_from(optional[name]))
    if bad:
        for name in draw(st.lists(st.sampled_from(sorted(exotic)), min_size=1, max_size=2,
                                  unique=True)):
            p[name] = draw(st.sampled_from(exotic[name]))
    early = p.get("early_stopping", False)
    valid_callbacks = ["probe", "none", "probe_named", "scoring_train"]
    if early:
        valid_callbacks.append("early_stopping")
    callbacks = fz.pick(draw, "callbacks", valid_callbacks,
                        ("probe_str", "not_a_list", "early_stopping", "scoring_valid",
                         "probe_object", "named_str"))
    p["callbacks"] = {
        "probe": [TrainingProbe()],
        "none": None,
        "probe_named": [("probe", TrainingProbe())],
        "scoring_train": [TrainingProbe(), Scoring("accuracy" if classifier else "r2",
                                                   on_train=True)],
        "early_stopping": [TrainingProbe(), EarlyStop(patience=1)],
        "probe_str": [TrainingProbe(), "x"],
        "not_a_list": TrainingProbe(),
        "scoring_valid": [TrainingProbe(), Scoring("accuracy" if classifier else "r2")],
        "probe_object": [TrainingProbe(), 3.5],
        "named_str": [TrainingProbe(), ("name", "x")],
    }[callbacks]
    if family in REGRESSORS and rarely(draw, 4):
        p["loss"] = "poisson" if not bad else draw(st.sampled_from(["poisson", "bogus"]))
    return p


def class_weight_for(draw, fz, labels):
    labels = list(labels)
    known = labels[0] if labels else 0
    if "class_weight" not in fz:
        kind = draw(st.sampled_from(("none", "none", "balanced", "known", "all_known")))
    else:
        kind = draw(st.sampled_from(("unknown", "inf", "negative", "nan", "all_zero",
                                     "not_dict", "huge", "zero_one")))
    return {"none": None, "balanced": "balanced", "known": {known: 2.0},
            "all_known": {label: 1.0 + i for i, label in enumerate(labels)},
            "unknown": {"zz_not_a_class": 1.0}, "inf": {known: float("inf")},
            "negative": {known: -1.0}, "nan": {known: float("nan")},
            "all_zero": dict.fromkeys(labels or [0, 1], 0.0), "not_dict": [2.0, 1.0],
            "huge": {known: 1e30}, "zero_one": {known: 0.0}}[kind]


@st.composite
def family_params(draw, family, fz):
    """The family's own parameters (input_shape comes later, from the data)."""
    bad = "params" in fz

    def some(optional, exotic, at_most=3):
        p = {}
        for name in draw(st.lists(st.sampled_from(sorted(optional)), max_size=at_most,
                                  unique=True)):
            p[name] = draw(st.sampled_from(optional[name]))
        if bad and exotic:
            name = draw(st.sampled_from(sorted(exotic)))
            p[name] = draw(st.sampled_from(exotic[name]))
        return p

    if family == "SlidingWindows":
        return some({"window": (3, 1, 2, 5), "horizon": (1, 2, 3), "step": (1, 2, 3),
                     "target": (None, 0, -1, [0])},
                    {"window": (0, 50), "horizon": (0,), "target": (5, "zz", [], 1.5, True,
                                                                    [0, 0], "f0")})
    if family in ("MLPClassifier", "MLPRegressor"):
        p = {"hidden_layer_sizes": (3,)}
        p.update(some({"hidden_layer_sizes": ((3,), (), (2, 2), [4], 3, np.array([2])),
                       "activation": ACTIVATIONS, "dropout": (0.0, 0.5, 0.99),
                       "batch_norm": (True,), "weight_init": WEIGHT_INITS},
                      {"hidden_layer_sizes": (0, (0,), (-1,), (2.5,), "x"),
                       "activation": ("bogus",), "dropout": (1.0, -0.1),
                       "weight_init": ("bogus",)}))
        return p
    if family.startswith("Conv"):
        p = {"filters": draw(st.sampled_from(((2,), (1,), (2, 2)))),
             "hidden_layer_sizes": draw(st.sampled_from(((3,), (), (2, 2))))}
        p.update(some({"kernel_size": (3, 1, 2), "strides": (1, 2), "padding": ("same", "valid"),
                       "pooling": ("max", "avg", None), "pool_size": (2, 1, 3),
                       "global_pooling": (None, "avg", "max"), "residual": (False, True, 1),
                       "channels_last": (True,), "activation": ACTIVATIONS,
                       "dropout": (0.5,), "batch_norm": (True,), "weight_init": WEIGHT_INITS,
                       "filters": ([1, 2, 1],)},
                      {"filters": ((), 0, (0,)), "kernel_size": (0, (1, 2, 3, 4), (2, 2)),
                       "strides": (0, (1, 2, 3)), "pool_size": (0, (2, 1, 1)),
                       "residual": (0, -1)}))
        return p
    if family.startswith("RNN"):
        p = {"hidden_size": draw(st.sampled_from((3, 1, 4)))}
        p.update(some({"cell": ("lstm", "gru", "rnn"), "num_layers": (2, 1),
                       "bidirectional": (True,), "return_sequences": (True,),
                       "channels_first": (True,), "hidden_layer_sizes": ((3,), (2, 2)),
                       "dropout": (0.5,), "max_grad_norm": (None, 1e-12)},
                      {"cell": ("bogus",), "hidden_size": (0,), "num_layers": (0,),
                       "hidden_layer_sizes": (0, (0,))}))
        return p
    if family == "AutoEncoder":
        p = {"hidden_layer_sizes": draw(st.sampled_from(((3,), (), (4, 2))))}
        p.update(some({"n_components": (2, 1, 3, 10), "activation": ACTIVATIONS,
                       "dropout": (0.5,), "noise": (0.1,), "variational": (True,)},
                      {"n_components": (0,), "noise": (1e6, -1.0),
                       "hidden_layer_sizes": (0, (0,))}))
        return p
    # NeuralNetClassifier / NeuralNetRegressor
    valid = ["MLP", "linear", "FlattenNet", "BatchNormNet", "DictNet"]
    if family in CLASSIFIERS:
        valid.append("TwoLogits")
    module = fz.pick(draw, "params", valid, ("Softmaxed", "WrongWidth", "TupleOut",
                                             "not_a_module", "instance", "MLP"))
    p = {"module": ModuleChoice(module)}
    if module == "MLP":
        p["module_params"] = fz.pick(
            draw, "params", ({"hidden_layer_sizes": (3,)}, {"hidden_layer_sizes": (3,),
                                                           "batch_norm": True}),
            ({"bogus": 1}, {"n_features": 3}, None))
    elif rarely(draw, 4):
        p["module_params"] = fz.pick(draw, "params", ({}, None), ({"bogus": 1},))
    return p


# -- data ------------------------------------------------------------------------------

VALID_DTYPES = ("float64", "float32", "float16", "int64", "bool", "object", "int8", "uint8")
BAD_DTYPES = ("str", "complex128")
VALID_VALUES = ("normal", "ints", "constant_column", "tiny", "constant")
BAD_VALUES = ("large", "big", "huge", "nan", "inf", "-inf", "words", "mixed")
VALID_CONTAINERS = ("ndarray", "list", "dataframe", "csr", "fortran", "readonly", "strided",
                    "dataframe_intcols", "tuple")
BAD_CONTAINERS = ("dataframe_mixedcols", "series")


def _n(draw, fz, valid=(8, 16, 5, 3, 4)):
    return fz.pick(draw, "n_samples", valid, (1, 0, 2))


def _values(draw, fz, positive=False):
    dtype = fz.pick(draw, "dtype", VALID_DTYPES, BAD_DTYPES)
    values = fz.pick(draw, "values", VALID_VALUES, BAD_VALUES)
    if positive and values == "normal":
        values = "positive"
    return dtype, values


@st.composite
def tables(draw, fz, like=None):
    """2-D input; an exotic ``form`` is 1-D, 3-D or a scalar."""
    n = _n(draw, fz)
    if like is not None:
        shape = (n, *like)
    else:
        form = fz.pick(draw, "form", ("2d",), ("1d", "3d", "0d"))
        width = fz.pick(draw, "width", (2, 1, 3), (0,))
        shape = {"2d": (n, width), "1d": (n,), "3d": (n, width, 2), "0d": ()}[form]
    dtype, values = _values(draw, fz)
    container = fz.pick(draw, "container", VALID_CONTAINERS, BAD_CONTAINERS)
    return made_array(shape, dtype, values, draw(st.integers(0, 3)), container, n=n)


VALID_LABELS = ("int2", "int3", "str", "bool", "multilabel", "float_integral", "big_int",
                "negative", "str_numbers", "column", "categorical")
BAD_LABELS = ("mixed", "one_class", "multioutput", "continuous", "nan", "none", "bytes")


@st.composite
def class_targets(draw, fz, n, kinds=None):
    kind = fz.pick(draw, "labels", kinds or VALID_LABELS, BAD_LABELS)
    container = draw(st.sampled_from(("ndarray", "list", "series")))
    n_y = n + 1 if "y_length" in fz else n
    made = made_labels(n_y, kind, draw(st.integers(0, 3)), container)
    return made, _distinct_labels(made.obj), kind


def _distinct_labels(y):
    try:
        values = np.asarray(y, dtype=object)
        if values.ndim != 1:
            return ()
        return tuple(sorted(set(values.tolist()), key=repr))
    except (TypeError, ValueError):
        return ()


@st.composite
def regression_targets(draw, fz, n, positive=False):
    n_y = n + 1 if "y_length" in fz else n
    form = fz.pick(draw, "y_shape", ("1d", "2d", "column"), ("3d", "width0"))
    shape = {"1d": (n_y,), "2d": (n_y, 2), "column": (n_y, 1), "3d": (n_y, 2, 2),
             "width0": (n_y, 0)}[form]
    dtype = fz.pick(draw, "dtype", ("float64", "float32", "int64", "bool", "float16",
                                    "object"), ("str",))
    values = fz.pick(draw, "values", ("positive",) if positive else
                     ("normal", "positive", "constant"), BAD_VALUES)
    container = draw(st.sampled_from(("ndarray", "list", "series", "dataframe")))
    return made_array(shape, dtype, values, draw(st.integers(0, 3)), container, n=n_y)


@st.composite
def supervised(draw, family, fz, X, positive=False):
    """``(y, labels, kind)`` for ``X``'s samples."""
    n = X.n if X.n is not None else 0
    if family in CLASSIFIERS:
        return draw(class_targets(fz, n))
    return draw(regression_targets(fz, n, positive)), (), "values"


@st.composite
def tabular_datasets(draw, family, fz, like=None, positive=False):
    X = draw(tables(fz, like=like))
    if family == "AutoEncoder":
        return Dataset(X)
    y, labels, kind = draw(supervised(family, fz, X, positive))
    return Dataset(X, y, labels, kind)


@st.composite
def conv_datasets(draw, family, fz, like=None, positive=False):
    n = _n(draw, fz)
    if like is not None:
        shape = (n, *like)
    else:
        form = fz.pick(draw, "form", ("3d", "4d", "2d", "5d"), ("1d", "6d"))
        channels = draw(st.sampled_from((1, 2)))
        sizes = (6, 4, 3, 2, 1, 8)
        if form == "2d":
            shape = (n, fz.pick(draw, "width", (6, 1, 4, 8), (0,)))
        elif form == "1d":
            shape = (n,)
        else:
            spatial = {"3d": 1, "4d": 2, "5d": 3, "6d": 4}[form]
            shape = (n, channels, *(fz.pick(draw, "width", sizes, (0,))
                                    for _ in range(spatial)))
    dtype, values = _values(draw, fz)
    container = fz.pick(draw, "container", ("ndarray", "list", "readonly", "fortran"),
                        ("dataframe", "series"))
    X = made_array(shape, dtype, values, draw(st.integers(0, 3)), container, n=n)
    y, labels, kind = draw(supervised(family, fz, X, positive))
    return Dataset(X, y, labels, kind)


VALID_RNN_FORMS = ("3d", "2d", "ragged", "ragged_1d", "equal_list", "object_array", "nested")
BAD_RNN_FORMS = ("scalars", "1d", "4d", "with_empty", "mixed_ndim", "mixed_features")


@st.composite
def rnn_datasets(draw, family, fz, like=None, positive=False, return_sequences=False):
    n = _n(draw, fz, (4, 6, 3, 5))
    form = like or fz.pick(draw, "form", VALID_RNN_FORMS, BAD_RNN_FORMS)
    steps = draw(st.sampled_from((4, 1, 2, 3, 6)))
    features = fz.pick(draw, "width", (2, 1, 3), (0,))
    dtype, values = _values(draw, fz)
    seed = draw(st.integers(0, 3))
    if form in ("3d", "2d", "1d", "4d"):
        shape = {"3d": (n, steps, features), "2d": (n, steps), "1d": (n,),
                 "4d": (n, steps, features, 2)}[form]
        container = fz.pick(draw, "container", ("ndarray", "list", "readonly"),
                            ("dataframe", "series"))
        X = made_array(shape, dtype, values, seed, container, n=n)
        lengths = [steps] * n
    else:
        lengths = [max(1, steps - i % 3) for i in range(n)]
        if form == "equal_list":
            lengths = [steps] * n
        if form == "with_empty" and n:
            lengths[-1] = 0
        item = {"ragged_1d": "1d", "scalars": "scalar", "mixed_ndim": "mixed_ndim",
                "mixed_features": "mixed_features", "nested": "nested"}.get(form, "2d")
        container = "object_array" if form == "object_array" else "list"
        X = made_sequences(lengths, features, dtype, values, seed, item, container)
    if return_sequences:
        if family in REGRESSORS:
            kind = "float"
        else:
            kind = fz.pick(draw, "labels", ("int2", "str", "int3", "bool"), ("one_class",))
        width = draw(st.sampled_from((None, 1, 2)))
        target_lengths = [x + 1 for x in lengths] if "y_length" in fz else lengths
        y = made_step_targets(target_lengths, kind, width, draw(st.integers(0, 3)),
                              draw(st.sampled_from(("auto", "list", "array"))))
        labels = () if kind == "float" or not n else _distinct_labels(
            np.concatenate([np.asarray(t).reshape(-1) for t in y.obj]))
        return Dataset(X, y, labels, form)
    y, labels, _ = draw(supervised(family, fz, X, positive))
    return Dataset(X, y, labels, form)


@st.composite
def custom_datasets(draw, family, fz, like=None, positive=False, module="MLP"):
    default = {"DictNet": "dict", "FlattenNet": "3d"}.get(module, "table")
    form = like or fz.pick(draw, "form", (default, "table") if module == "FlattenNet"
                           else (default,), ("table", "3d", "dict", "empty_dict"))
    if form == "table":
        X = draw(tables(fz))
    else:
        n = _n(draw, fz)
        if form == "3d":
            X = made_array((n, 2, 3), *_values(draw, fz), draw(st.integers(0, 3)), n=n)
        else:
            a = made_array((n, 2), *_values(draw, fz), draw(st.integers(0, 3)), n=n)
            b = made_array((n, draw(st.sampled_from((1, 2)))), "int64", "ints", 0, n=n)
            obj = {} if form == "empty_dict" else {"a": a.obj, "b": np.abs(b.obj)}
            code = "{}" if form == "empty_dict" else \
                f"{{'a': {a!r}, 'b': np.abs({b!r})}}"
            X = Made(obj, code, finite=a.finite, extreme=a.extreme, n=n)
    y, labels, _ = draw(supervised(family, fz, X, positive))
    return Dataset(X, y, labels, form)


@st.composite
def series_datasets(draw, fz, like=None):
    length = fz.pick(draw, "n_samples", (12, 30, 5, 8), (1, 0, 3))
    form = like or fz.pick(draw, "form", ("1d", "2d", "dataframe", "series", "list"),
                           ("3d", "0d"))
    dtype, values = _values(draw, fz)
    shape = {"1d": (length,), "2d": (length, 2), "dataframe": (length, 2),
             "series": (length,), "list": (length,), "3d": (length, 2, 2), "0d": ()}[form]
    container = {"dataframe": "dataframe", "series": "series", "list": "list"}.get(
        form, draw(st.sampled_from(("ndarray", "readonly", "fortran"))))
    return Dataset(made_array(shape, dtype, values, draw(st.integers(0, 3)), container,
                              n=length), kind=form)


def _like(family, ds):
    """What a second data set keeps of the first: its form (RNN, custom) or sample shape."""
    if family.startswith(("RNN", "NeuralNet", "Sliding")):
        return ds.kind
    obj = ds.X.obj
    shape = np.shape(obj) if not sp.issparse(obj) else obj.shape
    return tuple(shape[1:]) if shape else None


def _datasets(draw, family, fz, params):
    positive = params.get("loss") == "poisson"
    if family in ("MLPClassifier", "MLPRegressor", "AutoEncoder"):
        make = functools.partial(tabular_datasets, family, fz, positive=positive)
    elif family.startswith("Conv"):
        make = functools.partial(conv_datasets, family, fz, positive=positive)
    elif family.startswith("RNN"):
        make = functools.partial(rnn_datasets, family, fz, positive=positive,
                                 return_sequences=params.get("return_sequences") is True)
    elif family.startswith("NeuralNet"):
        make = functools.partial(custom_datasets, family, fz, positive=positive,
                                 module=params["module"].name)
    else:
        make = functools.partial(series_datasets, fz)
    first = draw(make())
    datasets = [first]
    if "second_data" in fz:
        datasets.append(draw(make()))
    elif draw(st.booleans()):
        try:
            like = _like(family, first)
        except ValueError:  # a ragged list
            like = None
        datasets.append(draw(make(like=like)))
    return datasets


def _input_shape(draw, family, fz, X):
    """A data-dependent ``input_shape`` (Conv, RNN), or None for none."""
    obj = X.obj
    try:
        shape = np.shape(obj) if not sp.issparse(obj) else obj.shape
    except ValueError:
        shape = ()
    if family.startswith("Conv"):
        values = math.prod(shape[1:]) if len(shape) >= 2 else 0
        valid = [None] + ([(1, values)] if values else []) + \
            ([(1, 1, values)] if values else [])
        return fz.pick(draw, "input_shape", valid,
                       ((1, values + 1), (values,), (1, 1, 1, 1, values or 1), (0, 3), "x"))
    if family.startswith("RNN"):
        valid = [None] + ([(shape[1], 1)] if len(shape) == 2 and shape[1] else [])
        if len(shape) == 2 and shape[1] and shape[1] % 2 == 0:
            valid.append((shape[1] // 2, 2))
        width = shape[1] if len(shape) == 2 else 4
        return fz.pick(draw, "input_shape", valid, ((width + 1, 1), (0, 1), "x", (width,),
                                                    (1, 1, width)))
    return None


# -- calls -----------------------------------------------------------------------------

PREDICTING = {
    "MLPClassifier": ("predict", "predict_proba", "predict_log_proba", "score", "embed",
                      "summary"),
    "MLPRegressor": ("predict", "score", "embed", "summary"),
    "AutoEncoder": ("transform", "inverse_transform", "score", "embed", "summary", "sample"),
    "SlidingWindows": ("transform", "transform_with_targets"),
}
for _name in CLASSIFIERS:
    PREDICTING.setdefault(_name, PREDICTING["MLPClassifier"])
for _name in REGRESSORS:
    PREDICTING.setdefault(_name, PREDICTING["MLPRegressor"])

#: Methods the family does not have, called on purpose (an AttributeError is due).
UNAVAILABLE = {"AutoEncoder": ("predict", "predict_proba"),
               "SlidingWindows": ("predict", "partial_fit", "inverse_transform")}

#: What a successful fit is followed by, on its own (finite) input: the outputs
#: that must be finite.
OUTPUTS = {
    **dict.fromkeys(CLASSIFIERS, ("predict_proba", "predict")),
    **dict.fromkeys(REGRESSORS, ("predict",)),
    "AutoEncoder": ("transform",),
    "SlidingWindows": (),
}


class DataRef(str):
    """A reference to a dataset's X or y (``'X0'``, ``'y1'``), printed bare."""

    def __repr__(self):
        return str(self)


@st.composite
def set_params_step(draw, family, fz):
    if family == "SlidingWindows":
        valid = {"window": (2, 1, 4), "horizon": (1, 2), "target": (None, 0)}
        exotic = {"window": (50,), "target": (5,)}
    else:
        valid = {"warm_start": (True, False), "max_iter": (1, 2),
                 "solver": ("lbfgs", "adam", "sgd"), "batch_size": ("auto", 1, 2),
                 "early_stopping": (True, False), "precision": ("float16", "bfloat16"),
                 "random_state": (1, 2), "callbacks": ([TrainingProbe()], None)}
        exotic = {"device": ("bogus", "cuda"), "callbacks": ([TrainingProbe(), "x"],),
                  "max_iter": (0,)}
        if family in ("MLPClassifier", "MLPRegressor", "AutoEncoder", "ConvClassifier",
                      "ConvRegressor", "RNNClassifier", "RNNRegressor"):
            valid["hidden_layer_sizes"] = ((2,), (4, 2), ())
        if family in ("MLPClassifier", "MLPRegressor", "ConvClassifier", "ConvRegressor"):
            valid["batch_norm"] = (True,)
            valid["dropout"] = (0.5,)
        if family.startswith("Conv"):
            valid["filters"] = ((3,), (1, 1))
            valid["channels_last"] = (True, False)
        if family.startswith("RNN"):
            valid["return_sequences"] = (True, False)
            valid["hidden_size"] = (2, 5)
            valid["bidirectional"] = (True,)
            valid["cell"] = ("gru", "rnn")
        if family == "AutoEncoder":
            valid["n_components"] = (1, 3)
            valid["variational"] = (True, False)
        if family.startswith("NeuralNet"):
            valid["module__hidden_layer_sizes"] = ((5,),)
            exotic["module__bogus"] = (1,)
        if family in CLASSIFIERS:
            valid["class_weight"] = ("balanced", None)
            exotic["class_weight"] = ({"zz": 1.0},)
        if family in REGRESSORS:
            valid["loss"] = ("poisson", "squared_error")
    options = exotic if "params" in fz and draw(st.booleans()) else valid
    names = draw(st.lists(st.sampled_from(sorted(options)), min_size=1, max_size=2,
                          unique=True))
    return Step("set_params", kwargs={name: draw(st.sampled_from(options[name]))
                                      for name in names})


@st.composite
def fit_step(draw, family, fz, datasets, method="fit"):
    data = draw(st.integers(0, len(datasets) - 1))
    ds = datasets[data]
    kwargs = {"with_y": ds.y is not None and family != "SlidingWindows"}
    n = ds.X.n or 0
    if family != "SlidingWindows":
        if "weights" in fz:
            kwargs["sample_weight"] = made_weights(
                n, draw(st.sampled_from(("zeros", "negative", "huge", "nan", "inf",
                                         "wrong_length", "2d", "str"))),
                draw(st.integers(0, 3)))
        elif rarely(draw, 3):
            kwargs["sample_weight"] = made_weights(
                n, draw(st.sampled_from(("random", "ones", "one_zero", "list", "scalar",
                                         "tiny"))), draw(st.integers(0, 3)))
    if method == "partial_fit" and family in CLASSIFIERS:
        every = sorted({label for d in datasets for label in d.labels}, key=repr)
        choice = fz.pick(draw, "classes", ("all",), ("none", "own", "extra", "subset"))
        classes = {"all": every, "none": None, "own": list(ds.labels),
                   "extra": [*ds.labels, "zz_new"], "subset": list(ds.labels)[:1]}[choice]
        if classes is not None:
            kwargs["classes"] = classes
    validation = "validation" in fz or rarely(draw, 5)
    if method == "fit" and family != "SlidingWindows" and validation:
        val = len(datasets) - 1
        variant = fz.pick(draw, "validation", ("both",),
                          ("X_only", "y_only", "other_y", "weights", "first"))
        if variant == "first":
            val = 0
        if variant != "y_only":
            kwargs["X_val"] = DataRef(f"X{val}")
        if family != "AutoEncoder" and variant in ("both", "y_only", "weights", "first"):
            kwargs["y_val"] = DataRef(f"y{val}")
        elif family != "AutoEncoder" and variant == "other_y":
            kwargs["y_val"] = DataRef(f"y{1 - val if len(datasets) > 1 else val}")
        if variant == "weights":
            kwargs["sample_weight_val"] = made_weights(
                datasets[val].X.n or 0, draw(st.sampled_from(WEIGHT_KINDS)), 0)
    return Step(method, data=data, rows="all", kwargs=kwargs)


@st.composite
def output_step(draw, family, fz, datasets):
    methods = PREDICTING[family] + (UNAVAILABLE.get(family, ()) if "order" in fz else ())
    method = draw(st.sampled_from(methods))
    data = draw(st.integers(0, len(datasets) - 1))
    rows = fz.pick(draw, "n_samples", ("all", "first"), ("none",))
    kwargs = {}
    ds = datasets[data]
    if method == "score" and ds.y is not None:
        kwargs["with_y"] = True
    if method == "embed" and draw(st.booleans()):
        kwargs["layer"] = fz.pick(draw, "params", (0, -1), (5, -5, 1.5))
    if method == "inverse_transform":
        n = ds.X.n or 0
        width = fz.pick(draw, "width", (2, 1, 3), (0, 7))
        kwargs["codes"] = made_array((n, width), *_values(draw, fz), 0, n=n)
    if method == "sample":
        kwargs["n_samples"] = fz.pick(draw, "params", (1, 3), (0, -1, 2.5))
        if draw(st.booleans()):
            kwargs["random_state"] = draw(st.sampled_from([0, None, Seeded(1)]))
    return Step(method, data=data, rows=rows, kwargs=kwargs)


@st.composite
def scenarios(draw, family):
    """A :class:`Scenario` for ``family``: parameters, one or two datasets, 1-4 calls."""
    fz = Fuzz(draw(st.lists(st.sampled_from(ASPECTS), max_size=3, unique=True)))
    params = draw(family_params(family, fz))
    if family != "SlidingWindows":
        params.update(draw(training_params(family, fz)))
    datasets = _datasets(draw, family, fz, params)
    shape = _input_shape(draw, family, fz, datasets[0].X)
    if shape is not None:
        params["input_shape"] = shape
    if family in CLASSIFIERS:
        weights = class_weight_for(draw, fz, datasets[0].labels)
        if weights is not None:
            params["class_weight"] = weights
    fitting = "fit_transform" if family in ("AutoEncoder", "SlidingWindows") else "fit"
    first = fz.pick(draw, "order", ("fit", "fit", fitting, "partial_fit"),
                    ("output", "set_params", "partial_fit"))
    if family == "SlidingWindows" and first == "partial_fit":
        first = "fit"
    steps = []
    for i in range(draw(st.integers(1, 4))):
        kind = first if i == 0 else draw(st.sampled_from(
            ("output", "output", "fit", "partial_fit", "set_params")))
        if family == "SlidingWindows" and kind == "partial_fit":
            kind = "fit"
        if kind == "fit_transform":
            method = {"AutoEncoder": "fit_transform",
                      "SlidingWindows": "fit_transform_with_targets"}[family]
            steps.append(draw(fit_step(family, fz, datasets, method)))
        elif kind in ("fit", "partial_fit"):
            steps.append(draw(fit_step(family, fz, datasets, kind)))
        elif kind == "set_params":
            steps.append(draw(set_params_step(family, fz)))
        else:
            steps.append(draw(output_step(family, fz, datasets)))
    return Scenario(family, params, datasets, steps)
