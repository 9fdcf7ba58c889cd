"""ConvClassifier and ConvRegressor: input shapes, architectures, recipes, workflow."""

import pickle
import re

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from torch import nn

from sknn import ConvClassifier, ConvRegressor
from sknn.conv import RECIPES
from sknn.modules import ConvNet, ResidualBlock

from conftest import assert_search_picked, fit_quietly

FAST = dict(filters=(8, 16), hidden_layer_sizes=(32,), max_iter=10, learning_rate_init=0.01,
            batch_size=32,
            random_state=0)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X, y = X[:400] / 16, y[:400]
    return X.reshape(-1, 1, 8, 8).astype(np.float32), y


def make_signals(n, length=48, seed=0):
    """Two classes of noisy signals: a square or a triangular pulse, anywhere."""
    rng = np.random.RandomState(seed)
    y = rng.randint(2, size=n)
    X = 0.3 * rng.standard_normal((n, 1, length))
    width = 8
    square = np.ones(width)
    triangle = 2 * (1 - np.abs(np.linspace(-1, 1, width)))
    for i, start in enumerate(rng.randint(0, length - width, size=n)):
        X[i, 0, start:start + width] += triangle if y[i] else square
    return X.astype(np.float32), y


@pytest.fixture(scope="module")
def signals():
    return make_signals(240)


def conv_layers(estimator):
    return [m for m in estimator.module_.modules() if isinstance(m, nn.modules.conv._ConvNd)]


# -- dimensionality follows the data -----------------------------------------

@pytest.mark.parametrize("shape,conv", [
    ((2, 12), nn.Conv1d), ((2, 6, 5), nn.Conv2d), ((1, 4, 5, 6), nn.Conv3d)])
def test_1d_2d_3d_input_picks_the_convolution(shape, conv):
    rng = np.random.RandomState(0)
    X = rng.standard_normal((40, *shape)).astype(np.float32)
    y = (X.reshape(40, -1).mean(1) > 0).astype(int)
    clf = fit_quietly(ConvClassifier(**{**FAST, "max_iter": 2}), X, y)
    assert clf.input_shape_ == shape
    assert clf.n_features_in_ == np.prod(shape)
    assert all(type(layer) is conv for layer in conv_layers(clf))
    assert clf.predict_proba(X).shape == (40, 2)
    reg = fit_quietly(ConvRegressor(**{**FAST, "max_iter": 2}), X, np.c_[y, -y])
    assert reg.predict(X).shape == (40, 2)


def test_learns_digits_as_images(digits):
    X, y = digits
    clf = fit_quietly(ConvClassifier(**FAST), X[:300], y[:300])
    assert clf.score(X[300:], y[300:]) > 0.8
    assert set(clf.predict(X[300:])) <= set(clf.classes_)


def test_flat_rows_without_input_shape_are_one_channel_signals():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((30, 7))
    clf = fit_quietly(ConvClassifier(**{**FAST, "max_iter": 2}), X, X[:, 0] > 0)
    assert clf.input_shape_ == (1, 7)
    assert type(conv_layers(clf)[0]) is nn.Conv1d


def test_images_without_channel_axis_and_flat_rows_with_input_shape(digits):
    X, y = digits
    reference = fit_quietly(ConvClassifier(**{**FAST, "max_iter": 3}), X, y)
    for data in (X[:, 0], X.reshape(len(X), -1)):
        clf = fit_quietly(ConvClassifier(**{**FAST, "max_iter": 3}, input_shape=(1, 8, 8)),
                          data, y)
        assert clf.input_shape_ == (1, 8, 8)
        np.testing.assert_allclose(clf.predict_proba(data), reference.predict_proba(X),
                                   rtol=1e-5, atol=1e-6)
    # the flat rows of a model fitted on images are accepted at predict, and
    # arrays that take the general validation path predict as clean ones do
    np.testing.assert_array_equal(reference.predict(X.reshape(len(X), -1)),
                                  reference.predict(X))
    np.testing.assert_array_equal(reference.predict_proba(np.asfortranarray(X)),
                                  reference.predict_proba(X))


