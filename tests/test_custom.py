"""NeuralNetClassifier and NeuralNetRegressor around user-written modules."""

import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback
from torch import nn
from torch.nn import functional as F

from sknn import NeuralNetClassifier, NeuralNetRegressor
from sknn.modules import MLP

from conftest import assert_search_picked, fit_quietly

FAST = dict(max_iter=40, learning_rate_init=0.01, random_state=0)


class Net(nn.Module):
    """Takes the data widths and one hyper-parameter of its own."""

    def __init__(self, n_features, n_outputs, hidden=16):
        super().__init__()
        self.hidden = hidden
        self.layers = nn.Sequential(nn.Linear(n_features, hidden), nn.ReLU(),
                                    nn.Linear(hidden, n_outputs))

    def forward(self, x):
        return self.layers(x)


class FixedWidths(nn.Module):
    """Takes no data widths: 4 features in, 3 logits out."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 3)

    def forward(self, x):
        return self.linear(x)


class TwoInputs(nn.Module):
    """A dict input: numeric features and an integer category."""

    def __init__(self, n_features, n_outputs, n_categories=3):
        super().__init__()
        self.embedding = nn.Embedding(n_categories, 2)
        self.linear = nn.Linear(n_features["numeric"] + 2, n_outputs)

    def forward(self, numeric, category):
        return self.linear(torch.cat([numeric, self.embedding(category)], dim=1))


class TinyConv(nn.Module):
    """An image module: X of shape (n, channels, 8, 8)."""

    def __init__(self, n_features, n_outputs):
        super().__init__()
        self.conv = nn.Conv2d(n_features, 4, 3, padding=1)
        self.head = nn.Linear(4, n_outputs)

    def forward(self, x):
        return self.head(torch.relu(self.conv(x)).mean((2, 3)))


def linear_factory(n_features, n_outputs, bias=True):
    return nn.Linear(n_features, n_outputs, bias=bias)


class SkorchStyle(nn.Module):
    """Written as for skorch: fixed output width, optionally a final layer."""

    def __init__(self, n_features, num_units=16, n_out=2, last=None):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(n_features, num_units), nn.ReLU(),
                                    nn.Linear(num_units, n_out),
                                    *([] if last is None else [last]))

    def forward(self, x):
        return self.layers(x)


class FunctionalEnd(nn.Module):
    """Ends with a function call rather than a layer."""

    def __init__(self, n_features, n_outputs, end="softmax"):
        super().__init__()
        self.linear = nn.Linear(n_features, n_outputs)
        self.end = end

    def forward(self, x):
        z = self.linear(x)
        if self.end == "softmax":
            return F.softmax(z, dim=1)
        if self.end == "sigmoid":
            return torch.sigmoid(z).view(len(z), -1)
        return z.exp() / z.exp().sum(1, keepdim=True)  # a softmax written out


EVENTS = []


class RecordTraining(Callback):
    """Records the training notifications (in this process's EVENTS)."""

    def on_train_begin(self, net, **kwargs):
        EVENTS.append("train")

    def on_epoch_end(self, net, **kwargs):
        EVENTS.append("epoch")


@pytest.fixture(scope="module")
def breast_cancer():
    return load_breast_cancer(return_X_y=True)


# -- module__ parameters -------------------------------------------------------

def test_module_params_are_estimator_parameters():
    clf = NeuralNetClassifier(Net, module_params={"hidden": 4})
    assert clf.get_params()["module__hidden"] == 4
    assert "module__hidden" not in clf.get_params(deep=False)
    original = clf.module_params
    copy = clone(clf).set_params(module__hidden=8, max_iter=5)
    assert copy.module_params == {"hidden": 8} and copy.max_iter == 5
    assert original == {"hidden": 4} and clf.module_params is original
    assert NeuralNetClassifier(Net).set_params(module__hidden=2).module_params == {"hidden": 2}


def test_module_receives_widths_and_its_own_params(iris):
    X, y = iris
    clf = fit_quietly(NeuralNetClassifier(Net, module_params={"hidden": 7}, **FAST), X, y)
    assert clf.module_.hidden == 7
    assert clf.module_.layers[0].in_features == 4
    assert clf.module_.layers[-1].out_features == 3
    binary = fit_quietly(NeuralNetClassifier(Net, **FAST), X[y < 2], y[y < 2])
    assert binary.module_.layers[-1].out_features == 1
    assert binary.predict_proba(X[:5]).shape == (5, 2)


def test_module_without_width_arguments_and_factories(iris, regression):
    X, y = iris
    clf = fit_quietly(NeuralNetClassifier(FixedWidths, **FAST), X, y)
    assert clf.score(X, y) > 0.8
    Xr, yr = regression
    reg = fit_quietly(NeuralNetRegressor(linear_factory, module_params={"bias": False},
                                         solver="lbfgs", random_state=0), Xr, yr)
    assert reg.module_.bias is None
    assert reg.score(Xr, yr) > 0.99


def test_default_module_is_an_mlp(iris):
    X, y = iris
    clf = fit_quietly(NeuralNetClassifier(module_params={"hidden_layer_sizes": (8,)}, **FAST),
                      X, y)
    assert isinstance(clf.module_, MLP)
    assert clf.embed(X).shape == (150, 8)


# -- scikit-learn workflow ---------------------------------------------------

def test_cross_val_score_grid_search_and_pickle(iris):
    X, y = iris
    clf = NeuralNetClassifier(Net, **FAST)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(clf, X, y, cv=3)
    # two hidden units are a bottleneck for three classes: the wider net must win
    grid = fit_quietly(GridSearchCV(clf, {"module__hidden": [2, 32]}, cv=3), X, y)
    assert scores.mean() > 0.85
    assert_search_picked(grid, {"module__hidden": 32})
    assert grid.best_estimator_.module_.hidden == 32  # the refit module got the parameter
    assert grid.best_score_ > 0.85
    best = grid.best_estimator_
    restored = pickle.loads(pickle.dumps(best))
    np.testing.assert_array_equal(restored.predict_proba(X), best.predict_proba(X))
    buffer = io.BytesIO()
    joblib.dump(best, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(joblib.load(buffer).predict(X), best.predict(X))


def test_labels_class_weight_and_pipeline(iris):
    X, y = iris
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    pipe = make_pipeline(StandardScaler(), NeuralNetClassifier(Net, **FAST))
    fit_quietly(pipe, X, labels)
    assert set(pipe.predict(X)) <= set(labels) and pipe.score(X, labels) > 0.85
    np.testing.assert_allclose(pipe.predict_proba(X).sum(1), 1, rtol=1e-6)
    heavy = fit_quietly(NeuralNetClassifier(Net, class_weight={0: 1, 1: 1, 2: 50}, **FAST),
                        X, y)
    plain = fit_quietly(NeuralNetClassifier(Net, **FAST), X, y)
    assert (heavy.predict(X) == 2).sum() > (plain.predict(X) == 2).sum()


def test_regressor_one_and_several_outputs(regression):
    X, y = regression
    reg = fit_quietly(NeuralNetRegressor(Net, **FAST), X, y)
    assert reg.predict(X).shape == (120,) and reg.score(X, y) > 0.8
    Y = np.c_[y, -y]
    multi = fit_quietly(NeuralNetRegressor(Net, **FAST), X, Y)
    assert multi.module_.layers[-1].out_features == 2
    assert multi.predict(X).shape == (120, 2)


def test_shared_training_parameters_apply(iris):
    X, y = iris
    stopped = fit_quietly(NeuralNetClassifier(Net, early_stopping=True, **FAST), X, y)
    assert stopped.validation_scores_ and stopped.best_validation_score_ > 0.5
    clf = NeuralNetClassifier(Net, warm_start=True, **{**FAST, "max_iter": 5})
    fit_quietly(clf, X, y)
    module = clf.module_
    fit_quietly(clf, X, y)
    assert clf.module_ is module and len(clf.loss_curve_) == 10
    partial = NeuralNetClassifier(Net, **FAST)
    partial.partial_fit(X, y, classes=[0, 1, 2])
    partial.partial_fit(X, y)
    assert partial.t_ == 2 * len(X)


# -- other inputs --------------------------------------------------------------

def test_dict_input_with_integer_entries(iris):
    X, y = iris
    data = {"numeric": X, "category": y.copy()}  # the category gives the answer away
    clf = fit_quietly(NeuralNetClassifier(TwoInputs, **{**FAST, "max_iter": 100}), data, y)
    assert clf.score(data, y) > 0.95
    assert clf.predict({"numeric": X[:3], "category": y[:3]}).shape == (3,)
    assert clf.summary()["layer"].tolist()[-1] == "total"
    with pytest.raises(ValueError, match="keys"):
        clf.predict({"numeric": X})
    with pytest.raises(ValueError, match="dict"):
        clf.predict(X)


def test_image_input():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    images = (X[:300] / 16).reshape(-1, 1, 8, 8)
    clf = fit_quietly(NeuralNetClassifier(TinyConv, **FAST), images, y[:300])
    assert clf.n_features_in_ == 1
    assert clf.predict(images[:4]).shape == (4,)
    with pytest.raises(ValueError, match="shape"):
        clf.predict(images[:4, :, :4, :4])


# -- errors ----------------------------------------------------------------------

@pytest.mark.parametrize("params,message", [
    (dict(module=Net(4, 3)), "instance"),
    (dict(module=Net, module_params={"hiden": 4}), "hiden"),
    (dict(module=Net, module_params={"n_outputs": 3}), "n_outputs"),
    (dict(module=FixedWidths, module_params=None), "shape"),
    (dict(module=lambda: "not a module"), "torch.nn.Module"),
])
def test_bad_modules_raise_before_training(iris, params, message):
    X, y = iris
    clf = NeuralNetClassifier(**params, **FAST)
    Xb, yb = (X, y) if message != "shape" else (X, y % 2)  # FixedWidths gives 3 logits
    with pytest.raises(ValueError, match=message):
        clf.fit(Xb, yb)
    assert not hasattr(clf, "net_")


# -- modules written for skorch: two logits for binary, probabilities ---------------

def test_binary_two_logits_match_one_logit_in_cross_validation(breast_cancer):
    X, y = breast_cancer
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    params = dict(max_iter=20, learning_rate_init=0.01, random_state=0)
    scores = {}
    for name, clf in [("one logit", NeuralNetClassifier(Net, **params)),
                      ("two logits", NeuralNetClassifier(SkorchStyle, **params))]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            scores[name] = cross_val_score(make_pipeline(StandardScaler(), clf), X, y, cv=cv)
    print({name: round(score.mean(), 4) for name, score in scores.items()})
    assert scores["one logit"].mean() > 0.94 and scores["two logits"].mean() > 0.94
    assert abs(scores["one logit"].mean() - scores["two logits"].mean()) <= 0.02
    two = fit_quietly(NeuralNetClassifier(SkorchStyle, **params), X[:100], y[:100])
    assert two.module_.layers[-1].out_features == 2
    assert (two.n_outputs_, two.out_activation_) == (2, "softmax")


def test_binary_two_logits_string_labels_partial_fit_warm_start(breast_cancer):
    X, y = breast_cancer
    X = StandardScaler().fit_transform(X)
    labels = np.array(["malignant", "benign"])[y]
    clf = fit_quietly(NeuralNetClassifier(SkorchStyle, **FAST), X, labels)
    np.testing.assert_array_equal(clf.classes_, ["benign", "malignant"])
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2) and clf.score(X, labels) > 0.95
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-6)
    # columns follow classes_: the second is P('malignant')
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[(proba[:, 1] > 0.5).astype(int)])
    assert proba[labels == "malignant", 1].mean() > 0.8
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X[:20])), proba[:20], rtol=1e-6)
    stopped = fit_quietly(NeuralNetClassifier(SkorchStyle, early_stopping=True, **FAST),
                          X, labels)
    assert stopped.best_validation_score_ > 0.9

    partial = NeuralNetClassifier(SkorchStyle, **FAST)
    partial.partial_fit(X, labels, classes=["benign", "malignant"])
    for _ in range(4):
        partial.partial_fit(X, labels)
    assert partial.n_outputs_ == 2 and partial.t_ == 5 * len(X)
    assert partial.score(X, labels) > 0.9

    warm = NeuralNetClassifier(SkorchStyle, warm_start=True, class_weight="balanced",
                               **{**FAST, "max_iter": 5})
    fit_quietly(warm, X, labels)
    module = warm.module_
    fit_quietly(warm, X, labels)
    assert warm.module_ is module and len(warm.loss_curve_) == 10
    assert warm.loss_curve_[-1] < warm.loss_curve_[0] and warm.score(X, labels) > 0.9


