"""Rebuilding the skorch net of an estimator loaded by ``sknn.io``.

The net is built the way ``fit`` builds it (without training), the saved
weights are loaded into it strictly, and the saved training history,
counters, optimizer state and callback counters are set on it.
"""

import warnings

import torch

#: Prefix of the network weights' keys in the safetensors member.
MODULE_PREFIX = "module."

# Net attributes that rebuilding the net recreates; every other fitted
# attribute of the net (``samples_seen_``, ``random_state_``, ...) is saved.
REBUILT = frozenset({
    "module_", "criterion_", "optimizer_", "callbacks_", "history_", "initialized_",
    "init_context_", "prefixes_", "cuda_dependent_attributes_", "virtual_params_",
})


def check_name(obj, name):
    """Check a fitted attribute's name: ``name_`` or ``_name``, nothing the class defines.

    Parameters
    ----------
    obj : object
        The estimator, net or callback the file sets the attribute on.
    name : str
        The attribute's name, as the file gives it.

    Raises
    ------
    ValueError
        If the name is not that of a fitted attribute.
    """
    if not (isinstance(name, str) and name.isidentifier() and not name.startswith("__")
            and (name.endswith("_") or name.startswith("_"))
            and not hasattr(type(obj), name)):
        raise ValueError(f"The file sets {type(obj).__name__}.{name}, which is not a fitted "
                         "attribute.")


def _device(name):
    """The saved device, or the CPU (with a warning) where this machine lacks it."""
    from skorch.exceptions import DeviceWarning

    from ._device import resolve_device

    try:
        return resolve_device(name)
    except ValueError:
        warnings.warn(f"The network was saved on {name}, which this machine does not have; "
                      "loading it on the CPU.", DeviceWarning, stacklevel=4)
        return torch.device("cpu")


def rebuild_net(estimator, document, decode):
    """The skorch net, built as ``fit`` builds it, with the saved weights and state.

    Parameters
    ----------
    estimator : sknn estimator
        The loaded estimator, its parameters and fitted attributes set.
    document : dict
        The ``net`` entry of the file's JSON document.
    decode : sknn._typed_json.Decoder
        The decoder of the file, holding its tensors.

    Returns
    -------
    skorch.NeuralNet
        The net, its module in eval mode.

    Raises
    ------
    ValueError
        If the weights do not match the network, or the file sets an
        attribute of the net that is not a saved fitted one.
    """
    from skorch.history import History

    from ._device import random_stream

    device = _device(str(document["device"]))
    batch_size = decode(document["batch_size"])
    # The new module's random initialisation is overwritten; the caller's
    # random state stays as it was.
    with random_stream(device, seed=0):
        net = estimator._make_net(estimator._summary_input(), device, batch_size, batch_size)
    weights = {key[len(MODULE_PREFIX):]: tensor for key, tensor in decode.tensors.items()
               if key.startswith(MODULE_PREFIX)}
    net.module_.load_state_dict(weights, strict=True)
    net.module_.eval()
    net.batch_size = batch_size
    net.l2_penalty = decode(document["l2_penalty"])
    net.history_ = History(decode(document["history"]))
    for name, value in decode(document["state"]).items():
        check_name(net, name)
        if name in REBUILT:
            raise ValueError(f"The file sets the net's {name!r}.")
        setattr(net, name, value)
    if document.get("optimizer") is not None and net.optimizer_ is not None:
        net.optimizer_.load_state_dict(decode(document["optimizer"]))
    callbacks = dict(net.callbacks_)
    for name, attributes in decode(document.get("callbacks") or {}).items():
        for key, value in attributes.items():
            if name in callbacks:
                check_name(callbacks[name], key)
                setattr(callbacks[name], key, value)
    return net