def test_channels_last_is_moved_to_channels_first():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((40, 3, 6, 5)).astype(np.float32)
    y = (X[:, 0].mean((1, 2)) > X[:, 2].mean((1, 2))).astype(int)
    first = fit_quietly(ConvClassifier(**{**FAST, "max_iter": 3}), X, y)
    X_last = np.moveaxis(X, 1, -1)
    last = fit_quietly(ConvClassifier(**{**FAST, "max_iter": 3}, channels_last=True), X_last, y)
    assert last.input_shape_ == (3, 6, 5)
    np.testing.assert_allclose(last.predict_proba(X_last), first.predict_proba(X),
                               rtol=1e-5, atol=1e-6)
    flat = fit_quietly(ConvClassifier(**{**FAST, "max_iter": 3}, channels_last=True,
                                      input_shape=(6, 5, 3)), X_last.reshape(40, -1), y)
    np.testing.assert_allclose(flat.predict_proba(X_last.reshape(40, -1)),
                               first.predict_proba(X), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("scaler", [StandardScaler, MinMaxScaler])
def test_pipeline_with_a_scaler_and_input_shape(digits, scaler):
    X, y = digits
    flat = X.reshape(len(X), -1)
    pipe = make_pipeline(scaler(), ConvClassifier(**FAST, input_shape=(1, 8, 8)))
    fit_quietly(pipe, flat[:300], y[:300])
    assert pipe[-1].input_shape_ == (1, 8, 8)
    assert type(conv_layers(pipe[-1])[0]) is nn.Conv2d
    assert pipe.score(flat[300:], y[300:]) > 0.75


# -- shapes that do not fit ---------------------------------------------------

@pytest.mark.parametrize("params,match", [
    (dict(padding="valid", kernel_size=5), "conv layer 1: kernel_size 5 is larger"),
    (dict(padding="valid", kernel_size=1, pool_size=4), "pooling after conv layer 1"),
    (dict(kernel_size=(3, 3, 3)), "kernel_size has 3 values but there are 2 conv layers"),
    (dict(residual=True, padding="valid"), "residual connections need padding='same'"),
    (dict(input_shape=(1, 7, 7)), "holds 49 values per sample"),
    (dict(input_shape=(64,)), "input_shape must hold the channel axis"),
    (dict(filters=(4, 0)), "filters"),
])
def test_networks_that_do_not_fit_are_clear_errors_before_training(digits, params, match):
    X, y = digits
    clf = ConvClassifier(**{**FAST, **params})
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)
    assert not hasattr(clf, "net_")


def test_bad_X_is_a_clear_error(digits):
    X, y = digits
    with pytest.raises(ValueError, match="6 dimensions"):
        ConvClassifier(**FAST).fit(X.reshape(len(X), 1, 1, 1, 8, 8), y)
    with pytest.raises(ValueError, match="NaN"):
        ConvClassifier(**FAST).fit(np.where(X.max() == X, np.nan, X), y)
    clf = fit_quietly(ConvClassifier(**{**FAST, "max_iter": 1}), X, y)
    with pytest.raises(ValueError, match=r"samples of shape \(1, 4, 16\)"):
        clf.predict(X.reshape(len(X), 1, 4, 16))
    with pytest.raises(ValueError, match="X has 63 features"):
        clf.predict(X.reshape(len(X), -1)[:, :63])


# -- architectures ------------------------------------------------------------

def test_strides_same_padding_and_pooling_shapes():
    net = ConvNet((2, 13, 10), 3, filters=(4, 6), kernel_size=(4, 3), strides=(2, 1),
                  pool_size=2, hidden_layer_sizes=())
    # 13x10 -> stride 2: 7x5 -> pool: 4x3 -> conv: 4x3 -> pool: 2x2
    assert net.feature_shape == (6, 2, 2)
    assert net(torch.zeros(3, 2, 13, 10)).shape == (3, 3)
    valid = ConvNet((1, 20), 1, filters=(2, 2), kernel_size=5, padding="valid",
                    pooling=None, hidden_layer_sizes=())
    assert valid.feature_shape == (2, 12)


def random_conv_case(seed, padding):
    """A random (input_shape, ConvNet keyword arguments) with this padding."""
    rng = np.random.RandomState(seed)
    n_dims = rng.randint(1, 4)
    n_layers = rng.randint(1, 4)
    residual = [False, True, 1, 3][rng.randint(4)] if padding == "same" else False
    input_shape = (2, *(int(size) for size in rng.randint(9, 20, size=n_dims)))
    return input_shape, dict(
        filters=tuple(int(f) for f in rng.randint(1, 5, size=n_layers)),
        kernel_size=tuple(int(k) for k in rng.randint(1, 5, size=n_layers)),
        strides=tuple(int(s) for s in rng.randint(1, 3, size=n_layers)),
        padding=padding, pooling=[None, "max", "avg"][rng.randint(3)],
        residual=residual, batch_norm=bool(rng.randint(2)), hidden_layer_sizes=(5,))


def _builds(input_shape, kwargs):
    try:
        ConvNet(input_shape, 3, **kwargs)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("seed", range(10))
