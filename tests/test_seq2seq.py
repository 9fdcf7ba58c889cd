"""Encoder-decoder and vector-to-sequence recurrent networks (``output_steps``).

The acceptance tasks run here small (fewer sequences, shorter outputs, a
lower bar); benchmarks/bench_architectures.py runs them at full size.
"""

import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from sknn import RNNClassifier, RNNRegressor
from sknn.io import dumps, loads
from sknn.modules import RecurrentNet


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def reversed_symbols(n, rng, n_symbols=4, length=6, keep=3):
    """One-hot sequences of random symbols and their first ``keep`` symbols reversed."""
    symbols = rng.randint(0, n_symbols, size=(n, length))
    return np.eye(n_symbols, dtype=np.float32)[symbols], symbols[:, :keep][:, ::-1]


def sines(n, rng, n_samples=10):
    amplitude, frequency = rng.uniform(0.5, 2.0, n), rng.uniform(0.5, 2.0, n)
    t = np.linspace(0, np.pi, n_samples)
    X = np.c_[amplitude, frequency].astype(np.float32)
    return X, (amplitude[:, None] * np.sin(frequency[:, None] * t)).astype(np.float32)


@pytest.fixture(scope="module")
def reversal():
    rng = np.random.RandomState(0)
    X, y = reversed_symbols(600, rng)
    X_test, y_test = reversed_symbols(300, rng)
    model = RNNClassifier(hidden_size=32, output_steps=3, learning_rate_init=0.01,
                          batch_size=32, max_iter=25, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return model, X_test, y_test


def test_small_reversal_task_is_learned(reversal):
    model, X_test, y_test = reversal
    # 4 symbols: chance is 0.25 per step
    assert model.score(X_test, y_test) >= 0.9
    assert model.predict(X_test).shape == y_test.shape
    proba = model.predict_proba(X_test[:5])
    assert proba.shape == (5, 3, 4)
    np.testing.assert_allclose(proba.sum(-1), 1, rtol=1e-5)
    np.testing.assert_array_equal(model.classes_[proba.argmax(-1)], model.predict(X_test[:5]))


def test_small_vector_to_sequence_task_is_learned():
    rng = np.random.RandomState(0)
    X, y = sines(300, rng)
    X_test, y_test = sines(200, rng)
    model = RNNRegressor(hidden_size=32, output_steps=10, input_shape=(1, 2),
                         learning_rate_init=0.01, batch_size=32, max_iter=40,
                         random_state=0).fit(X, y)
    assert model.predict(X_test).shape == (200, 10)
    assert model.score(X_test, y_test) >= 0.9


def test_ragged_lists_are_encoded_and_decoded_to_output_steps(reversal):
    model, X_test, _ = reversal
    rng = np.random.RandomState(1)
    ragged = [X_test[i, :length] for i, length in enumerate(rng.randint(3, 7, size=6))]
    # one prediction per output step, whatever the input length
    assert model.predict(ragged).shape == (6, 3)
    assert model.predict_proba(ragged).shape == (6, 3, 4)
    # a sequence's prediction does not depend on the others in its batch
    alone = model.predict_proba([ragged[0]])
    np.testing.assert_allclose(alone[0], model.predict_proba(ragged)[0], atol=1e-6)
    fitted = clone(model).set_params(max_iter=2, batch_size=6)
    fitted.fit(ragged, rng.randint(0, 2, size=(6, 3)))
    assert fitted.predict(ragged).shape == (6, 3)


def test_several_regression_targets_per_step():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 5, 2)).astype(np.float32)
    y = np.stack([X[:, :4, 0], -X[:, :4, 1]], axis=2)
    model = RNNRegressor(hidden_size=8, output_steps=4, cell="gru", bidirectional=True,
                         num_layers=2, max_iter=3, random_state=0).fit(X, y)
    assert model.predict(X).shape == (40, 4, 2)
    table = model.summary()
    assert table["layer"].is_unique  # the decoder runs once per step, listed once
    assert "decoder" in set(table["layer"])
    assert model.embed(X, layer=0).shape == (40, 16)  # the encoding, both directions


def test_embed_of_the_head_has_one_row_per_output_step():
    rng = np.random.RandomState(0)
    X, y = reversed_symbols(40, rng)
    model = RNNClassifier(hidden_size=8, output_steps=3, hidden_layer_sizes=(5,),
                          max_iter=2, random_state=0).fit(X, y)
    assert model.embed(X).shape == (40, 3, 5)
    assert model.embed(X, layer=0).shape == (40, 8)


def test_embed_of_an_inner_head_layer_runs_the_decoder_as_predict_does():
    rng = np.random.RandomState(0)
    X, y = reversed_symbols(40, rng)
    model = RNNClassifier(hidden_size=8, output_steps=3, hidden_layer_sizes=(6, 4),
                          max_iter=2, random_state=0).fit(X, y)
    inner, last = model.embed(X, layer=1), model.embed(X, layer=2)
    assert inner.shape == (40, 3, 6) and last.shape == (40, 3, 4)
    # each step's last head layer, through the output layer, gives predict_proba
    with torch.no_grad():
        head_out = model.module_.output(torch.as_tensor(last))
    np.testing.assert_allclose(torch.softmax(head_out, -1).numpy(), model.predict_proba(X),
                               atol=1e-5)


