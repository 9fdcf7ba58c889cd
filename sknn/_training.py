"""The training engine: a skorch net with a tensor-slice batch path.

:class:`SknnNet` is a :class:`skorch.NeuralNet` that keeps what skorch is good
at (module/optimizer/criterion initialisation, callbacks, history, pickling
that maps CUDA tensors to the CPU when CUDA is gone) and replaces its
``Dataset``/``DataLoader`` batch path, which assembles every batch sample by
sample, with slices of tensors that already live on the training device.

It keeps skorch's callback protocol: the train, epoch, batch and gradient
notifications with skorch's arguments, and a history with skorch's
per-batch rows. What each fit does per batch follows from its callbacks
(:class:`~sknn._batch_loop.BatchPlan`): the losses stay on the device and
the host reads them once per epoch unless a callback listens to every batch.
The batch loop lives in :mod:`sknn._batch_loop`, predictions in
:mod:`sknn._outputs` and the L-BFGS runner in :mod:`sknn._lbfgs`.

scikit-learn's training semantics are callbacks on that net
(:mod:`sknn._callbacks`): ``Convergence`` (``tol``/``n_iter_no_change``,
early stopping, the 'adaptive' learning rate), ``LearningRateSchedule`` and
``ProgressLog`` (``verbose``).
"""

import contextlib
import copy
import math
import pickle
import signal
import threading
import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from skorch import NeuralNet
from skorch.callbacks import EpochTimer
from skorch.exceptions import DeviceWarning

from ._batch_loop import BatchLoop, BatchPlan
from ._callbacks import current_row, unwrap
from ._data import to_device, weighted_mean
from ._device import mps_available
from ._distributed import wrap
from ._lbfgs import run_lbfgs
from ._outputs import DeviceDataset, NetOutputs
from ._streaming import StreamedDataset

SOLVERS = ("adam", "adamw", "sgd", "rmsprop", "adagrad", "lbfgs")
LEARNING_RATES = ("constant", "invscaling", "adaptive", "step", "exponential", "cosine",
                  "plateau")


def make_optimizer_kwargs(estimator, batch_size):
    """Return ``(optimizer class, keyword arguments)`` for an estimator's solver.

    ``alpha`` is an L2 penalty on weight matrices scaled as scikit-learn's
    MLPs scale it (``alpha / batch_size`` per step, biases not penalised).
    With 'adamw' it is the decoupled weight decay instead.
    """
    solver = estimator.solver
    l2 = estimator.alpha / batch_size
    if solver == "adam":
        return torch.optim.Adam, dict(
            betas=(estimator.beta_1, estimator.beta_2), eps=estimator.epsilon, weight_decay=l2
        )
    if solver == "adamw":
        return torch.optim.AdamW, dict(
            betas=(estimator.beta_1, estimator.beta_2),
            eps=estimator.epsilon,
            weight_decay=estimator.alpha,
        )
    if solver == "sgd":
        return torch.optim.SGD, dict(
            momentum=estimator.momentum,
            nesterov=bool(estimator.nesterovs_momentum and estimator.momentum > 0),
            weight_decay=l2,
        )
    if solver == "rmsprop":
        return torch.optim.RMSprop, dict(eps=estimator.epsilon, weight_decay=l2)
    if solver == "adagrad":
        return torch.optim.Adagrad, dict(eps=estimator.epsilon, weight_decay=l2)
    # lbfgs: scipy's L-BFGS-B minimises the full-batch loss (SknnNet.run_lbfgs).
    return "lbfgs", {}


def balanced_batch_size(n, batch_size):
    """A batch size at most ``batch_size`` whose last batch of ``n`` rows is not small.

    ``n`` rows in batches of ``batch_size`` leave a last batch of ``n %
    batch_size`` rows (2 of 50 rows in batches of 16), on which batch
    normalisation computes its statistics and which weighs as much as a full
    step. This spreads the rows over the fewest batches whose sizes differ as
    little as the batch loop's equal slices allow, and takes more batches
    where that still leaves a last batch under half the others: every batch
    then holds at least half as many rows as the first.

    Examples
    --------
    >>> from sknn._training import balanced_batch_size
    >>> balanced_batch_size(50, 16), balanced_batch_size(48, 16), balanced_batch_size(10, 3)
    (13, 16, 2)
    """
    for count in range(math.ceil(n / batch_size), n + 1):
        size = math.ceil(n / count)
        if 2 * (n - (count - 1) * size) >= size:
            return size
    return batch_size


