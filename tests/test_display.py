"""TrainingCurveDisplay draws the history it is given."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn import MLPClassifier, MLPRegressor, TrainingCurveDisplay

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

X, y = make_classification(n_samples=120, n_features=6, random_state=0)


@pytest.fixture(autouse=True)
def _close_figures():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield
    plt.close("all")


def test_lines_hold_the_history_with_validation_data():
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=6, random_state=0)
    clf.fit(X[:90], y[:90], X_val=X[90:], y_val=y[90:])
    display = TrainingCurveDisplay.from_estimator(clf)
    history = clf.net_.history
    lines = display.lines_
    np.testing.assert_array_equal(lines["train_loss"].get_xdata(), history[:, "epoch"])
    np.testing.assert_allclose(lines["train_loss"].get_ydata(), clf.loss_curve_)
    np.testing.assert_allclose(lines["valid_loss"].get_ydata(), history[:, "valid_loss"])
    np.testing.assert_allclose(lines["valid_score"].get_ydata(), clf.validation_scores_)
    # the score lives on its own axis; the losses on ax_
    assert lines["valid_score"].axes is display.score_ax_ is not display.ax_
    assert lines["valid_loss"].axes is display.ax_
    assert display.figure_ is display.ax_.figure
    # the best epoch is that of the best validation score, marked on its curve
    best = history[int(np.argmax(clf.validation_scores_)), "epoch"]
    assert list(lines["best_epoch"].get_xdata()) == [best]
    assert lines["best_epoch"].get_ydata()[0] == pytest.approx(clf.best_validation_score_)
    assert "lr" not in lines  # the learning rate did not change
    assert display.lr_ax_ is None
    # the legend names every curve, above the score's axis
    legend = display.score_ax_.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [
        "training loss", "validation loss", "validation score", f"best epoch ({best})"]


def test_without_validation_best_epoch_is_lowest_training_loss():
    clf = MLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    Xr, yr = make_regression(n_samples=60, n_features=3, random_state=0)
    _, ax = plt.subplots()
    display = TrainingCurveDisplay.from_estimator(clf.fit(Xr, yr), ax=ax, name="net")
    assert display.ax_ is ax
    assert sorted(display.lines_) == ["best_epoch", "train_loss"]
    assert display.score_ax_ is None
    best = int(np.argmin(clf.loss_curve_)) + 1
    assert list(display.lines_["best_epoch"].get_xdata()) == [best]
    assert [t.get_text() for t in display.ax_.get_legend().get_texts()] == [
        "training loss", f"best epoch ({best})"]


def test_learning_rate_drawn_when_it_changed():
    skorch = pytest.importorskip("skorch")
    scheduler = skorch.callbacks.LRScheduler("StepLR", step_size=2, gamma=0.5)
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=6, random_state=0,
                        callbacks=[scheduler]).fit(X, y)
    display = TrainingCurveDisplay.from_estimator(clf)
    np.testing.assert_allclose(display.lines_["lr"].get_ydata(),
                               clf.net_.history[:, "event_lr"])
    assert display.lines_["lr"].axes is display.lr_ax_


def test_pipeline_search_and_scikit_learn_mlp():
    from sklearn.neural_network import MLPClassifier as SkMLP

    pipe = make_pipeline(StandardScaler(), MLPClassifier(max_iter=3, random_state=0)).fit(X, y)
    line = TrainingCurveDisplay.from_estimator(pipe).lines_["train_loss"]
    np.testing.assert_allclose(line.get_ydata(), pipe[-1].loss_curve_)
    sk = SkMLP(max_iter=4, early_stopping=True, random_state=0).fit(X, y)
    lines = TrainingCurveDisplay.from_estimator(sk).lines_
    np.testing.assert_allclose(lines["train_loss"].get_ydata(), sk.loss_curve_)
    np.testing.assert_allclose(lines["valid_score"].get_ydata(), sk.validation_scores_)


def test_several_estimators():
    fits = [MLPClassifier(hidden_layer_sizes=(h,), max_iter=n, random_state=0).fit(X, y)
            for h, n in [(4, 3), (16, 5)]]
    display = TrainingCurveDisplay.from_estimators(fits, names=["small", "large"])
    assert len(display.lines_) == 2
    for lines, fit in zip(display.lines_, fits):
        np.testing.assert_allclose(lines["train_loss"].get_ydata(), fit.loss_curve_)
    # one colour per estimator
    assert display.lines_[0]["train_loss"].get_color() != \
        display.lines_[1]["train_loss"].get_color()
    assert display.lines_[1]["train_loss"].get_label() == "large training loss"

    cv = cross_validate(MLPClassifier(max_iter=3, random_state=0), X, y, cv=2,
                        return_estimator=True)
    display = TrainingCurveDisplay.from_cv_results(cv)
    for lines, fold in zip(display.lines_, cv["estimator"]):
        np.testing.assert_allclose(lines["train_loss"].get_ydata(), fold.loss_curve_)
    with pytest.raises(ValueError, match="return_estimator=True"):
        TrainingCurveDisplay.from_cv_results({"test_score": [1.0]})
    with pytest.raises(ValueError, match="names has 1 entries for 2 estimators"):
        TrainingCurveDisplay.from_estimators(fits, names=["one"])


def test_bad_estimators():
    with pytest.raises(NotFittedError):
        TrainingCurveDisplay.from_estimator(MLPClassifier())
    with pytest.raises(TypeError, match="has no training history"):
        TrainingCurveDisplay.from_estimator(LogisticRegression().fit(X, y))


def test_clear_error_without_matplotlib_and_import_stays_light():
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "import sknn\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
        "from sklearn.datasets import make_classification\n"
        "X, y = make_classification(40, random_state=0)\n"
        "clf = sknn.MLPClassifier(max_iter=1).fit(X, y)\n"
        "try:\n"
        "    sknn.TrainingCurveDisplay.from_estimator(clf)\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True,
                         text=True, check=True).stdout
    assert "needs matplotlib" in out
    assert "sknn-torch[plots]" in out
