"""RNNClassifier, RNNRegressor and SlidingWindows: sequences in every form."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknn import RNNClassifier, RNNRegressor, SlidingWindows

from conftest import assert_search_picked

FAST = dict(hidden_size=8, max_iter=15, learning_rate_init=0.01, random_state=0)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def sequences(n=60, n_steps=8, n_features=2, seed=0):
    """Sequences whose class is the sign of the first feature's sum."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, n_steps, n_features)).astype(np.float32)
    return X, (X[:, :, 0].sum(1) > 0).astype(int)


def ragged(n=40, n_features=2, seed=0):
    rng = np.random.RandomState(seed)
    X = [rng.normal(size=(rng.randint(2, 12), n_features)) for _ in range(n)]
    y = np.array([x[:, 0].sum() > 0 for x in X]).astype(int)
    return X, y


# -- input forms -------------------------------------------------------------------

def test_array_forms_of_the_same_sequences_train_alike():
    X, y = sequences()
    n, n_steps, n_features = X.shape
    reference = RNNRegressor(**FAST).fit(X, y)
    expected = reference.predict(X)
    assert reference.n_features_in_ == n_features
    channels_first = RNNRegressor(**FAST, channels_first=True).fit(X.transpose(0, 2, 1), y)
    np.testing.assert_allclose(channels_first.predict(X.transpose(0, 2, 1)), expected,
                               rtol=1e-5, atol=1e-6)
    flat = RNNRegressor(**FAST, input_shape=(n_steps, n_features)).fit(X.reshape(n, -1), y)
    np.testing.assert_allclose(flat.predict(X.reshape(n, -1)), expected, rtol=1e-5, atol=1e-6)
    assert flat.n_features_in_ == n_steps * n_features  # a table's columns
    listed = RNNRegressor(**FAST).fit(list(X), y)
    np.testing.assert_allclose(listed.predict(list(X)), expected, rtol=1e-5, atol=1e-6)


def test_2d_input_is_univariate_sequences_and_dataframes_keep_names():
    X, y = sequences(n_features=1)
    two_d = RNNClassifier(**FAST).fit(X[:, :, 0], y)
    three_d = RNNClassifier(**FAST).fit(X, y)
    np.testing.assert_allclose(two_d.predict_proba(X[:, :, 0]), three_d.predict_proba(X),
                               rtol=1e-5, atol=1e-6)
    assert two_d.n_features_in_ == X.shape[1] and three_d.n_features_in_ == 1
    frame = pd.DataFrame(X[:, :, 0], columns=[f"t{i}" for i in range(X.shape[1])])
    model = RNNClassifier(**FAST).fit(frame, y)
    assert list(model.feature_names_in_) == list(frame.columns)
    with pytest.raises(ValueError, match="X has 3 features, but RNNClassifier is expecting 8"):
        two_d.predict(X[:, :3, 0])
    # A model fitted on sequences reads any univariate form, of any length.
    assert three_d.predict(X[:, :3, 0]).shape == (len(X),)


def test_variable_length_sequences_train_and_predict():
    X, y = ragged()
    model = RNNClassifier(**{**FAST, "max_iter": 40}).fit(X, y)
    assert model.n_features_in_ == 2
    assert model.predict(X).shape == (len(X),)
    assert model.score(X, y) > 0.8
    object_array = np.empty(len(X), dtype=object)
    object_array[:] = X
    np.testing.assert_array_equal(model.predict(object_array), model.predict(X))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_prediction_does_not_depend_on_the_rest_of_the_batch(dtype, bidirectional):
    X, y = ragged()
    X = [x.astype(dtype) for x in X]
    model = RNNRegressor(**FAST, bidirectional=bidirectional, num_layers=2).fit(X, y)
    short = min(range(len(X)), key=lambda i: len(X[i]))
    alone = model.predict([X[short]])
    longer = [x for x in X if len(x) > len(X[short])]
    in_batch = model.predict(longer[:5] + [X[short]] + longer[5:])
    np.testing.assert_allclose(in_batch[5], alone[0], rtol=1e-5, atol=1e-6)


