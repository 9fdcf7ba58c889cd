"""sknn.io: the pickle-free file format (JSON and safetensors in a zip)."""

import functools
import io
import json
import os
import pickle
import sys
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn import (
    AutoEncoder,
    ConvClassifier,
    ConvRegressor,
    MLPClassifier,
    MLPRegressor,
    NeuralNetClassifier,
    NeuralNetRegressor,
    RNNClassifier,
    RNNRegressor,
    SlidingWindows,
)
from sknn.io import UntrustedTypesError, dump, dumps, get_untrusted_types, load, loads

from conftest import fit_quietly

RNG = np.random.RandomState(0)
X_TABLE = RNG.normal(size=(48, 4))
LENGTHS = RNG.randint(3, 8, size=24)


class Net(torch.nn.Module):
    """A user's module, importable by name from this test file."""

    def __init__(self, n_features, n_outputs, hidden=6):
        super().__init__()
        self.layers = torch.nn.Sequential(torch.nn.Linear(n_features, hidden), torch.nn.Tanh(),
                                          torch.nn.Linear(hidden, n_outputs))

    def forward(self, x):
        return self.layers(x)


NET_NAME = f"{Net.__module__}.{Net.__qualname__}"


def _small(**params):
    return dict(max_iter=3, random_state=0, **params)


def _labels(kind):
    codes = (X_TABLE[:, 0] > 0).astype(int) + (X_TABLE[:, 1] > 0.5)
    return {
        "int": codes,
        "str": np.array(["ant", "bee", "cat"])[codes],
        "bool": X_TABLE[:, 0] > 0,
        "float": codes + 1.0,
        "object": np.array(["no", "yes"], dtype=object)[(X_TABLE[:, 0] > 0).astype(int)],
        "multilabel": (X_TABLE[:, :3] > 0).astype(int),
    }[kind]


def _sequences():
    return [RNG.normal(size=(length, 2)) for length in LENGTHS]


# name -> (estimator, fit arguments, what to trust)
CASES = {
    "mlp-int-early-stopping": lambda: (
        MLPClassifier((5,), early_stopping=True, **_small()), (X_TABLE, _labels("int"))),
    "mlp-str-dataframe": lambda: (
        MLPClassifier((5,), **_small()),
        (pd.DataFrame(X_TABLE, columns=list("abcd")), _labels("str"))),
    "mlp-bool": lambda: (MLPClassifier((5,), **_small()), (X_TABLE, _labels("bool"))),
    "mlp-float-labels": lambda: (MLPClassifier((5,), **_small()), (X_TABLE, _labels("float"))),
    "mlp-object-labels": lambda: (
        MLPClassifier((5,), class_weight={"no": 2.0, "yes": 1.0}, **_small()),
        (X_TABLE, _labels("object"))),
    "mlp-multilabel": lambda: (
        MLPClassifier((5,), batch_norm=True, dropout=0.1, **_small()),
        (X_TABLE, _labels("multilabel"))),
    "mlp-poisson-lbfgs": lambda: (
        MLPRegressor((5,), loss="poisson", solver="lbfgs", **_small()),
        (X_TABLE, np.exp(X_TABLE[:, 0]))),
    "conv-flat-channels-last": lambda: (
        ConvClassifier(filters=(3,), hidden_layer_sizes=(4,), input_shape=(2, 2, 1),
                       channels_last=True, **_small()),
        (X_TABLE, _labels("str"))),
    "conv-signals": lambda: (
        ConvRegressor(filters=(2,), hidden_layer_sizes=(), global_pooling="avg",
                      learning_rate="cosine", **_small()),
        (X_TABLE.reshape(48, 2, 2), X_TABLE[:, :2])),
    "rnn-3d": lambda: (
        RNNClassifier(cell="gru", hidden_size=4, bidirectional=True, **_small()),
        (X_TABLE.reshape(48, 2, 2), _labels("str"))),
    "rnn-ragged": lambda: (
        RNNRegressor(hidden_size=4, **_small()), (_sequences(), RNG.normal(size=24))),
    "rnn-steps-ragged": lambda: (
        RNNClassifier(hidden_size=4, return_sequences=True, **_small()),
        (seqs := _sequences(), [np.where(s[:, 0] > 0, "up", "down") for s in seqs])),
    "rnn-steps-table": lambda: (
        RNNRegressor(hidden_size=4, return_sequences=True, input_shape=(2, 2), **_small()),
        (X_TABLE, X_TABLE[:, [0, 2]])),
    "autoencoder": lambda: (
        AutoEncoder(2, (3,), noise=0.1, **_small()), (X_TABLE,)),
    "autoencoder-variational": lambda: (
        AutoEncoder(2, (3,), variational=True, **_small()), (X_TABLE,)),
    "custom-module": lambda: (
        NeuralNetClassifier(Net, module_params={"hidden": 3}, **_small()),
        (X_TABLE, _labels("str"))),
    "custom-default-module": lambda: (
        NeuralNetRegressor(module_params={"hidden_layer_sizes": (4,)}, **_small()),
        (X_TABLE, X_TABLE[:, :2])),
    "sliding-windows": lambda: (
        SlidingWindows(window=3, horizon=2, target="b"),
        (pd.DataFrame(X_TABLE[:, :2], columns=["a", "b"]),)),
}


