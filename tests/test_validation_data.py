"""Validation data in fit (X_val, y_val, sample_weight_val) and the scoring parameter."""

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.datasets import load_breast_cancer, make_regression
from sklearn.metrics import f1_score, make_scorer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Checkpoint, EarlyStopping, EpochScoring, LRScheduler

from sknn import AutoEncoder, MLPClassifier, MLPRegressor, RNNRegressor

from conftest import fit_quietly

FAST = dict(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0)


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return train_test_split(X, np.where(y == 1, "benign", "malignant"), test_size=0.3,
                            random_state=0, stratify=y)


def test_valid_loss_and_score_recorded_every_epoch(cancer):
    X, X_val, y, y_val = cancer
    clf = fit_quietly(MLPClassifier(max_iter=6, **FAST), X, y, X_val=X_val, y_val=y_val)
    history = clf.net_.history
    valid_loss = history[:, "valid_loss"]
    assert len(valid_loss) == 6 and all(np.isfinite(valid_loss))
    # The recorded score is the accuracy of the network at the end of training.
    assert clf.validation_scores_[-1] == pytest.approx(clf.score(X_val, y_val), abs=1e-6)
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    # Without validation data there is none.
    plain = fit_quietly(MLPClassifier(max_iter=2, **FAST), X, y)
    assert plain.validation_scores_ is None
    assert "valid_loss" not in plain.net_.history[-1]


def test_valid_loss_is_the_loss_on_the_given_set(cancer):
    X, X_val, y, y_val = cancer
    clf = fit_quietly(MLPClassifier(max_iter=3, **FAST), X, y, X_val=X_val, y_val=y_val)
    proba = clf.predict_proba(X_val)[np.arange(len(y_val)), np.searchsorted(clf.classes_, y_val)]
    assert clf.net_.history[-1, "valid_loss"] == pytest.approx(-np.log(proba).mean(), rel=1e-4)


def test_early_stopping_on_given_validation_set_stops_before_max_iter(cancer):
    X, X_val, y, y_val = cancer
    clf = fit_quietly(MLPClassifier(max_iter=500, early_stopping=True, n_iter_no_change=3,
                                    **FAST), X, y, X_val=X_val, y_val=y_val)
    assert clf.n_iter_ < 500
    # The given set replaces the split: every training sample was trained on.
    assert clf.t_ == clf.n_iter_ * len(X)


def test_skorch_early_stopping_on_valid_loss(cancer):
    X, X_val, y, y_val = cancer
    clf = fit_quietly(MLPClassifier(max_iter=300, tol=0, learning_rate_init=0.05,
                                    hidden_layer_sizes=(64,), random_state=0,
                                    callbacks=[EarlyStopping(patience=3)]),
                      X, y, X_val=X_val, y_val=y_val)
    assert clf.n_iter_ < 300


@pytest.mark.parametrize("callback", [
    EarlyStopping(), Checkpoint(dirname="unused"), EpochScoring("f1"),
    LRScheduler("ReduceLROnPlateau", monitor="valid_loss"),
], ids=lambda cb: type(cb).__name__)
def test_validation_callbacks_without_validation_data_are_refused(cancer, callback):
    X, _, y, _ = cancer
    clf = MLPClassifier(max_iter=2, callbacks=[callback], **FAST)
    with pytest.raises(ValueError, match=r"no validation data\. Pass X_val= and y_val="):
        clf.fit(X, y)
    assert not hasattr(clf, "net_")


@pytest.mark.parametrize("scoring", ["f1_macro", make_scorer(f1_score, pos_label="benign")])
def test_scoring_chooses_the_validation_score(cancer, scoring):
    X, X_val, y, y_val = cancer
    clf = fit_quietly(MLPClassifier(max_iter=3, scoring=scoring, **FAST), X, y,
                      X_val=X_val, y_val=y_val)
    if isinstance(scoring, str):
        expected = f1_score(y_val, clf.predict(X_val), average="macro")
    else:
        expected = f1_score(y_val, clf.predict(X_val), pos_label="benign")
    assert clf.validation_scores_[-1] == pytest.approx(expected)


def test_scoring_drives_early_stopping_on_the_split(cancer):
    X, _, y, _ = cancer
    clf = fit_quietly(MLPClassifier(max_iter=400, early_stopping=True, scoring="neg_log_loss",
                                    n_iter_no_change=3, **FAST), X, y)
    assert clf.n_iter_ < 400
    assert all(score < 0 for score in clf.validation_scores_)  # log loss, negated


