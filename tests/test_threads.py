"""n_threads: torch's intra-op threads for the duration of one call, restored after."""

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

import sknn
from sknn._threads import SMALL_STEP_FLOPS, step_flops, threads_for

from conftest import fit_quietly


class RecordThreads(Callback):
    """Records torch's thread count in every epoch."""

    def on_epoch_end(self, net, **kwargs):
        type(self).seen.append(torch.get_num_threads())


@pytest.fixture
def three_threads():
    previous = torch.get_num_threads()
    torch.set_num_threads(3)
    yield
    torch.set_num_threads(previous)


def fit_recording(X, y, **params):
    RecordThreads.seen = []
    model = fit_quietly(sknn.MLPClassifier(max_iter=2, callbacks=[RecordThreads()], **params),
                        X, y)
    return model, RecordThreads.seen


@pytest.mark.usefixtures("three_threads")
def test_auto_trains_small_networks_on_one_thread_and_restores_the_setting(iris):
    X, y = iris
    model, seen = fit_recording(X, y, hidden_layer_sizes=(8,))
    assert seen == [1, 1]
    assert torch.get_num_threads() == 3
    model.predict(X)
    assert torch.get_num_threads() == 3


@pytest.mark.usefixtures("three_threads")
def test_auto_keeps_torchs_setting_for_large_steps():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(256, 512)).astype(np.float32), np.arange(256) % 2
    params = 512 * 512 + 512 + 512 * 1 + 1
    assert step_flops(params, 256) > SMALL_STEP_FLOPS
    _, seen = fit_recording(X, y, hidden_layer_sizes=(512,), batch_size=256)
    assert seen == [3, 3]


@pytest.mark.usefixtures("three_threads")
@pytest.mark.parametrize("n_threads, expected", [(None, 3), (2, 2), (1, 1)])
def test_explicit_counts_and_none(iris, n_threads, expected):
    X, y = iris
    _, seen = fit_recording(X, y, hidden_layer_sizes=(8,), n_threads=n_threads)
    assert seen == [expected] * 2
    assert torch.get_num_threads() == 3


@pytest.mark.usefixtures("three_threads")
def test_a_failing_call_restores_the_setting_too(iris):
    X, y = iris

    class Fail(Callback):
        def on_epoch_end(self, net, **kwargs):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        sknn.MLPClassifier(max_iter=2, n_threads=1, callbacks=[Fail()]).fit(X, y)
    assert torch.get_num_threads() == 3


def test_work_estimate_counts_positions():
    assert step_flops(100, 10, positions=5) == 5 * step_flops(100, 10)
    assert step_flops(100, 10, training=False) * 3 == step_flops(100, 10)
    assert threads_for("auto", SMALL_STEP_FLOPS / 2) == 1
    assert threads_for("auto", SMALL_STEP_FLOPS * 2) is None


def test_conv_and_rnn_count_their_positions():
    rng = np.random.RandomState(0)
    conv = fit_quietly(sknn.ConvClassifier(filters=(2,), hidden_layer_sizes=(), max_iter=1),
                       rng.normal(size=(8, 1, 6, 5)), np.arange(8) % 2)
    assert conv._positions_per_sample() == 30
    rnn = fit_quietly(sknn.RNNRegressor(hidden_size=2, max_iter=1),
                      rng.normal(size=(8, 7, 3)), rng.normal(size=8))
    assert rnn._positions_per_sample() == 7


def test_bad_values_are_refused(iris):
    X, y = iris
    for bad in (0, "many", 1.5):
        with pytest.raises(ValueError, match="n_threads"):
            sknn.MLPClassifier(n_threads=bad).fit(X, y)
