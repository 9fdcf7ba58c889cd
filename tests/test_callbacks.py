"""skorch's public callbacks on sknn's training loop, each with its effect checked.

Every callback runs in an MLPClassifier and a ConvClassifier fit.
"""

import functools
import json
import sys

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import (
    BatchScoring,
    Callback,
    Checkpoint,
    EarlyStopping,
    EpochScoring,
    EpochTimer,
    Freezer,
    GradientNormClipping,
    Initializer,
    LoadInitState,
    LRScheduler,
    ParamMapper,
    PassthroughScoring,
    PrintLog,
    ProgressBar,
    TrainEndCheckpoint,
    Unfreezer,
    WarmRestartLR,
)

from sknn import ConvClassifier, MLPClassifier, MLPRegressor

from conftest import fit_quietly

SMALL = dict(hidden_layer_sizes=(8,), max_iter=3, batch_size=32, learning_rate_init=0.01,
             random_state=0)
ESTIMATORS = {
    "mlp": (lambda **params: MLPClassifier(**{**SMALL, **params}), lambda X: X),
    "conv": (lambda **params: ConvClassifier(filters=(4,), **{**SMALL, **params}),
             lambda X: X.reshape(len(X), 1, -1)),
}


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=120, n_features=8, random_state=0)
    return X.astype(np.float32), y


@pytest.fixture(params=sorted(ESTIMATORS))
def fit(request, data):
    """``fit(callbacks, **params)``: the estimator fitted on the data, in its input shape."""
    make, shape = ESTIMATORS[request.param]

    def fit(callbacks, **params):
        return fit_quietly(make(callbacks=callbacks, **params), shape(data[0]), data[1])

    return fit


def used(estimator, kind):
    """The callback of type ``kind`` the estimator's net trained with."""
    return next(cb for _, cb in estimator.net_.callbacks_ if isinstance(cb, kind))


class Snapshots(Callback):
    """Keeps the module's parameters at the start of training and after every epoch."""

    def on_train_begin(self, net, **kwargs):
        self.states_ = [self._state(net)]

    def on_epoch_end(self, net, **kwargs):
        self.states_.append(self._state(net))

    @staticmethod
    def _state(net):
        return {key: value.detach().clone() for key, value in net.module_.state_dict().items()}


class BatchCalls(Callback):
    """Records the keyword arguments of every ``on_batch_end``."""

    def initialize(self):
        self.calls_ = []
        return self

    def on_batch_end(self, net, **kwargs):
        self.calls_.append(kwargs)


# -- scoring -----------------------------------------------------------------

class CheckAUC(Callback):
    """Computes the validation ROC AUC itself, from the net's predict_proba."""

    def initialize(self):
        self.aucs_ = []
        return self

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        proba = net.predict_proba(dataset_valid)[:, 1]
        self.aucs_.append(roc_auc_score(dataset_valid.y.cpu().numpy().ravel(), proba))


def test_epoch_scoring_on_validation_data(fit):
    estimator = fit([EpochScoring("accuracy", lower_is_better=False, name="valid_acc"),
                     EpochScoring("f1_macro", lower_is_better=False, name="valid_f1"),
                     EpochScoring("roc_auc", lower_is_better=False, name="valid_auc"),
                     CheckAUC()], early_stopping=True)
    history = estimator.net_.history
    assert len(history[:, "valid_f1"]) == len(history) == 3
    # the scorer's accuracy on the cached predictions is sknn's own valid_score
    np.testing.assert_allclose(history[:, "valid_acc"], history[:, "valid_score"], atol=1e-6)
    np.testing.assert_allclose(history[:, "valid_auc"], used(estimator, CheckAUC).aucs_)
    assert all(0 <= f1 <= 1 for f1 in history[:, "valid_f1"])
    assert history[0, "valid_auc_best"]


