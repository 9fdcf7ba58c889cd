"""sknn's own training callbacks: scikit-learn's training semantics on a skorch net.

:class:`Convergence` (``tol``/``n_iter_no_change``, early stopping, the
'adaptive' learning rate), :class:`LearningRateSchedule` (the
``learning_rate`` schedules) and :class:`ProgressLog` (``verbose``). The
estimator adds them to its net (see ``BaseNeuralNet._make_net``) before the
user's own callbacks.
"""

import math
import sys

from skorch.callbacks import Callback


class Convergence(Callback):
    """scikit-learn's stopping rule for its MLPs, as a skorch callback.

    Counts epochs in which the training loss did not fall by ``tol`` (or, with
    ``early_stopping``, the validation score did not rise by ``tol``). After
    more than ``n_iter_no_change`` of them, training stops, or with the
    'adaptive' learning rate the rate is divided by 5 until it is below 1e-6;
    with ``decays_to`` (the 'plateau' schedule, which lowers the rate itself)
    training stops only once the rate is down to that value.
    With ``early_stopping`` the best weights are restored at the end; with
    ``restore_best`` (and no ``early_stopping``) those of the call's best
    epoch: the highest validation score with validation data, else the
    lowest training loss.

    Examples
    --------
    >>> from sknn._callbacks import Convergence
    >>> Convergence(tol=1e-4, n_iter_no_change=10, early_stopping=False).best_loss_
    inf
    """

    def __init__(self, tol, n_iter_no_change, early_stopping, adaptive=False, verbose=False,
                 restore_best=False, decays_to=None):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.adaptive = adaptive
        self.verbose = verbose
        self.restore_best = restore_best
        self.decays_to = decays_to
        self.initialize()

    def initialize(self):
        self.best_loss_ = math.inf
        self.best_score_ = -math.inf
        self.best_state_ = None
        self.no_improvement_count_ = 0
        return self

    def on_train_begin(self, net, **kwargs):
        # restore_best keeps the best epoch of this call: for partial_fit,
        # one epoch, so its weights stay those it trained.
        self.kept_ = None
        self.kept_value_ = -math.inf

    def on_epoch_end(self, net, **kwargs):
        if self.restore_best and not self.early_stopping:
            self._keep_if_best(net)
        if self.early_stopping:
            score = current_row(net.history)["valid_score"]
            improved = score >= self.best_score_ + self.tol
            if score > self.best_score_:
                self.best_score_ = score
                self.best_state_ = {k: v.detach().clone()
                                    for k, v in net.module_.state_dict().items()}
        else:
            loss = current_row(net.history)["train_loss"]
            improved = loss <= self.best_loss_ - self.tol
            self.best_loss_ = min(self.best_loss_, loss)
        self.no_improvement_count_ = 0 if improved else self.no_improvement_count_ + 1
        if self.no_improvement_count_ <= self.n_iter_no_change:
            return
        what = "Validation score" if self.early_stopping else "Training loss"
        message = (f"{what} did not improve more than tol={self.tol:f} for "
                   f"{self.n_iter_no_change} consecutive epochs.")
        groups = net.optimizer_.param_groups
        if self.decays_to is not None and groups[0]["lr"] > self.decays_to:
            self.no_improvement_count_ = 0  # the 'plateau' schedule lowers the rate first
            return
        if self.adaptive and groups[0]["lr"] > 1e-6:
            for group in groups:
                group["lr"] /= 5.0
            self.no_improvement_count_ = 0
            if self.verbose:
                print(f"{message} Setting learning rate to {groups[0]['lr']:f}")
        else:
            net.stop_message_ = message
            net.converged_ = True

    def _keep_if_best(self, net):
        """``restore_best``: copy the weights of an epoch better than the kept one.

        Better is a higher validation score with validation data, else a
        lower training loss; the copy stays on the device (no host read).
        """
        row = current_row(net.history)
        value = row["valid_score"] if "valid_score" in row else -row["train_loss"]
        if value > self.kept_value_:
            self.kept_value_ = value
            self.kept_ = {k: v.detach().clone() for k, v in net.module_.state_dict().items()}

    def on_train_end(self, net, **kwargs):
        if self.early_stopping and self.best_state_ is not None:
            net.module_.load_state_dict(self.best_state_)
        elif getattr(self, "kept_", None) is not None:
            net.module_.load_state_dict(self.kept_)
            self.kept_ = None  # pickles and sknn.io files do not carry a second copy


