import numpy as np
import pytest
from sklearn.datasets import load_iris, make_regression
from sklearn.preprocessing import StandardScaler


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