_FUSED = (torch.optim.Adam, torch.optim.AdamW, torch.optim.SGD, torch.optim.Adagrad)


def build_optimizer(optimizer, params, **kwargs):
    """``optimizer(params, **kwargs)``, with its fused kernel where torch has one.

    A fused optimizer updates every parameter in one kernel per step instead
    of a loop of per-tensor kernels, with the same arithmetic: a plain torch
    loop over the MLP benchmark's job ran in 0.79x the time with fused Adam
    on a 2-core CPU. torch versions or devices without the kernel get the
    default implementation. A refused attempt leaves ``params`` as they
    were (torch writes its defaults into param group dicts before refusing).
    """
    params = list(params)
    if optimizer in _FUSED and "fused" not in kwargs:
        try:
            groups = [dict(group) if isinstance(group, dict) else group for group in params]
            return optimizer(groups, fused=True, **kwargs)
        except (RuntimeError, TypeError, ValueError):  # no fused kernel here
            pass
    return optimizer(params, **kwargs)


class DivergenceError(ValueError):
    """Training loss became NaN or infinite.

    Raised by ``fit`` and ``partial_fit`` when the loss diverges.

    Examples
    --------
    >>> from sknn import DivergenceError
    >>> issubclass(DivergenceError, ValueError)
    True
    """


@contextlib.contextmanager
def _watching_ctrl_c():
    """Yield a list that gets an entry when a real Ctrl-C (SIGINT) arrives in the block.

    skorch's callbacks stop training by raising ``KeyboardInterrupt``, and so
    does Python's SIGINT handler. Wrapping that handler (from the main
    thread, where signal handlers live) tells the two apart.
    """
    seen = []
    previous = signal.getsignal(signal.SIGINT)
    if not callable(previous) or threading.current_thread() is not threading.main_thread():
        yield seen
        return

    def handler(signum, frame):
        seen.append(signum)
        previous(signum, frame)

    signal.signal(signal.SIGINT, handler)
    try:
        yield seen
    finally:
        signal.signal(signal.SIGINT, previous)