class LearningRateSchedule(Callback):
    """The learning-rate schedules of the ``learning_rate`` parameter.

    'invscaling' follows scikit-learn (``lr0 / (t + 1) ** power_t`` with ``t``
    the number of samples seen, updated after every epoch). The decays run over
    ``max_iter`` epochs: 'step' divides by 10 every ``max_iter // 3`` epochs,
    'exponential' reaches ``lr0 / 100`` at ``max_iter``, 'cosine' follows half
    a cosine to 0. 'plateau' multiplies the rate by ``factor`` (not below
    ``floor``) when the monitored loss, the validation loss with validation
    data and else the training loss, has not fallen below its lowest value
    (by a relative ``1e-4``, as torch's ``ReduceLROnPlateau``) for
    ``patience`` epochs; it reads the epoch's history row, no tensor.

    Examples
    --------
    >>> from sknn._callbacks import LearningRateSchedule
    >>> schedule = LearningRateSchedule("cosine", 0.1, power_t=0.5, max_iter=10)
    >>> schedule.rate_at_epoch(5)
    0.05
    """

    def __init__(self, schedule, lr0, power_t, max_iter, patience=10, factor=0.5, floor=0.0):
        self.schedule = schedule
        self.lr0 = lr0
        self.power_t = power_t
        self.max_iter = max_iter
        self.patience = patience
        self.factor = factor
        self.floor = floor

    def rate_at_epoch(self, epoch):
        """Learning rate for epoch ``epoch`` (0-based) of the epoch decays."""
        if self.schedule == "step":
            return self.lr0 * 0.1 ** (epoch // max(1, self.max_iter // 3))
        if self.schedule == "exponential":
            return self.lr0 * 0.01 ** (epoch / self.max_iter)
        if self.schedule == "cosine":
            return round(self.lr0 * 0.5 * (1 + math.cos(math.pi * min(epoch, self.max_iter)
                                                       / self.max_iter)), 15)
        return self.lr0

    def _set(self, net, lr):
        for group in net.optimizer_.param_groups:
            group["lr"] = lr

    def on_train_begin(self, net, **kwargs):
        # Epochs count from this schedule's first fit: a warm-started fit
        # gets a new schedule; partial_fit calls continue this one.
        if not hasattr(self, "first_epoch_"):
            self.first_epoch_ = len(net.history)

    def on_epoch_begin(self, net, **kwargs):
        if self.schedule in ("step", "exponential", "cosine"):
            self._set(net, self.rate_at_epoch(len(net.history) - 1 - self.first_epoch_))

    def on_epoch_end(self, net, **kwargs):
        # The rate this epoch trained with, in the history (as skorch's LRScheduler's event_lr).
        current_row(net.history)["lr"] = net.optimizer_.param_groups[0]["lr"]
        if self.schedule == "invscaling":
            self._set(net, self.lr0 / (net.samples_seen_ + 1) ** self.power_t)
        elif self.schedule == "plateau":
            self._plateau(net)

    def _plateau(self, net):
        """'plateau': count the epochs without a new lowest loss; decay after ``patience``."""
        row = current_row(net.history)
        loss = row["valid_loss"] if "valid_loss" in row else row["train_loss"]
        lowest = getattr(self, "lowest_", math.inf)
        threshold = lowest * (1 - 1e-4) if lowest > 0 else lowest
        if loss < threshold:
            self.lowest_, self.waited_ = loss, 0
            return
        self.waited_ = getattr(self, "waited_", 0) + 1
        rate = net.optimizer_.param_groups[0]["lr"]
        if self.waited_ > self.patience and rate > self.floor:
            self._set(net, max(self.floor, rate * self.factor))
            self.waited_ = 0


class ProgressLog(Callback):
    """``verbose=True``: a progress bar over epochs and one line per epoch.

    Lines go to standard output in scikit-learn's words (``Iteration N,
    loss = ...``) with the validation score and the epoch's seconds.

    Examples
    --------
    >>> from sknn._callbacks import ProgressLog
    >>> ProgressLog(epochs=3).epochs
    3
    """

    def __init__(self, epochs):
        self.epochs = epochs

    def on_train_begin(self, net, **kwargs):
        from tqdm.auto import tqdm

        self.bar_ = tqdm(total=self.epochs, unit="epoch", file=sys.stderr, leave=False)

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        line = f"Iteration {row['epoch']}, loss = {row['train_loss']:.8f}"
        if "valid_score" in row:
            line += f", validation score = {row['valid_score']:.6f}"
        line += f", time = {row.get('dur', 0.0):.3f}s"
        self.bar_.write(line, file=sys.stdout)
        self.bar_.set_postfix(loss=f"{row['train_loss']:.4g}")
        self.bar_.update(1)

    def on_train_end(self, net, **kwargs):
        if net.stop_message_:
            self.bar_.write(net.stop_message_, file=sys.stdout)
        self.bar_.close()


def unwrap(item):
    """The callback of a ``callbacks`` item: a callback, or a ``(name, callback)`` pair."""
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
        return item[1]
    return item


def callback_names(callbacks):
    """The name of each ``callbacks`` item, as skorch names them.

    A ``(name, callback)`` pair has its name, a callback its class name; a
    name that several items share gets ``_1``, ``_2``, ... appended.

    Examples
    --------
    >>> from skorch.callbacks import EarlyStopping, EpochScoring
    >>> from sknn._callbacks import callback_names
    >>> callback_names([EpochScoring("f1"), EpochScoring("r2"), ("stop", EarlyStopping())])
    ['EpochScoring_1', 'EpochScoring_2', 'stop']
    """
    names = [item[0] if unwrap(item) is not item else type(item).__name__
             for item in callbacks or []]
    return [f"{name}_{names[:i].count(name) + 1}" if names.count(name) > 1 else name
            for i, name in enumerate(names)]


def current_row(history):
    """The epoch's own row of a skorch ``History``.

    ``History.record`` and ``history[-1, key]`` go through its general
    indexing, several microseconds a call; on every epoch of a small
    network that adds up, so sknn's loop and callbacks use the row itself.
    """
    return list.__getitem__(history, -1)


def check_callbacks(callbacks):
    """Refuse, before training, ``callbacks`` items that are not skorch callbacks.

    Each item is a :class:`skorch.callbacks.Callback` instance or a ``(name,
    callback)`` pair, as skorch takes them.

    Examples
    --------
    >>> from sknn._callbacks import check_callbacks
    >>> check_callbacks(["x"])
    Traceback (most recent call last):
    ...
    TypeError: callbacks[0] is 'x', not a skorch callback: pass instances of \
skorch.callbacks.Callback (e.g. EpochScoring('f1')), or (name, callback) pairs.
    """
    for i, item in enumerate(callbacks or []):
        if not isinstance(unwrap(item), Callback):
            raise TypeError(
                f"callbacks[{i}] is {item!r}, not a skorch callback: pass instances of "
                "skorch.callbacks.Callback (e.g. EpochScoring('f1')), or (name, callback) "
                "pairs.")


def check_monitors(callbacks, *, has_validation):
    """Refuse, before training, callbacks that watch validation data there is none of.

    skorch's ``EarlyStopping``, ``Checkpoint`` and ``LRScheduler`` (e.g.
    ``ReduceLROnPlateau``) watch a history column through ``monitor``, and
    ``EpochScoring(on_train=False)`` scores the validation set. Without
    validation data those columns never exist.

    Examples
    --------
    >>> from skorch.callbacks import EarlyStopping
    >>> from sknn._callbacks import check_monitors
    >>> check_monitors([EarlyStopping()], has_validation=True)
    >>> check_monitors([EarlyStopping(monitor="train_loss")], has_validation=False)
    """
    if has_validation:
        return
    for callback in map(unwrap, callbacks or []):
        monitor = getattr(callback, "monitor", None)
        watches = isinstance(monitor, str) and monitor.startswith("valid")
        if watches or getattr(callback, "on_train", True) is False:
            what = f"monitors {monitor!r}" if watches else "scores the validation set"
            raise ValueError(
                f"The callback {type(callback).__name__} {what}, but this fit has no "
                "validation data. Pass X_val= and y_val= to fit, or set early_stopping=True "
                "to hold out validation_fraction of the data.")