@functools.cache
def _fitted(name):
    """The fitted estimator of a case and its input, fitted once (do not train it further)."""
    estimator, data = CASES[name]()
    if isinstance(estimator, SlidingWindows):
        return estimator.fit(*data), data[0]
    return fit_quietly(estimator, *data), data[0]


def _trusted(estimator):
    return [NET_NAME] if getattr(estimator, "module", None) is Net else None


def _outputs(estimator, X):
    """Every prediction the estimator makes on ``X``, by method."""
    methods = ["predict", "predict_proba", "transform", "inverse_transform", "score", "embed"]
    outputs = {}
    for method in methods:
        if not hasattr(estimator, method):
            continue
        if method == "inverse_transform" and isinstance(estimator, AutoEncoder):
            outputs[method] = estimator.inverse_transform(estimator.transform(X))
        elif method == "score":
            if isinstance(estimator, AutoEncoder):
                outputs[method] = estimator.score(X)
        elif method == "embed":
            if hasattr(type(estimator.module_), "embed"):
                outputs[method] = estimator.embed(X)
        else:
            outputs[method] = getattr(estimator, method)(X)
    return outputs


def _assert_same(a, b):
    if isinstance(a, list):
        assert len(a) == len(b)
        for left, right in zip(a, b):
            _assert_same(left, right)
        return
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a, b) or (a.dtype.kind == "f" and np.array_equal(a, b, equal_nan=True))


