"""Typed JSON: the values of ``sknn.io`` files, written and read as data only.

JSON values carry their types: ``{"__type__": ..., ...}`` objects stand
for tuples, dicts with keys that are not strings, numpy arrays and scalars
(dtype, shape and raw little-endian bytes in base64; object arrays as a
list of values), non-finite floats, ``torch.device``, numpy ``RandomState``,
tensors (a key of the safetensors member) and importable names. Nothing
else can be written: parameters that are arbitrary objects (skorch
callbacks, a ``scoring`` callable) are refused by :func:`sknn.io.dump`.

:class:`Encoder` writes such values, :class:`Decoder` reads them back and
imports a name only where its allowlist holds it; :func:`references` lists
the names a document would import, without importing any.
"""

import base64
import importlib
import inspect
import math

import numpy as np
import torch

# numpy dtype kinds stored as raw bytes (object arrays are lists of values).
_RAW_KINDS = frozenset("biufcSUmM")


class UntrustedTypesError(TypeError):
    """A file names classes or functions that are neither sknn's nor trusted.

    Raised by :func:`sknn.io.load` and :func:`sknn.io.loads` before anything
    is imported; :func:`sknn.io.get_untrusted_types` lists the names.

    Examples
    --------
    >>> from sknn.io import UntrustedTypesError
    >>> issubclass(UntrustedTypesError, TypeError)
    True
    """

    # Public as sknn.io.UntrustedTypesError, which is where it is documented.
    __module__ = "sknn.io"


# -- writing ---------------------------------------------------------------

def _b64(data):
    return base64.b64encode(data).decode("ascii")


class Encoder:
    """Turns values into typed JSON; tensors go to :attr:`tensors` by key.

    Each value is encoded at a ``where`` path (``params.alpha``, ...), used
    for tensor keys and in error messages.

    Attributes
    ----------
    tensors : dict of str to torch.Tensor
        The tensors met so far, detached CPU copies, by their ``where`` path.

    Examples
    --------
    >>> import numpy as np
    >>> encode = Encoder()
    >>> encode((1, float("inf")), "params.x")
    {'__type__': 'tuple', 'items': [1, {'__type__': 'float', 'value': 'inf'}]}
    >>> encode(np.arange(2, dtype="<i2"), "params.y")
    {'__type__': 'ndarray', 'dtype': '<i2', 'shape': [2], 'data': 'AAABAA=='}
    """

    def __init__(self):
        self.tensors = {}

    def __call__(self, value, where, *, imports=False):
        if isinstance(value, np.generic):  # before str and float: np.str_, np.float64
            return self._numpy_scalar(value, where)
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            return value if math.isfinite(value) else {"__type__": "float",
                                                        "value": repr(value)}
        if type(value) is list:
            return [self(item, f"{where}.{i}", imports=imports) for i, item in enumerate(value)]
        if type(value) is tuple:
            return {"__type__": "tuple",
                    "items": [self(item, f"{where}.{i}", imports=imports)
                              for i, item in enumerate(value)]}
        if type(value) is dict:
            return self._dict(value, where, imports)
        if isinstance(value, np.ndarray):
            return self._array(value, where)
        if isinstance(value, torch.Tensor):
            return self._tensor(value, where)
        if isinstance(value, torch.device):
            return {"__type__": "torch.device", "value": str(value)}
        if isinstance(value, np.random.RandomState):
            return {"__type__": "RandomState",
                    "state": self(value.get_state(legacy=True), where)}
        if imports and (inspect.isclass(value) or inspect.isfunction(value)):
            return self.reference(value, where)
        raise TypeError(f"{where}: a {type(value).__qualname__} cannot be saved by sknn.io, "
                        "which writes data only (numbers, strings, arrays, tensors). "
                        + _advice(where))

    def _tensor(self, value, key):
        if key in self.tensors:
            raise TypeError(f"{key}: two tensors would have this key; rename a dict key.")
        self.tensors[key] = value.detach().cpu().contiguous().clone()
        return {"__type__": "tensor", "key": key}

    def _numpy_scalar(self, value, where):
        if value.dtype.kind not in _RAW_KINDS:
            raise TypeError(f"{where}: a numpy scalar of dtype {value.dtype} cannot be saved.")
        return {"__type__": "numpy.scalar", "dtype": value.dtype.str,
                "data": _b64(np.asarray(value).tobytes())}

    def _dict(self, value, where, imports):
        if all(isinstance(key, str) for key in value) and "__type__" not in value:
            return {key: self(item, f"{where}.{key}", imports=imports)
                    for key, item in value.items()}
        return {"__type__": "dict",
                "items": [[self(key, f"{where}.{i}.key"),
                           self(item, f"{where}.{i}", imports=imports)]
                          for i, (key, item) in enumerate(value.items())]}

    def _array(self, value, where):
        shape = list(value.shape)
        if value.dtype.kind == "O":
            return {"__type__": "ndarray", "dtype": "object", "shape": shape,
                    "items": [self(item, f"{where}.{i}")
                              for i, item in enumerate(value.ravel())]}
        if value.dtype.kind not in _RAW_KINDS or value.dtype.fields is not None:
            raise TypeError(f"{where}: an array of dtype {value.dtype} cannot be saved.")
        return {"__type__": "ndarray", "dtype": value.dtype.str, "shape": shape,
                "data": _b64(np.ascontiguousarray(value).tobytes())}

    @staticmethod
    def reference(obj, where):
        """An importable class or function, by name."""
        qualname = getattr(obj, "__qualname__", "")
        if "<" in qualname or _resolve(obj.__module__, qualname) is not obj:
            raise TypeError(f"{where}: {qualname or obj!r} cannot be imported by name (a "
                            "lambda, a local or a redefined class or function); define it "
                            "at the top level of a module to save it.")
        return {"__type__": "import", "module": obj.__module__, "qualname": qualname}


