"""Training and prediction on a CUDA device; skipped where there is none."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning

import sknn

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

FAST = dict(max_iter=20, learning_rate_init=0.01, random_state=0)


def fit(estimator, X, y=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y) if y is not None else estimator.fit(X)


@pytest.mark.parametrize("device", ["auto", "cuda", "cuda:0"])
def test_mlp_trains_and_predicts_on_cuda(iris, device):
    X, y = iris
    clf = fit(sknn.MLPClassifier(device=device, **FAST), X, y)
    assert clf.device_ == "cuda:0"
    assert next(clf.module_.parameters()).is_cuda
    assert clf.score(X, y) > 0.9
    proba = clf.predict_proba(X.astype(np.float32))
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-5)


def test_cuda_model_pickles_and_predicts_the_same(iris):
    X, y = iris
    clf = fit(sknn.MLPClassifier(device="cuda", **FAST), X, y)
    restored = pickle.loads(pickle.dumps(clf))
    assert restored.device_ == "cuda:0"
    np.testing.assert_allclose(restored.predict_proba(X), clf.predict_proba(X))


def test_every_family_runs_on_cuda(iris):
    X, _y = iris
    rng = np.random.RandomState(0)
    images = rng.standard_normal((40, 1, 8, 8)).astype(np.float32)
    labels = rng.randint(0, 2, 40)
    conv = fit(sknn.ConvClassifier(filters=(4,), hidden_layer_sizes=(8,), device="cuda",
                                   **FAST), images, labels)
    assert conv.predict(images).shape == (40,)
    sequences = [rng.standard_normal((length, 3)) for length in rng.randint(3, 9, 30)]
    rnn = fit(sknn.RNNRegressor(hidden_size=8, device="cuda", **FAST), sequences,
              rng.standard_normal(30))
    assert rnn.predict(sequences).shape == (30,)
    auto = fit(sknn.AutoEncoder(n_components=2, hidden_layer_sizes=(8,), device="cuda",
                                **FAST), X)
    assert auto.transform(X).shape == (150, 2)


def test_same_seed_same_result_on_cuda(iris):
    X, y = iris
    a = fit(sknn.MLPClassifier(device="cuda", **FAST), X, y).predict_proba(X)
    b = fit(sknn.MLPClassifier(device="cuda", **FAST), X, y).predict_proba(X)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("precision", ["bfloat16", "float16"])
def test_mixed_precision_on_cuda(iris, precision):
    X, y = iris
    full = fit(sknn.MLPClassifier(device="cuda", **FAST), X, y)
    mixed = fit(sknn.MLPClassifier(device="cuda", precision=precision, **FAST), X, y)
    assert all(p.dtype == torch.float32 for p in mixed.module_.parameters())
    assert mixed.score(X, y) >= full.score(X, y) - 0.05
