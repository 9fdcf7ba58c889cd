"""The training engine: a skorch net with a tensor-slice batch path.

:class:`SknnNet` is a :class:`skorch.NeuralNet` that keeps what skorch is good
at (module/optimizer/criterion initialisation, callbacks, history, pickling
that maps CUDA tensors to the CPU when CUDA is gone) and replaces its
``Dataset``/``DataLoader`` batch path, which assembles every batch sample by
sample, with slices of tensors that already live on the training device. The
running loss stays on the device; the host reads it once per epoch.

scikit-learn's training semantics are callbacks on that net:
:class:`Convergence` (``tol``/``n_iter_no_change``, early stopping, the
'adaptive' learning rate), :class:`LearningRateSchedule` and
:class:`ProgressLog` (``verbose``).
"""

import copy
import functools
import math
import warnings

import torch
from sklearn.exceptions import ConvergenceWarning
from skorch import NeuralNet
from skorch.callbacks import Callback, EpochTimer
from skorch.exceptions import DeviceWarning

from ._data import call_module, n_samples, take, to_device, weighted_mean
from ._device import mps_available

SOLVERS = ("adam", "adamw", "sgd", "rmsprop", "adagrad", "lbfgs")
LEARNING_RATES = ("constant", "invscaling", "adaptive", "step", "exponential", "cosine")

_BATCH_HOOKS = ("on_batch_begin", "on_batch_end", "on_grad_computed")


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


_FUSED = (torch.optim.Adam, torch.optim.AdamW, torch.optim.SGD, torch.optim.Adagrad)


def build_optimizer(optimizer, params, **kwargs):
    """``optimizer(params, **kwargs)``, with its fused kernel where torch has one.

    A fused optimizer updates every parameter in one kernel per step instead
    of a loop of per-tensor kernels, with the same arithmetic: a plain torch
    loop over the MLP benchmark's job ran in 0.79x the time with fused Adam
    on a 2-core CPU. torch versions or devices without the kernel get the
    default implementation.
    """
    if optimizer in _FUSED and "fused" not in kwargs:
        try:
            return optimizer(params, fused=True, **kwargs)
        except (RuntimeError, TypeError, ValueError):  # no fused kernel here
            pass
    return optimizer(params, **kwargs)


class DivergenceError(ValueError):
    """Training loss became NaN or infinite."""