def _advice(where):
    if where.startswith("params.callbacks"):
        return ("skorch callbacks are arbitrary objects: set callbacks=None before saving "
                "(the trained weights do not need them) and pass them again to refit.")
    if where.startswith("params.scoring"):
        return "Pass scoring as a scorer's name (a str) to save the estimator."
    return "Only the module and module_params may name a class or function."


def _resolve(module, qualname):
    """The object ``module.qualname``, imported; None where there is none."""
    try:
        obj = importlib.import_module(module)
    except ImportError:
        return None
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    return obj


# -- reading ---------------------------------------------------------------

def reject_constant(name):
    """``parse_constant`` of :func:`json.loads`: refuses ``NaN`` and ``Infinity``.

    Raises
    ------
    ValueError
        Always: typed JSON writes non-finite floats as typed values.
    """
    raise ValueError(f"The file's JSON holds the non-standard constant {name}.")


def references(node):
    """Every ``import`` reference of a JSON tree, as ``module.qualname``.

    Parameters
    ----------
    node : JSON value
        A decoded JSON document (or any part of one); nothing is imported.

    Yields
    ------
    str
        The name of each reference, in document order.

    Raises
    ------
    ValueError
        If a reference has no module or qualname string.

    Examples
    --------
    >>> list(references({"a": [{"__type__": "import", "module": "m", "qualname": "C.f"}]}))
    ['m.C.f']
    """
    if isinstance(node, list):
        for item in node:
            yield from references(item)
    elif isinstance(node, dict):
        if node.get("__type__") == "import":
            module, qualname = node.get("module"), node.get("qualname")
            if not isinstance(module, str) or not isinstance(qualname, str):
                raise ValueError("A reference in the file has no module or qualname string.")
            yield f"{module}.{qualname}"
        else:
            for item in node.values():
                yield from references(item)


class Decoder:
    """Turns typed JSON back into values; tensors come from the safetensors member.

    Parameters
    ----------
    tensors : dict of str to torch.Tensor
        The safetensors member's tensors, by key.
    allowed : set of str
        The ``module.qualname`` names that may be imported; any other raises
        :class:`UntrustedTypesError` before anything is imported.

    Examples
    --------
    >>> decode = Decoder({}, allowed=frozenset())
    >>> decode({"__type__": "tuple", "items": [1, {"__type__": "float", "value": "nan"}]})
    (1, nan)
    """

    def __init__(self, tensors, allowed):
        self.tensors = tensors
        self.allowed = allowed

    def __call__(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self(item) for item in node]
        if not isinstance(node, dict):
            raise ValueError(f"Unexpected JSON value {node!r}.")
        kind = node.get("__type__")
        if kind is None:
            return {key: self(item) for key, item in node.items()}
        decode = getattr(self, "_" + str(kind).replace(".", "_"), None) \
            if kind in self._KINDS else None
        if decode is None:
            raise ValueError(f"Unknown value type {kind!r} in the file.")
        return decode(node)

    _KINDS = frozenset({"float", "tuple", "dict", "ndarray", "numpy.scalar", "tensor",
                        "torch.device", "RandomState", "import"})

    def _float(self, node):
        if node["value"] not in ("nan", "inf", "-inf"):
            raise ValueError(f"Unexpected float {node['value']!r}.")
        return float(node["value"])

    def _tuple(self, node):
        return tuple(self(item) for item in node["items"])

    def _dict(self, node):
        return {self(key): self(item) for key, item in node["items"]}

    @staticmethod
    def _dtype(name):
        dtype = np.dtype(str(name))
        if dtype.kind not in _RAW_KINDS or dtype.fields is not None:
            raise ValueError(f"Unexpected dtype {name!r} in the file.")
        return dtype

    def _ndarray(self, node):
        shape = tuple(int(size) for size in node["shape"])
        if node["dtype"] == "object":
            array = np.empty(len(node["items"]), dtype=object)
            for i, item in enumerate(node["items"]):  # items may be sequences themselves
                array[i] = self(item)
            return array.reshape(shape)
        data = base64.b64decode(node["data"], validate=True)
        return np.frombuffer(data, dtype=self._dtype(node["dtype"])).reshape(shape).copy()

    def _numpy_scalar(self, node):
        data = base64.b64decode(node["data"], validate=True)
        return np.frombuffer(data, dtype=self._dtype(node["dtype"]))[0]

    def _tensor(self, node):
        if node["key"] not in self.tensors:
            raise ValueError(f"The tensor {node['key']!r} is missing from the weights.")
        return self.tensors[node["key"]]

    def _torch_device(self, node):
        return torch.device(str(node["value"]))

    def _RandomState(self, node):
        random_state = np.random.RandomState()
        random_state.set_state(self(node["state"]))
        return random_state

    def _import(self, node):
        name = f"{node['module']}.{node['qualname']}"
        if name not in self.allowed:  # checked before decoding; never import otherwise
            raise UntrustedTypesError(f"{name} is not trusted.")
        obj = _resolve(node["module"], node["qualname"])
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            raise ValueError(f"{name} is not an importable class or function here.")
        return obj
