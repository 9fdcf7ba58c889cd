"""MLPClassifier and MLPRegressor: the behaviour a scikit-learn user relies on."""

import io
import pickle
import re
import warnings
from unittest import mock

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback, EarlyStopping

from sknn import DivergenceError, MLPClassifier, MLPRegressor

from conftest import assert_search_picked, fit_quietly

FAST = dict(hidden_layer_sizes=(16,), max_iter=30, learning_rate_init=0.01, random_state=0)


# -- scikit-learn workflow ---------------------------------------------------

def test_pipeline_grid_search_and_cross_validation(iris):
    X, y = iris
    pipe = make_pipeline(StandardScaler(), MLPClassifier(**FAST))
    # one full-batch epoch is a single gradient step: that candidate must lose
    grid = GridSearchCV(pipe, {"mlpclassifier__max_iter": [1, 30]}, cv=3)
    fit_quietly(grid, X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(clone(pipe), X, y, cv=3)
    assert_search_picked(grid, {"mlpclassifier__max_iter": 30})
    assert grid.best_score_ > 0.85
    assert grid.cv_results_["mean_test_score"][0] < grid.best_score_ - 0.2
    assert grid.best_estimator_[-1].n_iter_ == len(grid.best_estimator_[-1].loss_curve_) > 1
    assert grid.best_estimator_.score(X, y) > 0.85
    assert scores.mean() > 0.85


@pytest.mark.parametrize("dumps,loads", [
    (pickle.dumps, pickle.loads),
    (lambda est: _joblib_dump(est), lambda data: joblib.load(io.BytesIO(data))),
])
def test_pickle_and_joblib_round_trip_gives_identical_output(iris, regression, dumps, loads):
    X, y = iris
    clf = fit_quietly(MLPClassifier(**FAST), X, y)
    restored = loads(dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    assert restored.loss_curve_ == clf.loss_curve_
    Xr, yr = regression
    reg = fit_quietly(MLPRegressor(**FAST), Xr, yr)
    np.testing.assert_array_equal(loads(dumps(reg)).predict(Xr), reg.predict(Xr))


def _joblib_dump(estimator):
    buffer = io.BytesIO()
    joblib.dump(estimator, buffer)
    return buffer.getvalue()


def test_clone_gives_unfitted_copy_with_same_params(iris):
    X, y = iris
    clf = fit_quietly(MLPClassifier(**FAST, dropout=0.1), X, y)
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    assert not hasattr(copy, "net_")


def test_defaults_match_scikit_learn():
    from sklearn.neural_network import MLPClassifier as SkClassifier
    from sklearn.neural_network import MLPRegressor as SkRegressor

    for ours, theirs in [(MLPClassifier(), SkClassifier()), (MLPRegressor(), SkRegressor())]:
        theirs_params = theirs.get_params()
        ours_params = ours.get_params()
        for name, value in theirs_params.items():
            assert ours_params[name] == value, name


# -- input conversion -------------------------------------------------------

@pytest.mark.parametrize("convert", [
    lambda X: X.astype(np.float32),
    lambda X: np.round(X * 10).astype(np.int64) / 10,
    lambda X: pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])]),
    sp.csr_matrix,
    lambda X: X.tolist(),
], ids=["float32", "float64", "dataframe", "sparse", "list"])
def test_inputs_of_every_kind_train_and_predict_alike(iris, convert):
    X, y = iris
    X = np.round(X * 10) / 10  # exactly representable in every form
    reference = fit_quietly(MLPClassifier(**FAST), X, y).predict_proba(X)
    converted = convert(X)
    proba = fit_quietly(MLPClassifier(**FAST), converted, y).predict_proba(converted)
    np.testing.assert_allclose(proba, reference, atol=1e-5)


def test_integer_input_is_accepted():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 5, size=(60, 3)).astype(np.int32)
    y = (X[:, 0] > 2).astype(int)
    assert fit_quietly(MLPClassifier(**FAST), X, y).score(X, y) > 0.8


def test_dataframe_feature_names_are_kept_and_checked(iris):
    X, y = iris
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    clf = fit_quietly(MLPClassifier(**FAST), frame, y)
    assert list(clf.feature_names_in_) == ["a", "b", "c", "d"]
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(frame.rename(columns={"a": "z"}))


# -- targets ------------------------------------------------------------------

@pytest.mark.parametrize("labels", [
    np.array(["setosa", "versicolor", "virginica"]),
    np.array([10, -3, 7]),
    np.array([0.0, 5.0, 9.0]),
])
def test_labels_come_back_in_the_users_type(iris, labels):
    X, y = iris
    y_user = labels[y]
    clf = fit_quietly(MLPClassifier(**FAST), X, y_user)
    assert set(clf.classes_) == set(labels)
    prediction = clf.predict(X)
    assert prediction.dtype == y_user.dtype
    assert np.mean(prediction == y_user) > 0.85
    assert clf.predict_proba(X).shape == (len(X), 3)