@pytest.mark.parametrize("module,params,target,message", [
    (SkorchStyle, {"n_out": 3, "last": nn.Softmax(dim=1)}, "multiclass",
     r"must return logits; its last layer 'layers.3' is Softmax: remove it .*LogSoftmax"),
    (SkorchStyle, {"n_out": 2, "last": nn.Softmax(dim=-1)}, "binary",
     r"must return logits; its last layer 'layers.3' is Softmax"),
    (SkorchStyle, {"n_out": 1, "last": nn.Sigmoid()}, "binary",
     r"must return logits; its last layer 'layers.3' is Sigmoid: remove it"),
    (SkorchStyle, {"n_out": 2, "last": nn.Sigmoid()}, "multilabel",
     r"its last layer 'layers.3' is Sigmoid"),
    (SkorchStyle, {"n_out": 1, "last": nn.LogSoftmax(dim=1)}, "binary",
     r"is LogSoftmax: .*one column is always 0"),
    (FunctionalEnd, {"end": "softmax"}, "multiclass",
     r"FunctionalEnd.forward returns the output of softmax\(\): remove it"),
    (FunctionalEnd, {"end": "sigmoid"}, "binary", r"output of sigmoid\(\)"),
    (FunctionalEnd, {"end": "written out"}, "multiclass", r"non-negative and sum to 1"),
])
def test_probability_outputs_are_refused_before_training(iris, module, params, target,
                                                         message):
    X, y = iris
    y = {"multiclass": y, "binary": y % 2, "multilabel": np.c_[y == 0, y == 1]}[target]
    clf = NeuralNetClassifier(module, module_params=params, callbacks=[RecordTraining()],
                              **FAST)
    EVENTS.clear()
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)
    assert EVENTS == [] and not hasattr(clf, "net_")


