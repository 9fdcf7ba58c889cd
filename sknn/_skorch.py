"""Import skorch, also under ``python -OO``.

skorch builds the docstrings of its ``NeuralNetClassifier`` and
``NeuralNetRegressor`` from ``NeuralNet.__doc__`` when it is imported, and
fails when ``python -OO`` has stripped that docstring to None. Under
``-OO``, :func:`import_skorch` loads ``skorch.net`` first (under a
placeholder package), gives ``NeuralNet`` its docstring back from the
source, then imports skorch as usual. Without ``-OO`` it is a plain import.
``sknn/__init__.py`` calls it before anything else imports skorch.
"""

import ast
import importlib
import importlib.util
import inspect
import sys


def import_skorch():
    """Import skorch (a no-op when it is imported already); return the module."""
    if sys.flags.optimize < 2 or "skorch" in sys.modules:
        return importlib.import_module("skorch")
    spec = importlib.util.find_spec("skorch")
    sys.modules["skorch"] = importlib.util.module_from_spec(spec)  # not executed
    try:
        net = importlib.import_module("skorch.net")
        tree = ast.parse(inspect.getsource(net))
        node = next(node for node in tree.body
                    if isinstance(node, ast.ClassDef) and node.name == "NeuralNet")
        net.NeuralNet.__doc__ = ast.get_docstring(node, clean=False) or ""
    finally:
        del sys.modules["skorch"]
    skorch = importlib.import_module("skorch")
    # Submodules loaded under the placeholder are not yet attributes of skorch.
    for name, module in list(sys.modules.items()):
        parent, _, child = name.rpartition(".")
        if parent.startswith("skorch") and parent in sys.modules and \
                not hasattr(sys.modules[parent], child):
            setattr(sys.modules[parent], child, module)
    return skorch