def test_binary_boolean_labels_use_one_logistic_output(iris):
    X, y = iris
    y_bool = y == 0
    clf = fit_quietly(MLPClassifier(**FAST), X, y_bool)
    assert clf.n_outputs_ == 1 and clf.out_activation_ == "logistic"
    assert clf.predict(X).dtype == bool
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba))
    assert clf.score(X, y_bool) > 0.95


def test_multilabel_indicator_targets(iris):
    X, y = iris
    Y = np.column_stack([y == 0, y == 1, X[:, 0] > 0]).astype(int)
    clf = fit_quietly(MLPClassifier(**{**FAST, "max_iter": 100}), X, Y)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 3
    prediction = clf.predict(X)
    assert prediction.shape == Y.shape
    assert np.mean(prediction == Y) > 0.85
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape
    assert not np.allclose(proba.sum(1), 1.0)


def test_multiclass_softmax_output(iris):
    X, y = iris
    clf = fit_quietly(MLPClassifier(**FAST), X, y)
    assert clf.out_activation_ == "softmax" and clf.n_outputs_ == 3
    np.testing.assert_allclose(clf.predict_proba(X).sum(1), 1.0)


def test_regressor_one_and_several_outputs(regression):
    X, y = regression
    reg = fit_quietly(MLPRegressor(**{**FAST, "max_iter": 200}), X, y)
    assert reg.predict(X).shape == (len(X),)
    assert reg.score(X, y) > 0.9
    Y = np.column_stack([y, -y])
    multi = fit_quietly(MLPRegressor(**{**FAST, "max_iter": 200}), X, Y)
    assert multi.n_outputs_ == 2 and multi.predict(X).shape == Y.shape
    assert multi.score(X, Y) > 0.9
    assert reg.out_activation_ == "identity"


def test_poisson_loss_predicts_positive_means():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(300, 2))
    y = rng.poisson(np.exp(1 + X[:, 0]))
    reg = fit_quietly(MLPRegressor(loss="poisson", **{**FAST, "max_iter": 100}), X, y)
    assert reg.out_activation_ == "exp"
    prediction = reg.predict(X)
    assert np.all(prediction > 0)
    assert np.corrcoef(prediction, np.exp(1 + X[:, 0]))[0, 1] > 0.9
    with pytest.raises(ValueError, match="negative"):
        MLPRegressor(loss="poisson").fit(X, y - 10)


# -- training parameters ------------------------------------------------------

@pytest.mark.parametrize("solver", ["adam", "adamw", "sgd", "rmsprop", "adagrad", "lbfgs"])
def test_every_solver_learns(iris, solver):
    X, y = iris
    clf = fit_quietly(MLPClassifier(solver=solver, **{**FAST, "max_iter": 100,
                                                      "learning_rate_init": 0.03}), X, y)
    assert clf.score(X, y) > 0.9
    assert clf.n_iter_ == len(clf.loss_curve_)


def test_sgd_momentum_and_nesterov_reach_the_optimizer(iris):
    X, y = iris
    clf = fit_quietly(MLPClassifier(solver="sgd", momentum=0.5, nesterovs_momentum=False,
                                    **FAST), X, y)
    group = clf.net_.optimizer_.param_groups[0]
    assert isinstance(clf.net_.optimizer_, torch.optim.SGD)
    assert group["momentum"] == 0.5 and group["nesterov"] is False
    clf = fit_quietly(MLPClassifier(solver="sgd", **FAST), X, y)
    assert clf.net_.optimizer_.param_groups[0]["nesterov"] is True


def test_alpha_shrinks_weights_but_not_biases(iris):
    X, y = iris
    norms = []
    for alpha in [0.0, 50.0]:
        clf = fit_quietly(MLPClassifier(alpha=alpha, **FAST), X, y)
        norms.append(sum(np.sum(c ** 2) for c in clf.coefs_))
        groups = clf.net_.optimizer_.param_groups
        assert groups[1]["weight_decay"] == 0.0  # biases
        assert groups[0]["weight_decay"] == pytest.approx(alpha / clf.net_.batch_size)
    assert norms[1] < 0.5 * norms[0]


def test_batch_size_auto_and_clipped(iris):
    X, y = iris
    assert fit_quietly(MLPClassifier(**FAST), X, y).net_.batch_size == min(200, len(X))
    with pytest.warns(UserWarning, match="clipped"):
        clf = fit_quietly(MLPClassifier(batch_size=1000, **FAST), X, y)
    assert clf.net_.batch_size == len(X)