def test_epoch_scoring_on_training_data(fit, data):
    estimator = fit([EpochScoring("accuracy", lower_is_better=False, on_train=True,
                                  name="train_acc"),
                     EpochScoring("accuracy", lower_is_better=False, on_train=True,
                                  use_caching=False, name="train_acc_end")])
    history = estimator.net_.history
    X, y = ESTIMATORS["conv" if isinstance(estimator, ConvClassifier) else "mlp"][1](data[0]), \
        data[1]
    # without caching: the weights at the end of the epoch on all training data
    assert history[-1, "train_acc_end"] == pytest.approx(estimator.score(X, y))
    # with caching: the predictions made while training, batch by batch
    assert len(history[:, "train_acc"]) == 3 and 0 < history[-1, "train_acc"] <= 1


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_epoch_scoring_of_a_regressor_sees_its_predictions(data, loss):
    X, y = data
    target = np.abs(X[:, 0]) + y  # non-negative, for 'poisson'
    estimator = fit_quietly(MLPRegressor(
        **{**SMALL, "callbacks": [EpochScoring("r2", lower_is_better=False)]},
        loss=loss, early_stopping=True), X, target)
    history = estimator.net_.history
    # scikit-learn's r2 on the net's predictions (means for 'poisson') is sknn's valid_score
    np.testing.assert_allclose(history[:, "r2"], history[:, "valid_score"], atol=1e-5)


def test_batch_scoring_gets_each_batch_and_averages(fit):
    estimator = fit([BatchScoring("accuracy", lower_is_better=False, on_train=True,
                                  name="batch_acc")], batch_size=50)
    batches = estimator.net_.history[-1, "batches"]
    assert [row["train_batch_size"] for row in batches] == [50, 50, 20]
    scores = [row["batch_acc"] for row in batches]
    assert estimator.net_.history[-1, "batch_acc"] == pytest.approx(
        np.average(scores, weights=[50, 50, 20]))


def test_passthrough_scoring_reads_batch_rows_written_at_epoch_end(fit):
    estimator = fit([PassthroughScoring("train_loss", on_train=True)], batch_size=50)
    row = estimator.net_.history[-1]
    losses = [batch["train_loss"] for batch in row["batches"]]
    assert len(losses) == 3 and len(set(losses)) == 3
    assert isinstance(row["train_loss"], np.floating)  # PassthroughScoring's average
    assert row["train_loss"] == pytest.approx(np.average(losses, weights=[50, 50, 20]))


def test_batch_notifications_carry_skorch_arguments(fit):
    estimator = fit([BatchCalls()], early_stopping=True, batch_size=50)
    calls = used(estimator, BatchCalls).calls_
    training = [call["training"] for call in calls]
    assert training == [True, True, True, False] * 3  # 108 training, 12 validation samples
    for call in calls:
        Xi, yi = call["batch"]
        assert len(Xi) == len(yi) == call["y_pred"].shape[0]
        assert call["loss"].ndim == 0 and not call["y_pred"].requires_grad


def test_no_batch_rows_or_host_reads_per_batch_without_batch_callbacks(fit, monkeypatch):
    reads = []
    item = torch.Tensor.item

    def spy(self):
        # Reads by sknn's loop count; torch's own (its non-fused Adam reads a CPU step
        # counter on torch < 2.4) do not.
        if not sys._getframe(1).f_globals.get("__name__", "").startswith("torch."):
            reads.append(1)
        return item(self)

    monkeypatch.setattr(torch.Tensor, "item", spy)
    estimator = fit(None, batch_size=8)
    assert estimator.net_.history[-1, "batches"] == [] and reads == []
    estimator = fit([EarlyStopping(monitor="train_loss", patience=100)], batch_size=8)
    assert len(estimator.net_.history[-1, "batches"]) == 15 and reads == []
    estimator = fit([BatchCalls()], batch_size=8)
    assert len(reads) == 3 * 15  # skorch's loop: one read per batch


# -- checkpoints ---------------------------------------------------------------

