"""sknn.onnx: ONNX export of sknn estimators and of pipelines that hold them."""

import subprocess
import sys

import numpy as np
import pytest
import torch

pytest.importorskip("onnx")
pytest.importorskip("onnxscript")
ort = pytest.importorskip("onnxruntime")
skl2onnx = pytest.importorskip("skl2onnx")

from sklearn.datasets import make_classification, make_regression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sknn import (  # noqa: E402
    AutoEncoder,
    ConvClassifier,
    MLPClassifier,
    MLPRegressor,
    NeuralNetClassifier,
    RNNClassifier,
    RNNRegressor,
)
from sknn.onnx import to_onnx  # noqa: E402

from conftest import fit_quietly  # noqa: E402

N_TRAIN, N_HELD_OUT = 400, 1000
NO_ZIPMAP = {"zipmap": False}


def _session(onx):
    return ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])


def _run(onx, X):
    session = _session(onx)
    return session.run(None, {session.get_inputs()[0].name: X})


@pytest.fixture(scope="module")
def classification():
    X, y = make_classification(n_samples=N_TRAIN + N_HELD_OUT, n_features=6, n_informative=4,
                               n_classes=3, random_state=0)
    X = (X * 3 + 5).astype(np.float32)  # the scaler matters
    return X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:]


def _pipeline(X, y, **params):
    clf = MLPClassifier((16,), max_iter=20, learning_rate_init=0.01, random_state=0, **params)
    return fit_quietly(make_pipeline(StandardScaler(), clf), X, y)


def _assert_classifies_alike(pipe, labels, proba, X):
    """Labels equal where the top two probabilities differ by more than 1e-4; proba to 1e-5."""
    expected = pipe.predict_proba(X)
    np.testing.assert_allclose(proba, expected, rtol=0, atol=1e-5)
    top_two = np.sort(expected, axis=1)[:, -2:]
    clear = top_two[:, 1] - top_two[:, 0] > 1e-4
    assert clear.mean() > 0.99
    # int64 labels for int and bool classes, strings for string classes
    numeric = np.asarray(pipe.classes_).dtype.kind in "biu"
    assert (labels.dtype == np.int64) if numeric else (labels.dtype.kind in "OU")
    assert np.array_equal(labels[clear], pipe.predict(X)[clear])


@pytest.fixture(scope="module")
def exported(classification):
    """A scaler-and-MLP pipeline on int labels, exported with zipmap=False."""
    X, y, _ = classification
    pipe = _pipeline(X, y)
    return pipe, to_onnx(pipe, X[:1], options={MLPClassifier: NO_ZIPMAP})


def test_a_pipeline_classifies_as_sknn_does(classification, exported):
    _, _, X_test = classification
    pipe, onx = exported
    labels, proba = _run(onx, X_test)
    assert labels.dtype == np.int64 and proba.dtype == np.float32
    _assert_classifies_alike(pipe, labels, proba, X_test)


def test_one_session_runs_batches_of_any_size(classification, exported):
    _, _, X_test = classification
    pipe, onx = exported
    session = _session(onx)
    assert not isinstance(session.get_inputs()[0].shape[0], int)  # a dynamic batch axis
    for n in (1, 7, 500):
        labels, proba = session.run(None, {"X": X_test[:n]})
        assert labels.shape == (n,) and proba.shape == (n, 3)
        np.testing.assert_allclose(proba, pipe.predict_proba(X_test[:n]), rtol=0, atol=1e-5)


def test_string_labels_and_double_input(classification):
    X, y, X_test = classification
    names = np.array(["setosa", "versicolor", "virginica"])
    pipe = _pipeline(X.astype(np.float64), names[y])
    onx = to_onnx(pipe, X_test[:1].astype(np.float64), options={MLPClassifier: NO_ZIPMAP})
    labels, proba = _run(onx, X_test.astype(np.float64))
    assert proba.dtype == np.float64 and set(labels) <= set(names)
    _assert_classifies_alike(pipe, labels.astype(str), proba, X_test.astype(np.float64))


def test_a_binary_classifier_with_skl2onnx_default_zipmap(classification):
    X, y, X_test = classification
    pipe = _pipeline(X, np.where(y == 1, "yes", "no"))
    onx = skl2onnx.to_onnx(pipe, X[:1])  # importing sknn.onnx registered the converters
    session = _session(onx)
    assert [output.name for output in session.get_outputs()] == \
        ["output_label", "output_probability"]
    labels, maps = session.run(None, {"X": X_test})
    proba = np.array([[row["no"], row["yes"]] for row in maps])
    _assert_classifies_alike(pipe, labels, proba, X_test)


def test_multilabel_at_another_opset(classification):
    X, y, X_test = classification
    target = np.c_[y == 0, y == 1, y == 2].astype(int)
    clf = fit_quietly(MLPClassifier((8,), max_iter=20, random_state=0), X, target)
    onx = to_onnx(clf, X[:1], target_opset=18, options={MLPClassifier: NO_ZIPMAP})
    # the network is exported at skl2onnx's target opset
    assert {entry.domain: entry.version for entry in onx.opset_import}[""] == 18
    labels, proba = _run(onx, X_test)
    np.testing.assert_allclose(proba, clf.predict_proba(X_test), rtol=0, atol=1e-5)
    clear = np.abs(clf.predict_proba(X_test) - 0.5).min(axis=1) > 1e-4
    assert labels.dtype == np.int64
    assert np.array_equal(labels[clear], clf.predict(X_test)[clear])


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_a_regressor_pipeline(loss):
    X, y = make_regression(n_samples=N_TRAIN + N_HELD_OUT, n_features=5, noise=1.0,
                           random_state=0)
    X = X.astype(np.float32)
    y = np.exp(y / y.std()) if loss == "poisson" else y
    pipe = fit_quietly(make_pipeline(StandardScaler(), MLPRegressor(
        (16,), loss=loss, max_iter=15, learning_rate_init=0.01, random_state=0)),
        X[:N_TRAIN], y[:N_TRAIN])
    (prediction,) = _run(to_onnx(pipe, X[:1]), X[N_TRAIN:])
    assert prediction.shape == (N_HELD_OUT, 1)
    np.testing.assert_allclose(prediction.ravel(), pipe.predict(X[N_TRAIN:]), rtol=0,
                               atol=1e-4 * y.std())