@pytest.mark.parametrize("schedule,expected", [
    ("constant", 0.01),
    ("step", 0.01 * 0.1 ** 2),
    ("exponential", 0.01 * 0.01 ** (29 / 30)),
    ("cosine", 0.01 * 0.5 * (1 + np.cos(np.pi * 29 / 30))),
    ("invscaling", 0.01 / (30 * 150 + 1) ** 0.5),
])
def test_learning_rate_schedules(iris, schedule, expected):
    X, y = iris
    clf = fit_quietly(MLPClassifier(learning_rate=schedule, tol=0, **FAST), X, y)
    assert clf.n_iter_ == 30
    lr = clf.net_.optimizer_.param_groups[0]["lr"]
    assert lr == pytest.approx(expected, rel=1e-6)


def test_adaptive_learning_rate_divides_by_five_instead_of_stopping(iris):
    X, y = iris
    clf = fit_quietly(MLPClassifier(solver="sgd", learning_rate="adaptive", tol=0.5,
                                    n_iter_no_change=2, **{**FAST, "max_iter": 200}), X, y)
    lr = clf.net_.optimizer_.param_groups[0]["lr"]
    assert lr < 1e-6
    assert clf.n_iter_ < 200


def test_training_stops_on_tol_and_warns_at_max_iter(iris):
    X, y = iris
    clf = MLPClassifier(tol=10.0, n_iter_no_change=3, **{**FAST, "max_iter": 100}).fit(X, y)
    # the first epoch improves on infinity; the next ones never by 10, and
    # training stops once more than n_iter_no_change epochs did not improve
    assert clf.n_iter_ == 1 + 3 + 1
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        MLPClassifier(tol=0, **{**FAST, "max_iter": 3}).fit(X, y)


def test_early_stopping_records_validation_scores_and_keeps_best(iris):
    X, y = iris
    clf = fit_quietly(MLPClassifier(early_stopping=True, validation_fraction=0.2,
                                    **{**FAST, "max_iter": 100}), X, y)
    scores = clf.validation_scores_
    assert len(scores) == clf.n_iter_
    assert clf.best_validation_score_ == max(scores)
    assert clf.best_loss_ is None
    # the held-out 20% are scored again by the restored best weights
    history = clf.net_.history
    best_epoch = int(np.argmax(scores))
    assert history[best_epoch, "valid_score"] == clf.best_validation_score_


class RecordSplit(Callback):
    """Keeps the datasets the net trains and validates on (their tensors: X, y, weight)."""

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        self.train_, self.valid_ = dataset_train, dataset_valid


def test_early_stopping_split_is_stratified_and_checked(iris, regression):
    for seed in range(3):
        rng = np.random.RandomState(seed)
        y = rng.permutation(np.repeat([0, 1, 2], [320, 60, 20]))  # 80%, 15% and 5%
        n = len(y)
        # column 0 names the sample, so the split's rows can be traced back
        X = np.c_[np.arange(n) / n, rng.normal(size=(n, 2))].astype(np.float32)
        clf = fit_quietly(MLPClassifier(early_stopping=True, validation_fraction=0.25,
                                        callbacks=[RecordSplit()],
                                        **{**FAST, "max_iter": 1, "random_state": seed}), X, y)
        split = next(cb for _, cb in clf.net_.callbacks_ if isinstance(cb, RecordSplit))
        rows = {}
        for part, data in [("train", split.train_), ("valid", split.valid_)]:
            X_part, y_part, _ = data.tensors
            rows[part] = np.rint(X_part[:, 0].cpu().numpy() * n).astype(int)
            codes = y_part.cpu().numpy().ravel()
            np.testing.assert_array_equal(clf.classes_[codes], y[rows[part]])  # labels kept
        assert sorted(np.r_[rows["train"], rows["valid"]]) == list(range(n))
        # the held-out quarter has the data's class proportions exactly: 80, 15, 5
        np.testing.assert_array_equal(np.bincount(y[rows["valid"]], minlength=3),
                                      np.bincount(y) * 0.25)
    X, y = iris
    with pytest.raises(ValueError, match="least populated class"):
        MLPClassifier(early_stopping=True).fit(X[49:], y[49:])  # 1 setosa only
    Xr, yr = regression
    with pytest.raises(ValueError, match="validation set is too small"):
        MLPRegressor(early_stopping=True, validation_fraction=0.05).fit(Xr[:20], yr[:20])