def test_log_softmax_outputs_train_as_logits(iris, breast_cancer):
    X, y = iris
    plain = fit_quietly(NeuralNetClassifier(SkorchStyle, module_params={"n_out": 3}, **FAST),
                        X, y)
    log = fit_quietly(NeuralNetClassifier(
        SkorchStyle, module_params={"n_out": 3, "last": nn.LogSoftmax(dim=1)}, **FAST), X, y)
    # log_softmax(log_softmax(z)) = log_softmax(z): the same loss, the same training
    assert log.score(X, y) == plain.score(X, y) > 0.85
    np.testing.assert_allclose(log.predict_proba(X), plain.predict_proba(X), atol=1e-5)
    Xb, yb = breast_cancer
    Xb = StandardScaler().fit_transform(Xb)
    binary = fit_quietly(NeuralNetClassifier(
        SkorchStyle, module_params={"last": nn.LogSoftmax(dim=1)}, **FAST), Xb, yb)
    assert binary.n_outputs_ == 2 and binary.score(Xb, yb) > 0.95


def test_regressor_outputs_are_not_checked(regression):
    X, y = regression
    squashed = (y > 0).astype(float)  # a sigmoid may end a regressor
    reg = fit_quietly(NeuralNetRegressor(SkorchStyle, module_params={
        "n_out": 1, "last": nn.Sigmoid()}, **FAST), X, squashed)
    assert np.all((reg.predict(X) >= 0) & (reg.predict(X) <= 1))


