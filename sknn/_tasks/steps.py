"""Per-step targets: the task hooks for ``return_sequences=True`` or ``output_steps``.

:class:`StepTargets` sits left of a task mixin (:class:`StepClassification`
left of the classifier's) and applies the task's own hooks to every time
step of a recurrent net's output; without per-step outputs every hook is
the task's.
"""

import numpy as np
import torch
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.validation import check_is_fitted

from .._data import is_ragged, is_sequence_list
from ..modules import MaskedStepLoss


def split_steps(y):
    """``(steps, lengths)``: the targets of every time step stacked, and steps per sequence.

    ``y`` is ``(n, T)``, ``(n, T, k)`` or a list of ``(T_i,)`` / ``(T_i, k)``
    arrays; ``steps`` is ``(sum T_i,)`` or ``(sum T_i, k)``.
    """
    if is_sequence_list(y) and is_ragged(y):
        items = [np.asarray(item) for item in y]
        widths = {item.shape[1:] for item in items}
        if len(widths) > 1 or any(item.ndim > 2 for item in items):
            raise ValueError("With return_sequences=True, every item of y must be (n_steps,) "
                             "or (n_steps, n_targets) with the same n_targets; got shapes "
                             f"{sorted({item.shape for item in items})}.")
        return np.concatenate(items), [len(item) for item in items]
    y = np.asarray(y)
    if y.ndim not in (2, 3):
        raise ValueError("With return_sequences=True, y needs one target per time step: shape "
                         f"(n_samples, n_steps) or (n_samples, n_steps, n_targets), or a list "
                         f"of per-sequence targets; got shape {y.shape}.")
    return y.reshape(y.shape[0] * y.shape[1], *y.shape[2:]), [y.shape[1]] * y.shape[0]