def test_checkpoints_write_and_load_init_state_continues(fit, tmp_path):
    checkpoint = Checkpoint(dirname=str(tmp_path / "best"), monitor="train_loss_best")
    estimator = fit([checkpoint, TrainEndCheckpoint(dirname=str(tmp_path / "end"),
                                                    fn_prefix="")])
    for name in ("params.pt", "optimizer.pt", "criterion.pt", "history.json"):
        assert (tmp_path / "best" / name).exists() and (tmp_path / "end" / name).exists()
    saved = torch.load(tmp_path / "end" / "params.pt", weights_only=True)
    for key, value in estimator.module_.state_dict().items():
        torch.testing.assert_close(saved[key], value)
    rows = json.loads((tmp_path / "end" / "history.json").read_text())
    assert len(rows) == 3 and rows[-1]["batches"][0]["train_batch_size"] == 32

    resumed = fit([LoadInitState(checkpoint), checkpoint])
    history = resumed.net_.history
    assert history[:, "epoch"] == [1, 2, 3, 4, 5, 6]
    assert history[:3, "train_loss"] == estimator.net_.history[:, "train_loss"]
    assert history[3, "train_loss"] < history[2, "train_loss"]


def test_train_end_checkpoint_after_lbfgs(fit, tmp_path):
    fit([TrainEndCheckpoint(dirname=str(tmp_path), fn_prefix="")], solver="lbfgs", max_iter=5)
    rows = json.loads((tmp_path / "history.json").read_text())
    assert len(rows) == 5 and rows[0]["batches"][0]["train_batch_size"] == 120


# -- stopping and learning rates -------------------------------------------------

def test_early_stopping_on_validation_loss(fit):
    estimator = fit([EarlyStopping(monitor="valid_loss", patience=1, threshold=10.0)],
                    early_stopping=True, max_iter=10)
    assert estimator.n_iter_ == len(estimator.net_.history) == 2


def lr(estimator):
    return estimator.net_.optimizer_.param_groups[0]["lr"]


def test_lr_scheduler_per_epoch_and_per_batch(fit):
    estimator = fit([LRScheduler("StepLR", step_size=1, gamma=0.5)])
    assert estimator.net_.history[:, "event_lr"] == [0.01, 0.005, 0.0025]
    assert lr(estimator) == pytest.approx(0.01 * 0.5 ** 3)
    estimator = fit([LRScheduler("StepLR", step_size=1, gamma=0.5, step_every="batch")])
    lrs = [row["event_lr"] for row in estimator.net_.history[-1, "batches"]]
    assert lrs == pytest.approx([0.01 * 0.5 ** n for n in range(8, 12)])
    assert lr(estimator) == pytest.approx(0.01 * 0.5 ** 12)


def test_lr_scheduler_resumes_over_a_warm_start(data):
    estimator = MLPClassifier(**SMALL, warm_start=True,
                              callbacks=[LRScheduler("StepLR", step_size=1, gamma=0.5)])
    fit_quietly(estimator, *data)
    # The warm fit's optimizer starts again at learning_rate_init, as scikit-learn's
    # does; skorch's scheduler resumes on it (this used to raise: no initial_lr).
    fit_quietly(estimator, *data)
    assert estimator.net_.history[:, "event_lr"] == pytest.approx(
        [0.01, 0.005, 0.0025, 0.005, 0.0025, 0.00125])


def test_reduce_lr_on_plateau_per_epoch_and_per_batch(fit):
    plateau = functools.partial(LRScheduler, torch.optim.lr_scheduler.ReduceLROnPlateau,
                                monitor="train_loss", patience=0, threshold=1.0,
                                threshold_mode="abs", factor=0.5)
    assert lr(fit([plateau()])) == pytest.approx(0.01 * 0.5 ** 2)
    assert lr(fit([plateau(step_every="batch")])) == pytest.approx(0.01 * 0.5 ** 11)