def test_teacher_forcing_needs_a_decoder():
    X = np.zeros((6, 4, 1), np.float32)
    with pytest.raises(ValueError, match="no decoder"):
        RNNRegressor(teacher_forcing=0.5).fit(X, np.zeros(6))


@pytest.mark.parametrize("params, y_shape, match", [
    (dict(return_sequences=True), (20, 3), "exclusive"),
    (dict(), (20, 4), "needs 3 targets per sample"),
    (dict(), (20,), "needs 3 targets per sample"),
    (dict(class_weight="balanced"), (20, 3), "class_weight"),
    (dict(scoring="accuracy", early_stopping=True), (20, 3), "per-step"),
])
def test_bad_settings_are_refused_before_training(params, y_shape, match):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 5, 2))
    model = RNNClassifier(hidden_size=4, output_steps=3, max_iter=2, **params)
    with pytest.raises(ValueError, match=match):
        model.fit(X, rng.randint(0, 2, size=y_shape))
    assert not hasattr(model, "net_")


def test_ragged_targets_are_refused():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(3, 5, 2))
    y = [np.zeros(3), np.zeros(2), np.zeros(3)]
    with pytest.raises(ValueError, match="different lengths"):
        RNNRegressor(output_steps=3, max_iter=2).fit(X, y)


def test_a_warm_start_keeps_the_decoder_length():
    rng = np.random.RandomState(0)
    X, y = reversed_symbols(30, rng)
    model = RNNClassifier(hidden_size=4, output_steps=3, warm_start=True, max_iter=2,
                          random_state=0).fit(X, y)
    weights = {k: v.clone() for k, v in model.module_.state_dict().items()}
    with pytest.raises(ValueError, match="output_steps=2"):
        model.set_params(output_steps=2).fit(X, y[:, :2])
    for key, value in model.module_.state_dict().items():
        torch.testing.assert_close(value, weights[key])


def test_sample_weight_early_stopping_and_partial_fit():
    rng = np.random.RandomState(0)
    X, y = reversed_symbols(80, rng)
    weight = np.r_[np.ones(40), np.zeros(40)]
    model = RNNClassifier(hidden_size=8, output_steps=3, max_iter=4, early_stopping=True,
                          validation_fraction=0.25, n_iter_no_change=50, random_state=0)
    model.fit(X, y, sample_weight=weight)
    scores = np.asarray(model.validation_scores_)
    assert len(scores) == model.n_iter_ and np.all((scores >= 0) & (scores <= 1))
    # score weighs every step of a sequence with the sequence's weight
    predicted = model.predict(X)
    expected = np.mean(predicted[:40] == y[:40])
    assert model.score(X, y, sample_weight=weight) == pytest.approx(expected)
    incremental = RNNClassifier(hidden_size=8, output_steps=3, random_state=0)
    incremental.partial_fit(X[:40], y[:40], classes=np.arange(4))
    incremental.partial_fit(X[40:], y[40:])
    assert incremental.n_iter_ == 1 and incremental.predict(X).shape == (80, 3)


def test_teacher_forcing_feeds_the_targets_back_in_training_only():
    torch.manual_seed(0)
    net = RecurrentNet(2, 3, hidden_size=5, output_steps=4, feedback="softmax",
                       teacher_forcing=1.0)
    x = torch.randn(6, 5, 2)
    targets = torch.randint(0, 3, (6, 4))
    net.train()
    free = net(x)
    net.targets = targets
    forced = net(x)
    # the first step reads zeros either way; later steps read the targets
    torch.testing.assert_close(forced[:, 0], free[:, 0])
    assert not torch.allclose(forced[:, 1:], free[:, 1:])
    net.eval()
    torch.testing.assert_close(net(x), free)


def test_teacher_forcing_is_given_each_batch_and_cleared():
    rng = np.random.RandomState(0)
    X, y = reversed_symbols(60, rng)
    model = RNNClassifier(hidden_size=8, output_steps=3, teacher_forcing=1.0, batch_size=20,
                          max_iter=2, random_state=0).fit(X, y)
    assert "teacher_forcing" in dict(model.net_.callbacks_)
    assert model.module_.targets is None
    free = clone(model).set_params(teacher_forcing=0.0).fit(X, y)
    assert "teacher_forcing" not in dict(free.net_.callbacks_)
    # the same seed, different training signals: different weights
    assert not torch.allclose(model.module_.output.weight, free.module_.output.weight)


def test_a_saved_encoder_decoder_predicts_the_same(reversal):
    model, X_test, _ = reversal
    loaded = loads(dumps(model))
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))
    np.testing.assert_allclose(loaded.predict_proba(X_test), model.predict_proba(X_test))


def test_onnx_exports_the_regressor_and_refuses_per_step_labels():
    pytest.importorskip("onnxscript")
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("skl2onnx")
    from sknn.onnx import to_onnx

    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 4, 2)).astype(np.float32)
    y = np.cumsum(X[:, :3, 0], axis=1)
    model = RNNRegressor(hidden_size=4, output_steps=3, max_iter=2, random_state=0).fit(X, y)
    onx = to_onnx(model, X[:1])
    session = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    (prediction,) = session.run(None, {"X": X})
    np.testing.assert_allclose(prediction, model.predict(X), rtol=0, atol=1e-5)
    classifier = RNNClassifier(hidden_size=4, output_steps=3, max_iter=2,
                               random_state=0).fit(X, y > 0)
    with pytest.raises(NotImplementedError, match="output_steps"):
        to_onnx(classifier, X[:1])
