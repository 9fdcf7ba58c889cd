"""The batch loop of :class:`~sknn._training.SknnNet`, and what it does for callbacks.

Batches are slices (or, when shuffling, index gathers) of tensors already
on the device. :class:`BatchPlan` decides once per fit, from the callbacks,
whether every batch is announced to them with skorch's arguments (the loss
read by the host batch by batch) or the losses stay on the device until the
end of the epoch. :class:`BatchLoop` holds skorch-style overridable steps:
``train_step``, ``train_step_single`` and ``validation_step``.
"""

import math
from typing import NamedTuple

import torch
from skorch.callbacks import Callback, EpochTimer

from ._callbacks import Convergence, LearningRateSchedule, ProgressLog, current_row
from ._data import call_module
from ._distributed import mean_over_ranks, shares

_BATCH_HOOKS = ("on_batch_begin", "on_batch_end", "on_grad_computed")
# Callbacks that read only epoch rows of the history: sknn's own and skorch's default.
_EPOCH_ONLY = (EpochTimer, Convergence, LearningRateSchedule, ProgressLog)


def _grad_scaler(device_type, enabled):
    """A ``GradScaler`` for ``device_type``.

    ``torch.amp.GradScaler`` is torch >= 2.3; torch 2.2 has only the CUDA
    one, so float16 on other devices there trains unscaled.
    """
    if hasattr(torch.amp, "GradScaler"):
        return torch.amp.GradScaler(device_type, enabled=enabled)
    return torch.cuda.amp.GradScaler(enabled=enabled and device_type == "cuda")


def _overrides(callback, name):
    return getattr(type(callback), name) is not getattr(Callback, name)


def _detach(output):
    """``output`` detached, 16-bit floats (mixed precision) as float32 for callbacks."""
    if isinstance(output, torch.Tensor):
        output = output.detach()
        return output.float() if output.dtype in (torch.bfloat16, torch.float16) else output
    return type(output)(_detach(item) for item in output)


def _concat(outputs):
    """Batch outputs joined along the batch axis; a scalar part (a shared
    parameter a module returns beside its batch output) is kept once."""
    if isinstance(outputs[0], torch.Tensor):
        return outputs[0] if outputs[0].ndim == 0 else torch.cat(outputs)
    return type(outputs[0])(_concat(list(parts)) for parts in zip(*outputs))


class BatchTally:
    """An epoch's batch losses and weights, kept on the device until one host read.

    They are stacked every ``STACK`` batches: holding thousands of separate
    scalar tensors fragments the host heap (a small MLP's 8,000 batches
    grew the process by 575 MB).

    Examples
    --------
    >>> import torch
    >>> from sknn._batch_loop import BatchTally
    >>> tally = BatchTally()
    >>> tally.add(torch.tensor(1.0), 3)
    >>> tally.add(torch.tensor(2.0), 1)
    >>> tally.read()
    ([1.0, 2.0], [3, 1])
    """

    STACK = 256

    def __init__(self):
        self.sizes = []
        self.weight = None  # the weights' sum, once read
        self._losses, self._weights, self._stacked = [], [], []

    def add_step(self, step, batch):
        """Count a training or validation ``step`` on ``batch`` ``(X, y, sample_weight)``."""
        self.add(step["loss"], batch[1].shape[0], None if batch[2] is None else batch[2].sum())

    def add(self, loss, size, weight=None):
        """Count a batch of ``size`` samples: its mean ``loss`` and ``weight`` (a sum) or None."""
        self.sizes.append(size)
        self._losses.append(loss)
        if weight is not None:
            self._weights.append(weight)
        if len(self._losses) == self.STACK:
            self._fold()

    def _fold(self):
        parts = [torch.stack(self._losses).float()]
        if self._weights:
            parts.append(torch.stack(self._weights).float())
        self._stacked.append(torch.stack(parts))
        self._losses, self._weights = [], []

    def read(self):
        """``(losses, weights)`` as lists of floats (weights: the sizes without sample weights)."""
        if len(self.sizes) == 1 and not self._weights:
            values, weights = [self._losses[0].item()], list(self.sizes)  # one read
        else:
            if self._losses:
                self._fold()
            table = torch.cat(self._stacked, dim=1).tolist()
            values, weights = table[0], table[1] if len(table) > 1 else list(self.sizes)
        self.weight = math.fsum(weights)
        return values, weights


