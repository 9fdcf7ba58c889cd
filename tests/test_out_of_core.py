"""Data larger than memory: np.memmap, zarr and dask arrays streamed window by window."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning

import sknn
from sknn import _streaming

warnings.filterwarnings("ignore", category=ConvergenceWarning)


@pytest.fixture(autouse=True)
def small_windows(monkeypatch):
    """Windows of 20 rows of 8 float32 values: many windows per epoch."""
    monkeypatch.setattr(_streaming, "WINDOW_BYTES", 640)


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 8)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    mm = np.memmap(tmp_path / "x.dat", dtype=np.float32, mode="w+", shape=X.shape)
    mm[:] = X
    mm.flush()
    return X, y, np.memmap(tmp_path / "x.dat", dtype=np.float32, mode="r", shape=X.shape)


def conversions(monkeypatch, model):
    """The row counts of every input check ``model`` makes, as they happen."""
    seen = []
    original = type(model)._numeric_input

    def spy(self, rows, **kwargs):
        seen.append(len(rows))
        return original(self, rows, **kwargs)

    monkeypatch.setattr(type(model), "_numeric_input", spy)
    return seen


def same_weights(a, b):
    return all(torch.equal(p, q) for p, q in zip(a.module_.parameters(), b.module_.parameters()))


@pytest.mark.parametrize("make", [
    lambda: sknn.MLPClassifier(max_iter=4, batch_size=32, random_state=0),
    lambda: sknn.MLPClassifier(max_iter=4, batch_size=37, early_stopping=True, random_state=0),
    lambda: sknn.MLPClassifier(max_iter=3, batch_size=299, batch_norm=True, random_state=0),
    lambda: sknn.MLPRegressor(max_iter=3, batch_size=50, random_state=0,
                              early_stopping=True, scoring="r2"),
    lambda: sknn.ConvClassifier(max_iter=2, filters=(4,), hidden_layer_sizes=(8,),
                                batch_size=64, random_state=0),
    lambda: sknn.AutoEncoder(max_iter=3, batch_size=64, random_state=0),
], ids=["mlp", "early-stopping", "batch-norm-merged-row", "scoring", "conv", "autoencoder"])
def test_memmap_fit_trains_the_same_weights_as_in_memory(data, make):
    X, y, mm = data
    assert _streaming.is_out_of_core(mm)
    target = X[:, 0] if isinstance(make(), sknn.MLPRegressor) else y
    args = () if isinstance(make(), sknn.AutoEncoder) else (target,)
    in_memory, streamed = make().fit(X, *args), make().fit(mm, *args)
    assert same_weights(in_memory, streamed)
    assert in_memory.loss_curve_ == streamed.loss_curve_


def test_partial_fit_streams_too(data):
    X, y, mm = data
    a, b = sknn.MLPClassifier(random_state=0), sknn.MLPClassifier(random_state=0)
    for _ in range(2):
        a.partial_fit(X, y, classes=[0, 1])
        b.partial_fit(mm, y, classes=[0, 1])
    assert same_weights(a, b)


def test_fit_never_converts_more_than_a_window(data, monkeypatch):
    X, y, mm = data
    model = sknn.MLPClassifier(max_iter=2, batch_size=16, random_state=0)
    seen = conversions(monkeypatch, model)
    model.fit(mm, y)
    window = _streaming._window_rows(mm)
    assert window < len(X) and seen
    # batches are read a window at a time: at most a window plus one batch
    assert max(seen) <= window + 16


def test_an_autoencoder_reads_each_window_once(data, monkeypatch):
    X, _, mm = data
    model = sknn.AutoEncoder(max_iter=2, batch_size=32, random_state=0)
    seen = conversions(monkeypatch, model)
    model.fit(mm)
    # one check of every row before training, then each row once an epoch
    assert sum(seen) == len(X) * (1 + 2)


def test_predict_from_a_memmap_matches_in_memory(data):
    X, y, mm = data
    model = sknn.MLPClassifier(max_iter=3, random_state=0).fit(X, y)
    np.testing.assert_array_equal(model.predict(mm), model.predict(X))
    np.testing.assert_allclose(model.predict_proba(mm), model.predict_proba(X))


def test_lbfgs_is_refused_before_training(data):
    _, y, mm = data
    model = sknn.MLPClassifier(solver="lbfgs")
    with pytest.raises(ValueError, match=r"lbfgs.*all the training data in memory"):
        model.fit(mm, y)
    assert not hasattr(model, "net_")


def test_nan_in_a_late_window_is_found_before_training(data, tmp_path):
    X, y, _ = data
    bad = np.memmap(tmp_path / "bad.dat", dtype=np.float32, mode="w+", shape=X.shape)
    bad[:] = X
    bad[-3, 2] = np.nan
    model = sknn.MLPClassifier(max_iter=2).fit(X, y)
    coefs = [c.copy() for c in model.coefs_]
    with pytest.raises(ValueError, match="NaN"):
        model.fit(bad, y)
    assert all(np.array_equal(a, b) for a, b in zip(coefs, model.coefs_))


def test_small_memmaps_are_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(_streaming, "WINDOW_BYTES", 2**20)
    mm = np.memmap(tmp_path / "s.dat", dtype=np.float32, mode="w+", shape=(10, 3))
    assert not _streaming.is_out_of_core(mm)
    assert not _streaming.is_out_of_core(np.zeros((10**6, 3)))


def test_block_shuffle_visits_every_row_once_and_keeps_blocks_together():
    order = _streaming.shuffled_blocks(103, 10, 20, torch.device("cpu")).tolist()
    assert sorted(order) == list(range(103))
    position = {row: i for i, row in enumerate(order)}
    spans = []
    for block in range(11):
        places = [position[row] for row in range(10 * block, min(10 * block + 10, 103))]
        spans.append(max(places) - min(places))
    # a block's rows stay within its window of two blocks, shuffled there
    assert max(spans) < 20
    assert order != sorted(order)
    windows = [sorted(order[i:i + 20]) for i in range(0, 100, 20)]
    assert any(w != list(range(w[0], w[0] + len(w))) for w in windows)


@pytest.mark.parametrize("kind", ["zarr", "dask"])
def test_chunked_arrays_fit_and_predict(data, kind):
    X, y, _ = data
    if kind == "zarr":
        zarr = pytest.importorskip("zarr")
        source = zarr.create_array(store=zarr.storage.MemoryStore(), shape=X.shape,
                                   chunks=(40, 8), dtype="float32")
        source[:] = X
    else:
        da = pytest.importorskip("dask.array")
        source = da.from_array(X, chunks=(40, 8))
    assert _streaming.is_out_of_core(source)
    model = sknn.MLPClassifier(max_iter=30, batch_size=20, random_state=0).fit(source, y)
    assert model.score(X, y) > 0.9
    np.testing.assert_array_equal(model.predict(source), model.predict(X))
    # the order differs from the in-memory one (blocks), the samples seen do not
    assert model.net_.samples_seen_ == 30 * len(X)
