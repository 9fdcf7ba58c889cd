"""scikit-learn's own estimator checks, over every sknn estimator."""

import re

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

import sknn

# Small networks and few epochs keep the checks fast; they still have to
# learn the checks' toy problems well enough to pass them.
FAST = dict(max_iter=100, learning_rate_init=0.01)

ESTIMATORS = [
    # multi-layer perceptrons
    sknn.MLPClassifier(hidden_layer_sizes=(16,), **FAST),
    sknn.MLPRegressor(hidden_layer_sizes=(16,), **FAST),
    # convolutional networks
    sknn.ConvClassifier(filters=(4,), hidden_layer_sizes=(16,), **FAST),
    sknn.ConvRegressor(filters=(4,), hidden_layer_sizes=(16,), **FAST),
    # recurrent networks
    sknn.RNNClassifier(hidden_size=16, **FAST),
    sknn.RNNRegressor(hidden_size=16, cell="gru", **FAST),
    # autoencoder and user modules
    sknn.AutoEncoder(n_components=2, hidden_layer_sizes=(16,), **FAST),
    sknn.NeuralNetClassifier(module_params={"hidden_layer_sizes": (16,)}, **FAST),
    sknn.NeuralNetRegressor(module_params={"hidden_layer_sizes": (16,)}, **FAST),
]

# The only checks allowed to fail: the ones scikit-learn itself expects its
# stochastic-gradient estimators to fail. Mini-batch training with a weighted
# loss is not equivalent to repeating samples.
SAMPLE_WEIGHT_EQUIVALENCE = {
    "check_sample_weight_equivalence_on_dense_data":
        "mini-batch SGD with weighted loss is not equivalent to repeated samples",
    "check_sample_weight_equivalence_on_sparse_data":
        "mini-batch SGD with weighted loss is not equivalent to repeated samples",
}


def expected_failed_checks(estimator):
    return SAMPLE_WEIGHT_EQUIVALENCE


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS + [sknn.SlidingWindows(3)],
                         ids=lambda estimator: type(estimator).__name__)
def test_every_parameter_is_documented(estimator):
    """Each ``__init__`` parameter has an entry in the Parameters section."""
    doc = type(estimator).__doc__
    section = doc.split("Parameters\n    ----------\n")[1].split("\n    Attributes\n")[0]
    documented = set()
    for names in re.findall(r"^    (\w[\w, ]*) :", section, flags=re.MULTILINE):
        documented.update(name.strip() for name in names.split(","))
    assert set(estimator.get_params(deep=False)) <= documented