def test_warm_restart_lr(fit):
    scheduler = LRScheduler(WarmRestartLR, min_lr=1e-4, max_lr=0.05, base_period=1)
    estimator = fit([scheduler], max_iter=4)
    expected = scheduler.simulate(4, 0.01)
    np.testing.assert_allclose(estimator.net_.history[:, "event_lr"], expected)
    assert len(set(np.round(expected, 8))) > 1


def test_lr_scheduler_and_epoch_scoring_in_grid_search(data):
    X, y = data
    estimator = MLPClassifier(**{**SMALL, "callbacks": [
        EpochScoring("accuracy", lower_is_better=False, name="valid_acc"),
        LRScheduler("StepLR", step_size=1, gamma=0.5)]}, early_stopping=True)
    search = fit_quietly(GridSearchCV(estimator, {"learning_rate_init": [0.01, 0.02]}, cv=2,
                                      n_jobs=2), X, y)
    best = search.best_estimator_
    history = best.net_.history
    np.testing.assert_allclose(history[:, "valid_acc"], history[:, "valid_score"], atol=1e-6)
    assert lr(best) == pytest.approx(best.learning_rate_init * 0.5 ** 3)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_callback_parameters_are_nested_parameters_as_in_skorch(data):
    X, y = data
    stop, scoring = EarlyStopping(patience=5), EpochScoring("accuracy", lower_is_better=False)
    estimator = MLPClassifier(**{**SMALL, "callbacks": [("stop", stop), scoring]},
                              early_stopping=True)
    params = estimator.get_params()
    assert params["callbacks__stop__patience"] == 5
    assert params["callbacks__EpochScoring__scoring"] == "accuracy"
    assert "callbacks__stop" not in estimator.get_params(deep=False)

    estimator.set_params(callbacks__stop__patience=1, alpha=0.01)
    assert estimator.get_params()["callbacks__stop__patience"] == 1
    assert estimator.alpha == 0.01
    assert stop.patience == 5  # the callback passed is left as it was
    with pytest.raises(ValueError, match="no callback is named 'EarlyStopping'"):
        estimator.set_params(callbacks__EarlyStopping__patience=2)

    search = fit_quietly(GridSearchCV(estimator, {"callbacks__stop__patience": [0, 2]}, cv=2),
                         X, y)
    trained = [used(search.best_estimator_, EarlyStopping).patience]
    assert trained == [search.best_params_["callbacks__stop__patience"]]
    assert search.cv_results_["param_callbacks__stop__patience"].tolist() == [0, 2]

    estimator.set_params(callbacks__EpochScoring=None)  # as skorch: None removes it
    assert [name for name, _ in estimator.callbacks] == ["stop"]


# -- gradients and parameters ---------------------------------------------------------

def test_gradient_norm_clipping_bounds_each_step(fit):
    estimator = fit([GradientNormClipping(1e-3), Snapshots()], solver="sgd", momentum=0.0,
                    learning_rate_init=1.0, batch_size=120, max_iter=1, alpha=0.0)
    before, after = used(estimator, Snapshots).states_
    step = torch.sqrt(sum(((after[key] - before[key]) ** 2).sum() for key in before))
    assert 1e-4 < step <= 1e-3 * 1.001


def test_initializer_and_freezer_keep_a_frozen_value(fit):
    estimator = fit([Initializer("output.bias", fn=functools.partial(torch.nn.init.constant_,
                                                                      val=0.25)),
                     Freezer("output.bias"), Snapshots()])
    states = used(estimator, Snapshots).states_
    assert torch.all(estimator.module_.output.bias == 0.25)
    assert not torch.equal(states[0]["output.weight"], states[-1]["output.weight"])


def test_unfreezer_releases_a_frozen_weight(fit):
    estimator = fit([Freezer("output.weight"), Unfreezer("output.weight", at=3), Snapshots()])
    weights = [state["output.weight"] for state in used(estimator, Snapshots).states_]
    assert torch.equal(weights[0], weights[1]) and torch.equal(weights[1], weights[2])
    assert not torch.equal(weights[2], weights[3])