def test_computed_shapes_match_the_forward_pass(seed, padding):
    input_shape, kwargs = random_conv_case(seed, padding)
    x = torch.zeros(2, *input_shape)
    try:
        net = ConvNet(input_shape, 3, **kwargs)
    except ValueError as error:
        # only 'valid' padding can shrink a sample below a kernel or pooling window
        assert padding == "valid", error
        assert re.match(r"(pooling after )?conv layer \d+: (kernel|pool)_size \d+ is larger",
                        str(error)), error
        # and torch agrees: the same layers, built for larger samples, cannot take this one
        larger = ConvNet((2,) + (128,) * (len(input_shape) - 1), 3,
                         **{**kwargs, "global_pooling": "avg"}).eval()
        with pytest.raises(RuntimeError):
            larger._extract(x)
        return
    net.eval()
    features = x
    for block in net.features:
        features = block(features)
    assert tuple(features.shape) == (2, *net.feature_shape)
    assert net._extract(x).shape == (2, np.prod(net.feature_shape))
    assert net(x).shape == (2, 3)


def test_random_shape_cases_mostly_build_and_some_do_not():
    """The cases above test both branches: most networks build, a few are refused."""
    cases = [random_conv_case(seed, padding) for seed in range(10)
             for padding in ("same", "valid")]
    built = [_builds(*case) for case in cases]
    assert 12 <= sum(built) < len(cases)


def test_residual_blocks_add_a_shortcut(signals):
    X, y = signals
    clf = fit_quietly(ConvClassifier(**{**FAST, "max_iter": 30, "filters": (4, 4, 8, 8, 8)},
                                     residual=True, pooling=None, global_pooling="avg"),
                      X, y)
    blocks = [m for m in clf.module_.modules() if isinstance(m, ResidualBlock)]
    assert len(blocks) == 3  # (4, 4), (8, 8), (8,)
    assert isinstance(blocks[0].shortcut, nn.Conv1d) or \
        isinstance(blocks[0].shortcut[0], nn.Conv1d)  # 1 -> 4 channels: projected
    assert isinstance(blocks[2].shortcut, nn.Identity)  # 8 -> 8: identity
    block = blocks[2].eval()
    x = torch.randn(3, 8, 48)
    with torch.no_grad():
        np.testing.assert_allclose(block(x), torch.relu(block.body(x) + x), atol=1e-6)
    assert clf.score(X, y) > 0.8


def test_residual_int_groups_layers_and_pools_per_block():
    net = ConvNet((1, 32), 2, filters=(4,) * 6, residual=3, pooling="max")
    blocks = [m for m in net.modules() if isinstance(m, ResidualBlock)]
    assert [len(block.body) for block in blocks] == [3, 3]
    assert net.feature_shape == (4, 8)  # two poolings, one per block


def test_global_pooling_makes_the_network_length_independent():
    sizes = {}
    for length in (30, 90):
        net = ConvNet((3, length), 2, filters=(4, 8), global_pooling="max")
        sizes[length] = sum(p.numel() for p in net.parameters())
        assert net.feature_shape == (8, 1)
    assert sizes[30] == sizes[90]
    flat = [sum(p.numel() for p in ConvNet((3, n), 2).parameters()) for n in (30, 90)]
    assert flat[0] < flat[1]


def test_batch_norm_dropout_and_activation_build_the_network(digits):
    X, y = digits
    clf = fit_quietly(ConvClassifier(**{**FAST, "max_iter": 1}, batch_norm=True, dropout=0.2,
                                     activation="tanh", pooling="avg"), X, y)
    types = {type(m) for m in clf.module_.modules()}
    assert {nn.BatchNorm2d, nn.BatchNorm1d, nn.Dropout, nn.Tanh, nn.AvgPool2d} <= types
    assert nn.ReLU not in types and nn.MaxPool2d not in types


@pytest.mark.parametrize("weight_init", ["glorot_uniform", "he_normal", "orthogonal"])
def test_weight_init_reaches_conv_layers(weight_init):
    X = np.zeros((4, 1, 10), dtype=np.float32)
    clf = fit_quietly(ConvRegressor(**{**FAST, "max_iter": 1, "learning_rate_init": 1e-9},
                                    weight_init=weight_init), X, np.zeros(4))
    for layer in conv_layers(clf):
        assert torch.count_nonzero(layer.bias) == 0  # named schemes zero the biases


# -- recipes ------------------------------------------------------------------

def test_recipes_by_name_and_overrides():
    assert ConvClassifier.lenet5().get_params()["filters"] == (6, 16)
    fcn = ConvRegressor.fcn(max_iter=5)
    assert fcn.filters == (128, 256, 128) and fcn.kernel_size == (8, 5, 3)
    assert fcn.global_pooling == "avg" and fcn.batch_norm and fcn.max_iter == 5
    assert ConvClassifier.from_recipe("resnet").residual == 3
    assert isinstance(ConvRegressor.resnet(), ConvRegressor)
    with pytest.raises(ValueError, match="Unknown recipe"):
        ConvClassifier.from_recipe("vgg")
    # recipes are copied, never mutated
    ConvClassifier.from_recipe("fcn", filters=(1, 2, 3))
    assert RECIPES["fcn"]["filters"] == (128, 256, 128)