class BatchPlan(NamedTuple):
    """What the batch loop of one fit does for its callbacks.

    ``listeners`` maps each batch-level notification to the callbacks that
    implement it. When one implements ``on_batch_begin`` or ``on_batch_end``
    the loop is ``live``: as in skorch, every training and validation batch
    is announced, with the batch loss read by the host and recorded in the
    batch's history row before ``on_batch_end``. Otherwise the losses stay
    on the device, and with ``rows`` (some callback other than sknn's own
    and skorch's ``EpochTimer``) the batch rows are written at the end of
    the epoch from one read.

    Examples
    --------
    >>> from skorch.callbacks import EarlyStopping, EpochScoring, EpochTimer
    >>> from sknn._batch_loop import BatchPlan
    >>> BatchPlan.for_callbacks([EpochTimer()])[1:]
    (False, False)
    >>> BatchPlan.for_callbacks([EpochTimer(), EarlyStopping()])[1:]
    (False, True)
    >>> BatchPlan.for_callbacks([EpochTimer(), EpochScoring("accuracy")])[1:]
    (True, True)
    """

    listeners: dict
    live: bool
    rows: bool

    @classmethod
    def for_callbacks(cls, callbacks):
        """The plan for ``callbacks`` (instances, as in ``net.callbacks_``)."""
        listeners = {name: [cb for cb in callbacks if _overrides(cb, name)]
                     for name in _BATCH_HOOKS}
        live = bool(listeners["on_batch_begin"] or listeners["on_batch_end"])
        rows = live or not all(isinstance(cb, _EPOCH_ONLY) for cb in callbacks)
        return cls(listeners, live, rows)


class StepContext(NamedTuple):
    """What the training steps of one epoch share."""

    module: torch.nn.Module  # the module to call: module_, or its compiled form
    autocast: object  # torch.autocast context, or None in float32
    scaler: object  # torch.amp.GradScaler, or None in float32
    parameters: list  # the parameters to clip, or None
    max_grad_norm: float
    grad_listeners: list  # callbacks implementing on_grad_computed
    optimized: list  # the optimizer's parameters
    loss_scale: float = 1.0  # distributed: this rank's share of the batch, times the ranks