def test_dropout_batch_norm_and_activations_build_the_network(iris):
    X, y = iris
    clf = fit_quietly(MLPClassifier(**{**FAST, "dropout": 0.3, "batch_norm": True,
                                       "activation": "gelu", "hidden_layer_sizes": (8, 6),
                                       "max_iter": 5}), X, y)
    kinds = clf.summary()["type"].tolist()
    assert kinds.count("BatchNorm1d") == 2 and kinds.count("Dropout") == 2
    assert kinds.count("GELU") == 2
    assert [c.shape for c in clf.coefs_] == [(4, 8), (8, 6), (6, 3)]
    assert [b.shape for b in clf.intercepts_] == [(8,), (6,), (3,)]
    assert clf.n_layers_ == 4


@pytest.mark.parametrize("weight_init", ["glorot_uniform", "glorot_normal", "he_uniform",
                                         "he_normal", "uniform", "normal", "orthogonal"])
def test_weight_init_schemes(weight_init):
    from sknn.modules import MLP

    layer = MLP(50, 2, (40,), weight_init=weight_init).hidden[0][0]
    std = float(layer.weight.detach().std())
    expected = {
        "glorot_uniform": (2 / 90) ** 0.5, "glorot_normal": (2 / 90) ** 0.5,
        "he_uniform": (2 / 50) ** 0.5, "he_normal": (2 / 50) ** 0.5,
        "uniform": 0.1 / 12 ** 0.5, "normal": 0.05, "orthogonal": (1 / 50) ** 0.5,
    }[weight_init]
    assert std == pytest.approx(expected, rel=0.15)
    assert float(layer.bias.detach().abs().max()) == 0.0


def test_auto_init_is_scikit_learns():
    from sknn.modules import MLP

    for activation, factor in [("relu", 6), ("logistic", 2)]:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            layer = MLP(50, 2, (40,), activation=activation).hidden[0][0]
        bound = (factor / 90) ** 0.5
        for param in (layer.weight, layer.bias):
            values = param.detach().abs()
            assert float(values.max()) <= bound and float(values.max()) > 0.9 * bound
    selu = MLP(50, 2, (40,), activation="selu").hidden[0][0]
    assert float(selu.weight.detach().std()) == pytest.approx((1 / 50) ** 0.5, rel=0.15)


# -- sample and class weights --------------------------------------------------

def test_constant_sample_weight_equals_no_weight(iris):
    X, y = iris
    a = fit_quietly(MLPClassifier(**FAST), X, y).predict_proba(X)
    b = fit_quietly(MLPClassifier(**FAST), X, y, sample_weight=np.full(len(y), 3.0))
    np.testing.assert_array_equal(a, b.predict_proba(X))


def test_sample_weight_moves_the_decision(iris):
    X, y = iris
    y = (y == 1).astype(int)  # versicolor vs rest: not linearly separable
    weight = np.where(y == 1, 20.0, 1.0)
    plain = fit_quietly(MLPClassifier(**{**FAST, "hidden_layer_sizes": (2,)}), X, y)
    weighted = fit_quietly(MLPClassifier(**{**FAST, "hidden_layer_sizes": (2,)}), X, y,
                           sample_weight=weight)
    assert weighted.predict(X).mean() > plain.predict(X).mean()


@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 5.0}])
def test_class_weight_favours_the_weighted_class(iris, class_weight):
    X, y = iris
    X, y = X[30:], (y[30:] == 1).astype(int)  # 50 of 120; not linearly separable
    kwargs = {**FAST, "hidden_layer_sizes": (2,)}
    plain = fit_quietly(MLPClassifier(**kwargs), X, y)
    weighted = fit_quietly(MLPClassifier(class_weight=class_weight, **kwargs), X, y)
    proba = [model.predict_proba(X)[y == 1, 1].mean() for model in (plain, weighted)]
    assert proba[1] > proba[0] + 0.02
    recall = [np.mean(model.predict(X)[y == 1] == 1) for model in (plain, weighted)]
    assert recall[1] > recall[0]


def test_class_weight_dict_uses_user_labels(iris):
    X, y = iris
    names = np.array(["a", "b", "c"])[y]
    clf = fit_quietly(MLPClassifier(class_weight={"a": 5.0, "b": 1.0, "c": 1.0}, **FAST),
                      X, names)
    assert clf.score(X, names) > 0.85


def test_regressor_has_no_class_weight():
    assert "class_weight" not in MLPRegressor().get_params()
    with pytest.raises(TypeError, match="class_weight"):
        MLPRegressor(class_weight="balanced")


# -- partial_fit and warm_start ------------------------------------------------

def test_partial_fit_n_times_equals_fit_n_epochs(iris):
    X, y = iris
    fitted = fit_quietly(MLPClassifier(tol=0, **{**FAST, "max_iter": 5}), X, y)
    partial = MLPClassifier(**FAST)
    for _ in range(5):
        partial.partial_fit(X, y, classes=np.unique(y))
    np.testing.assert_array_equal(partial.predict_proba(X), fitted.predict_proba(X))
    assert partial.t_ == fitted.t_ == 5 * len(X)
    assert partial.n_iter_ == 1 and len(partial.loss_curve_) == 5


