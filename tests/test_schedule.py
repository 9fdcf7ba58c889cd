"""The training pieces of the recipes: 'plateau' decay, restore_best, balanced_batches."""

import pickle
import types

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification

from sknn import MLPClassifier, MLPRegressor
from sknn._callbacks import Convergence, LearningRateSchedule
from sknn._training import balanced_batch_size

from conftest import fit_quietly


def _stub_net(module=None):
    """What the callbacks read of a net: history rows, optimizer groups, module."""
    group = {"lr": 0.1}
    return types.SimpleNamespace(history=[], optimizer_=types.SimpleNamespace(
        param_groups=[group, dict(group)]), module_=module)


def _epochs(callback, net, rows):
    """Run ``rows`` (history rows) through ``callback``; return the rate after each."""
    rates = []
    for row in rows:
        net.history.append(dict(row))
        callback.on_epoch_end(net)
        rates.append(net.optimizer_.param_groups[0]["lr"])
    return rates


def test_plateau_decays_after_patience_epochs_without_a_new_low():
    schedule = LearningRateSchedule("plateau", 0.1, 0.5, 100, patience=2, factor=0.5,
                                    floor=0.02)
    net = _stub_net()
    losses = [1.0, 0.9, 0.95, 0.91, 0.92, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85]
    rates = _epochs(schedule, net, [{"train_loss": loss} for loss in losses])
    # Third epoch without a new low (index 4) decays; a new low resets the count;
    # the floor stops the decays.
    assert rates == [0.1] * 4 + [0.05] * 4 + [0.025] * 3 + [0.02] * 2
    assert net.optimizer_.param_groups[1]["lr"] == 0.02  # every group


def test_plateau_watches_the_validation_loss_when_there_is_one():
    schedule = LearningRateSchedule("plateau", 0.1, 0.5, 100, patience=0, factor=0.1)
    net = _stub_net()
    # The training loss falls, the validation loss does not.
    rows = [{"train_loss": 1.0 / (i + 1), "valid_loss": 1.0} for i in range(3)]
    assert _epochs(schedule, net, rows) == pytest.approx([0.1, 0.01, 0.001])


def test_restore_best_loads_the_weights_of_the_lowest_training_loss():
    module = torch.nn.Linear(2, 1)
    convergence = Convergence(1e-4, np.inf, False, restore_best=True)
    net = _stub_net(module)
    convergence.on_train_begin(net)
    for loss, value in [(3.0, 1.0), (1.0, 2.0), (2.0, 3.0)]:
        torch.nn.init.constant_(module.weight, value)
        _epochs(convergence, net, [{"train_loss": loss}])
    convergence.on_train_end(net)
    assert torch.all(module.weight == 2.0)
    assert convergence.kept_ is None  # no second copy left to pickle


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(200, 8, n_informative=5, random_state=0)
    return X.astype(np.float32), y


def test_restore_best_with_validation_data_keeps_the_best_scoring_epoch(data):
    X, y = data
    model = MLPClassifier((16,), learning_rate_init=0.05, max_iter=25, n_iter_no_change=100,
                          restore_best=True, random_state=0)
    fit_quietly(model, X[:120], y[:120], X_val=X[120:], y_val=y[120:])
    scores = model.validation_scores_
    assert np.argmax(scores) < len(scores) - 1  # the last epoch was not the best
    assert model.score(X[120:], y[120:]) == pytest.approx(max(scores))
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))


def test_restore_best_leaves_partial_fit_and_last_epoch_alone(data):
    X, y = data
    kept, plain = (MLPClassifier((8,), restore_best=flag, random_state=0)
                   for flag in (True, False))
    for _ in range(3):
        kept.partial_fit(X, y, classes=[0, 1])
        plain.partial_fit(X, y, classes=[0, 1])
    np.testing.assert_array_equal(kept.predict_proba(X), plain.predict_proba(X))


def test_balanced_batches_leave_no_small_last_batch(data):
    X, y = data
    model = fit_quietly(MLPRegressor((4,), batch_size=16, balanced_batches=True, max_iter=2,
                                     random_state=0), X[:50], y[:50])
    assert model.net_.batch_size == 13
    assert model.net_.history[-1, "train_batch_count"] == 4


@pytest.mark.parametrize("n", range(1, 120, 7))
@pytest.mark.parametrize("size", [1, 3, 16, 32])
def test_balanced_batch_size_keeps_every_batch_at_least_half_full(n, size):
    balanced = balanced_batch_size(n, min(size, n))
    batches = -(-n // balanced)
    last = n - (batches - 1) * balanced
    assert balanced <= min(size, n)
    assert 2 * last >= balanced
    assert batches <= -(-n // min(size, n)) * 2  # never more than twice the batches


def test_plateau_and_restore_best_survive_sknn_io(data):
    from sknn import io

    X, y = data
    model = fit_quietly(MLPClassifier((8,), learning_rate="plateau", plateau_patience=0,
                                      restore_best=True, max_iter=6, random_state=0), X, y)
    again = io.loads(io.dumps(model, optimizer=True))
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))
    schedules = [dict(m.net_.callbacks_)["learning_rate"] for m in (model, again)]
    assert schedules[1].lowest_ == schedules[0].lowest_
    for m in (model, again):
        m.partial_fit(X, y)
    np.testing.assert_allclose(again.predict_proba(X), model.predict_proba(X), rtol=1e-5)
    rates = [m.net_.optimizer_.param_groups[0]["lr"] for m in (model, again)]
    assert rates[0] == rates[1]


def test_plateau_lowers_the_rate_before_the_stopping_rule_ends_training():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3)).astype(np.float32)
    y = X @ np.array([1.0, -2.0, 0.5], np.float32)
    # tol so large that no epoch counts as an improvement
    model = MLPRegressor(learning_rate="plateau", learning_rate_init=0.1, plateau_patience=2,
                         plateau_factor=0.5, min_learning_rate=0.01, n_iter_no_change=2,
                         tol=1e6, max_iter=100, random_state=0)
    fit_quietly(model, X, y)
    rates = [row["lr"] for row in model.net_.history if "lr" in row] or None
    final = model.net_.optimizer_.param_groups[0]["lr"]
    assert final == pytest.approx(0.01)  # decayed all the way down ...
    assert 3 < model.n_iter_ < 100  # ... and only then stopped
    assert rates is None or rates[-1] == pytest.approx(0.01)


def test_balanced_batches_count_the_rows_left_after_early_stoppings_split():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 3)).astype(np.float32)
    y = np.arange(50) % 2
    model = MLPClassifier(early_stopping=True, validation_fraction=0.1, batch_size=16,
                          balanced_batches=True, max_iter=2, random_state=0)
    fit_quietly(model, X, y)
    assert model.net_.batch_size == 15  # 45 training rows: 15, 15, 15


@pytest.mark.parametrize("schedule", ["cosine", "invscaling", "plateau"])
def test_the_history_records_the_rate_each_epoch_trained_with(schedule):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3)).astype(np.float32)
    y = X.sum(1)
    model = MLPRegressor(learning_rate=schedule, learning_rate_init=0.1, max_iter=6,
                         plateau_patience=0, tol=0, random_state=0)
    fit_quietly(model, X, y)
    rates = model.net_.history[:, "lr"]
    assert len(rates) == 6 and rates[0] == pytest.approx(0.1)
    assert rates[-1] < rates[0]