# -- inputs a module cannot take: refused before training, with the fix ---------------

class Flat(nn.Module):
    """Any input shape (flattened), and no ``embed`` method."""

    def __init__(self, n_outputs):
        super().__init__()
        self.layer = nn.Sequential(nn.Flatten(), nn.LazyLinear(n_outputs))

    def forward(self, x):
        return self.layer(x)


def _dict_data(n=16):
    rng = np.random.RandomState(0)
    return ({"numeric": rng.normal(size=(n, 2)), "category": rng.randint(0, 3, size=n)},
            rng.normal(size=n))


def _refused_before_training(estimator, X, y, error, message):
    estimator.set_params(callbacks=[RecordTraining()], max_iter=1)
    EVENTS.clear()
    with pytest.raises(error, match=message) as info:
        estimator.fit(X, y)
    assert EVENTS == [] and not hasattr(estimator, "net_")
    return info.value


def test_embed_of_a_module_without_embed_is_a_type_error():
    X = np.random.RandomState(0).normal(size=(8, 2, 3))
    reg = fit_quietly(NeuralNetRegressor(Flat, max_iter=1), X, X[:, 0, 0])
    with pytest.raises(TypeError, match=r"Flat has none: define `embed\(self, x, layer=-1\)`"):
        reg.embed(X)


