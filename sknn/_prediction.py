"""Prediction: the network's outputs for new input, in chunks, on the training device.

:class:`Prediction` is the part of every estimator that runs a fitted
network: ``_forward`` (validation chunk by chunk, the float64 copy on the
CPU, the ``n_threads`` policy), ``embed`` and ``summary``. The tasks turn
its outputs into labels, values or codes.
"""

import functools

import numpy as np
import pandas as pd
import torch
from sklearn.utils.validation import check_is_fitted

from ._data import is_float32, n_samples, row_chunks, to_device
from ._threads import intra_op_threads, step_flops, threads_for

# Rows per forward pass at prediction time.
PREDICT_BATCH_ROWS = 16384


class Prediction:
    """Running the fitted network: ``_forward``, ``embed``, ``summary``."""

    def _forward(self, X, fn=None):
        """Network outputs for ``X`` as a tensor on the training device.

        On the CPU, input that is not already float32 is predicted in float64
        (see :meth:`SknnNet.predict_tensor`); pass float32 for float32 speed.
        """
        check_is_fitted(self)
        dtype = self._prediction_dtype(X)
        device = self.net_.device
        chunks = row_chunks(X, PREDICT_BATCH_ROWS)
        if chunks is None:  # small, or a form that is validated whole (lists, dicts)
            data = self._numeric_input(X, reset=False, dtype=dtype)
            with self._threads(min(n_samples(data), PREDICT_BATCH_ROWS), training=False):
                return self.net_.predict_tensor(to_device(data, device), PREDICT_BATCH_ROWS,
                                                fn=fn)
        # Large arrays and DataFrames are validated and converted chunk by chunk
        # into a preallocated output: memory grows by one chunk plus the output.
        output = None
        with self._threads(PREDICT_BATCH_ROWS, training=False):
            for start, chunk in chunks:
                data = self._numeric_input(chunk, reset=False, dtype=dtype)
                part = self.net_.predict_tensor(to_device(data, device), PREDICT_BATCH_ROWS,
                                                fn=fn)
                if output is None:
                    output = part.new_empty((X.shape[0], *part.shape[1:]))
                output[start:start + len(part)] = part
        return output

    def _threads(self, rows, *, training):
        """``n_threads``: torch's intra-op threads for a step over ``rows`` samples."""
        if self.n_threads is None:
            return intra_op_threads(None)
        n_params = self.net_.__dict__.get("_n_params")
        if n_params is None:  # counted once per net: prediction calls come often
            n_params = self.net_._n_params = sum(p.numel() for p in self.module_.parameters())
        flops = step_flops(n_params, rows, self._positions_per_sample(), training=training)
        return intra_op_threads(threads_for(self.n_threads, flops))

    def _positions_per_sample(self):
        """How often a sample uses each weight: 1 for dense layers (see ``n_threads``)."""
        return 1

    def _prediction_dtype(self, X):
        """The dtype to compute in: float64 for input that is not float32 on the CPU."""
        on_cpu = torch.device(self.net_.device).type == "cpu"
        return np.float64 if on_cpu and not is_float32(X) else np.float32

    @staticmethod
    def _as_output(tensor, X):
        """``tensor`` as a numpy array: float32 for float32 ``X``, else float64 (any device)."""
        array = tensor.cpu().numpy()
        return array if is_float32(X) else array.astype(np.float64)

    def embed(self, X, layer=-1):
        """The learned representation: the output of a hidden layer.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            The input.
        layer : int, default=-1
            Which hidden layer; negative values count from the last one.

        Returns
        -------
        ndarray of shape (n_samples, layer_width)
            The layer's output, one row per sample.
        """
        check_is_fitted(self)
        module_type = type(self.module_)
        if not callable(getattr(module_type, "embed", None)):
            raise TypeError(
                f"{type(self).__name__}.embed needs a module with an `embed(x, layer)` method, "
                f"and {module_type.__qualname__} has none: define `embed(self, x, layer=-1)` "
                "returning the representation of a hidden layer, or call the module's "
                "layers yourself.")
        output = self._forward(X, fn=functools.partial(module_type.embed, layer=layer))
        return self._as_output(output, X)

    def summary(self):
        """Table of the network's layers, output shapes and parameter counts.

        Returns
        -------
        pandas.DataFrame
            One row per layer that runs in the forward pass (columns
            ``layer``, ``type``, ``output_shape``, ``n_params``), then a
            ``total`` row with every trainable parameter.
        """
        check_is_fitted(self)
        module = self.module_
        rows, handles = [], []

        def record(name):
            def hook(layer, inputs, output):
                shape = tuple(output.shape) if isinstance(output, torch.Tensor) else \
                    tuple(output[0].shape)
                rows.append((name, type(layer).__name__, (None, *shape[1:]),
                             sum(p.numel() for p in layer.parameters(recurse=False))))
            return hook

        for name, layer in module.named_modules():
            if name and not any(True for _ in layer.children()):
                handles.append(layer.register_forward_hook(record(name)))
        try:
            self.net_.predict_tensor(to_device(self._summary_input(), self.net_.device), 2)
        finally:
            for handle in handles:
                handle.remove()
        total = sum(p.numel() for p in module.parameters() if p.requires_grad)
        rows.append(("total", "", None, total))
        return pd.DataFrame(rows, columns=["layer", "type", "output_shape", "n_params"])
