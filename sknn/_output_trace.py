"""Which function, in which layer, made a module's output.

:class:`OutputTrace` tells logits from probabilities: the user-module
estimators (:mod:`sknn.custom`) refuse a module whose output a softmax or a
sigmoid made, since their losses apply those themselves.
"""

import contextlib

import torch
from torch.overrides import TorchFunctionMode

# torch functions whose output is a probability or its log, by ``__name__``
# (``nn.Softmax``, ``nn.Sigmoid``, ... call them too), and what they make.
_PROBABILITY_FUNCTIONS = {
    "softmax": "softmax", "_softmax": "softmax", "special_softmax": "softmax",
    "softmin": "softmin",
    "sigmoid": "sigmoid", "sigmoid_": "sigmoid", "special_expit": "sigmoid",
    "log_softmax": "log_softmax", "_log_softmax": "log_softmax",
    "special_log_softmax": "log_softmax",
    "log_sigmoid": "log_sigmoid", "logsigmoid": "log_sigmoid",
}
# torch functions that return their first argument's values unchanged.
_SAME_VALUES = frozenset({
    "view", "view_as", "reshape", "reshape_as", "flatten", "squeeze", "unsqueeze",
    "contiguous", "clone", "detach", "to", "float", "double", "type", "type_as",
})


class OutputTrace(TorchFunctionMode):
    """Which function, in which layer, made the output of one forward pass.

    As a torch function mode it tags every tensor a softmax, softmin,
    sigmoid, log-softmax or log-sigmoid returns (the layers ``nn.Softmax``,
    ``nn.Sigmoid``, ... and the functions alike) with the function and the
    leaf layer it ran in (found with forward hooks), and carries the tag
    through reshapes and copies. Use it as a context manager around the
    forward pass, then call :meth:`remove_hooks`.
    """

    def __init__(self, module):
        super().__init__()
        self._made_by = {}  # id(tensor) -> (tensor, function kind, layer or None)
        self._running = []  # the leaf layers whose forward is running: (name, type name)
        self._handles = []
        for name, layer in module.named_modules():
            if not any(True for _ in layer.children()):
                with contextlib.suppress(RuntimeError):  # scripted modules may take none
                    self._handles.append(layer.register_forward_pre_hook(self._enter(name)))
                    self._handles.append(layer.register_forward_hook(self._leave))

    def _enter(self, name):
        def hook(layer, inputs):
            self._running.append((name, type(layer).__name__))
        return hook

    def _leave(self, layer, inputs, output):
        if self._running:
            self._running.pop()

    def remove_hooks(self):
        for handle in self._handles:
            handle.remove()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        result = func(*args, **(kwargs or {}))
        if isinstance(result, torch.Tensor):
            name = getattr(func, "__name__", "")
            tag = None
            if name in _PROBABILITY_FUNCTIONS:
                tag = (_PROBABILITY_FUNCTIONS[name], self._running[-1] if self._running else None)
            elif name in _SAME_VALUES and args:
                tag = self.origin(args[0])
            if tag is not None:
                self._made_by[id(result)] = (result, *tag)
            elif name.endswith("_"):  # changed in place: no longer what it was
                self._made_by.pop(id(result), None)
        return result

    def origin(self, tensor):
        """``(kind, layer)`` of a tensor a probability function made, else None.

        ``kind`` is 'softmax', 'softmin', 'sigmoid', 'log_softmax' or
        'log_sigmoid'; ``layer`` the ``(name, type name)`` of the leaf layer it
        ran in, or None when ``forward`` called the function itself.
        """
        entry = self._made_by.get(id(tensor))
        return entry[1:] if entry is not None and entry[0] is tensor else None