def test_regressor_and_sample_weight_val():
    X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    y = y / y.std()
    X_val, y_val = X[150:], y[150:]
    weights = np.r_[np.zeros(25), np.ones(25)]
    reg = fit_quietly(MLPRegressor(max_iter=5, **FAST), X[:150], y[:150], X_val=X_val,
                      y_val=y_val, sample_weight_val=weights)
    assert reg.validation_scores_[-1] == pytest.approx(
        reg.score(X_val[25:], y_val[25:]), abs=1e-5)


def test_autoencoder_takes_X_val():
    X = np.random.RandomState(0).normal(size=(120, 6))
    ae = fit_quietly(AutoEncoder(n_components=2, hidden_layer_sizes=(8,), max_iter=3,
                                 random_state=0), X[:100], X_val=X[100:])
    assert ae.validation_scores_[-1] == pytest.approx(ae.score(X[100:]), rel=1e-4)


def test_ragged_sequences_as_validation_data():
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(n, 1)) for n in rng.randint(3, 9, size=40)]
    y = np.array([x.sum() for x in X])
    reg = fit_quietly(RNNRegressor(hidden_size=8, max_iter=2, random_state=0), X[:30], y[:30],
                      X_val=X[30:], y_val=y[30:])
    assert len(reg.validation_scores_) == 2


def test_bad_validation_data_is_refused_before_training(cancer):
    X, X_val, y, y_val = cancer
    clf = MLPClassifier(max_iter=2, **FAST)
    with pytest.raises(ValueError, match="without y_val"):
        clf.fit(X, y, X_val=X_val)
    with pytest.raises(ValueError, match="need X_val"):
        clf.fit(X, y, y_val=y_val)
    with pytest.raises(ValueError, match="features"):
        clf.fit(X, y, X_val=X_val[:, :5], y_val=y_val)
    with pytest.raises(ValueError, match="not in classes_"):
        clf.fit(X, y, X_val=X_val, y_val=np.where(y_val == "benign", "other", y_val))
    with pytest.raises(ValueError, match="samples"):
        clf.fit(X, y, X_val=X_val, y_val=y_val[:-1])
    with pytest.raises(ValueError, match="lbfgs"):
        MLPClassifier(solver="lbfgs").fit(X, y, X_val=X_val, y_val=y_val)
    assert not hasattr(clf, "net_")


def test_validation_data_routed_through_a_pipeline(cancer):
    X, X_val, y, y_val = cancer
    columns = [f"f{i}" for i in range(X.shape[1])]
    X, X_val = pd.DataFrame(X * 10, columns=columns), pd.DataFrame(X_val * 10, columns=columns)
    with sklearn.config_context(enable_metadata_routing=True):
        clf = MLPClassifier(max_iter=3, **FAST).set_fit_request(X_val=True, y_val=True)
        pipe = Pipeline([("scale", StandardScaler()), ("clf", clf)],
                        transform_input=["X_val"])
        fit_quietly(pipe, X, y, X_val=X_val, y_val=y_val)
    fitted = pipe[-1]
    # The network saw the validation set scaled by the pipeline's scaler.
    assert fitted.validation_scores_[-1] == pytest.approx(pipe.score(X_val, y_val), abs=1e-6)


def test_a_scorer_sees_every_epoch_and_predictions_after_fit_are_current(cancer):
    X, X_val, y, y_val = cancer
    scored = fit_quietly(MLPClassifier(max_iter=8, scoring="roc_auc", **FAST), X, y,
                         X_val=X_val, y_val=y_val)
    plain = fit_quietly(MLPClassifier(max_iter=8, **FAST), X, y, X_val=X_val, y_val=y_val)
    # The scorer predicts with the weights of each epoch, not a stale copy.
    assert len(set(scored.validation_scores_)) > 1
    # Same training, so the same network: float64 predictions agree with float32 ones.
    np.testing.assert_allclose(scored.predict_proba(X_val), plain.predict_proba(X_val),
                               atol=1e-5)
    np.testing.assert_allclose(scored.predict_proba(X_val),
                               plain.predict_proba(X_val.astype(np.float32)), atol=1e-5)