def test_univariate_variable_length_sequences():
    rng = np.random.RandomState(0)
    X = [rng.normal(size=length) for length in rng.randint(3, 10, size=30)]
    y = np.array([x.mean() for x in X])
    model = RNNRegressor(**FAST).fit(X, y)
    assert model.n_features_in_ == 1
    assert model.predict(X[:4]).shape == (4,)


@pytest.mark.parametrize("bad,match", [
    ([np.zeros((3, 2)), np.zeros((4, 3))], "Sequence 1 of X has 3 features"),
    ([np.zeros((3, 2)), np.zeros((0, 2))], "Sequence 1 of X is empty"),
    ([np.zeros((3, 2)), np.array([[0.0, np.nan]])], "NaN"),
    (np.zeros(5), "Reshape your data"),
    (np.zeros((2, 3, 4, 5)), "4-D array"),
    (np.zeros((4, 0, 2)), "at least one step"),
    (np.full((4, 3, 2), np.inf), "infinity"),
])
def test_bad_input_is_a_clear_error_before_training(bad, match):
    model = RNNRegressor(**FAST)
    y = np.zeros(len(bad))
    with pytest.raises(ValueError, match=match):
        model.fit(bad, y)
    assert not hasattr(model, "net_")


def test_input_shape_and_feature_count_are_checked():
    X, y = sequences()
    with pytest.raises(ValueError, match="input_shape=\\(4, 2\\) needs rows of 8 values"):
        RNNRegressor(**FAST, input_shape=(4, 2)).fit(X.reshape(len(X), -1), y)
    model = RNNRegressor(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="3 features per step, but RNNRegressor was fitted on 2"):
        model.predict(np.zeros((2, 8, 3)))


# -- architectures -----------------------------------------------------------------

@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_every_cell_stacked_and_bidirectional(cell):
    X, y = sequences()
    model = RNNClassifier(**{**FAST, "max_iter": 30}, cell=cell, num_layers=2,
                          bidirectional=True, hidden_layer_sizes=(6,), dropout=0.1).fit(X, y)
    assert type(model.module_.rnn).__name__ == cell.upper()
    assert model.module_.rnn.num_layers == 2 and model.module_.rnn.bidirectional
    assert model.embed(X, layer=0).shape == (len(X), 16)  # both directions
    assert model.embed(X).shape == (len(X), 6)  # the head's layer
    with pytest.raises(IndexError):
        model.embed(X, layer=2)
    table = model.summary()
    assert table["n_params"].iloc[-1] == sum(p.numel() for p in model.module_.parameters())
    assert table["layer"].iloc[0] == "rnn"
    assert model.score(X, y) > 0.7


def test_max_grad_norm_defaults_to_one_and_reaches_training(monkeypatch):
    import torch

    assert RNNClassifier().max_grad_norm == 1.0 and RNNRegressor().max_grad_norm == 1.0
    assert "default=1.0" in RNNRegressor.__doc__
    norms = []
    clip = torch.nn.utils.clip_grad_norm_
    monkeypatch.setattr(torch.nn.utils, "clip_grad_norm_",
                        lambda params, max_norm: norms.append(max_norm) or clip(params, max_norm))
    X, y = sequences(n=20)
    RNNRegressor(**{**FAST, "max_iter": 2}).fit(X, y)
    assert norms and set(norms) == {1.0}


# -- sequence outputs --------------------------------------------------------------

def test_sequence_to_sequence_regression_shapes_and_learning():
    X, _ = sequences(n=80)
    y = np.cumsum(X[:, :, 0], axis=1)  # running sum: needs memory
    model = RNNRegressor(**{**FAST, "max_iter": 60, "hidden_size": 16},
                         return_sequences=True).fit(X, y)
    assert model.predict(X).shape == y.shape
    assert model.score(X, y) > 0.8
    y3 = np.stack([y, -y], axis=2)
    model3 = RNNRegressor(**FAST, return_sequences=True).fit(X, y3)
    assert model3.n_outputs_ == 2 and model3.predict(X).shape == y3.shape
    one = RNNRegressor(**FAST, return_sequences=True).fit(X, y[:, :, None])
    assert one.predict(X).shape == (len(X), X.shape[1], 1)


