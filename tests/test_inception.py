"""Inception modules (``inception=``) and the InceptionTime, AlexNet and GoogLeNet recipes.

The recipes' full-size figures (digits >= 0.97, UCR sets) come from
benchmarks/bench_architectures.py; here they build and fit small data.
"""

import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from sknn import ConvClassifier, ConvRegressor
from sknn.conv import RECIPES
from sknn.io import dumps, loads
from sknn.modules import ConvNet
from sknn.modules.conv import InceptionModule


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.mark.parametrize("n_in, bottlenecked", [(1, False), (8, False), (40, True)])
def test_an_inception_module_concatenates_its_branches(n_in, bottlenecked):
    module = InceptionModule(1, (30,), n_in, 6, (9, 4, 1), stride=1, bottleneck=8)
    out = module(torch.randn(2, n_in, 30))
    assert out.shape == (2, 6 * 4, 30)  # three kernels and the pooled branch
    assert isinstance(module.bottleneck, torch.nn.Conv1d) == bottlenecked
    # each branch sees the bottleneck's channels; the pooled branch the input's
    width = 8 if bottlenecked else n_in
    assert [branch[-1].in_channels for branch in module.branches] == [width] * 3
    assert module.pool[-1].in_channels == n_in
    # with a stride, every branch shortens alike: ceil(30 / 4) positions
    strided = InceptionModule(2, (7, 9), 3, 2, (3, 5), stride=4, bottleneck=None)
    assert strided(torch.randn(1, 3, 7, 9)).shape == (1, 6, 2, 3)


def test_inception_time_network_has_the_papers_shape():
    net = ConvNet((1, 64), 3, **{key: value for key, value in RECIPES["inception_time"].items()
                                 if key in ("filters", "inception", "bottleneck", "padding",
                                            "pooling", "global_pooling", "residual",
                                            "batch_norm", "hidden_layer_sizes",
                                            "activation")})
    # six modules in two residual blocks of three, 128 channels each
    assert len(net.features) == 2
    modules = [m for m in net.modules() if isinstance(m, InceptionModule)]
    assert len(modules) == 6
    assert [branch[-1].kernel_size for branch in modules[1].branches] == [(40,), (20,), (10,)]
    assert net.feature_shape == (128, 1)
    assert net(torch.randn(4, 1, 64)).shape == (4, 3)


@pytest.mark.parametrize("params, match", [
    (dict(inception=(3, 5), padding="valid"), "padding='same'"),
    (dict(inception=(3, 0)), "positive ints"),
    (dict(inception=()), "non-empty"),
])
def test_bad_inception_settings_are_refused_before_training(params, match):
    X = np.random.RandomState(0).normal(size=(10, 1, 12))
    model = ConvClassifier(filters=(2,), max_iter=1, **params)
    with pytest.raises(ValueError, match=match):
        model.fit(X, np.arange(10) % 2)
    assert not hasattr(model, "net_")


@pytest.fixture(scope="module")
def small_digits():
    X, y = load_digits(return_X_y=True)
    X = (X / 16).reshape(-1, 1, 8, 8).astype(np.float32)
    return X[:300], y[:300], X[300:600], y[300:600]


@pytest.mark.parametrize("recipe", ["alexnet", "googlenet"])
def test_scaled_image_recipes_fit_8x8_digits(recipe, small_digits):
    X, y, X_test, y_test = small_digits
    model = getattr(ConvClassifier, recipe)(max_iter=10, batch_size=16,
                                            learning_rate_init=0.003, random_state=0)
    model.fit(X, y)
    # 300 images and 10 epochs: far from the full figure, far above chance (0.1)
    assert model.score(X_test, y_test) >= 0.5
    assert model.summary()["n_params"].iloc[-1] > 0
    loaded = loads(dumps(model))
    np.testing.assert_allclose(loaded.predict_proba(X_test[:20]),
                               model.predict_proba(X_test[:20]), atol=1e-6)


def test_inception_time_recipe_fits_signals():
    rng = np.random.RandomState(0)
    n, length = 60, 48
    y = np.arange(n) % 2
    t = np.arange(length)
    X = (np.sin(t * (0.2 + 0.3 * y[:, None])) + rng.normal(size=(n, length)))[:, None]
    model = ConvClassifier.inception_time(max_iter=15, random_state=0)
    model.fit(X.astype(np.float32), y)
    assert model.score(X, y) >= 0.9
    assert model.predict_proba(X[:3]).shape == (3, 2)
    assert model.embed(X[:3]).shape == (3, 128)  # the globally pooled features


def test_the_papers_ensemble_is_a_soft_vote_over_seeds():
    from sklearn.ensemble import VotingClassifier

    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 1, 24)).astype(np.float32)
    y = np.where(X[:, 0, :12].mean(1) > 0, "up", "down")  # string labels, 3-D input
    small = dict(filters=(4,) * 3, inception=(7, 3), bottleneck=2, max_iter=3)
    ensemble = VotingClassifier(
        [(f"seed{seed}", ConvClassifier.inception_time(random_state=seed, **small))
         for seed in range(3)], voting="soft").fit(X, y)
    members = [net.predict_proba(X) for net in ensemble.estimators_]
    assert not np.allclose(members[0], members[1])  # the seeds differ
    np.testing.assert_allclose(ensemble.predict_proba(X), np.mean(members, axis=0), atol=1e-6)
    assert set(ensemble.predict(X)) <= {"up", "down"}


def test_a_regressor_takes_inception_modules_too():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 2, 16)).astype(np.float32)
    model = ConvRegressor(filters=(4, 4), inception=(5, 3), bottleneck=2, residual=2,
                          batch_norm=True, global_pooling="avg", hidden_layer_sizes=(),
                          max_iter=2, random_state=0).fit(X, X.mean((1, 2)))
    assert model.predict(X).shape == (40,)
    assert model.module_.feature_shape == (12, 1)
