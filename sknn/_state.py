"""An estimator's state across calls: undo of a failed fit, and versioned pickles.

:func:`snapshot` and :func:`restore` let ``fit``/``partial_fit`` leave the
estimator exactly as it was when they raise (an error, a diverging loss,
Ctrl-C): its attributes, and in the skorch net the weights, optimizer state,
history, sample count and random stream. :class:`VersionedState` records
the sknn version and class in pickles and checks them at load.
"""

import copy
import warnings

import torch


def _version():
    from . import __version__

    return __version__


def snapshot(estimator):
    """What :func:`restore` needs to undo a call on ``estimator``.

    The estimator's attribute dict is copied shallowly; the net, which
    training changes in place, has its mutable state copied: module
    tensors, optimizer state, history length, sample count and stream.
    """
    attributes = dict(estimator.__dict__)
    net = attributes.get("net_")
    if net is None:
        return attributes, None
    optimizer = getattr(net, "optimizer_", None)
    return attributes, {
        "module": {k: v.detach().clone() for k, v in net.module_.state_dict().items()},
        "optimizer": None if optimizer is None else copy.deepcopy(optimizer.state_dict()),
        "history": len(net.history),
        "net": {k: copy.copy(net.__dict__[k]) for k in
                ("samples_seen_", "random_state_", "lowest_losses_") if k in net.__dict__},
    }


def restore(estimator, state):
    """Put ``estimator`` back as :func:`snapshot` found it."""
    attributes, net_state = state
    estimator.__dict__.clear()
    estimator.__dict__.update(attributes)
    if net_state is None:
        return
    net = attributes["net_"]
    with torch.no_grad():
        net.module_.load_state_dict(net_state["module"])
    if net_state["optimizer"] is not None and getattr(net, "optimizer_", None) is not None:
        net.optimizer_.load_state_dict(net_state["optimizer"])
    del net.history[net_state["history"]:]
    for key in ("samples_seen_", "random_state_", "lowest_losses_"):
        net.__dict__.pop(key, None)
    net.__dict__.update(net_state["net"])
    net.module_.eval()
    net.__dict__.pop("_float64_copy", None)


class InconsistentVersionWarning(UserWarning):
    """An estimator was unpickled under another sknn version than it was pickled with.

    Attributes
    ----------
    estimator_name : str
        The estimator's class.
    current_sknn_version, original_sknn_version : str
        The versions loading and saving it.
    """

    def __init__(self, *, estimator_name, current_sknn_version, original_sknn_version):
        self.estimator_name = estimator_name
        self.current_sknn_version = current_sknn_version
        self.original_sknn_version = original_sknn_version

    def __str__(self):
        return (f"Trying to unpickle estimator {self.estimator_name} from sknn version "
                f"{self.original_sknn_version} when using version {self.current_sknn_version}. "
                "This might lead to breaking code or invalid results. Use at your own risk. "
                "sknn.io.dump writes a file that states its parameters without pickle.")


class VersionedState:
    """Pickles that record the sknn version and class, checked at load.

    Loading under another sknn version warns with
    :class:`InconsistentVersionWarning`; a state that does not belong to the
    class it is loaded into (another class's pickle, or one missing the
    class's parameters) raises a ``TypeError`` at load instead of failing
    later in ``fit`` or ``predict``.
    """

    def __getstate__(self):
        state = super().__getstate__()
        return {**state, "_sknn_version": _version(), "_sknn_class": type(self).__qualname__}

    def __setstate__(self, state):
        state = dict(state)
        version = state.pop("_sknn_version", "unknown")
        saved_class = state.pop("_sknn_class", None)
        name = type(self).__qualname__
        if saved_class is not None and saved_class != name:
            raise TypeError(f"This pickle holds a {saved_class}, not a {name}: it cannot be "
                            f"loaded as {name}.")
        missing = sorted(set(getattr(self, "_parameter_constraints", {})) - set(state))
        if missing:
            raise TypeError(f"This pickle is not a {name}: it lacks the parameters {missing}.")
        if version != _version():
            warnings.warn(InconsistentVersionWarning(
                estimator_name=name, current_sknn_version=_version(),
                original_sknn_version=version), stacklevel=2)
        super().__setstate__(state)