@pytest.mark.parametrize("hidden,layer,message", [
    ((3,), 5, r"layer=5 names none of the network's hidden layers \(there are 1\): pass a "
              r"layer from -1 to 0"),
    ((), -1, r"no hidden layers.*give it at least one \(hidden_layer_sizes\)"),
])
def test_embed_layer_out_of_range_is_a_value_error(hidden, layer, message):
    X = np.random.RandomState(0).normal(size=(8, 2))
    reg = fit_quietly(NeuralNetRegressor(MLP, module_params={"hidden_layer_sizes": hidden},
                                         max_iter=1), X, X[:, 0])
    with pytest.raises(ValueError, match=message):
        reg.embed(X, layer=layer)
    with pytest.raises(IndexError):  # what it used to be, still caught as that
        reg.embed(X, layer=layer)


@pytest.mark.parametrize("estimator", [NeuralNetRegressor, NeuralNetClassifier])
def test_module_failing_on_the_probe_batch(estimator):
    X = np.random.RandomState(0).normal(size=(8, 2, 3))  # MLP takes 2-D tables
    error = _refused_before_training(
        estimator(MLP, module_params={"hidden_layer_sizes": (3,)}), X, np.arange(8) % 2,
        ValueError, r"MLP failed on a batch of X's first samples, shaped \(2, 2, 3\), "
                    r"before training \(RuntimeError")
    assert isinstance(error.__cause__, RuntimeError)


def test_dict_input_to_a_module_taking_an_int_n_features():
    X, y = _dict_data()
    _refused_before_training(NeuralNetRegressor(MLP), X, y, ValueError,
                             r"MLP takes n_features as an int.*pass one array")
    _refused_before_training(NeuralNetRegressor(linear_factory), X, y, TypeError,
                             r"a module that takes n_features as an int cannot take a dict")


def test_dict_input_to_a_module_without_its_keywords():
    X, y = _dict_data()
    _refused_before_training(NeuralNetRegressor(Flat), X, y, TypeError,
                             r"keys \['category', 'numeric'\].*Flat.forward\(x\).*"
                             r"def forward\(self, numeric, category\)")


def test_dict_input_with_early_stopping_and_scoring():
    X, y = _dict_data(32)
    for scoring in (None, "r2"):
        reg = fit_quietly(NeuralNetRegressor(TwoInputs, early_stopping=True, scoring=scoring,
                                             max_iter=2, random_state=0), X, y)
        assert len(reg.validation_scores_) == 2
        assert reg.predict(X).shape == (32,)