def test_partial_fit_needs_classes_first_and_rejects_unseen_labels(iris):
    X, y = iris
    with pytest.raises(ValueError, match="classes must be passed"):
        MLPClassifier().partial_fit(X, y)
    clf = MLPClassifier(**FAST).partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    assert list(clf.classes_) == [0, 1, 2]
    clf.partial_fit(X[y == 2], y[y == 2])
    with pytest.raises(ValueError, match=r"labels \[7\]"):
        clf.partial_fit(X[:3], [0, 1, 7])
    with pytest.raises(ValueError, match="not the same"):
        clf.partial_fit(X[:3], y[:3], classes=[0, 1])


def test_partial_fit_unavailable_for_lbfgs():
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")
    assert hasattr(MLPRegressor(solver="adam"), "partial_fit")


def test_warm_start_continues_from_previous_weights(regression):
    X, y = regression
    reg = fit_quietly(MLPRegressor(warm_start=True, tol=0, **{**FAST, "max_iter": 5}), X, y)
    first_loss = reg.loss_
    module = reg.module_
    fit_quietly(reg, X, y)
    assert reg.module_ is module
    assert len(reg.loss_curve_) == 10 and reg.n_iter_ == 5
    assert reg.loss_ < first_loss
    cold = fit_quietly(clone(reg).set_params(warm_start=False), X, y)
    assert len(cold.loss_curve_) == 5


# -- fitted attributes -----------------------------------------------------------

def test_fitted_attributes(iris):
    X, y = iris
    clf = MLPClassifier(**FAST, tol=0)
    with pytest.raises(AttributeError):
        _ = clf.coefs_
    fit_quietly(clf, X, y)
    assert clf.n_features_in_ == 4 and clf.n_iter_ == 30
    assert len(clf.loss_curve_) == 30 and clf.loss_ == clf.loss_curve_[-1]
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.t_ == 30 * len(X)
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    assert isinstance(clf.module_, torch.nn.Module) and clf.device_ == "cpu"
    assert all(isinstance(c, np.ndarray) for c in clf.coefs_ + clf.intercepts_)
    # coefs_ are the network's weights: a manual forward pass reproduces predict_proba
    hidden = np.maximum(X @ clf.coefs_[0] + clf.intercepts_[0], 0)
    logits = hidden @ clf.coefs_[1] + clf.intercepts_[1]
    proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    np.testing.assert_allclose(proba, clf.predict_proba(X), atol=1e-5)


def test_summary_and_embed(iris):
    X, y = iris
    clf = fit_quietly(MLPClassifier(**{**FAST, "hidden_layer_sizes": (8, 5), "max_iter": 2}),
                      X, y)
    table = clf.summary()
    assert table.iloc[-1]["n_params"] == 4 * 8 + 8 + 8 * 5 + 5 + 5 * 3 + 3
    assert table.iloc[-1]["n_params"] == table["n_params"].iloc[:-1].sum()
    assert table.loc[table["layer"] == "output", "output_shape"].item() == (None, 3)
    assert clf.embed(X).shape == (150, 5)
    assert clf.embed(X, layer=0).shape == (150, 8)
    assert np.all(clf.embed(X) >= 0)  # after the ReLU
    with pytest.raises(IndexError):
        clf.embed(X, layer=2)


# -- device, seeding and verbosity -------------------------------------------

def test_device_cpu_and_auto(iris, monkeypatch):
    X, y = iris
    cpu = fit_quietly(MLPClassifier(device="cpu", **FAST), X, y)
    assert cpu.device_ == "cpu"
    assert {p.device.type for p in cpu.module_.parameters()} == {"cpu"}
    # 'auto', the default, trains on the CPU where torch finds neither CUDA nor MPS
    # ('auto' on a CUDA machine: tests/test_gpu.py)
    assert MLPClassifier().device == "auto"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    auto = fit_quietly(MLPClassifier(**FAST), X, y)
    assert auto.device_ == "cpu"
    assert {p.device.type for p in auto.module_.parameters()} == {"cpu"}
    np.testing.assert_array_equal(auto.predict_proba(X), cpu.predict_proba(X))


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
@pytest.mark.parametrize("device", ["cuda", "cuda:1"])
def test_missing_cuda_is_a_clear_error_before_training(iris, device):
    X, y = iris
    clf = MLPClassifier(device=device)
    with pytest.raises(ValueError, match="CUDA is not available"):
        clf.fit(X, y)
    assert not hasattr(clf, "net_")


def test_unknown_device_is_a_clear_error(iris):
    X, y = iris
    with pytest.raises(ValueError, match="is not a device"):
        MLPClassifier(device="gpu").fit(X, y)