def test_sequence_to_sequence_with_variable_lengths():
    X, _ = ragged()
    y = [np.cumsum(x[:, 0]) for x in X]
    model = RNNRegressor(**FAST, return_sequences=True).fit(X, y)
    predictions = model.predict(X)
    assert [len(p) for p in predictions] == [len(x) for x in X]
    with pytest.raises(ValueError, match="sequence 0 of X has"):
        model.fit(X, [t[:-1] for t in y])
    short = min(range(len(X)), key=lambda i: len(X[i]))
    np.testing.assert_allclose(model.predict([X[short]])[0], predictions[short],
                               rtol=1e-5, atol=1e-6)


def test_per_step_classification_with_string_labels():
    X, _ = sequences(n=80)
    labels = np.array(["low", "mid", "high"])
    y = labels[np.digitize(np.cumsum(X[:, :, 0], axis=1), [-1, 1])]
    model = RNNClassifier(**{**FAST, "max_iter": 40, "hidden_size": 16},
                          return_sequences=True).fit(X, y)
    assert set(model.classes_) == set(labels)
    prediction = model.predict(X)
    assert prediction.shape == y.shape and prediction.dtype == y.dtype
    proba = model.predict_proba(X)
    assert proba.shape == (*y.shape, 3)
    np.testing.assert_allclose(proba.sum(-1), 1.0, rtol=1e-6)
    assert model.score(X, y) > 0.7
    with pytest.raises(ValueError, match="class_weight is not supported"):
        clone(model).set_params(class_weight="balanced").fit(X, y)


def test_sequence_targets_with_early_stopping_and_partial_fit():
    X, _ = sequences(n=80)
    y = (np.cumsum(X[:, :, 0], axis=1) > 0).astype(int)
    model = RNNClassifier(**FAST, return_sequences=True, early_stopping=True).fit(X, y)
    assert all(0 <= score <= 1 for score in model.validation_scores_)
    incremental = RNNClassifier(**FAST, return_sequences=True)
    for _ in range(3):
        incremental.partial_fit(X, y, classes=[0, 1])
    assert len(incremental.loss_curve_) == 3


def test_bad_sequence_targets_are_clear_errors():
    X, y = sequences()
    with pytest.raises(ValueError, match="one target per time step"):
        RNNRegressor(**FAST, return_sequences=True).fit(X, y)
    with pytest.raises(ValueError, match="has 8 steps but its targets have 5"):
        RNNRegressor(**FAST, return_sequences=True).fit(X, np.zeros((len(X), 5)))


# -- scikit-learn workflow ---------------------------------------------------------

def test_grid_search_over_cell_and_pickle():
    X, y = ragged()
    # one epoch of training cannot compete with forty, whichever the cell
    grid = GridSearchCV(RNNClassifier(**FAST), {"max_iter": [1, 40], "cell": ["rnn", "gru"]},
                        cv=2).fit(X, y)
    assert_search_picked(grid, {"max_iter": 40})
    epochs = np.asarray(grid.cv_results_["param_max_iter"], dtype=int)
    scores = grid.cv_results_["mean_test_score"]
    assert scores[epochs == 1].max() < scores[epochs == 40].min(), scores
    model = grid.best_estimator_
    assert type(model.module_.rnn).__name__ == grid.best_params_["cell"].upper()
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    assert clone(model).get_params() == model.get_params()


def test_partial_fit_n_times_equals_fit_n_epochs():
    X, y = sequences()
    fitted = RNNClassifier(**{**FAST, "max_iter": 3, "tol": 0}).fit(X, y)
    incremental = RNNClassifier(**FAST)
    for _ in range(3):
        incremental.partial_fit(X, y, classes=[0, 1])
    np.testing.assert_allclose(incremental.predict_proba(X), fitted.predict_proba(X),
                               rtol=1e-5)