def test_param_mapper_applies_its_function_at_the_epoch(fit):
    estimator = fit([ParamMapper("output.bias", fn=lambda param: param.data.fill_(5.0), at=3),
                     Snapshots()])
    biases = [state["output.bias"] for state in used(estimator, Snapshots).states_]
    assert torch.all(biases[2].abs() < 1) and torch.all((biases[3] - 5.0).abs() < 0.1)


# -- logging ----------------------------------------------------------------------

def test_epoch_timer_and_print_log(fit):
    lines = []
    estimator = fit([EpochTimer(), PrintLog(sink=lines.append)])
    assert all(duration > 0 for duration in estimator.net_.history[:, "dur"])
    table = "\n".join(lines)
    assert "train_loss" in table and "dur" in table
    assert len([line for line in table.splitlines() if line.strip()[:1].isdigit()]) == 3


def test_progress_bar_counts_training_and_validation_batches(fit):
    estimator = fit([ProgressBar(batches_per_epoch="count")], early_stopping=True)
    bar = used(estimator, ProgressBar).pbar_
    assert bar.total == bar.n == len(estimator.net_.history[-1, "batches"]) == 5
    assert "valid_loss=" in bar.postfix


def test_tensorboard_writes_events_with_the_users_writer(fit, tmp_path):
    pytest.importorskip("tensorboard")
    from skorch.callbacks import TensorBoard
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from torch.utils.tensorboard import SummaryWriter

    board = TensorBoard(SummaryWriter(str(tmp_path)))
    estimator = fit([board])
    assert used(estimator, TensorBoard).writer is board.writer  # the user's own writer
    events = EventAccumulator(str(tmp_path)).Reload()
    losses = [event.value for event in events.Scalars("Loss/train_loss")]
    np.testing.assert_allclose(losses, estimator.loss_curve_, rtol=1e-6)


def test_optuna_pruning_reports_to_the_users_trial_and_prunes(data):
    optuna = pytest.importorskip("optuna")
    integration = pytest.importorskip("optuna_integration")
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    class PruneTheSecond(optuna.pruners.BasePruner):
        def prune(self, study, trial):
            return trial.number == 1 and 2 in trial.intermediate_values

    study = optuna.create_study(direction="maximize", pruner=PruneTheSecond())
    fitted = []

    def objective(trial):
        model = MLPClassifier(**{**SMALL, "max_iter": 5, "callbacks": [
            integration.SkorchPruningCallback(trial, "valid_score")]})
        fitted.append(model)
        fit_quietly(model, *data, X_val=data[0], y_val=data[1])
        return model.score(*data)

    study.optimize(objective, n_trials=2)
    done, pruned = study.trials
    assert done.state == optuna.trial.TrialState.COMPLETE
    assert list(done.intermediate_values.values()) == fitted[0].validation_scores_
    assert pruned.state == optuna.trial.TrialState.PRUNED  # TrialPruned left the fit
    assert sorted(pruned.intermediate_values) == [0, 1, 2]
    assert not hasattr(fitted[1], "net_")  # and left the estimator unfitted


def test_mlflow_logger_logs_metrics_and_artifacts(fit, tmp_path, monkeypatch):
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient
    from skorch.callbacks import MlflowLogger

    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    client = MlflowClient(tracking_uri=(tmp_path / "runs").as_uri())
    run = client.create_run(client.create_experiment("sknn"))
    estimator = fit([MlflowLogger(run=run, client=client, log_on_batch_end=True)], max_iter=2)
    run_id = run.info.run_id
    epochs = [metric.value for metric in client.get_metric_history(run_id, "train_loss_epoch")]
    np.testing.assert_allclose(epochs, estimator.loss_curve_)
    assert len(client.get_metric_history(run_id, "train_loss_batch")) == 2 * 4
    assert {"params.pth", "history.json"} <= {a.path for a in client.list_artifacts(run_id)}
