"""GridSearchCV of sknn estimators on a Dask cluster and on Ray, through joblib.

Each search runs on two worker processes and must give the same scores as
the same search run in this process, with one torch thread per worker. The
scorers ``threads`` and ``pid`` read, from each fitted estimator, the torch
thread count a callback recorded during the fit and the process it ran in.

The cluster fixtures have cloudpickle pickle this module by value, as it
pickles a script's or a notebook's ``__main__``: in the workers its classes
exist only as those copies, and fitted estimators must still travel to and
from them.
"""

import contextlib
import os
import sys
import warnings

import numpy as np
import pytest
import torch
from joblib import parallel_backend
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from skorch.callbacks import Callback
from torch import nn

import sknn
from sknn._threads import intra_op_threads


class RecordThreads(Callback):
    """Writes torch's intra-op thread count and the process id into the history."""

    def on_epoch_end(self, net, **kwargs):
        net.history.record("torch_threads", torch.get_num_threads())
        net.history.record("pid", os.getpid())


class Net(nn.Module):
    """A module class defined here, not in an importable package."""

    def __init__(self, n_features, n_outputs, hidden=8):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(n_features, hidden), nn.Tanh(),
                                    nn.Linear(hidden, n_outputs))

    def forward(self, x):
        return self.layers(x)


def threads(search_step, X, y):
    return max(search_step[-1].net_.history[:, "torch_threads"])


def pid(search_step, X, y):
    return search_step[-1].net_.history[-1, "pid"]


SCORING = {"accuracy": "accuracy", "log_loss": "neg_log_loss", "threads": threads, "pid": pid}

# n_threads=None leaves torch's setting alone during the fit, so the recorded
# count is the worker's own (n_threads='auto' would choose 1 for these small
# networks whatever the worker's setting).
MLP = sknn.MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, batch_size=40, random_state=0,
                         n_threads=None, callbacks=[RecordThreads()])
CUSTOM = sknn.NeuralNetClassifier(Net, max_iter=5, batch_size=40, random_state=0,
                                  n_threads=None, callbacks=[RecordThreads()])
# One search over both estimators: one round of work sent to the workers.
GRID = [{"model": [MLP], "model__alpha": [1e-4, 1e-1], "model__learning_rate_init": [1e-3, 1e-2]},
        {"model": [CUSTOM], "model__module__hidden": [4, 8]}]


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=120, n_features=6, n_informative=4, n_classes=3,
                               random_state=0)


def search(X, y, n_jobs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return GridSearchCV(Pipeline([("model", MLP)]), GRID, cv=3, scoring=SCORING,
                            refit="accuracy", n_jobs=n_jobs).fit(X, y).cv_results_


@pytest.fixture(scope="module")
def reference(data):
    """The search in this process, on one torch thread as in the workers."""
    with intra_op_threads(1):
        return search(*data, n_jobs=1)


@contextlib.contextmanager
def by_value(cloudpickle):
    """Pickle this module's classes and functions by value while the fixture lasts."""
    module = sys.modules[__name__]
    cloudpickle.register_pickle_by_value(module)
    try:
        yield
    finally:
        cloudpickle.unregister_pickle_by_value(module)


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    import cloudpickle

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client, by_value(cloudpickle):
        yield client


@pytest.fixture(scope="module")
def ray_session():
    ray = pytest.importorskip("ray")
    from ray import cloudpickle
    from ray.util.joblib import register_ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    register_ray()
    try:
        with by_value(cloudpickle):
            yield
    finally:
        ray.shutdown()


def pids(results):
    return np.concatenate([results[f"split{fold}_test_pid"] for fold in range(3)])


def assert_same_search(results, expected):
    assert [str(params) for params in results["params"]] == \
        [str(params) for params in expected["params"]]
    np.testing.assert_array_equal(results["mean_test_accuracy"], expected["mean_test_accuracy"])
    np.testing.assert_allclose(results["mean_test_log_loss"], expected["mean_test_log_loss"],
                               rtol=1e-6)
    assert os.getpid() not in pids(results)
    np.testing.assert_array_equal(results["mean_test_threads"], 1)


def test_dask_search_matches_the_default_backend(dask_client, reference, data):
    with parallel_backend("dask"):
        results = search(*data, n_jobs=-1)
    assert_same_search(results, reference)
    workers = set(dask_client.run(os.getpid).values())
    assert set(pids(results)) <= workers


def test_ray_search_matches_the_default_backend(ray_session, reference, data):
    with parallel_backend("ray", n_jobs=2):
        results = search(*data, n_jobs=2)
    assert_same_search(results, reference)


def fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


def predict_proba(estimator, X):
    return estimator.predict_proba(X)


def test_a_fitted_estimator_whose_module_class_has_no_importable_name_pickles(data):
    """cloudpickle pickles such a class (a notebook's, a function's) by value."""
    cloudpickle = pytest.importorskip("cloudpickle")

    class Local(Net):
        pass

    X, y = data
    estimator = fit(sknn.NeuralNetClassifier(Local, max_iter=2, random_state=0), X, y)
    copy = cloudpickle.loads(cloudpickle.dumps(estimator))
    np.testing.assert_array_equal(copy.predict_proba(X), estimator.predict_proba(X))


def assert_fitted_estimators_travel(run, data):
    """A fit in a worker comes back, and a fit here predicts in a worker, as here."""
    X, y = data
    with intra_op_threads(1):
        here = fit(clone(CUSTOM), X, y)
    there = run(fit, clone(CUSTOM), X, y)
    assert type(there.module_).__name__ == "Net"
    np.testing.assert_array_equal(there.predict_proba(X), here.predict_proba(X))
    np.testing.assert_array_equal(run(predict_proba, here, X), here.predict_proba(X))


def test_dask_workers_take_and_return_fitted_estimators(dask_client, data):
    assert_fitted_estimators_travel(
        # A closure, as joblib sends: cloudpickle, not plain pickle, sends it.
        lambda fn, *args: dask_client.submit(lambda: fn(*args), pure=False).result(timeout=60),
        data)


def test_ray_workers_take_and_return_fitted_estimators(ray_session, data):
    import ray

    assert_fitted_estimators_travel(
        lambda fn, *args: ray.get(ray.remote(fn).remote(*args), timeout=60), data)