def _assert_same_params(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert type(a[key]) is type(b[key]), key
        if isinstance(a[key], np.ndarray):
            _assert_same(a[key], b[key])
        else:
            assert a[key] == b[key], key


def _document(data):
    return json.loads(zipfile.ZipFile(io.BytesIO(data)).read("model.json"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_loaded_estimator_predicts_bit_identically(name, no_global_rng_change):
    estimator, X = _fitted(name)
    data = dumps(estimator)
    loaded = loads(data, trusted=_trusted(estimator))
    assert type(loaded) is type(estimator)
    _assert_same_params(loaded.get_params(), estimator.get_params())
    for attribute in ("classes_", "feature_names_in_", "n_features_in_", "n_outputs_",
                      "out_activation_", "n_iter_", "t_", "loss_curve_", "best_loss_",
                      "validation_scores_", "best_validation_score_", "input_shape_"):
        if hasattr(estimator, attribute):
            _assert_same(getattr(loaded, attribute), getattr(estimator, attribute))
    for method, expected in _outputs(estimator, X).items():
        _assert_same(_outputs(loaded, X)[method], expected)
        if not isinstance(X, list) and np.ndim(X) == 2 and method != "score":
            # float32 input runs the float32 module itself
            X32 = np.asarray(X, dtype=np.float32)
            _assert_same(getattr(loaded, method)(X32) if method != "inverse_transform" else
                         loaded.inverse_transform(loaded.transform(X32)),
                         getattr(estimator, method)(X32) if method != "inverse_transform"
                         else estimator.inverse_transform(estimator.transform(X32)))
    # Saved again, the loaded estimator gives the same document and tensors.
    assert _document(dumps(loaded)) == _document(data)


@pytest.mark.parametrize("kind", ["int", "str", "bool", "float", "object"])
def test_classes_keep_their_values_and_dtype(kind):
    clf = fit_quietly(MLPClassifier((3,), **_small()), X_TABLE, _labels(kind))
    classes = loads(dumps(clf)).classes_
    assert classes.dtype == clf.classes_.dtype
    assert classes.tolist() == clf.classes_.tolist()
    assert [type(label) for label in classes] == [type(label) for label in clf.classes_]


def test_an_unfitted_estimator_round_trips_its_parameters():
    clf = MLPClassifier((7, 3), activation="tanh", class_weight={1: 2.0, "b": 0.5},
                        random_state=np.random.RandomState(3), device="cpu")
    loaded = loads(dumps(clf))
    assert not hasattr(loaded, "net_")
    assert loaded.get_params()["class_weight"] == {1: 2.0, "b": 0.5}
    assert loaded.hidden_layer_sizes == (7, 3)
    state = loaded.random_state.get_state()
    assert all(np.array_equal(a, b) for a, b in zip(state, clf.random_state.get_state()))


def test_files_and_file_objects(tmp_path):
    clf, X = _fitted("mlp-bool")
    path = tmp_path / "model.skn"
    dump(clf, path)
    _assert_same(load(path).predict_proba(X), clf.predict_proba(X))
    with open(path, "rb") as file:
        _assert_same(load(file).predict(X), clf.predict(X))
    assert path.read_bytes() == dumps(clf)  # the same estimator gives the same bytes
    stream = io.BytesIO()
    dump(clf, stream)
    assert stream.getvalue() == dumps(clf)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["model.json", "model.safetensors"]


def test_partial_fit_continues_exactly_with_the_optimizer_state():
    clf = fit_quietly(MLPClassifier((5,), learning_rate="invscaling", **_small()),
                      X_TABLE, _labels("int"))
    loaded = loads(dumps(clf, optimizer=True))
    fresh = loads(dumps(clf))  # no optimizer state: Adam starts again
    for model in (clf, loaded, fresh):
        model.partial_fit(X_TABLE, _labels("int"))
    _assert_same(loaded.predict_proba(X_TABLE), clf.predict_proba(X_TABLE))
    assert loaded.loss_curve_ == clf.loss_curve_ and loaded.t_ == clf.t_
    assert not np.array_equal(fresh.predict_proba(X_TABLE), clf.predict_proba(X_TABLE))


def test_warm_start_continues_exactly_without_the_optimizer_state():
    reg = fit_quietly(MLPRegressor((5,), warm_start=True, **_small()), X_TABLE, X_TABLE[:, 0])
    loaded = loads(dumps(reg))
    for model in (reg, loaded):
        fit_quietly(model, X_TABLE, X_TABLE[:, 0])
    _assert_same(loaded.predict(X_TABLE), reg.predict(X_TABLE))
    assert loaded.loss_curve_ == reg.loss_curve_


def test_a_variational_autoencoder_continues_its_random_stream():
    # sample() moves the stream on: leave the shared estimator alone
    ae = loads(dumps(_fitted("autoencoder-variational")[0]))
    loaded = loads(dumps(ae))
    _assert_same(loaded.sample(4), ae.sample(4))


def test_a_users_module_needs_trust():
    clf, X = _fitted("custom-module")
    data = dumps(clf)
    assert get_untrusted_types(data=data) == [NET_NAME]
    with pytest.raises(UntrustedTypesError, match="trusted="):
        loads(data)
    with pytest.raises(UntrustedTypesError):
        loads(data, trusted=["some.other.Name"])
    with pytest.raises(TypeError, match="list of names"):
        loads(data, trusted=NET_NAME)
    _assert_same(loads(data, trusted=[NET_NAME]).predict_proba(X), clf.predict_proba(X))


def _local_module():
    class Local(Net):
        pass

    return Local


@pytest.mark.parametrize("estimator, match", [
    (MLPClassifier(callbacks=[]), None),
    (MLPClassifier(callbacks=[("stop", __import__("skorch").callbacks.EarlyStopping())]),
     "set callbacks=None"),
    (MLPClassifier(scoring=lambda est, X, y: 0.0), "scorer's name"),
    (NeuralNetRegressor(_local_module()), "cannot be imported by name"),
    (NeuralNetRegressor(lambda n_features, n_outputs: torch.nn.Linear(n_features, n_outputs)),
     "cannot be imported by name"),
    (make_pipeline(StandardScaler(), MLPClassifier()), "saves sknn estimators"),
])
def test_what_cannot_be_written_as_data_is_refused_at_dump(estimator, match):
    if match is None:
        assert loads(dumps(estimator)).callbacks == []
        return
    with pytest.raises(TypeError, match=match):
        dumps(estimator)


# -- files that try to run code ----------------------------------------------

_FORBIDDEN = ("pickle.find_class", "os.system", "subprocess.Popen", "os.exec", "os.posix_spawn")
_WATCHING = []


def _audit(event, args):
    if _WATCHING and event.startswith(_FORBIDDEN):
        _WATCHING[-1].append(event)
        raise RuntimeError(f"audited event {event}")  # never let it happen


sys.addaudithook(_audit)


class _Payload:
    """A pickle that runs a shell command when it is unpickled."""

    def __reduce__(self):
        return os.system, ("echo pwned",)


def _events(call):
    """``(exception raised by call(), audited forbidden events)``."""
    seen = []
    _WATCHING.append(seen)
    try:
        call()
    except Exception as error:
        return error, seen
    finally:
        _WATCHING.pop()
    return None, seen


def _rewrite(data, *, document=None, weights=None):
    """``data`` with its JSON document and/or weights member replaced."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("model.json", json.dumps(document) if document is not None else
                         source.read("model.json"))
        archive.writestr("model.safetensors", weights if weights is not None else
                         source.read("model.safetensors"))
    return buffer.getvalue()


def test_the_audit_hook_sees_an_unpickled_payload():
    error, seen = _events(lambda: pickle.loads(pickle.dumps(_Payload())))
    assert isinstance(error, RuntimeError) and seen == ["pickle.find_class"]


def _with_class(module, qualname):
    def change(document):
        document["class"] = {"__type__": "import", "module": module, "qualname": qualname}
    return change


def _with_module_param(document):
    document["params"]["module"] = {"__type__": "import", "module": "subprocess",
                                    "qualname": "Popen"}


def _with_unknown_type(document):
    document["params"]["alpha"] = {"__type__": "pickle", "data": "gASVAAAAAAAAAAA="}


@pytest.mark.parametrize("change, error", [
    (_with_class("os", "system"), UntrustedTypesError),
    (_with_class("subprocess", "Popen"), UntrustedTypesError),
    (_with_class("builtins", "eval"), UntrustedTypesError),
    (_with_module_param, UntrustedTypesError),
    (_with_unknown_type, ValueError),
])
def test_a_file_naming_code_outside_the_allowlist_is_refused_and_runs_nothing(change, error):
    clf, _ = _fitted("custom-default-module")
    document = _document(dumps(clf))
    change(document)
    data = _rewrite(dumps(clf), document=document)
    raised, seen = _events(lambda: loads(data))
    assert isinstance(raised, error), raised
    assert seen == []
    if error is UntrustedTypesError:
        assert get_untrusted_types(data=data)


def test_a_file_naming_a_trusted_function_as_its_class_is_still_refused():
    clf, _ = _fitted("mlp-bool")
    document = _document(dumps(clf))
    _with_class("json", "dumps")(document)
    data = _rewrite(dumps(clf), document=document)
    raised, seen = _events(lambda: loads(data, trusted=["json.dumps"]))
    assert isinstance(raised, ValueError) and "not an sknn estimator" in str(raised)
    assert seen == []


def test_weights_replaced_by_a_pickle_are_refused_and_run_nothing():
    clf, _ = _fitted("mlp-bool")
    data = _rewrite(dumps(clf), weights=pickle.dumps(_Payload()))
    raised, seen = _events(lambda: loads(data))
    assert isinstance(raised, ValueError) and "safetensors" in str(raised)
    assert seen == []


@pytest.mark.parametrize("data, match", [
    (b"\x80\x04not a zip", "zip archive"),
    (pickle.dumps(_Payload()), "zip archive"),
])
def test_what_is_not_an_sknn_file_is_refused(data, match):
    raised, seen = _events(lambda: loads(data))
    assert isinstance(raised, ValueError) and match in str(raised)
    assert seen == []


def test_damaged_or_newer_files_are_clear_errors():
    clf, _ = _fitted("mlp-bool")
    document = _document(dumps(clf))
    with pytest.raises(ValueError, match="format version 2"):
        loads(_rewrite(dumps(clf), document={**document, "format_version": 2}))
    with pytest.raises(ValueError, match="format 'sknn'"):
        loads(_rewrite(dumps(clf), document={**document, "format": "other"}))
    with pytest.raises(RuntimeError, match="Missing key"):
        loads(_rewrite(dumps(clf), weights=dumps_weights({})))
    for name in ("net_", "predict", "__class__", "_validate_params"):
        changed = {**document, "attributes": {**document["attributes"], name: 1}}
        with pytest.raises(ValueError, match=name):
            loads(_rewrite(dumps(clf), document=changed))


def dumps_weights(tensors):
    from safetensors.torch import save

    return save(tensors)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_a_network_saved_on_a_gpu_loads_on_the_cpu():
    clf, X = _fitted("mlp-bool")
    document = _document(dumps(clf))
    document["net"]["device"] = "cuda:0"
    with pytest.warns(UserWarning, match="loading it on the CPU"):
        loaded = loads(_rewrite(dumps(clf), document=document))
    assert loaded.device_ == "cpu"
    _assert_same(loaded.predict_proba(X), clf.predict_proba(X))


def test_a_loaded_estimator_clones_and_refits():
    clf, X = _fitted("mlp-str-dataframe")
    loaded = loads(dumps(clf))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refit = clone(loaded).fit(X, _labels("str"))
    _assert_same(refit.predict_proba(X), clf.predict_proba(X))
