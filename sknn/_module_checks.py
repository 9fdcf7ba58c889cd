"""Checks of a user's module before training: the probe batch, the keywords, the output.

:class:`ModuleChecks` is the part of the user-module estimators
(:mod:`sknn.custom`) that runs a fresh module on two samples of X before the
optimizer is built: it materialises lazy layers, turns torch's errors about
input the module cannot take into errors that name the input, and checks
the output's shape (and, for classifiers, that it holds logits).
"""

import inspect
import traceback

import torch

from ._data import call_module, n_samples, take
from ._output_trace import OutputTrace


class ModuleChecks:
    """``_check_keywords``, ``_probe``, ``_check_output`` and ``_check_shape``."""

    def _check_keywords(self, module, X):
        """A dict X's keys must be keyword arguments that ``module.forward`` takes."""
        not_names = [key for key in X if not isinstance(key, str)]
        if not_names:
            raise TypeError(
                f"X is a dict with the keys {not_names}, which are not strings; the module "
                "receives the dict's entries as keyword arguments of forward, so each key "
                "must be the name of one of forward's arguments (e.g. 'tokens').")
        try:
            signature = inspect.signature(module.forward)
        except (TypeError, ValueError):  # some builtins and C extensions
            return
        try:
            signature.bind(**dict.fromkeys(X))
        except TypeError:
            raise TypeError(
                f"X is a dict with the keys {keys_of(X)}, which {type(self).__name__} passes "
                f"to the module as keyword arguments, but {type(module).__qualname__}.forward"
                f"{signature} does not take exactly those: name forward's arguments after "
                "the dict's keys (def forward(self, "
                f"{', '.join(map(str, X))})), or pass one array as X.") from None

    def _probe(self, module, X, trace=False):
        """The module's output for two samples (eval mode, no gradient).

        Returns ``(output, trace)``: with ``trace``, an :class:`~sknn._output_trace.OutputTrace`
        of the forward pass, else None. An error that torch raises in the
        module's forward (a layer that cannot take the input) is raised again
        as a ``ValueError`` (``TypeError``) that says which input it failed
        on, chained from the original; one the module's own code raises
        propagates as it is.
        """
        try:
            return self._run_probe(module, X, trace)
        except (RuntimeError, TypeError, ValueError, IndexError) as error:
            frames = traceback.extract_tb(error.__traceback__)
            if frames and not _internal(frames[-1].filename):
                raise  # the module's own error, with its own message
            head = take(X, slice(0, 2))
            shape = ({key: tuple(value.shape) for key, value in head.items()}
                     if isinstance(head, dict) else tuple(head.shape))
            kind = TypeError if isinstance(error, TypeError) else ValueError
            raise kind(
                f"{module_name(self.module)} failed on a batch of X's first samples, shaped "
                f"{shape}, before training ({type(error).__name__} in torch, chained "
                "above). "
                "Make the module's forward take input of that shape, or reshape X to the "
                "shape it takes" + (" (2-D tables (n_samples, n_features) for "
                                    f"{module_name(self.module)})"
                                    if is_sknn_module(self.module) else "") + ".") from error

    def _check_output(self, module, X, n_outputs):
        """Run two samples through the module (eval mode) and check the output.

        This also materialises lazy layers before the optimizer is built.
        """
        output, _ = self._probe(module, X)
        self._check_shape(output, X, n_outputs)

    @staticmethod
    def _run_probe(module, X, trace):
        head = take(X, slice(0, 2))
        tracer = OutputTrace(module) if trace else None
        was_training = module.training
        module.eval()
        try:
            with torch.no_grad():
                if tracer is None:
                    output = call_module(module, head)
                else:
                    with tracer:
                        output = call_module(module, head)
        finally:
            if tracer is not None:
                tracer.remove_hooks()
            module.train(was_training)
        return output, tracer

    def _check_shape(self, output, X, n_outputs, also=None):
        """``output`` must be ``(2 samples, n_outputs)`` (or ``(2, also)``)."""
        expected = (min(2, n_samples(X)), n_outputs)
        shape = tuple(output.shape) if isinstance(output, torch.Tensor) else None
        if shape != expected and (also is None or shape != (expected[0], also)):
            got = f"shape {shape}" if shape is not None else type(output).__name__
            other = f" or {(expected[0], also)}" if also is not None else ""
            raise ValueError(
                f"{module_name(self.module)} returned {got} for {expected[0]} samples; "
                f"{type(self).__name__} needs a tensor of shape {expected}{other} "
                f"(n_outputs={n_outputs}; take an `n_outputs` argument to be told it)."
            )


def module_name(module):
    """The name of a module class or factory, for messages."""
    return getattr(module, "__qualname__", None) or type(module).__name__


def keys_of(X):
    """A dict's keys as sorted strings, for messages."""
    return sorted(map(str, X))


def is_sknn_module(module):
    """Whether ``module`` is one of :mod:`sknn.modules` (which take n_features as an int)."""
    return (getattr(module, "__module__", None) or "").startswith("sknn.modules")


def _internal(filename):
    """Whether a traceback frame's file is torch's, numpy's or sknn's, not the user's."""
    path = filename.replace("\\", "/")
    return any(f"/{package}/" in path for package in ("torch", "numpy", "sknn"))