class SknnNet(BatchLoop, NetOutputs, NeuralNet):
    """A skorch ``NeuralNet`` trained on device-resident tensors.

    The estimator builds it with an initialised module and a per-sample
    criterion, then calls :meth:`fit_epochs` with ``(X, y, sample_weight)``
    tensors already on ``device``. Batches are slices (or, when shuffling,
    index gathers) of those tensors. Callbacks receive skorch's
    notifications with skorch's arguments; the training and validation data
    are :class:`~sknn._outputs.DeviceDataset` objects and a batch is
    ``(X, y)``.

    Examples
    --------
    >>> import torch
    >>> from sknn._training import SknnNet
    >>> from sknn.modules import MLP, HalfSquaredError
    >>> net = SknnNet(MLP(2, 1, (4,)), criterion=HalfSquaredError(),
    ...               optimizer=torch.optim.Adam, batch_size=8).initialize()
    >>> X, y = torch.randn(32, 2), torch.randn(32, 1)
    >>> _ = net.fit_epochs((X, y, None), epochs=2)
    >>> len(net.history)
    2
    """

    def __init__(self, module, *args, l2_penalty=0.0, max_fun=15000, tol=1e-4,
                 precision="float32", compile=False, distributed=False, verbose=0, **kwargs):
        # verbose: skorch's callbacks print (PrintLog with its default sink,
        # EarlyStopping's and Checkpoint's notes) only for a verbose net.
        super().__init__(module, *args, train_split=None, verbose=verbose, compile=compile,
                         **kwargs)
        self.l2_penalty = l2_penalty
        self.max_fun = max_fun
        self.tol = tol
        self.precision = precision
        self.distributed = distributed

    def initialize(self):
        """Initialise as skorch does, and start counting training samples."""
        super().initialize()
        self.samples_seen_ = 0
        return self

    @property
    def _default_callbacks(self):
        return [("epoch_timer", EpochTimer())]

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        """Open the epoch's history row, as skorch does (without its general indexing)."""
        self.history.new_epoch()
        current_row(self.history)["epoch"] = len(self.history)

    @staticmethod
    def copy_callbacks(callbacks):
        """Copies of ``callbacks`` for a new net, sharing what each holds.

        Each fit gets its own callback objects, as it gets a fresh module:
        the state a callback sets on itself while training (skorch's
        ``EarlyStopping.misses_``, ``LRScheduler.lr_scheduler_``) lands on the
        net's copy, and the caller's instance keeps its own attributes. The
        copies are shallow, so what a callback was given is shared, as when
        skorch uses the instance itself: an Optuna trial it reports to, a
        ``SummaryWriter``, a logger's run. A callback that cannot be copied
        is used as given.

        Examples
        --------
        >>> from skorch.callbacks import EarlyStopping
        >>> from sknn._training import SknnNet
        >>> log = []
        >>> stopper = EarlyStopping(sink=log.append)
        >>> copied, (name, named) = SknnNet.copy_callbacks([stopper, ("stop", stopper)])
        >>> copied is stopper, named is stopper, copied.sink == stopper.sink
        (False, False, True)
        """
        def copied(callback):
            try:
                return copy.copy(callback)
            except (TypeError, AttributeError, RuntimeError, copy.Error, pickle.PickleError):
                return callback

        return [(item[0], copied(item[1])) if unwrap(item) is not item else copied(item)
                for item in callbacks or []]

    def initialize_optimizer(self, triggered_directly=None):
        """Build the optimizer with weight decay on weight matrices only."""
        if self.optimizer == "lbfgs":
            self.optimizer_ = None  # scipy minimises: see run_lbfgs
            return self
        kwargs = self.get_params_for("optimizer")
        decay = kwargs.pop("weight_decay", 0.0)
        params = [param for _, param in self.get_all_learnable_params()]
        groups = [
            {"params": [p for p in params if p.ndim > 1], "weight_decay": decay},
            {"params": [p for p in params if p.ndim <= 1], "weight_decay": 0.0},
        ]
        self.optimizer_ = build_optimizer(self.optimizer, groups, lr=self.lr, **kwargs)
        # A warm start keeps the history, so skorch's LRScheduler resumes its
        # schedule (last_epoch = epochs so far), which reads each group's
        # initial_lr: the rate a schedule started from an epoch 0 would set.
        for group in self.optimizer_.param_groups:
            group.setdefault("initial_lr", group["lr"])
        return self

    def on_batch_end(self, net, batch=None, training=False, y_pred=None, **kwargs):
        # The net hears first: classes_ (for scorers) needs the output width.
        if y_pred is not None:
            self.note_output(y_pred)

    def torch_compile(self, module, name):
        # skorch would replace module_ by its compiled wrapper; sknn keeps the
        # plain module (pickling, state dicts, float64 copies, ``module_``)
        # and compiles the training forward only: see _training_module.
        return module

    def _training_module(self):
        """The module the training steps call: ``module_``, in ``DistributedDataParallel``
        with ``distributed``, through ``torch.compile`` with ``compile``.

        Made once per net and dropped when pickling.
        """
        if not (self.compile or self.distributed):
            return self.module_
        made = self.__dict__.get("_compiled_module")
        if made is None or made[0] is not self.module_:
            module = wrap(self.module_) if self.distributed else self.module_
            if self.compile:
                options = self.compile if isinstance(self.compile, dict) else {}
                module = torch.compile(module, **options)
            made = self._compiled_module = (self.module_, module)
        return made[1]

    def get_loss(self, y_pred, y_true, X=None, training=False, sample_weight=None):
        """Mean of the per-sample criterion, weighted by ``sample_weight``."""
        return weighted_mean(self.criterion_(y_pred, y_true), sample_weight)

    def penalty(self):
        """``0.5 * l2_penalty * ||W||^2`` over weight matrices (scikit-learn's term)."""
        if not self.l2_penalty:
            return 0.0
        squares = sum(torch.vdot(p.reshape(-1), p.reshape(-1))  # one kernel per matrix
                      for p in self._weight_matrices())
        return 0.5 * self.l2_penalty * squares

    def penalty_value(self):
        """:meth:`penalty` as a float, for the loss an epoch reports.

        On the CPU numpy reads the float32 weights in place: microseconds
        against torch's per-operation dispatch, on every epoch.
        """
        if not self.l2_penalty:
            return 0.0
        flat = self._weight_views()
        if flat is None:
            return float(self.penalty())
        return 0.5 * self.l2_penalty * math.fsum(float(np.dot(w, w)) for w in flat)

    def _weight_views(self):
        """Flat numpy views of float32 CPU weight matrices, or None; made once per storage.

        The optimizers update the weights in place, so the views stay valid
        until the module moves (L-BFGS's float64 pass does).
        """
        matrices = self._weight_matrices()
        pointers = [w.data_ptr() for w in matrices]
        cached = self.__dict__.get("_views")
        if cached is None or cached[0] != pointers:
            views = None
            if all(w.device.type == "cpu" and w.dtype == torch.float32 for w in matrices):
                views = [w.detach().numpy().reshape(-1) for w in matrices]
            cached = self._views = (pointers, views)
        return cached[1]

    def _weight_matrices(self):
        """The module's weight matrices (not biases), listed once per module."""
        cached = self.__dict__.get("_matrices")
        if cached is None or cached[0] is not self.module_:
            cached = (self.module_, [p for p in self.module_.parameters() if p.ndim > 1])
            self._matrices = cached
        return cached[1]

    # -- training -------------------------------------------------------
    def fit_epochs(self, train, valid=None, *, epochs, shuffle=True, max_grad_norm=None,
                   score=None):
        """Train for at most ``epochs`` epochs; return the number run.

        Parameters
        ----------
        train, valid : tuple of (X, y, sample_weight)
            Tensors (``sample_weight`` may be None) on the net's device.
        epochs : int
            The most epochs to run; callbacks may stop earlier by setting
            ``net.stop_message_`` or, as skorch's own callbacks do, by raising
            ``KeyboardInterrupt``.
        shuffle : bool
            Shuffle the samples every epoch.
        max_grad_norm : float or None
            Clip the gradient norm of every step to this value.
        score : callable or None
            ``score(y_pred, y, sample_weight) -> scalar tensor``, recorded as
            ``valid_score`` each epoch when ``valid`` is given.
        """
        self.stop_message_ = None
        self.converged_ = False
        if self.distributed:
            self.process_group_ = (torch.distributed.get_rank(),
                                   torch.distributed.get_world_size())
        lbfgs = self.optimizer == "lbfgs"
        plan = BatchPlan.for_callbacks([cb for _, cb in self.callbacks_])
        self.__dict__.pop("_float64_copy", None)  # the weights are about to change
        home = train[1].device
        if lbfgs:
            # L-BFGS's line search and stopping tolerances (a relative loss
            # change of 2.2e-9, scipy's) lie below float32's resolution, so it
            # works in float64: full-batch training on data small enough for
            # it, on the CPU where the device has no float64 (MPS).
            work = torch.device("cpu") if home.type == "mps" else home
            self.module_.to(work, torch.float64)
            train = to_device(train, work, torch.float64)
        streamed = hasattr(train[0], "stays_on_host")
        data = {"dataset_train": (StreamedDataset if streamed else DeviceDataset)(*train),
                "dataset_valid": None if valid is None else DeviceDataset(*valid)}
        X, y, _ = train
        try:
            with _watching_ctrl_c() as ctrl_c:
                self.notify("on_train_begin", X=X, y=y)
                ran = self._run_epochs(plan, data, epochs, ctrl_c, shuffle=shuffle,
                                       max_grad_norm=max_grad_norm, score=score)
        finally:
            if lbfgs:
                self.module_.to(home, torch.float32)
            if self.distributed:
                # The DistributedDataParallel wrapper holds the process group:
                # it goes with the fit (a later fit may run in another group,
                # or in none).
                self.__dict__.pop("_compiled_module", None)
        self.notify("on_train_end", X=X, y=y)
        self.module_.eval()
        return ran

    def _run_epochs(self, plan, data, epochs, ctrl_c, **options):
        """The epochs of :meth:`fit_epochs` (or the L-BFGS run); return how many ran.

        A ``KeyboardInterrupt`` from a callback stops training, as in skorch;
        one from a real Ctrl-C (``ctrl_c`` is not empty) aborts the fit.
        """
        ran = 0
        try:
            if self.optimizer == "lbfgs":
                return self.run_lbfgs(data["dataset_train"].tensors, epochs,
                                      batch_rows=plan.rows)
            for _ in range(epochs):
                self.notify("on_epoch_begin", **data)
                self.run_epoch(plan, **data, **options)
                ran += 1
                self.notify("on_epoch_end", **data)
                if self.stop_message_ is not None:
                    break
        except KeyboardInterrupt:
            if ctrl_c:
                raise
        except DivergenceError as error:
            # The best epoch's weights, kept by early stopping (with a validation
            # set) or restore_best, are still good.
            convergence = dict(self.callbacks_).get("convergence")
            kept = convergence is not None and (
                (data["dataset_valid"] is not None and convergence.best_state_ is not None)
                or getattr(convergence, "kept_", None) is not None)
            if not kept:
                raise
            self.stop_message_ = f"{error} Keeping the best epoch's weights."
            warnings.warn(self.stop_message_, ConvergenceWarning, stacklevel=4)
        return ran

    def run_lbfgs(self, train, max_iter, batch_rows=False):
        """Full-batch L-BFGS-B training (see :func:`sknn._lbfgs.run_lbfgs`).

        Callbacks see ``on_train_begin``/``on_train_end`` only.
        """
        return run_lbfgs(self, train, max_iter, batch_rows=batch_rows)

    def run_epoch(self, plan, dataset_train, dataset_valid=None, shuffle=True,
                  max_grad_norm=None, score=None):
        """Train one epoch, then validate; record the losses (and ``valid_score``)."""
        self.record_loss("train_loss",
                         self.run_train_epoch(dataset_train, plan, shuffle, max_grad_norm))
        if dataset_valid is not None:
            valid_loss, valid_score = self.run_valid_epoch(dataset_valid, plan, score)
            self.record_loss("valid_loss", valid_loss)
            if valid_score is not None:
                self.history.record("valid_score", valid_score)

    def record_loss(self, name, loss):
        """Record ``name`` and, as skorch's callbacks expect, ``name + '_best'``."""
        lowest = self.__dict__.setdefault("lowest_losses_", {})
        if name not in lowest:  # a new net: the history may hold earlier fits
            lowest[name] = min((row[name] for row in self.history[:-1] if name in row),
                               default=math.inf)
        current_row(self.history).update({name: loss, name + "_best": loss < lowest[name]})
        lowest[name] = min(lowest[name], loss)

    def __getstate__(self):
        # skorch pickles the module and optimizer apart, with plain pickle, so
        # that a CUDA net loads without CUDA; that inner pickle names classes
        # by reference even where the outer one (cloudpickle, to and from Dask
        # or Ray workers) pickles a class of __main__ by value. A CPU net needs
        # no device mapping at load: the outer pickler takes its state whole.
        if self.device is not None and torch.device(self.device).type == "cpu":
            state = self.__dict__.copy()
        else:
            state = super().__getstate__()
        state.pop("_float64_copy", None)
        state.pop("_compiled_module", None)
        state.pop("_matrices", None)
        state.pop("_views", None)
        return state

    def __setstate__(self, state):
        # skorch maps CUDA tensors to the CPU when CUDA is gone; do the same for MPS.
        if str(state.get("device", "")).startswith("mps") and not mps_available():
            warnings.warn(f"Setting self.device = cpu since the requested device "
                          f"({state['device']}) is not available.", DeviceWarning,
                          stacklevel=2)
            state["device"] = "cpu"
        if "__cuda_dependent_attributes__" in state:
            super().__setstate__(state)
        else:
            self.__dict__.update(state)

    @staticmethod
    def _finite(loss):
        if not math.isfinite(loss):
            raise DivergenceError(
                f"Training diverged: the loss became {loss}. Lower learning_rate_init, "
                "scale the input (StandardScaler), or set max_grad_norm."
            )
        return loss
