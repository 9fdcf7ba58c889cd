"""What a trained :class:`~sknn._training.SknnNet` outputs, and the data it trains on.

:class:`DeviceDataset` holds device-resident ``(X, y, sample_weight)``
tensors as a skorch dataset: callbacks receive the training and validation
data as these. :class:`NetOutputs` gives the net its predictions: batched
module outputs for the estimators (:meth:`NetOutputs.predict_tensor`) and
skorch's prediction interface (``forward_iter``, ``predict``,
``predict_proba``, ``classes_`` and the estimator type), which skorch's
scoring callbacks and scikit-learn's scorers call on the net during training.
"""

import copy
import functools

import numpy as np
import torch
from skorch.dataset import Dataset
from skorch.utils import to_device, to_numpy

from ._data import call_module, n_samples, take
from .modules import HalfSquaredError, PoissonDeviance, SigmoidCrossEntropy, SoftmaxCrossEntropy

# Output kinds by criterion: classifiers predict class codes, regressors values.
_KINDS = ((SoftmaxCrossEntropy, "softmax"), (SigmoidCrossEntropy, "sigmoid"),
          (PoissonDeviance, "exp"), (HalfSquaredError, "identity"))
_CLASSIFYING = ("softmax", "sigmoid")


class DeviceDataset(Dataset):
    """Training or validation tensors, already on the device, as a skorch dataset.

    ``X`` (a tensor, or a tuple/dict of tensors), ``y`` and ``sample_weight``
    (a tensor or None) are the tensors themselves; an item is ``(X[i], y[i])``
    as in skorch's own datasets, so ``len``, skorch's ``get_len`` and
    ``data_from_dataset`` work on it.

    Examples
    --------
    >>> import torch
    >>> from sknn._outputs import DeviceDataset
    >>> data = DeviceDataset(torch.zeros(5, 2), torch.arange(5))
    >>> len(data), data[1][1].item()
    (5, 1)
    """

    def __init__(self, X, y, sample_weight=None):  # pylint: disable=super-init-not-called
        # skorch's Dataset converts its input; these tensors are ready.
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        self._len = n_samples(X)

    def __len__(self):
        return self._len

    def __getitem__(self, i):
        return take(self.X, i), self.y[i]

    @property
    def tensors(self):
        """``(X, y, sample_weight)``."""
        return self.X, self.y, self.sample_weight

    def shuffled(self):
        """A random order of the samples, drawn from the device's generator."""
        return torch.randperm(len(self), device=self.y.device)

    def batches(self, indexes):
        """``(X, y, sample_weight)`` of each batch index (a slice or index tensor)."""
        return map(self.batch, indexes)

    def batch(self, index):
        """``(X, y, sample_weight)`` of the samples ``index`` (a slice or index tensor)."""
        if isinstance(index, slice) and index == slice(None):
            return self.tensors
        w = self.sample_weight
        return take(self.X, index), self.y[index], None if w is None else w[index]