@pytest.mark.parametrize("variational", [False, True])
def test_an_autoencoder_transforms(classification, variational):
    X, _, X_test = classification
    pipe = fit_quietly(make_pipeline(StandardScaler(), AutoEncoder(
        2, (8,), variational=variational, max_iter=10, random_state=0)), X)
    (codes,) = _run(to_onnx(pipe, X[:1]), X_test)
    np.testing.assert_allclose(codes, pipe.transform(X_test), rtol=0, atol=1e-5)


def test_a_conv_classifier_on_flat_channels_last_rows(classification):
    X, y, X_test = classification
    clf = fit_quietly(make_pipeline(StandardScaler(), ConvClassifier(
        filters=(4,), kernel_size=2, hidden_layer_sizes=(8,), input_shape=(3, 2),
        channels_last=True, batch_norm=True, max_iter=5, random_state=0)), X, y)
    labels, proba = _run(to_onnx(clf, X[:1], options={ConvClassifier: NO_ZIPMAP}), X_test)
    _assert_classifies_alike(clf, labels, proba, X_test)


def test_a_fixed_length_rnn_regressor():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 5, 2)).astype(np.float32)
    y = X[:, :, 0].sum(1)
    reg = fit_quietly(RNNRegressor(cell="gru", hidden_size=6, bidirectional=True,
                                   max_iter=3, random_state=0), X[:100], y[:100])
    session = _session(to_onnx(reg, X[:1]))
    for n in (1, 100):
        (prediction,) = session.run(None, {"X": X[100:100 + n]})
        np.testing.assert_allclose(prediction.ravel(), reg.predict(X[100:100 + n]), rtol=0,
                                   atol=1e-4 * y.std())
    # flat rows with input_shape, read feature-major
    flat = fit_quietly(RNNRegressor(hidden_size=4, input_shape=(5, 2), channels_first=True,
                                    max_iter=2, random_state=0), X.reshape(200, 10), y)
    (prediction,) = _run(to_onnx(flat, X[:1].reshape(1, 10)), X.reshape(200, 10))
    np.testing.assert_allclose(prediction.ravel(), flat.predict(X.reshape(200, 10)), rtol=0,
                               atol=1e-4 * y.std())


class TwoLogits(torch.nn.Module):
    """A user's binary module that returns one logit per class."""

    def __init__(self, n_features):
        super().__init__()
        self.linear = torch.nn.Linear(n_features, 2)

    def forward(self, x):
        return self.linear(x)


def test_a_users_module_and_per_step_regression(classification):
    X, y, X_test = classification
    clf = fit_quietly(NeuralNetClassifier(TwoLogits, max_iter=5, random_state=0), X, y == 1)
    labels, proba = _run(to_onnx(clf, X[:1], options={NeuralNetClassifier: NO_ZIPMAP}),
                         X_test)
    _assert_classifies_alike(clf, labels, proba, X_test)
    sequences = X_test[:200].reshape(200, 3, 2)
    reg = fit_quietly(RNNRegressor(hidden_size=4, return_sequences=True, max_iter=2,
                                   random_state=0), sequences, sequences[:, :, 0])
    (prediction,) = _run(to_onnx(reg, sequences[:1]), sequences)
    assert prediction.shape == (200, 3)
    np.testing.assert_allclose(prediction, reg.predict(sequences), rtol=0, atol=1e-5)


def test_what_onnx_cannot_take_is_a_clear_error():
    rng = np.random.RandomState(0)
    sequences = [rng.normal(size=(n, 2)) for n in (3, 5, 4, 6)]
    ragged = fit_quietly(RNNClassifier(hidden_size=3, max_iter=2, random_state=0),
                         sequences, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="sequences of one length"):
        to_onnx(ragged, sequences)
    X = rng.normal(size=(8, 4, 2)).astype(np.float32)
    steps = fit_quietly(RNNClassifier(hidden_size=3, return_sequences=True, max_iter=2,
                                      random_state=0), X, X[:, :, 0] > 0)
    with pytest.raises(NotImplementedError, match="return_sequences"):
        to_onnx(steps, X)
    dict_input = {"a": rng.normal(size=(8, 2)), "b": rng.normal(size=(8, 3))}
    with pytest.raises(ValueError, match="dict"):
        to_onnx(NeuralNetClassifier(), dict_input)


def test_the_exported_model_runs_without_sknn_or_torch(tmp_path, exported, classification):
    pipe, onx = exported
    _, _, X_test = classification
    path = tmp_path / "model.onnx"
    path.write_bytes(onx.SerializeToString())
    np.save(tmp_path / "X.npy", X_test[:5])
    script = (
        "import sys; sys.modules.update(torch=None, sknn=None, sklearn=None, skorch=None)\n"
        "import numpy as np, onnxruntime as ort\n"
        f"session = ort.InferenceSession({str(path)!r}, providers=['CPUExecutionProvider'])\n"
        f"labels, proba = session.run(None, {{'X': np.load({str(tmp_path / 'X.npy')!r})}})\n"
        "print(' '.join(map(str, labels)))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split() == [str(label) for label in pipe.predict(X_test[:5])]