def test_lenet5_trains_on_digits(digits):
    X, y = digits
    clf = fit_quietly(ConvClassifier.lenet5(max_iter=15, learning_rate_init=0.01,
                                            random_state=0), X[:300], y[:300])
    assert type(conv_layers(clf)[0]) is nn.Conv2d and conv_layers(clf)[0].kernel_size == (5, 5)
    assert clf.score(X[300:], y[300:]) > 0.7


@pytest.mark.parametrize("recipe", ["fcn", "resnet"])
def test_signal_recipes_learn_a_two_class_signal_task(signals, recipe):
    X, y = signals
    narrow = {"fcn": (8, 16, 8), "resnet": (4,) * 3 + (8,) * 6}[recipe]
    clf = fit_quietly(ConvClassifier.from_recipe(recipe, filters=narrow, max_iter=15,
                                                 batch_size=32, learning_rate_init=0.01,
                                                 random_state=0),
                      X[:180], y[:180])
    assert clf.score(X[180:], y[180:]) > 0.85
    assert clf.embed(X[:5]).shape == (5, 8)  # no dense head: the pooled conv features


# -- estimator workflow -------------------------------------------------------

def test_grid_search_over_filters(digits):
    X, y = digits
    # one channel, pooled twice: 4 numbers per digit cannot tell ten classes apart
    grid = GridSearchCV(ConvClassifier(**FAST), {"filters": [(1, 1), (8, 16)]}, cv=2)
    fit_quietly(grid, X, y)
    assert_search_picked(grid, {"filters": (8, 16)})
    assert grid.best_score_ > 0.7
    assert grid.cv_results_["mean_test_score"][0] < grid.best_score_ - 0.2
    assert [layer.out_channels for layer in conv_layers(grid.best_estimator_)] == [8, 16]


def test_pickle_round_trip_gives_identical_output(digits, signals):
    X, y = digits
    clf = fit_quietly(ConvClassifier(**{**FAST, "max_iter": 2}, batch_norm=True), X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    assert restored.input_shape_ == clf.input_shape_
    Xs, ys = signals
    reg = fit_quietly(ConvRegressor(**{**FAST, "max_iter": 2}, residual=True), Xs, ys)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(reg)).predict(Xs), reg.predict(Xs))
    assert clone(reg).get_params() == reg.get_params()


def test_summary_embed_and_fitted_attributes(digits):
    X, y = digits
    clf = fit_quietly(ConvClassifier(**{**FAST, "max_iter": 2, "hidden_layer_sizes": (12, 6)}),
                      X, y)
    table = clf.summary()
    assert table.iloc[-1]["n_params"] == sum(p.numel() for p in clf.module_.parameters())
    assert table.loc[table["layer"] == "flatten", "output_shape"].item() == (None, 16 * 2 * 2)
    assert table.loc[table["layer"] == "output", "output_shape"].item() == (None, 10)
    assert clf.embed(X).shape == (len(X), 6)
    assert clf.embed(X, layer=0).shape == (len(X), 12)
    with pytest.raises(IndexError):
        clf.embed(X, layer=2)
    assert clf.n_iter_ == 2 and len(clf.loss_curve_) == 2 and clf.t_ == 2 * len(X)
    assert clf.device_ == "cpu" and clf.out_activation_ == "softmax"


def test_partial_fit_and_warm_start(signals):
    X, y = signals
    clf = ConvClassifier(**FAST)
    for _ in range(3):
        clf.partial_fit(X, y, classes=[0, 1])
    assert clf.t_ == 3 * len(X)
    assert clf.input_shape_ == (1, 48)
    reg = fit_quietly(ConvRegressor(**{**FAST, "max_iter": 2}, warm_start=True), X, y)
    first = reg.predict(X)
    fit_quietly(reg, X, y)
    assert reg.t_ == 4 * len(X) and not np.array_equal(first, reg.predict(X))


def test_random_state_is_reproducible_and_global_state_untouched(signals, no_global_rng_change):
    X, y = signals
    one = fit_quietly(ConvClassifier(**{**FAST, "max_iter": 2}, dropout=0.2), X, y)
    two = fit_quietly(ConvClassifier(**{**FAST, "max_iter": 2}, dropout=0.2), X, y)
    np.testing.assert_array_equal(one.predict_proba(X), two.predict_proba(X))