def test_cuda_model_unpickles_on_cpu_with_a_warning(iris):
    """A net pickled with device='cuda' loads on a CUDA-less machine, on the CPU.

    As skorch tests it: the saved state names CUDA and loading maps it.
    """
    from skorch.exceptions import DeviceWarning

    X, y = iris
    clf = fit_quietly(MLPClassifier(**FAST), X, y)
    expected = clf.predict_proba(X)
    clf.net_.device = "cuda"  # as if it had been fitted on a GPU
    data = pickle.dumps(clf)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(torch.cuda, "is_available", lambda: False)
        with pytest.warns(DeviceWarning, match="cpu"):
            restored = pickle.loads(data)
    assert restored.device_ == "cpu"
    np.testing.assert_array_equal(restored.predict_proba(X), expected)


def test_mps_model_unpickles_on_cpu_with_a_warning(iris):
    from skorch.exceptions import DeviceWarning

    X, y = iris
    clf = fit_quietly(MLPClassifier(**FAST), X, y)
    expected = clf.predict_proba(X)
    clf.net_.device = "mps"  # as if it had been fitted on Apple silicon
    data = pickle.dumps(clf)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sknn._training.mps_available", lambda: False)
        with pytest.warns(DeviceWarning, match="cpu"):
            restored = pickle.loads(data)
    assert restored.device_ == "cpu"
    np.testing.assert_array_equal(restored.predict_proba(X), expected)


def test_random_state_is_reproducible_and_global_state_untouched(iris, no_global_rng_change):
    X, y = iris
    kwargs = {**FAST, "dropout": 0.2, "early_stopping": True}
    a = fit_quietly(MLPClassifier(**kwargs), X, y).predict_proba(X)
    b = fit_quietly(MLPClassifier(**kwargs), X, y).predict_proba(X)
    c = fit_quietly(MLPClassifier(**{**kwargs, "random_state": 1}), X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    fit_quietly(MLPClassifier(**{**kwargs, "random_state": None}), X, y)


def test_random_state_none_differs_between_fits(iris):
    X, y = iris
    kwargs = {**FAST, "random_state": None, "max_iter": 1}
    a = fit_quietly(MLPClassifier(**kwargs), X, y).predict_proba(X)
    b = fit_quietly(MLPClassifier(**kwargs), X, y).predict_proba(X)
    assert not np.allclose(a, b)


def test_verbose_prints_one_line_per_epoch(iris, capsys):
    X, y = iris
    clf = fit_quietly(MLPClassifier(verbose=True, early_stopping=True, tol=0,
                                    **{**FAST, "max_iter": 4}), X, y)
    out = capsys.readouterr()
    lines = [line for line in out.out.splitlines() if line.startswith("Iteration")]
    line_format = re.compile(r"Iteration (\d+), loss = (\d+\.\d{8}), "
                             r"validation score = (\d\.\d{6}), time = (\d+\.\d{3})s")
    matches = [line_format.fullmatch(line) for line in lines]
    assert len(lines) == 4 and all(matches), lines
    assert [int(m[1]) for m in matches] == [1, 2, 3, 4]
    np.testing.assert_allclose([float(m[2]) for m in matches], clf.loss_curve_, atol=1e-8)
    np.testing.assert_allclose([float(m[3]) for m in matches], clf.validation_scores_,
                               atol=1e-6)
    # without early stopping there is no validation score
    fit_quietly(MLPClassifier(verbose=True, tol=0, **{**FAST, "max_iter": 2}), X, y)
    lines = [line for line in capsys.readouterr().out.splitlines()
             if line.startswith("Iteration")]
    assert len(lines) == 2
    assert all(re.fullmatch(r"Iteration \d+, loss = \d+\.\d{8}, time = \d+\.\d{3}s", line)
               for line in lines), lines
    fit_quietly(MLPClassifier(**{**FAST, "max_iter": 4}), X, y)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


# -- callbacks and gradient clipping -------------------------------------------

def test_skorch_callbacks_are_used_and_not_mutated(iris):
    X, y = iris
    stopper = EarlyStopping(monitor="train_loss", patience=2, threshold=10.0)
    clf = fit_quietly(MLPClassifier(callbacks=[stopper], **{**FAST, "max_iter": 50}), X, y)
    assert clf.n_iter_ == 3
    assert stopper.dynamic_threshold_ is None  # the user's instance was copied, not used

    class CountBatches(Callback):
        def initialize(self):
            self.batches_ = 0
            return self

        def on_batch_end(self, net, **kwargs):
            self.batches_ += 1

    clf = fit_quietly(MLPClassifier(callbacks=[CountBatches()], batch_size=50,
                                    **{**FAST, "max_iter": 2}), X, y)
    counter = next(cb for _, cb in clf.net_.callbacks_ if isinstance(cb, CountBatches))
    assert counter.batches_ == 2 * 3


def test_max_grad_norm_bounds_each_step(iris):
    X, y = iris
    kwargs = dict(solver="sgd", momentum=0.0, learning_rate_init=1.0, batch_size=150,
                  hidden_layer_sizes=(16,), max_iter=1, random_state=0, alpha=0.0)
    before = fit_quietly(MLPClassifier(**{**kwargs, "learning_rate_init": 1e-12}), X, y)
    after = fit_quietly(MLPClassifier(max_grad_norm=1e-3, **kwargs), X, y)
    step = np.sqrt(sum(np.sum((a - b) ** 2) for a, b in zip(after.coefs_ + after.intercepts_,
                                                           before.coefs_ + before.intercepts_)))
    assert step <= 1e-3 * 1.01
    free = fit_quietly(MLPClassifier(**kwargs), X, y)
    free_step = np.sqrt(sum(np.sum((a - b) ** 2) for a, b in zip(free.coefs_, before.coefs_)))
    assert free_step > 1e-2


# -- bad input ----------------------------------------------------------------------

@pytest.mark.parametrize("bad,match", [
    (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 5, np.nan, X), "NaN"),
    (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 5, np.inf, X), "infinity"),
    (lambda X: X[:, 0], "2D array"),
    (lambda X: X[:, :, None], "dim"),
    (lambda X: X[:0], "0 sample"),
])
def test_bad_X_is_a_clear_error_before_training(iris, bad, match):
    X, y = iris
    clf = MLPClassifier()
    with pytest.raises(ValueError, match=match):
        clf.fit(bad(X), y[: len(bad(X))])
    assert not hasattr(clf, "net_")


