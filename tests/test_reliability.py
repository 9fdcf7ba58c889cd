"""Faults lose nothing: failed calls undo themselves, pickles check their version, threads."""

import pickle
import signal
import threading

import numpy as np
import pytest
import torch
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError
from skorch.callbacks import Callback

import sknn
from sknn._state import InconsistentVersionWarning

from conftest import fit_quietly

FAST = dict(hidden_layer_sizes=(8,), max_iter=3, learning_rate_init=0.01, random_state=0)


class FailAtEpoch(Callback):
    """Raises, or presses Ctrl-C (a real SIGINT), at the end of an epoch of every fit."""

    def __init__(self, epoch=2, error=RuntimeError):
        self.epoch = epoch
        self.error = error

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) >= self.epoch:
            if self.error is KeyboardInterrupt:
                signal.raise_signal(signal.SIGINT)
            raise self.error("boom")


@pytest.fixture(autouse=True)
def ctrl_c_handled():
    """Python's Ctrl-C handler, which a process started in the background lacks.

    A non-interactive shell starts a background job (``make test &``, nohup) with
    SIGINT ignored, and Python then installs no handler: :class:`FailAtEpoch`'s
    SIGINT would never arrive, as a real Ctrl-C would not.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return (X - X.mean(0)) / X.std(0), y


def state_of(estimator):
    return (
        {k: v.clone() for k, v in estimator.module_.state_dict().items()},
        estimator.loss_curve_, estimator.t_, estimator.n_iter_,
        estimator.net_.random_state_["cpu"].clone(),
        {k: repr(v) for k, v in estimator.net_.optimizer_.state_dict()["state"].items()},
    )


def assert_same_state(a, b):
    weights_a, *rest_a = a
    weights_b, *rest_b = b
    assert weights_a.keys() == weights_b.keys()
    for key in weights_a:
        assert torch.equal(weights_a[key], weights_b[key]), key
    assert rest_a[:3] == rest_b[:3]
    assert torch.equal(rest_a[3], rest_b[3])
    assert rest_a[4] == rest_b[4]


@pytest.mark.parametrize("make", [
    lambda cb: sknn.MLPClassifier(warm_start=True, callbacks=[cb], **FAST),
    lambda cb: sknn.RNNClassifier(hidden_size=4, warm_start=True, callbacks=[cb], max_iter=3,
                                  random_state=0),
    lambda cb: sknn.AutoEncoder(n_components=2, hidden_layer_sizes=(4,), warm_start=True,
                                callbacks=[cb], max_iter=3, random_state=0),
], ids=["mlp", "rnn", "autoencoder"])
@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_failed_warm_start_fit_leaves_the_estimator_as_it_was(iris, make, error):
    X, y = iris
    failing = FailAtEpoch(epoch=5, error=error)
    estimator = make(failing)
    fit_quietly(estimator, X, y)  # epochs 1-3: no failure yet
    before = state_of(estimator)
    with pytest.raises(error):
        estimator.fit(X, y)  # the warm start fails at epoch 5
    assert_same_state(state_of(estimator), before)
    # It goes on as if the failed call never happened.
    estimator.set_params(callbacks=None)
    fit_quietly(estimator, X, y)
    assert len(estimator.loss_curve_) == 6


def test_failed_partial_fit_is_undone(iris):
    X, y = iris
    clf = sknn.MLPClassifier(callbacks=[FailAtEpoch(epoch=2)], **FAST)
    clf.partial_fit(X, y, classes=[0, 1, 2])
    before = state_of(clf)
    with pytest.raises(RuntimeError, match="boom"):
        clf.partial_fit(X, y)
    assert_same_state(state_of(clf), before)


def test_failed_first_fit_leaves_the_estimator_unfitted(iris):
    X, y = iris
    clf = sknn.MLPClassifier(callbacks=[FailAtEpoch(epoch=1, error=KeyboardInterrupt)], **FAST)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert vars(clf) == vars(sknn.MLPClassifier(callbacks=clf.callbacks, **FAST))


def test_fitted_attributes_before_fit_are_not_fitted_errors():
    clf = sknn.MLPRegressor()
    for name in ("loss_curve_", "module_", "t_", "coefs_", "validation_scores_", "device_"):
        with pytest.raises(NotFittedError, match="MLPRegressor instance is not fitted"):
            getattr(clf, name)
        assert not hasattr(clf, name)


def test_cpu_zero_is_the_cpu(iris):
    X, y = iris
    clf = fit_quietly(sknn.MLPClassifier(device="cpu:0", **FAST), X, y)
    assert clf.device_ == "cpu"
    with pytest.raises(ValueError, match="is not a device"):
        sknn.MLPClassifier(device="cpu:x", **FAST).fit(X, y)


def test_pickles_record_and_check_the_sknn_version(iris, monkeypatch):
    X, y = iris
    clf = fit_quietly(sknn.MLPClassifier(**FAST), X, y)
    data = pickle.dumps(clf)
    with warnings_as_errors():
        pickle.loads(data)  # same version: silent
    monkeypatch.setattr(sknn, "__version__", "99.0")
    with pytest.warns(InconsistentVersionWarning, match="from sknn version 0.1.0 when using "
                                                        "version 99.0"):
        loaded = pickle.loads(data)
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))


def test_a_pickle_of_another_class_is_refused(iris):
    X, y = iris
    clf = fit_quietly(sknn.MLPClassifier(**FAST), X, y)
    state = clf.__getstate__()
    with pytest.raises(TypeError, match="holds a MLPClassifier, not a MLPRegressor"):
        sknn.MLPRegressor.__new__(sknn.MLPRegressor).__setstate__(state)
    del state["_sknn_class"], state["solver"]
    with pytest.raises(TypeError, match=r"lacks the parameters \['solver'\]"):
        sknn.MLPClassifier.__new__(sknn.MLPClassifier).__setstate__(state)


class warnings_as_errors:
    def __enter__(self):
        import warnings

        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc):
        return self._catch.__exit__(*exc)


def test_threads_leave_global_random_state_alone_and_sample_is_thread_safe(iris):
    X, _ = iris
    vae = fit_quietly(sknn.AutoEncoder(n_components=2, hidden_layer_sizes=(8,), max_iter=2,
                                       variational=True, random_state=0), X)
    sequential = fit_quietly(sknn.AutoEncoder(n_components=2, hidden_layer_sizes=(8,),
                                              max_iter=2, variational=True, random_state=0), X)
    expected = np.concatenate([sequential.sample(2) for _ in range(8)])
    before = torch.random.get_rng_state()
    draws, errors = [], []

    def work():
        try:
            draws.append(vae.sample(2))
            fit_quietly(sknn.MLPRegressor(**FAST), X, X[:, 0])
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert torch.equal(torch.random.get_rng_state(), before)
    # Eight calls from eight threads draw the eight next pieces of the stream.
    got = np.concatenate(draws)
    assert len({row.tobytes() for row in got}) == 16
    assert sorted(map(bytes, got)) == sorted(map(bytes, expected))


def test_sample_with_random_state_is_reproducible(iris):
    X, _ = iris
    vae = fit_quietly(sknn.AutoEncoder(n_components=2, hidden_layer_sizes=(8,), max_iter=2,
                                       variational=True, random_state=0), X)
    np.testing.assert_array_equal(vae.sample(3, random_state=1), vae.sample(3, random_state=1))
    assert not np.array_equal(vae.sample(3, random_state=1), vae.sample(3, random_state=2))


# -- errors a user can act on, raised before training --------------------------

class Started(Callback):
    """Records that training started."""

    def on_train_begin(self, net, **kwargs):
        type(self).started = True


SMALL_X = np.random.RandomState(0).normal(size=(20, 3))
TWO = np.arange(20) % 2


@pytest.mark.parametrize("make, args, error, match", [
    (lambda: sknn.MLPClassifier(), (SMALL_X, np.array([1, "a"] * 10, dtype=object)),
     ValueError, "mixes labels of different types"),
    (lambda: sknn.MLPRegressor(), (SMALL_X, np.array(["a", "b"] * 10)),
     ValueError, "needs numeric targets"),
    (lambda: sknn.MLPRegressor(), (SMALL_X, np.full(20, 1e39)),
     ValueError, "y has values beyond float32's range"),
    (lambda: sknn.MLPRegressor(), (SMALL_X, SMALL_X[:, 0], np.r_[np.full(10, 1e39), np.ones(10)]),
     ValueError, "sample_weight .* beyond float32's range"),
    (lambda: sknn.MLPClassifier(class_weight={0: np.inf}), (SMALL_X, TWO),
     ValueError, "beyond float32's range"),
    (lambda: sknn.MLPRegressor(), (SMALL_X, SMALL_X[:, 0], np.zeros(20)),
     ValueError, "non-zero|sum to zero"),  # scikit-learn >= 1.9 | sknn's own check
    (lambda: sknn.MLPClassifier(), (SMALL_X, np.c_[np.arange(20) % 3, TWO]),
     ValueError, "multiclass-multioutput"),
    (lambda: sknn.MLPClassifier(callbacks=["x"]), (SMALL_X, TWO),
     TypeError, r"callbacks\[0\] is 'x', not a skorch callback"),
    (lambda: sknn.RNNRegressor(), ([np.zeros(3), 1.0, np.zeros(4)], [1, 2, 3]),
     ValueError, "mixes sequences and scalars: item 1"),
    (lambda: sknn.RNNRegressor(precision="float16"), (np.zeros((10, 5, 2)), np.zeros(10)),
     ValueError, "float16' is not supported for recurrent networks on the CPU"),
], ids=["mixed-labels", "str-regression-target", "huge-y", "huge-weight", "inf-class-weight",
        "zero-weights", "multiclass-multioutput", "callback-str", "rnn-scalar-item",
        "float16-lstm-cpu"])
def test_bad_input_is_refused_before_training_with_a_clear_error(make, args, error, match):
    Started.started = False
    estimator = make().set_params(max_iter=1)
    if estimator.callbacks is None:
        estimator.set_params(callbacks=[Started()])
    with pytest.raises(error, match=match):
        estimator.fit(*args)
    assert not Started.started
    assert not hasattr(estimator, "net_")


def test_pandas_series_of_sequences_for_rnns():
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(n, 2)) for n in (3, 5, 4, 6)]
    y = np.array([x.sum() for x in X])
    as_list = fit_quietly(sknn.RNNRegressor(hidden_size=4, max_iter=2, random_state=0), X, y)
    import pandas as pd

    as_series = fit_quietly(sknn.RNNRegressor(hidden_size=4, max_iter=2, random_state=0),
                            pd.Series(X), y)
    np.testing.assert_array_equal(as_series.predict(pd.Series(X)), as_list.predict(X))


@pytest.mark.parametrize("shape, match", [
    ((12, 8, 8), r"input_shape=\(1, 8, 8\)"),
    ((12, 8, 8, 3), "channels_last=True"),
])
def test_ambiguous_image_layouts_are_named_not_guessed(shape, match):
    X = np.random.RandomState(0).normal(size=shape).astype(np.float32)
    clf = sknn.ConvClassifier(filters=(2,), hidden_layer_sizes=(), max_iter=1)
    with pytest.warns(UserWarning, match=match):
        fit_quietly(clf, X, np.arange(12) % 2)
    assert clf.input_shape_ == shape[1:]  # the documented rule: channels first
    with warnings_as_errors():  # said explicitly: no warning
        fit_quietly(sknn.ConvClassifier(filters=(2,), hidden_layer_sizes=(), max_iter=1,
                                        input_shape=(1, 8, 8) if len(shape) == 3 else None,
                                        channels_last=len(shape) == 4),
                    X, np.arange(12) % 2)


def test_sliding_windows_set_output():
    import pandas as pd

    series = pd.DataFrame({"load": np.arange(10.0), "temp": -np.arange(10.0)},
                          index=pd.date_range("2024-01-01", periods=10))
    windows = sknn.SlidingWindows(window=3).set_output(transform="pandas").fit(series)
    out = windows.transform(series)
    assert list(out.columns[:2]) == ["load_t-2", "temp_t-2"]
    assert out.index[0] == series.index[2] and out.shape == (8, 6)
    np.testing.assert_array_equal(out.iloc[0], [0, 0, 1, -1, 2, -2])
    # The flat rows are what an RNN reads with input_shape=(window, n_features).
    default = sknn.SlidingWindows(window=3).fit(series).transform(series)
    np.testing.assert_array_equal(out.to_numpy().reshape(8, 3, 2), default)


@pytest.mark.parametrize("make", [
    lambda: sknn.MLPClassifier(hidden_layer_sizes=(8,), batch_norm=True, batch_size=10),
    lambda: sknn.ConvClassifier(filters=(2,), hidden_layer_sizes=(), batch_norm=True,
                                batch_size=10),
], ids=["mlp", "conv"])
def test_batch_norm_with_a_one_row_last_batch_trains(make):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(21, 1, 6)).astype(np.float32)  # 21 % 10 == 1
    y = np.arange(21) % 2
    X = X.reshape(21, 6) if isinstance(make(), sknn.MLPClassifier) else X
    model = fit_quietly(make().set_params(max_iter=3, random_state=0, callbacks=[Started()]),
                        X, y)
    assert model.n_iter_ == 3 and np.isfinite(model.loss_curve_).all()
    # Two steps per epoch: the one-row batch joined the one before.
    assert model.net_.history[-1, "batches", :, "train_batch_size"] == [10, 11]
    with pytest.raises(ValueError, match="Batch normalisation needs batches of at least 2 rows"):
        make().partial_fit(X[:1], y[:1], classes=[0, 1])


def test_ctrl_c_reaches_the_caller_of_a_search(iris):
    from sklearn.model_selection import cross_val_score

    X, y = iris
    clf = sknn.MLPClassifier(callbacks=[FailAtEpoch(epoch=1, error=KeyboardInterrupt)], **FAST)
    with pytest.raises(KeyboardInterrupt):
        cross_val_score(clf, X, y, cv=2)


def test_skorch_early_stopping_still_just_stops(iris):
    from skorch.callbacks import EarlyStopping

    X, y = iris
    clf = fit_quietly(sknn.MLPClassifier(hidden_layer_sizes=(8,), max_iter=200, tol=0,
                                         learning_rate_init=0.05, early_stopping=True,
                                         random_state=0,
                                         callbacks=[EarlyStopping(patience=2, threshold=0.5)]),
                      X, y)
    assert clf.n_iter_ < 200  # stopped by the callback's KeyboardInterrupt, not aborted
