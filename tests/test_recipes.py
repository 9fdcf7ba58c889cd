"""Recipes: architecture plus training, overridable like any parameter.

Their accuracy on real data is measured by benchmarks/bench_quality.py.
"""

import numpy as np
import pytest

from sknn import ConvClassifier, ConvRegressor, RNNClassifier
from sknn.conv import RECIPES

from conftest import fit_quietly

TRAINED = ["lenet5", "fcn", "resnet", "vgg_small"]


@pytest.mark.parametrize("name", TRAINED)
@pytest.mark.parametrize("cls", [ConvClassifier, ConvRegressor])
def test_a_recipe_sets_its_training_and_a_parameter_overrides_it(cls, name):
    model = cls.from_recipe(name, max_iter=3, learning_rate="constant")
    model._validate_params()
    assert (model.max_iter, model.learning_rate) == (3, "constant")
    recipe = cls.from_recipe(name)
    assert recipe.max_iter == RECIPES[name]["max_iter"] != 200
    assert recipe.balanced_batches and recipe.n_iter_no_change == np.inf
    assert getattr(cls, name)().get_params() == recipe.get_params()


def test_an_unknown_recipe_is_named():
    with pytest.raises(ValueError, match="Unknown recipe 'fnc'"):
        ConvClassifier.from_recipe("fnc")


def test_the_signal_recipes_train_without_a_small_last_batch():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((18, 1, 16)).astype(np.float32)
    y = np.repeat([0, 1], 9)
    X[y == 1, 0, 4:8] += 2.0
    model = fit_quietly(ConvClassifier.fcn(filters=(8, 8, 8), max_iter=2, random_state=0),
                        X, y)
    # 18 series in batches of at most 16: 9 and 9, not 16 and 2.
    assert model.net_.batch_size == 9
    assert model.predict(X).shape == (18,)


def test_the_small_image_recipe_trains_on_8x8_images():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = (X[:40] / 16).reshape(-1, 1, 8, 8).astype(np.float32)
    model = fit_quietly(ConvClassifier.vgg_small(max_iter=2, random_state=0), X, y[:40])
    assert model.predict_proba(X).shape == (40, 10)


def test_the_recurrent_recipe_reads_ragged_sequences():
    rng = np.random.RandomState(0)
    X = [rng.standard_normal((length, 3)).astype(np.float32) for length in rng.randint(3, 9, 24)]
    y = np.array([int(x[:, 0].sum() > 0) for x in X])
    model = RNNClassifier.bigru(max_iter=2, random_state=0)
    fit_quietly(model, X, y)
    assert model.predict(X).shape == (24,)