class NetOutputs:
    """Predictions of a skorch net whose criterion is one of sknn's losses.

    The criterion tells the output: softmax logits (class codes, a
    classifier), sigmoid logits (binary or multilabel codes, a classifier),
    log means (Poisson regression) or values. ``predict`` returns what
    ``y`` holds during training (class codes, not labels), so that scorers
    compare like with like.
    """

    def infer(self, x, **fit_params):
        return call_module(self.module_, x)

    # -- for the estimators ------------------------------------------------
    def predict_tensor(self, X, batch_size, fn=None):
        """Outputs of ``fn`` (default: the module's forward) for ``X``, batched.

        The module runs in eval mode under ``torch.inference_mode``. Float64
        input on the CPU runs through a float64 copy of the module, so that
        each row's result does not depend on the other rows of its batch
        (float32 BLAS kernels round differently for different batch shapes).

        Parameters
        ----------
        X : tensor or tuple/dict of tensors
            Input on the module's device.
        batch_size : int
            Rows per forward pass.
        fn : callable or None
            ``fn(module, *inputs)``; None calls the module itself.
        """
        module = self.module_
        first = X if isinstance(X, torch.Tensor) else next(iter(
            X.values() if isinstance(X, dict) else X))
        if first.dtype == torch.float64:
            module = self._float64_module()
        if module.training:  # fit_epochs leaves the module in eval mode
            module.eval()

        def forward(chunk):
            return call_module(module, chunk) if fn is None else \
                call_module(functools.partial(fn, module), chunk)

        n = n_samples(X)
        with torch.inference_mode():
            if n <= batch_size:
                return forward(X)
            return torch.cat([forward(take(X, slice(start, start + batch_size)))
                              for start in range(0, n, batch_size)])

    def _float64_module(self):
        """A float64 copy of the module, remade whenever its tensors change."""
        # In-place updates (optimizer steps, load_state_dict) bump _version.
        key = (id(self.module_), *(t._version for t in self.module_.state_dict().values()))
        cached = getattr(self, "_float64_copy", None)
        if cached is None or cached[0] != key:
            cached = (key, copy.deepcopy(self.module_).double())
            self._float64_copy = cached
        return cached[1]

    # -- skorch's prediction interface -------------------------------------
    def output_kind(self):
        """'softmax', 'sigmoid', 'exp', 'identity', or None for another criterion."""
        criterion = getattr(self, "criterion_", None)
        criterion = self.criterion if criterion is None else criterion
        criterion = getattr(criterion, "step_loss", criterion)  # sequence outputs
        for loss, kind in _KINDS:
            if isinstance(criterion, loss) or criterion is loss:
                return kind
        return None

    def note_output(self, y_pred):
        """Remember the width of the module's output (for ``classes_``)."""
        output = y_pred[0] if isinstance(y_pred, (tuple, list)) else y_pred
        self.output_width_ = output.shape[-1] if output.ndim > 1 else 1

    @property
    def classes_(self):
        """Class codes ``0 .. n_classes - 1``, for a classifying criterion."""
        width = getattr(self, "output_width_", None)
        if self.output_kind() not in _CLASSIFYING or width is None:
            raise AttributeError(f"{type(self).__name__} has no classes_: its criterion does "
                                 "not classify, or it has not trained yet.")
        return np.arange(max(width, 2))

    def forward_iter(self, X, training=False, device="cpu"):
        """Yield the module's outputs for ``X`` batch by batch, as skorch does.

        ``X`` is a :class:`DeviceDataset` (the data callbacks receive), a
        tensor, an array, or a tuple/dict of them. The module is put back in
        the mode it was in (a callback may predict in the middle of an epoch).
        """
        data = X.X if isinstance(X, DeviceDataset) else self._as_input(X)
        module = self.module_
        was_training = module.training
        module.train(training)
        try:
            for start in range(0, n_samples(data), self.batch_size):
                with torch.set_grad_enabled(training):
                    output = self.infer(take(data, slice(start, start + self.batch_size)))
                yield to_device(output, device=device)
        finally:
            module.train(was_training)

    def _as_input(self, X):
        if isinstance(X, dict):
            return {key: self._as_input(value) for key, value in X.items()}
        if isinstance(X, (tuple, list)):
            return tuple(self._as_input(value) for value in X)
        tensor = X if isinstance(X, torch.Tensor) else torch.as_tensor(np.asarray(X))
        if tensor.is_floating_point():
            tensor = tensor.to(torch.float32)
        return tensor.to(self.device)

    def _get_predict_nonlinearity(self):
        """Probabilities for classifying criteria, means for Poisson, else identity."""
        if self.predict_nonlinearity != "auto":
            return super()._get_predict_nonlinearity()
        self.check_is_fitted()
        return functools.partial(_probabilities, kind=self.output_kind())

    def predict(self, X):
        """Class codes (as in ``y``) for a classifying criterion, else ``predict_proba``."""
        kind = self.output_kind()
        if kind not in _CLASSIFYING:
            return self.predict_proba(X)
        codes = []
        for batch_output in self.forward_iter(X, training=False):
            output = batch_output[0] if isinstance(batch_output, tuple) else batch_output
            if kind == "softmax":
                code = output.argmax(-1)
            else:
                code = (output > 0).to(torch.int64)
                code = code[..., 0] if code.shape[-1] == 1 else code
            codes.append(to_numpy(code))
        return np.concatenate(codes, 0)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        kind = self.output_kind()
        if kind in _CLASSIFYING:
            from sklearn.utils import ClassifierTags

            tags.estimator_type = "classifier"
            tags.classifier_tags = ClassifierTags(multi_label=True)
        elif kind is not None:
            from sklearn.utils import RegressorTags

            tags.estimator_type = "regressor"
            tags.regressor_tags = RegressorTags()
        return tags


def _probabilities(output, kind):
    """Softmax or sigmoid probabilities (two columns for one logit), or Poisson means."""
    if kind == "softmax":
        return torch.softmax(output, dim=-1)
    if kind == "sigmoid":
        proba = torch.sigmoid(output)
        return torch.cat([1 - proba, proba], dim=-1) if proba.shape[-1] == 1 else proba
    if kind == "exp":
        return output.exp()
    return output
