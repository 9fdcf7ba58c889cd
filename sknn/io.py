"""Save and load sknn estimators without pickle: JSON and safetensors in a zip.

A pickle runs whatever code its file names when it is loaded. The files of
:func:`dump` hold only data: a zip archive with two members,

- ``model.json``: the estimator's class, its parameters and its fitted
  attributes, the skorch net's training history and counters, and the
  versions of sknn, torch, scikit-learn and skorch that wrote it;
- ``model.safetensors``: the network's weights (and the net's random
  stream, and with ``optimizer=True`` the optimizer's state) as
  `safetensors <https://huggingface.co/docs/safetensors>`_ tensors.

:func:`load` reads the class and every other name of a callable in the
file against an allowlist of sknn's own classes, rebuilds the estimator
from its parameters, rebuilds the network the way ``fit`` builds it
(without training) and loads the weights into it, strictly. A name outside
the allowlist (the user's module class of a :class:`~sknn.NeuralNetClassifier`,
say) is imported only when the caller lists it in ``trusted``;
:func:`get_untrusted_types` lists those names. The function names follow
skops' (``skops.io``).

The JSON values carry their types: see :mod:`sknn._typed_json`.
"""

import inspect
import io
import json
import zipfile

import numpy as np
import torch

from ._io_rebuild import MODULE_PREFIX, REBUILT, check_name, rebuild_net
from ._typed_json import Decoder, Encoder, UntrustedTypesError, references, reject_constant

__all__ = ["UntrustedTypesError", "dump", "dumps", "get_untrusted_types", "load", "loads"]

FORMAT = "sknn"
#: Version of the file layout; :func:`load` refuses files of a later one.
FORMAT_VERSION = 1

_JSON = "model.json"
_TENSORS = "model.safetensors"
# A fixed timestamp: the same estimator gives the same bytes.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)

# Parameters whose value may name an importable class or function (the user's
# module and, inside module_params, e.g. an activation class).
_IMPORTABLE_PARAMS = ("module", "module_params")


# -- the allowlist ----------------------------------------------------------

def _name(obj):
    """The import path of a class or function: ``module.qualname``."""
    return f"{obj.__module__}.{obj.__qualname__}"


def _allowed_names():
    """Names :func:`load` imports without being told: sknn's estimators and modules."""
    import sknn
    from sknn import modules

    allowed = set()
    for package in (sknn, modules):
        for public in package.__all__:
            obj = getattr(package, public)
            if inspect.isclass(obj) and obj.__module__.startswith("sknn."):
                allowed.add(_name(obj))
    return frozenset(allowed)


def _estimator_bases():
    """The classes a saved estimator must derive from."""
    from ._base import BaseNeuralNet
    from .preprocessing import SlidingWindows

    return BaseNeuralNet, SlidingWindows


# -- writing ---------------------------------------------------------------

def _document(estimator, optimizer):
    """``(json document, tensors)`` of an estimator."""
    if not isinstance(estimator, _estimator_bases()):
        raise TypeError(f"sknn.io saves sknn estimators; got {type(estimator).__name__}. "
                        "Save the sknn estimator of a Pipeline on its own, or pickle "
                        "files you trust.")
    encode = Encoder()
    params = estimator.get_params(deep=False)
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": _versions(),
        "class": encode.reference(type(estimator), "class"),
        "params": {name: encode(value, f"params.{name}", imports=name in _IMPORTABLE_PARAMS)
                   for name, value in params.items()},
        "attributes": {name: encode(value, f"attributes.{name}")
                       for name, value in vars(estimator).items()
                       if name not in params and name != "net_"},
        "net": None,
    }
    net = vars(estimator).get("net_")
    if net is not None:
        document["net"] = _net_document(net, encode, optimizer)
    return document, encode.tensors


def _net_document(net, encode, optimizer):
    """The skorch net's state: history, counters, random stream, optimizer; weights to tensors."""
    for key, tensor in net.module_.state_dict().items():
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(f"The module's state entry {key!r} is a {type(tensor).__name__}, "
                            "not a tensor; sknn.io saves tensors only.")
        encode(tensor, MODULE_PREFIX + key)
    state = {name: encode(value, f"net.{name}") for name, value in vars(net).items()
             if name.endswith("_") and not name.startswith("_") and name not in REBUILT}
    document = {
        "device": str(net.device),
        "batch_size": encode(net.batch_size, "net.batch_size"),
        "l2_penalty": encode(net.l2_penalty, "net.l2_penalty"),
        "history": encode(list(net.history), "history"),
        "state": state,
        "optimizer": None,
        "callbacks": None,
    }
    if optimizer:
        if net.optimizer_ is not None:
            document["optimizer"] = encode(net.optimizer_.state_dict(), "optimizer")
        document["callbacks"] = {
            name: {key: encode(value, f"callbacks.{name}.{key}")
                   for key, value in vars(callback).items()
                   if key.endswith("_") and not key.startswith("_")
                   and (value is None or isinstance(value, (bool, int, float, str)))}
            for name, callback in net.callbacks_}
    return document