class SknnNet(NeuralNet):
    """A skorch ``NeuralNet`` trained on device-resident tensors.

    The estimator builds it with an initialised module and a per-sample
    criterion, then calls :meth:`fit_epochs` with ``(X, y, sample_weight)``
    tensors already on ``device``. Batches are slices (or, when shuffling,
    index gathers) of those tensors. User callbacks receive the usual skorch
    notifications; batch-level notifications are sent only to callbacks that
    implement them.

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
                 precision="float32", compile=False, **kwargs):
        super().__init__(module, *args, train_split=None, verbose=0, compile=compile, **kwargs)
        self.l2_penalty = l2_penalty
        self.max_fun = max_fun
        self.tol = tol
        self.precision = precision

    def initialize(self):
        """Initialise as skorch does, and start counting training samples."""
        super().initialize()
        self.samples_seen_ = 0
        return self

    @property
    def _default_callbacks(self):
        return [("epoch_timer", EpochTimer())]

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
        return self

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        # skorch opens a history row per batch; sknn records per epoch only.
        pass

    def infer(self, x, **fit_params):
        return call_module(self.module_, x)

    def torch_compile(self, module, name):
        # skorch would replace module_ by its compiled wrapper; sknn keeps the
        # plain module (pickling, state dicts, float64 copies, ``module_``)
        # and compiles the training forward only: see _training_module.
        return module

    def _training_module(self):
        """The module the training steps call: ``torch.compile(module_)`` with ``compile``.

        Made once per net and dropped when pickling.
        """
        if not self.compile:
            return self.module_
        compiled = self.__dict__.get("_compiled_module")
        if compiled is None or compiled[0] is not self.module_:
            options = self.compile if isinstance(self.compile, dict) else {}
            compiled = (self.module_, torch.compile(self.module_, **options))
            self._compiled_module = compiled
        return compiled[1]

    def get_loss(self, y_pred, y_true, X=None, training=False, sample_weight=None):
        """Mean of the per-sample criterion, weighted by ``sample_weight``."""
        return weighted_mean(self.criterion_(y_pred, y_true), sample_weight)

    def penalty(self):
        """``0.5 * l2_penalty * ||W||^2`` over weight matrices (scikit-learn's term)."""
        if not self.l2_penalty:
            return 0.0
        squares = sum(p.pow(2).sum() for p in self.module_.parameters() if p.ndim > 1)
        return 0.5 * self.l2_penalty * squares

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
        lbfgs = self.optimizer == "lbfgs"
        hooks = {
            name: [cb for _, cb in self.callbacks_
                   if getattr(type(cb), name) is not getattr(Callback, name)]
            for name in _BATCH_HOOKS
        }
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
        X, y, _ = train
        self.notify("on_train_begin", X=X, y=y)
        ran = 0
        try:
            if lbfgs:
                ran = self.run_lbfgs(train, epochs)
            for _ in range(0 if lbfgs else epochs):
                self.notify("on_epoch_begin", dataset_train=train, dataset_valid=valid)
                loss = self.run_train_epoch(train, shuffle, max_grad_norm, hooks)
                ran += 1
                self.record_loss("train_loss", loss)
                self.history.record("train_batch_count", -(-n_samples(X) // self.batch_size))
                if valid is not None:
                    valid_loss, valid_score = self.evaluate(valid, score)
                    self.record_loss("valid_loss", valid_loss)
                    if valid_score is not None:
                        self.history.record("valid_score", valid_score)
                self.notify("on_epoch_end", dataset_train=train, dataset_valid=valid)
                if self.stop_message_ is not None:
                    break
        except KeyboardInterrupt:
            # skorch's callbacks (EarlyStopping, say) stop training this way.
            pass
        except DivergenceError as error:
            # With a validation set, the best epoch's weights are still good.
            convergence = dict(self.callbacks_).get("convergence")
            if valid is None or convergence is None or convergence.best_state_ is None:
                raise
            self.stop_message_ = f"{error} Keeping the best validation epoch's weights."
            warnings.warn(self.stop_message_, ConvergenceWarning, stacklevel=2)
        finally:
            if lbfgs:
                self.module_.to(home, torch.float32)
        self.notify("on_train_end", X=X, y=y)
        self.module_.eval()
        return ran

    def record_loss(self, name, loss):
        """Record ``name`` and, as skorch's callbacks expect, ``name + '_best'``."""
        lowest = self.__dict__.setdefault("lowest_losses_", {})
        if name not in lowest:  # a new net: the history may hold earlier fits
            lowest[name] = min((row[name] for row in self.history[:-1] if name in row),
                               default=math.inf)
        self.history.record(name, loss)
        self.history.record(name + "_best", loss < lowest[name])
        lowest[name] = min(lowest[name], loss)

    def run_train_epoch(self, train, shuffle, max_grad_norm, hooks):
        """One pass over ``train`` in mini-batches; returns the mean loss."""
        X, y, w = train
        n = n_samples(X)
        batch_size = self.batch_size
        device = y.device
        order = torch.randperm(n, device=device) if shuffle else None
        total = torch.zeros((), device=device)
        self.module_.train()
        optimizer = self.optimizer_
        parameters = list(self.module_.parameters()) if max_grad_norm else None
        autocast, scaler = self._mixed_precision(device)
        module = self._training_module()
        for start in range(0, n, batch_size):
            index = slice(start, start + batch_size) if order is None else \
                order[start:start + batch_size]
            batch = (take(X, index), y[index], None if w is None else w[index])
            for cb in hooks["on_batch_begin"]:
                cb.on_batch_begin(self, batch=batch, training=True)
            optimizer.zero_grad(set_to_none=True)
            if autocast is None:
                loss = self._batch_loss(module, batch)
                loss.backward()
            else:
                with autocast:
                    loss = self._batch_loss(module, batch)
                scaler.scale(loss).backward()
                scaler.unscale_(optimizer)
            for cb in hooks["on_grad_computed"]:
                cb.on_grad_computed(self, named_parameters=list(self.get_all_learnable_params()),
                                    batch=batch, training=True)
            if max_grad_norm:
                torch.nn.utils.clip_grad_norm_(parameters, max_grad_norm)
            if scaler is None:
                optimizer.step()
            else:
                scaler.step(optimizer)
                scaler.update()
            detached = loss.detach()
            total += detached * (batch[1].shape[0] if batch[2] is None else batch[2].sum())
            for cb in hooks["on_batch_end"]:
                cb.on_batch_end(self, batch=batch, training=True, loss=detached)
        self.samples_seen_ += n
        weight = n if w is None else w.sum()
        with torch.no_grad():
            return self._finite(float(total / weight) + float(self.penalty()))

    def _batch_loss(self, module, batch):
        X, y, w = batch
        return self.get_loss(call_module(module, X), y, sample_weight=w)

    def _mixed_precision(self, device):
        """``(autocast context, grad scaler)`` for ``precision``; ``(None, None)`` for float32.

        The scaler only scales with 'float16' (bfloat16 has float32's range).
        """
        if self.precision == "float32":
            return None, None
        dtype = torch.bfloat16 if self.precision == "bfloat16" else torch.float16
        scaler = torch.amp.GradScaler(device.type, enabled=self.precision == "float16")
        return torch.autocast(device.type, dtype=dtype), scaler

    def run_lbfgs(self, train, max_iter):
        """Minimise the full-batch loss with scipy's L-BFGS-B, as scikit-learn does.

        Parameters and gradients travel as one float64 vector; scipy applies
        its own stopping rules (``gtol=tol``, ``maxiter=max_iter``,
        ``maxfun=max_fun``). Each iteration becomes a row of the history.
        Callbacks see ``on_train_begin``/``on_train_end`` only. Returns the
        number of iterations.
        """
        from scipy.optimize import minimize

        X, y, w = train
        params = [p for p in self.module_.parameters() if p.requires_grad]
        self.module_.train()

        def loss_and_grad(theta):
            torch.nn.utils.vector_to_parameters(
                torch.from_numpy(theta).to(params[0].device), params)
            for param in params:
                param.grad = None
            loss = self.get_loss(self.infer(X), y, sample_weight=w) + self.penalty()
            loss.backward()
            grads = [torch.zeros_like(p) if p.grad is None else p.grad for p in params]
            return loss.item(), torch.nn.utils.parameters_to_vector(grads).cpu().numpy()

        losses = []
        result = minimize(
            loss_and_grad,
            torch.nn.utils.parameters_to_vector(params).detach().cpu().numpy(),
            method="L-BFGS-B", jac=True,
            callback=lambda intermediate_result: losses.append(intermediate_result.fun),
            options={"maxiter": max_iter, "maxfun": self.max_fun, "gtol": self.tol},
        )
        torch.nn.utils.vector_to_parameters(torch.from_numpy(result.x).to(params[0].device),
                                            params)
        self._finite(float(result.fun))
        rows = losses or [float(result.fun)]  # converged before a first iteration
        for loss in rows:
            self.history.new_epoch()
            self.history.record("epoch", len(self.history))
            self.history.record("train_loss", loss)
        self.samples_seen_ += len(rows) * n_samples(X)
        self.stop_message_ = f"L-BFGS-B: {result.message}"
        self.converged_ = bool(result.success)
        return len(rows)

    def evaluate(self, valid, score=None):
        """Return ``(loss, score)`` on a held-out ``(X, y, sample_weight)`` set."""
        X, y, w = valid
        self.module_.eval()
        with torch.inference_mode():
            y_pred = self.infer(X)
            loss = float(self.get_loss(y_pred, y, sample_weight=w))
            value = None if score is None else float(score(y_pred, y, w))
        return loss, value

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

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_float64_copy", None)
        state.pop("_compiled_module", None)
        return state

    def __setstate__(self, state):
        # skorch maps CUDA tensors to the CPU when CUDA is gone; do the same for MPS.
        if str(state.get("device", "")).startswith("mps") and not mps_available():
            warnings.warn(f"Setting self.device = cpu since the requested device "
                          f"({state['device']}) is not available.", DeviceWarning)
            state["device"] = "cpu"
        super().__setstate__(state)

    @staticmethod
    def _finite(loss):
        if not math.isfinite(loss):
            raise DivergenceError(
                f"Training diverged: the loss became {loss}. Lower learning_rate_init, "
                "scale the input (StandardScaler), or set max_grad_norm."
            )
        return loss