def test_predict_checks_the_feature_count(iris):
    X, y = iris
    clf = fit_quietly(MLPClassifier(**FAST), X, y)
    with pytest.raises(ValueError, match="X has 3 features, but MLPClassifier is expecting 4"):
        clf.predict(X[:, :3])


def test_single_class_and_mismatched_lengths_are_errors(iris):
    X, y = iris
    with pytest.raises(ValueError, match="at least 2 classes"):
        MLPClassifier().fit(X[:10], y[:10])
    with pytest.raises(ValueError, match="samples"):
        MLPClassifier().fit(X, y[:-1])


def test_divergence_is_a_clear_error_and_leaves_no_model(regression):
    X, y = regression
    reg = MLPRegressor(solver="sgd", learning_rate_init=1e3, momentum=0.0, **{
        k: v for k, v in FAST.items() if k != "learning_rate_init"})
    with pytest.raises(DivergenceError, match="learning_rate_init"):
        reg.fit(X * 1e3, y * 1e3)
    assert not hasattr(reg, "net_")


def test_divergence_with_early_stopping_keeps_the_best_weights(regression):
    X, y = regression
    reg = MLPRegressor(solver="sgd", learning_rate_init=0.1, momentum=0.0, early_stopping=True,
                       **{k: v for k, v in FAST.items() if k != "learning_rate_init"})
    with pytest.warns(ConvergenceWarning, match="diverged"):
        reg.fit(X * 30, y * 30)
    assert np.all(np.isfinite(reg.predict(X)))


def test_invalid_hidden_layer_sizes(iris):
    X, y = iris
    with pytest.raises(ValueError, match="hidden_layer_sizes must be > 0"):
        MLPClassifier(hidden_layer_sizes=(5, 0)).fit(X, y)


# -- warm starts rebuild from the current parameters ---------------------------

def test_warm_start_uses_changed_parameters_and_fresh_schedule(regression):
    X, y = regression
    reg = fit_quietly(MLPRegressor(warm_start=True, tol=0, learning_rate="cosine",
                                   **{**FAST, "max_iter": 4}), X, y)
    reg.set_params(learning_rate_init=0.001)
    fit_quietly(reg, X, y)
    lr = reg.net_.optimizer_.param_groups[0]["lr"]
    # the new schedule starts again at the new rate: epoch 3 of 4 of a cosine
    assert lr == pytest.approx(0.001 * 0.5 * (1 + np.cos(np.pi * 3 / 4)))
    assert len(reg.loss_curve_) == 8


def test_lbfgs_warm_start_predicts_with_the_new_weights(iris):
    X, y = iris
    clf = fit_quietly(MLPClassifier(solver="lbfgs", max_iter=3, random_state=0), X, y)
    before = clf.predict_proba(X)  # float64 input: the float64 copy of the module
    fit_quietly(clf.set_params(warm_start=True, max_iter=50), X, y)
    after = clf.predict_proba(X)
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, clf.predict_proba(X.astype(np.float32)), atol=1e-5)