def _versions():
    import sklearn
    import skorch

    import sknn

    return {"sknn": sknn.__version__, "torch": torch.__version__,
            "scikit-learn": sklearn.__version__, "skorch": skorch.__version__,
            "numpy": np.__version__}


def dumps(estimator, *, optimizer=False):
    """Save an sknn estimator to bytes, without pickle.

    Parameters
    ----------
    estimator : sknn estimator
        Fitted or not: any of sknn's estimators, or ``SlidingWindows``.
    optimizer : bool, default=False
        Also save the optimizer's state (Adam's moments, ...) and the
        training callbacks' counters, so that ``partial_fit`` continues
        exactly where it stopped. A ``warm_start`` fit starts a new
        optimizer and does not need it.

    Returns
    -------
    bytes
        A zip archive: ``model.json`` and ``model.safetensors``.

    Raises
    ------
    TypeError
        If a parameter or fitted attribute cannot be written as data: skorch
        ``callbacks``, a ``scoring`` callable, a module defined in a function.

    See Also
    --------
    loads : Load the bytes.
    dump : Save to a file.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn import MLPClassifier
    >>> from sknn.io import dumps, loads
    >>> X = np.random.RandomState(0).normal(size=(40, 3))
    >>> y = np.where(X[:, 0] > 0, "yes", "no")
    >>> clf = MLPClassifier((8,), max_iter=5, random_state=0).fit(X, y)
    >>> copy = loads(dumps(clf))
    >>> bool((copy.predict_proba(X) == clf.predict_proba(X)).all()), copy.classes_
    (True, array(['no', 'yes'], dtype='<U3'))
    """
    from safetensors.torch import save

    document, tensors = _document(estimator, optimizer)
    text = json.dumps(document, indent=1, allow_nan=False)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo(_JSON, _ZIP_DATE), text,
                         compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(zipfile.ZipInfo(_TENSORS, _ZIP_DATE),
                         save(tensors, metadata={"format": FORMAT}),
                         compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()


def dump(estimator, file, *, optimizer=False):
    """Save an sknn estimator to a file, without pickle.

    Parameters
    ----------
    estimator : sknn estimator
        Fitted or not.
    file : str, path-like or binary file object
        Where to write.
    optimizer : bool, default=False
        Also save the optimizer's state; see :func:`dumps`.

    See Also
    --------
    load : Load the file.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sknn import MLPRegressor
    >>> from sknn.io import dump, load
    >>> X = np.random.RandomState(0).normal(size=(40, 3))
    >>> reg = MLPRegressor((8,), max_iter=5, random_state=0).fit(X, X.sum(1))
    >>> path = os.path.join(tempfile.mkdtemp(), "model.skn")
    >>> dump(reg, path)
    >>> bool((load(path).predict(X) == reg.predict(X)).all())
    True
    """
    data = dumps(estimator, optimizer=optimizer)
    if hasattr(file, "write"):
        file.write(data)
    else:
        with open(file, "wb") as stream:
            stream.write(data)


# -- reading ---------------------------------------------------------------

def _read(file):
    """``(document, raw safetensors bytes)`` of a file, path or bytes; nothing decoded."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if _JSON not in names:
                raise ValueError(f"The file has no {_JSON} member; it is not an sknn.io file.")
            text = archive.read(_JSON)
            weights = archive.read(_TENSORS) if _TENSORS in names else None
    except zipfile.BadZipFile as error:
        raise ValueError(f"Not an sknn.io file (a zip archive): {error}.") from None
    document = json.loads(text, parse_constant=reject_constant)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError("Not an sknn.io file: its JSON does not say format 'sknn'.")
    version = document.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(f"The file has format version {version!r}; this sknn reads "
                         f"{FORMAT_VERSION} and earlier. Upgrade sknn to load it.")
    return document, weights


def _untrusted(document):
    allowed = _allowed_names()
    return sorted({name for name in references(document) if name not in allowed})


def get_untrusted_types(file=None, *, data=None):
    """List the classes and functions a file would import that are not sknn's.

    Loading a file that names one (the module class of a
    :class:`~sknn.NeuralNetClassifier`, say) needs it in ``trusted``:
    importing it runs its module's code, and the estimator calls it to
    build the network. Nothing is imported here.

    Parameters
    ----------
    file : str, path-like or binary file object, default=None
        The file.
    data : bytes, default=None
        Or the bytes of :func:`dumps`.

    Returns
    -------
    list of str
        Sorted ``module.qualname`` names; empty when every name is sknn's.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn import NeuralNetRegressor
    >>> from sknn.io import dumps, get_untrusted_types
    >>> reg = NeuralNetRegressor(module_params={"hidden_layer_sizes": (4,)}, max_iter=2)
    >>> get_untrusted_types(data=dumps(reg))
    []
    """
    if (file is None) == (data is None):
        raise ValueError("Pass either file or data.")
    document, _ = _read(io.BytesIO(data) if data is not None else file)
    return _untrusted(document)


def _trusted(document, trusted):
    """The names the load may import; raises for any the file holds beyond them."""
    if trusted is not None and (not isinstance(trusted, (list, tuple, set, frozenset))
                                or not all(isinstance(name, str) for name in trusted)):
        raise TypeError("trusted must be a list of names (str), as get_untrusted_types "
                        "returns them.")
    trusted = set(trusted or ())
    missing = [name for name in _untrusted(document) if name not in trusted]
    if missing:
        raise UntrustedTypesError(
            f"The file names {missing}, which are not sknn's: loading it would import and "
            "call them. If you trust them (check with sknn.io.get_untrusted_types), pass "
            f"trusted={missing}.")
    return _allowed_names() | trusted


def _tensors(raw):
    from safetensors.torch import load as load_tensors

    if raw is None:
        return {}
    try:
        return load_tensors(raw)
    except Exception as error:  # safetensors' own error type is not public
        raise ValueError(f"The {_TENSORS} member is not a valid safetensors file: "
                         f"{error}") from None


def _estimator(document, trusted):
    allowed = _trusted(document, trusted)
    decode = Decoder({}, allowed)
    cls = decode(document["class"])
    if not (inspect.isclass(cls) and issubclass(cls, _estimator_bases())):
        raise ValueError(f"{_name(cls)} is not an sknn estimator.")
    return cls, allowed


def loads(data, *, trusted=None):
    """Load an estimator from the bytes of :func:`dumps`; no pickle, no code but sknn's.

    Parameters
    ----------
    data : bytes
        The bytes.
    trusted : list of str, default=None
        Names of classes and functions outside sknn that the file may
        import and call (see :func:`get_untrusted_types`): the module of a
        :class:`~sknn.NeuralNetClassifier`. sknn's own are always allowed.

    Returns
    -------
    estimator
        The estimator, with its parameters, fitted attributes and weights:
        it predicts exactly as the saved one did.

    Raises
    ------
    UntrustedTypesError
        If the file names a class or function neither sknn's nor trusted.
    ValueError
        If the data is not an sknn.io file, or is damaged.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn import AutoEncoder
    >>> from sknn.io import dumps, loads
    >>> X = np.random.RandomState(0).normal(size=(40, 4))
    >>> ae = AutoEncoder(1, (3,), max_iter=3, random_state=0).fit(X)
    >>> bool((loads(dumps(ae)).transform(X) == ae.transform(X)).all())
    True
    """
    return load(io.BytesIO(data), trusted=trusted)


def load(file, *, trusted=None):
    """Load an estimator saved by :func:`dump`; no pickle, no code but sknn's.

    Every class or function the file names is checked against sknn's own
    classes and ``trusted`` before anything is imported; the estimator is
    rebuilt from its parameters, its network is built as ``fit`` builds
    it and the saved weights are loaded into it (every tensor must match).

    Parameters
    ----------
    file : str, path-like or binary file object
        The file.
    trusted : list of str, default=None
        Names outside sknn that the file may import and call; see
        :func:`loads`.

    Returns
    -------
    estimator : object
        The estimator, with its parameters, fitted attributes and weights.

    Raises
    ------
    UntrustedTypesError
        If the file names a class or function neither sknn's nor trusted.
    ValueError
        If the file is not an sknn.io file, or is damaged.

    Notes
    -----
    A network saved on a GPU that this machine does not have is loaded on
    the CPU, with a warning, as skorch does with pickles.

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> from sknn import MLPClassifier
    >>> from sknn.io import dump, load
    >>> X = np.random.RandomState(0).normal(size=(40, 3))
    >>> clf = MLPClassifier((8,), max_iter=5, random_state=0).fit(X, X[:, 0] > 0)
    >>> file = io.BytesIO()
    >>> dump(clf, file)
    >>> _ = file.seek(0)
    >>> load(file).classes_
    array([False,  True])
    """
    document, raw = _read(file)
    cls, allowed = _estimator(document, trusted)
    decode = Decoder(_tensors(raw), allowed)
    estimator = cls(**decode(document["params"]))
    if hasattr(estimator, "_validate_params"):
        estimator._validate_params()
    params = set(document["params"])
    for name, value in decode(document["attributes"]).items():
        check_name(estimator, name)
        if name in params or name == "net_":
            raise ValueError(f"The file sets {name!r} as a fitted attribute.")
        setattr(estimator, name, value)
    if document.get("net") is not None:
        estimator.net_ = rebuild_net(estimator, document["net"], decode)
    return estimator