def noisy_sine(n_steps=1200, seed=0):
    """A sine with Gaussian noise and rare large spikes (impulsive noise)."""
    rng = np.random.RandomState(seed)
    t = np.arange(n_steps)
    spikes = (rng.uniform(size=n_steps) < 0.05) * rng.choice([-3, 3], size=n_steps)
    return np.sin(2 * np.pi * t / 25) + 0.1 * rng.normal(size=n_steps) + spikes


def test_forecasting_beats_ridge_on_the_same_windows():
    # A linear autoregression is thrown off by every spike inside its window;
    # the recurrent net learns to look past them.
    from sklearn.linear_model import Ridge

    X, y = SlidingWindows(window=20).fit_transform_with_targets(noisy_sine())
    X_train, X_test, y_train, y_test = X[:800], X[800:], y[:800], y[800:]
    rnn = RNNRegressor(cell="gru", hidden_size=32, max_iter=60, learning_rate_init=0.01,
                       random_state=0)
    rnn_score = rnn.fit(X_train.astype(np.float32), y_train).score(X_test, y_test)
    ridge = Ridge(alpha=1.0).fit(X_train[:, :, 0], y_train)
    assert rnn_score > ridge.score(X_test[:, :, 0], y_test)


# -- windows -----------------------------------------------------------------------

def test_sliding_windows_targets_follow_their_windows():
    series = np.arange(20.0)
    windows = SlidingWindows(window=4, horizon=3, step=2).fit(series)
    X, y = windows.transform_with_targets(series)
    assert X.shape[1:] == (4, 1) and y.shape == (len(X), 3)
    np.testing.assert_array_equal(y[:, 0], X[:, -1, 0] + 1)  # the step after each window
    assert y[-1, -1] == series[-1]  # anchored at the end
    forecast = windows.transform(series)
    np.testing.assert_array_equal(forecast[-1, :, 0], series[-4:])
    assert len(forecast) >= len(X)


def test_sliding_windows_on_a_multivariate_dataframe():
    frame = pd.DataFrame({"load": np.arange(30.0), "temp": -np.arange(30.0)})
    windows = SlidingWindows(window=5, horizon=2, target="load")
    X, y = windows.fit_transform_with_targets(frame)
    assert X.shape == (24, 5, 2) and y.shape == (24, 2)
    np.testing.assert_array_equal(y[0], [5.0, 6.0])
    _X_all, y_all = SlidingWindows(window=5, horizon=2).fit_transform_with_targets(frame)
    assert y_all.shape == (24, 4)  # step-major: load+1, temp+1, load+2, temp+2
    np.testing.assert_array_equal(y_all[0], [5.0, -5.0, 6.0, -6.0])
    with pytest.raises(ValueError, match="'price' is not a column"):
        SlidingWindows(target="price").fit(frame).transform_with_targets(frame)
    with pytest.raises(ValueError, match="need at least 32"):
        SlidingWindows(window=30, horizon=2).fit(frame).transform_with_targets(frame)


# A window transformer turns n rows into n - window + 1 samples, on purpose.
WINDOW_CHECKS_EXPECTED_TO_FAIL = {
    "check_transformer_general": "a window is many rows: fewer samples come out",
    "check_methods_subset_invariance": "a window reads its neighbouring rows",
    "check_methods_sample_order_invariance": "a window reads its neighbouring rows",
    "check_transformer_data_not_an_array": "a window is many rows: fewer samples come out",
    "check_fit1d": "a 1-D array is a univariate series, on purpose",
}


@parametrize_with_checks([SlidingWindows(window=2)],
                         expected_failed_checks=lambda est: WINDOW_CHECKS_EXPECTED_TO_FAIL)
def test_sliding_windows_estimator_checks(estimator, check):
    check(estimator)


def test_partial_fit_of_per_step_labels_needs_classes():
    X = np.zeros((4, 5, 1))
    y = np.array([[0, 1, 0, 1, 1]] * 4)  # 0/1 per step: not a multilabel target
    with pytest.raises(ValueError, match="classes must be passed"):
        RNNClassifier(return_sequences=True).partial_fit(X, y)
    clf = RNNClassifier(return_sequences=True, hidden_size=4).partial_fit(X, y, classes=[0, 1])
    assert list(clf.classes_) == [0, 1]
