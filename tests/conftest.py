import contextlib
import fcntl
import os
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import ParameterGrid
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted


@contextlib.contextmanager
def shared_by_workers(tmp_path_factory, name):
    """A folder that pytest-xdist's workers share in one test run, held under a lock.

    Yields ``(folder, first)``: ``first`` is True for the one caller that
    finds ``folder`` not yet marked done, which then fills it; the folder is
    marked done when that caller's block ends without an error. For work
    that runs once a test run, however many workers use it.
    """
    run = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # a worker's folder lies in the run's
        run = run.parent
    folder = run / name
    folder.mkdir(exist_ok=True)
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = folder / "done"
        first = not done.exists()
        yield folder, first
        done.touch()


def fit_quietly(estimator, *args, **kwargs):
    """``estimator.fit(*args, **kwargs)`` with ConvergenceWarning silenced.

    The tests train for few epochs on purpose; import it with
    ``from conftest import fit_quietly``.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(*args, **kwargs)


def assert_search_picked(search, expected):
    """A fitted GridSearchCV really searched, and the candidate in ``expected`` won.

    Every candidate of the grid has a finite mean test score, the best one is
    the candidate whose parameters include ``expected`` (put a weaker
    candidate first: a tie would then pick it and fail), and the refit
    ``best_estimator_`` carries the best parameters and is fitted.
    """
    results = search.cv_results_
    scores = np.asarray(results["mean_test_score"], dtype=float)
    assert len(results["params"]) == len(ParameterGrid(search.param_grid)) == len(scores)
    assert np.all(np.isfinite(scores)), scores
    assert search.best_index_ == int(np.argmax(scores))
    assert search.best_score_ == scores[search.best_index_]
    assert search.best_params_ == results["params"][search.best_index_]
    assert {key: search.best_params_[key] for key in expected} == expected, \
        (results["params"], scores)
    refit = search.best_estimator_.get_params()
    assert {key: refit[key] for key in search.best_params_} == search.best_params_
    check_is_fitted(search.best_estimator_)


@pytest.fixture(scope="session")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="session")
def regression():
    X, y = make_regression(n_samples=120, n_features=5, noise=0.1, random_state=0)
    return X, (y - y.mean()) / y.std()


@pytest.fixture
def no_global_rng_change():
    """Fail the test if it changed numpy's or torch's global random state."""
    import torch

    numpy_state = np.random.get_state()[1].copy()
    torch_state = torch.random.get_rng_state().clone()
    yield
    assert np.array_equal(np.random.get_state()[1], numpy_state)
    assert torch.equal(torch.random.get_rng_state(), torch_state)


def pytest_configure(config):
    # Under pytest-xdist every worker would otherwise start one torch thread
    # per core, and two workers on two cores oversubscribe the CPU badly.
    import os

    if os.environ.get("PYTEST_XDIST_WORKER"):
        import torch

        torch.set_num_threads(1)