def test_lbfgs_ignores_early_stopping_and_uses_all_data(iris):
    X, y = iris
    clf = fit_quietly(MLPClassifier(solver="lbfgs", early_stopping=True, max_iter=5,
                                    random_state=0), X, y)
    assert clf.t_ == 5 * len(X) and clf.validation_scores_ == []


def test_history_marks_the_best_epochs_for_skorch_callbacks(iris):
    X, y = iris
    clf = fit_quietly(MLPClassifier(early_stopping=True, **FAST), X, y)
    history = clf.net_.history
    losses = history[:, "train_loss"]
    best = [loss < min(losses[:i], default=np.inf) for i, loss in enumerate(losses)]
    assert history[:, "train_loss_best"] == best
    assert "valid_loss_best" in history[-1] and "train_batch_count" in history[-1]


def test_class_weight_errors(iris):
    X, y = iris
    with pytest.raises(ValueError, match=r"labels \[7\] that are not classes"):
        MLPClassifier(class_weight={0: 1.0, 7: 2.0}).fit(X, y)
    with pytest.raises(ValueError, match="not supported by partial_fit"):
        MLPClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])


@pytest.mark.parametrize("precision", ["bfloat16", "float16"])
def test_mixed_precision_trains_with_float32_weights(iris, precision):
    X, y = iris
    full = fit_quietly(MLPClassifier(tol=0, **FAST), X, y)
    mixed = fit_quietly(MLPClassifier(precision=precision, tol=0, **FAST), X, y)
    assert all(p.dtype == torch.float32 for p in mixed.module_.parameters())
    assert mixed.loss_curve_ != full.loss_curve_  # the forward pass really ran in 16 bits
    assert np.mean(mixed.predict(X) == full.predict(X)) > 0.95
    assert mixed.score(X, y) >= full.score(X, y) - 0.03


@pytest.mark.parametrize("compile_", [True, {"backend": "eager"}])
def test_compile_trains_the_same_network_and_keeps_module_plain(iris, compile_):
    X, y = iris
    eager = fit_quietly(MLPClassifier(tol=0, **FAST), X, y)
    with mock.patch("torch.compile", wraps=torch.compile) as compile_fn:
        compiled = fit_quietly(MLPClassifier(compile=compile_, tol=0, **FAST), X, y)
    compile_fn.assert_called_once()
    expected_options = {} if compile_ is True else compile_
    assert compile_fn.call_args.kwargs == expected_options
    assert type(compiled.module_) is type(eager.module_)
    np.testing.assert_allclose(compiled.loss_curve_, eager.loss_curve_, rtol=1e-4)
    restored = pickle.loads(pickle.dumps(compiled))
    np.testing.assert_array_equal(restored.predict(X), compiled.predict(X))
    with pytest.raises(ValueError, match="compile"):
        MLPClassifier(compile="yes").fit(X, y)


def _has_cpu_fused_kernel(optimizer):
    try:
        optimizer([torch.nn.Parameter(torch.zeros(1))], fused=True)
    except (RuntimeError, TypeError, ValueError):
        return False
    return True


@pytest.mark.parametrize("solver,optimizer", [
    ("adam", torch.optim.Adam), ("sgd", torch.optim.SGD), ("rmsprop", None),
])
def test_optimizers_use_fused_kernels_where_torch_has_them(iris, solver, optimizer):
    # torch >= 2.4 has CPU kernels for fused Adam(W) and SGD; older ones fall back.
    fused = True if optimizer is not None and _has_cpu_fused_kernel(optimizer) else None
    X, y = iris
    clf = fit_quietly(MLPClassifier(solver=solver, **FAST), X, y)
    assert clf.net_.optimizer_.defaults.get("fused") == fused
    assert all(group.get("fused") == fused for group in clf.net_.optimizer_.param_groups)


def test_optimizer_without_a_fused_kernel_falls_back(monkeypatch):
    from sknn import _training

    class NoFusedAdam(torch.optim.Adam):
        def __init__(self, params, fused=None, **kwargs):
            # As torch's own check does, refuse after the param groups got their defaults.
            super().__init__(params, fused=fused, **kwargs)
            if fused:
                raise RuntimeError("no fused kernel on this device")

    monkeypatch.setattr(_training, "_FUSED", (NoFusedAdam,))
    groups = [{"params": [torch.nn.Parameter(torch.zeros(2))], "weight_decay": 0.0}]
    optimizer = _training.build_optimizer(NoFusedAdam, groups, lr=0.1)
    assert optimizer.defaults["lr"] == 0.1 and not optimizer.defaults["fused"]
    assert not optimizer.param_groups[0]["fused"]