class BatchLoop:
    """Training and validation epochs in mini-batches, for :class:`~sknn._training.SknnNet`.

    A batch is ``(X, y, sample_weight)`` here; callbacks receive ``(X, y)``
    as ``batch``, as from skorch's own loop.
    """

    def run_train_epoch(self, dataset, plan, shuffle=True, max_grad_norm=None):
        """One pass over ``dataset`` in mini-batches; returns the mean loss.

        Parameters
        ----------
        dataset : DeviceDataset
            The training data.
        plan : BatchPlan
            What to tell the callbacks and record per batch.
        shuffle : bool
            Visit the samples in a new random order.
        max_grad_norm : float or None
            Clip the gradient norm of every step to this value.
        """
        n = len(dataset)
        device = dataset.y.device
        # One batch holds every sample whatever their order: no permutation.
        order = dataset.shuffled() if shuffle and n > self.batch_size else None
        if not self.module_.training:  # train() walks every submodule: only when needed
            self.module_.train()
        context = self._step_context(device, max_grad_norm, plan)
        tally = BatchTally()
        indexes, scales = self._batches(n, order), None
        if self.distributed:  # this rank's share of each batch
            indexes, scales = zip(*shares(indexes, n, *self.process_group_,
                                          sample_weight=dataset.sample_weight))
        for i, batch in enumerate(dataset.batches(indexes)):
            if plan.live:
                self._announce("on_batch_begin", plan, batch, training=True)
            if scales is not None:
                context = context._replace(loss_scale=scales[i])
            step = self.train_step(batch, context)
            tally.add_step(step, batch)
            if plan.live:
                self._batch_done(plan, batch, step, training=True)
        self.samples_seen_ += n
        self.note_output(step["y_pred"])
        loss = self._epoch_loss("train", plan, tally)
        if self.distributed:
            loss = mean_over_ranks(loss, tally.weight, device)
        with torch.no_grad():
            return self._finite(loss + self.penalty_value())

    def _batches(self, n, order=None):
        """Slices of ``range(n)`` of ``batch_size``, or of ``order`` when shuffling.

        Batch normalisation cannot train on one row: a one-row last batch
        joins the batch before it when the module normalises batches.
        """
        if n <= self.batch_size:
            yield slice(None)
            return
        starts = list(range(0, n, self.batch_size))
        if len(starts) > 1 and n - starts[-1] == 1 and self._normalises_batches():
            starts.pop()
        for start, stop in zip(starts, [*starts[1:], n]):
            yield slice(start, stop) if order is None else order[start:stop]

    def _normalises_batches(self):
        return any(isinstance(layer, torch.nn.modules.batchnorm._BatchNorm)
                   for layer in self.module_.modules())

    def _step_context(self, device, max_grad_norm, plan):
        autocast, scaler = self._mixed_precision(device)
        return StepContext(
            module=self._training_module(), autocast=autocast, scaler=scaler,
            parameters=list(self.module_.parameters()) if max_grad_norm else None,
            max_grad_norm=max_grad_norm, grad_listeners=plan.listeners["on_grad_computed"],
            optimized=[p for group in self.optimizer_.param_groups for p in group["params"]])

    def train_step(self, batch, context):
        """One optimizer step on ``batch``; return ``{'loss', 'y_pred'}``, detached.

        Parameters
        ----------
        batch : tuple of (X, y, sample_weight)
            Tensors of one mini-batch.
        context : StepContext
            The module to call, mixed precision, clipping and the callbacks
            to tell ``on_grad_computed``.
        """
        optimizer = self.optimizer_
        for param in context.optimized:  # optimizer.zero_grad(), without its dispatch
            param.grad = None
        step = self.train_step_single(batch, context)
        if context.scaler is not None:
            context.scaler.unscale_(optimizer)
        for cb in context.grad_listeners:
            cb.on_grad_computed(self, named_parameters=list(self.get_all_learnable_params()),
                                batch=batch[:2], training=True)
        if context.max_grad_norm:
            torch.nn.utils.clip_grad_norm_(context.parameters, context.max_grad_norm)
        if context.scaler is None:
            optimizer.step()
        else:
            context.scaler.step(optimizer)
            context.scaler.update()
        return step

    def train_step_single(self, batch, context):
        """Forward and backward pass on ``batch``; return ``{'loss', 'y_pred'}``, detached."""
        X, y, w = batch
        scale = context.loss_scale
        if context.autocast is None:
            y_pred = call_module(context.module, X)
            loss = self.get_loss(y_pred, y, sample_weight=w)
            (loss if scale == 1 else loss * scale).backward()
        else:
            with context.autocast:
                y_pred = call_module(context.module, X)
                loss = self.get_loss(y_pred, y, sample_weight=w)
            context.scaler.scale(loss if scale == 1 else loss * scale).backward()
        return {"loss": loss.detach(), "y_pred": _detach(y_pred)}

    def validation_step(self, batch, **fit_params):
        """Loss and outputs of a validation ``batch`` ``(X, y, sample_weight)``."""
        X, y, w = batch
        with torch.no_grad():
            y_pred = self.infer(X)
            return {"loss": self.get_loss(y_pred, y, sample_weight=w), "y_pred": y_pred}

    def run_valid_epoch(self, dataset, plan, score=None):
        """Return ``(loss, score)`` on ``dataset``; per batch when the history has batch rows.

        The loss is the weighted mean of the batch losses; ``score`` (see
        :meth:`~sknn._training.SknnNet.fit_epochs`) sees all the outputs at once.
        """
        if not plan.rows:
            return self.evaluate(dataset.tensors, score)
        self.module_.eval()
        outputs, tally = [], BatchTally()
        for batch in dataset.batches(self._batches(len(dataset))):
            if plan.live:
                self._announce("on_batch_begin", plan, batch, training=False)
            step = self.validation_step(batch)
            outputs.append(step["y_pred"])
            tally.add_step(step, batch)
            if plan.live:
                self._batch_done(plan, batch, step, training=False)
        loss = self._epoch_loss("valid", plan, tally)
        if score is None:
            return loss, None
        _, y, w = dataset.tensors
        with torch.no_grad():
            return loss, float(score(_concat(outputs), y, w))

    def evaluate(self, valid, score=None):
        """Return ``(loss, score)`` on a held-out ``(X, y, sample_weight)`` set, in one pass."""
        X, y, w = valid
        self.module_.eval()
        with torch.inference_mode():
            y_pred = self.infer(X)
            loss = float(self.get_loss(y_pred, y, sample_weight=w))
            return loss, None if score is None else float(score(y_pred, y, w))

    def _announce(self, name, plan, batch, **kwargs):
        """Send the batch notification ``name`` to the net, then to its listeners."""
        getattr(self, name)(self, batch=batch[:2], **kwargs)
        for cb in plan.listeners[name]:
            getattr(cb, name)(self, batch=batch[:2], **kwargs)

    def _batch_done(self, plan, batch, step, training):
        """Record the batch's row, as skorch does, and announce ``on_batch_end``."""
        prefix = "train" if training else "valid"
        self.history.record_batch(prefix + "_loss", step["loss"].item())
        self.history.record_batch(prefix + "_batch_size", batch[1].shape[0])
        self._announce("on_batch_end", plan, batch, training=training, **step)

    def _epoch_loss(self, prefix, plan, tally):
        """The epoch's mean batch loss from one host read; writes deferred batch rows.

        Records ``<prefix>_batch_count``; without a live loop and with
        ``plan.rows``, also the per-batch rows skorch would have written.
        """
        current_row(self.history)[prefix + "_batch_count"] = len(tally.sizes)
        values, weights = tally.read()
        if plan.rows and not plan.live:
            self.history[-1]["batches"].extend(
                {prefix + "_loss": value, prefix + "_batch_size": size}
                for value, size in zip(values, tally.sizes))
        if len(values) == 1:
            return values[0]
        return math.fsum(v * w for v, w in zip(values, weights)) / math.fsum(weights)

    def _mixed_precision(self, device):
        """``(autocast context, grad scaler)`` for ``precision``; ``(None, None)`` for float32.

        The scaler only scales with 'float16' (bfloat16 has float32's range).
        """
        if self.precision == "float32":
            return None, None
        dtype = torch.bfloat16 if self.precision == "bfloat16" else torch.float16
        scaler = _grad_scaler(device.type, enabled=self.precision == "float16")
        return torch.autocast(device.type, dtype=dtype), scaler