class StepTargets:
    """Target hooks for ``return_sequences=True``: the task's hooks on time steps.

    Sits left of the task mixin. Without ``return_sequences`` every hook is
    the task's own. With it, ``y`` holds one target per time step; the steps
    are stacked and encoded by the task (so labels, ``classes_``,
    ``n_outputs_`` and the loss are the task's), then laid out again as
    ``(n, T, ...)`` with padding marked (NaN, or -1 for class codes) so that
    padded steps never count in the loss or the score.
    """

    # score() over the stacked real steps.
    _step_metric = staticmethod(r2_score)

    def _steps_out(self):
        """Whether the parameters ask for one target per step (per input or output step)."""
        return self.return_sequences or self.output_steps is not None

    def _encode_target(self, y, *, reset, incremental=False, classes=None):
        if reset:  # how the network was built; prediction follows it, whatever set later
            self._per_step = self._steps_out()
            self._decoded_steps = self.output_steps
        if not self._steps_out():
            return super()._encode_target(y, reset=reset, incremental=incremental,
                                          classes=classes)
        steps, lengths = split_steps(y)
        width = steps.shape[1] if steps.ndim == 2 else None
        if reset:
            self._step_target_width = width
        elif width != self._step_target_width:
            raise ValueError(f"y has {width or 1} targets per step, but {type(self).__name__} "
                             f"was fitted with {self._step_target_width or 1}.")
        if width == 1:
            steps = steps.ravel()
        encoded = super()._encode_target(steps, reset=reset, incremental=incremental,
                                         classes=classes)
        marker = -1 if encoded.dtype == torch.int64 else float("nan")
        target = torch.full((len(lengths), max(lengths), *encoded.shape[1:]), marker,
                            dtype=encoded.dtype)
        valid = torch.arange(max(lengths))[None, :] < torch.tensor(lengths)[:, None]
        target[valid] = encoded
        return target

    def _make_criterion(self):
        criterion = super()._make_criterion()
        return MaskedStepLoss(criterion) if self._steps_out() else criterion

    def _target_weights(self, y):
        return None if self._steps_out() else super()._target_weights(y)

    def _stratify(self, y):
        return None if self._steps_out() else super()._stratify(y)

    @staticmethod
    def _valid_steps(output, target, sample_weight):
        """The real steps of ``(n, T, ...)`` outputs and targets, stacked, and their weights."""
        valid = target >= 0 if not target.is_floating_point() else \
            ~torch.isnan(target.reshape(*target.shape[:2], -1)).any(2)
        weight = None if sample_weight is None else \
            sample_weight[:, None].expand(valid.shape)[valid]
        return output[valid], target[valid], weight

    def _score_output(self, output, target, sample_weight):
        if not self._steps_out():
            return super()._score_output(output, target, sample_weight)
        return super()._score_output(*self._valid_steps(output, target, sample_weight))

    def _fitted_per_step(self):
        """Whether the fitted network outputs every step (``return_sequences`` at fit)."""
        check_is_fitted(self)
        return self._per_step

    def _decode_output(self, output, X):
        if not self._per_step:
            return super()._decode_output(output, X)
        n, n_steps = output.shape[:2]
        decoded = super()._decode_output(output.reshape(n * n_steps, -1), X)
        decoded = decoded.reshape(n, n_steps, *decoded.shape[1:])
        if self._step_target_width == 1:
            decoded = decoded[..., None]
        return self._per_sequence(decoded, X)

    def _per_sequence(self, steps, X):
        """Per-step outputs of a list ``X`` cut to each sequence's own steps.

        An encoder-decoder (``output_steps``) emits the same number of steps
        for every sequence: its outputs stay one array.
        """
        if is_sequence_list(X) and getattr(self, "_decoded_steps", None) is None:
            return [steps[i, :length] for i, length in enumerate(self._input_lengths(X))]
        return steps

    def score(self, X, y, sample_weight=None):
        """Mean accuracy (classifiers) or R^2 (regressors) of ``predict(X)``.

        With ``return_sequences=True`` or ``output_steps`` every real time
        step counts once, and a sequence's ``sample_weight`` applies to each
        of its steps.

        Parameters
        ----------
        X : array-like or list of arrays
            The input.
        y : array-like or list of arrays
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples.

        Returns
        -------
        score : float
            The score over every step of every sequence.
        """
        if not self._fitted_per_step():
            return super().score(X, y, sample_weight)
        y_true, lengths = split_steps(y)
        y_pred, _ = split_steps(self.predict(X))
        if sample_weight is not None:
            sample_weight = np.repeat(np.asarray(sample_weight, dtype=float), lengths)
        if self._step_target_width == 1:
            y_true, y_pred = y_true.reshape(len(y_true), -1), y_pred.reshape(len(y_pred), -1)
        return float(self._step_metric(y_true, y_pred, sample_weight=sample_weight))


class StepClassification(StepTargets):
    """Per-step probabilities for sequence-to-sequence classification."""

    _step_metric = staticmethod(accuracy_score)

    def _encode_target(self, y, *, reset, incremental=False, classes=None):
        if self._steps_out() and self.class_weight is not None:
            what = "return_sequences=True" if self.return_sequences else "output_steps"
            raise ValueError(f"class_weight is not supported with {what}; pass per-sequence "
                             "sample_weight instead.")
        return super()._encode_target(y, reset=reset, incremental=incremental, classes=classes)

    def _labels_need_classes(self, y):
        # Per-step labels, shape (n, T) or a ragged list, are not multilabel rows.
        return self._steps_out() or super()._labels_need_classes(y)

    def predict_proba(self, X):
        """Probability of each class (for each step with ``return_sequences`` or ``output_steps``).

        Parameters
        ----------
        X : array-like or list of arrays
            The input.

        Returns
        -------
        ndarray of shape (n_samples, n_classes) or (n_samples, n_steps, n_classes)
            Columns follow ``classes_``; ``n_steps`` is ``output_steps`` for an
            encoder-decoder. With ``return_sequences`` and a list ``X``, a
            list of ``(n_steps_i, n_classes)`` arrays.
        """
        if not self._fitted_per_step():
            return super().predict_proba(X)
        return self._per_sequence(self._proba(self._forward(X)), X)
