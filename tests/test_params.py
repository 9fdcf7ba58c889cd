"""Every estimator's parameters agree with their one declaration (sknn._params)."""

import inspect
import subprocess
import sys

import pytest
import sklearn.neural_network
from sklearn.base import clone
from sklearn.utils._param_validation import validate_parameter_constraints

import sknn
from sknn._base import BaseNeuralNet
from sknn._params import TRAINING, Param, collect_parameters, declare_parameters
from sknn._tasks import ClassifierTask, RegressorTask

ESTIMATORS = [getattr(sknn, name) for name in sknn.__all__
              if isinstance(getattr(sknn, name), type)
              and issubclass(getattr(sknn, name), BaseNeuralNet)]
CLASSIFIERS = [cls for cls in ESTIMATORS if issubclass(cls, ClassifierTask)]
REGRESSORS = [cls for cls in ESTIMATORS if issubclass(cls, RegressorTask)]


def test_every_family_is_covered():
    assert len(ESTIMATORS) == 9 and len(CLASSIFIERS) == 4 and len(REGRESSORS) == 4


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_signature_defaults_and_constraints_follow_the_declaration(cls):
    declared = collect_parameters(cls)
    signature = inspect.signature(cls)
    assert list(signature.parameters) == [p.name for p in declared]
    for param in declared:
        argument = signature.parameters[param.name]
        assert argument.default is param.default or argument.default == param.default
        kind = (inspect.Parameter.POSITIONAL_OR_KEYWORD if param.positional
                else inspect.Parameter.KEYWORD_ONLY)
        assert argument.kind == kind, param.name
    estimator = cls()
    params = estimator.get_params(deep=False)
    assert params == {p.name: p.default for p in declared}
    assert cls._parameter_constraints == {p.name: p.constraint for p in declared}
    # Each default satisfies its own constraint.
    validate_parameter_constraints(cls._parameter_constraints, params, cls.__name__)
    # clone round-trips every parameter.
    assert clone(estimator).get_params(deep=False) == params


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_docstring_documents_each_declared_parameter_once(cls):
    doc = cls.__doc__
    for param in collect_parameters(cls):
        heading = param.render().splitlines()[0]
        assert doc.count(f"\n    {heading}\n") == 1, heading


def test_training_parameters_are_everywhere():
    for cls in ESTIMATORS:
        assert {p.name for p in TRAINING} <= set(inspect.signature(cls).parameters)


def test_task_parameters_live_on_their_task():
    for cls in REGRESSORS:
        assert "class_weight" not in inspect.signature(cls).parameters
        assert inspect.signature(cls).parameters["loss"].default == "squared_error"
    for cls in CLASSIFIERS:
        assert "loss" not in inspect.signature(cls).parameters
        assert inspect.signature(cls).parameters["class_weight"].default is None
    assert not {"loss", "class_weight"} & set(inspect.signature(sknn.AutoEncoder).parameters)


@pytest.mark.parametrize("ours, theirs", [
    (sknn.MLPClassifier, sklearn.neural_network.MLPClassifier),
    (sknn.MLPRegressor, sklearn.neural_network.MLPRegressor),
])
def test_mlps_keep_every_scikit_learn_parameter(ours, theirs):
    mine = inspect.signature(ours).parameters
    for name, param in inspect.signature(theirs).parameters.items():
        assert name in mine, name
        assert mine[name].default == param.default, name
        if name != "loss":  # MLPRegressor's first positional; keyword-only here (documented)
            assert mine[name].kind == param.kind, name


def test_recurrent_family_overrides_a_shared_default():
    assert sknn.RNNClassifier().max_grad_norm == 1.0
    assert sknn.MLPClassifier().max_grad_norm is None
    assert "default=1.0" in sknn.RNNRegressor.__doc__.split("max_grad_norm :")[1].split("\n")[0]


def test_no_family_or_task_writes_an_init():
    for cls in ESTIMATORS:
        for klass in cls.__mro__[1:]:
            if klass.__module__.startswith("sknn"):
                assert "__init__" not in vars(klass), klass


def test_a_new_parameter_is_a_one_place_change():
    extra = Param("extra", 7, [int], "int", "An extra parameter.")

    class Family(sknn.MLPClassifier):
        """An MLP with one more parameter.

        Parameters
        ----------
        ${parameters}
        """

        _params = (extra,)

    declare_parameters(Family)
    model = Family(extra=3)
    assert model.get_params()["extra"] == 3
    assert Family._parameter_constraints["extra"] == [int]
    assert "extra : int, default=7" in Family.__doc__
    assert clone(model).extra == 3
    with pytest.raises(TypeError):
        Family(3, "relu", 8)  # keyword-only, as every non-positional parameter


def test_import_under_python_OO():
    code = "import sknn; print(sknn.MLPClassifier().get_params()['solver'])"
    result = subprocess.run([sys.executable, "-OO", "-c", code], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "adam"


@pytest.mark.parametrize("keyword, equivalent", [
    ("lr", "learning_rate_init"), ("max_epochs", "max_iter"), ("criterion", "loss"),
    ("optimizer__weight_decay", "alpha"), ("train_split", "X_val"),
])
def test_skorch_keywords_name_the_public_class_and_the_sknn_equivalent(keyword, equivalent):
    for cls in (sknn.MLPClassifier, sknn.RNNRegressor, sknn.NeuralNetClassifier):
        with pytest.raises(TypeError, match=f"{cls.__name__} takes no '{keyword}'") as error:
            cls(**{keyword: 1})
        assert equivalent in str(error.value)


def test_module_keywords_point_to_module_params():
    with pytest.raises(TypeError, match=r"module_params=\{'hidden': ...\}"):
        sknn.NeuralNetRegressor(module__hidden=8)
    with pytest.raises(TypeError, match="only NeuralNetClassifier and NeuralNetRegressor"):
        sknn.MLPRegressor(module__hidden=8)
