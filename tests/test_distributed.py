"""``distributed=True``: two ranks under torchrun (gloo, CPU) against one process."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import torch

import sknn

from conftest import shared_by_workers

SCRIPT = textwrap.dedent('''
    import json, os, sys, warnings
    import numpy as np, torch, torch.distributed as dist
    import sknn
    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(301, 6)).astype(np.float32)
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    from skorch.callbacks import Callback

    class Rows(Callback):  # the rows this rank trains on
        def on_batch_end(self, net, batch=None, training=False, **kwargs):
            if training:
                net.history.record_batch("rows", len(batch[0]))

    results = {}
    for name, params in json.loads(sys.argv[2]).items():
        weight = 1.0 + np.arange(len(X)) % 3 if params.pop("weighted", False) else None
        model = sknn.MLPClassifier(distributed=True, callbacks=[Rows()], **params)
        model.fit(X, y, sample_weight=weight)
        results[name] = {"weights": [c.tolist() for c in model.coefs_],
                         "n_iter": model.n_iter_, "loss_curve": model.loss_curve_,
                         "valid": model.validation_scores_,
                         "rows": sum(model.net_.history[:, "batches", :, "rows"], []),
                         "wrapper kept": "_compiled_module" in model.net_.__dict__}
    path = os.path.join(sys.argv[1], f"rank{rank}.json")
    with open(path + ".part", "w") as f:
        json.dump(results, f)
    os.replace(path + ".part", path)  # whole, before the teardown
    dist.destroy_process_group()
    # gloo's threads can abort the interpreter's own teardown (SIGABRT,
    # "terminate called without an active exception", about one run in ten
    # here): the results are written, so leave without it.
    os._exit(0)
''')

RUNS = {
    "fixed seed": dict(hidden_layer_sizes=(16,), batch_size=64, max_iter=6, random_state=0,
                       tol=0),
    "weighted": dict(hidden_layer_sizes=(16,), batch_size=64, max_iter=4, random_state=2,
                     tol=0, weighted=True),
    "no seed": dict(hidden_layer_sizes=(16,), batch_size=64, max_iter=3, tol=0),
    "early stopping": dict(hidden_layer_sizes=(16,), batch_size=32, max_iter=60,
                           random_state=1, early_stopping=True, n_iter_no_change=2,
                           tol=1e-2),
}


def run_ranks(out, timeout=300, teardown=30):
    """Run the script on two ranks under torchrun until both have written their results.

    The ranks write their results before the process group's teardown, where
    gloo can abort (seen with torch 2.13) or hang (seen once with torch 2.2):
    that is torch's, so a torchrun still running ``teardown`` seconds after
    the results, or failing after them, is stopped and its results used.
    """
    results = [out / f"rank{r}.json" for r in range(2)]
    log = out / "torchrun.log"
    with open(log, "w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "torch.distributed.run", "--standalone",
             "--nproc_per_node=2", str(out / "fit.py"), str(out), json.dumps(RUNS)],
            stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "OMP_NUM_THREADS": "1"})
        start, written = time.monotonic(), None
        while process.poll() is None and time.monotonic() - start < timeout:
            if written is None and all(path.exists() for path in results):
                written = time.monotonic()
            if written is not None and time.monotonic() - written > teardown:
                break
            time.sleep(0.2)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # torchrun and its ranks
            process.wait()
    assert all(path.exists() for path in results), log.read_text()[-3000:]
    return results


@pytest.fixture(scope="session")
def ranks(tmp_path_factory):
    """The two ranks' results; torchrun runs once a test run, whatever the xdist workers."""
    if not torch.distributed.is_available():
        pytest.skip("this torch has no torch.distributed")
    with shared_by_workers(tmp_path_factory, "sknn-torchrun") as (out, first):
        if first:
            (out / "fit.py").write_text(SCRIPT)
            run_ranks(out)
    return [json.loads((out / f"rank{r}.json").read_text()) for r in range(2)]


def test_both_ranks_end_with_identical_weights(ranks):
    for name in RUNS:
        assert ranks[0][name]["weights"] == ranks[1][name]["weights"], name
        assert ranks[0][name]["loss_curve"] == ranks[1][name]["loss_curve"], name


def test_no_distributed_wrapper_outlives_the_fit(ranks):
    # DistributedDataParallel holds the process group; a later fit may run in another
    assert not any(r[name]["wrapper kept"] for r in ranks for name in RUNS)


def test_each_rank_trains_on_its_share_of_every_batch(ranks):
    rows = [r["fixed seed"]["rows"] for r in ranks]
    # 301 rows in batches of 64 (the last of 45): 32/32 ... and 23/22
    assert rows[0] == [32, 32, 32, 32, 23] * 6
    assert rows[1] == [32, 32, 32, 32, 22] * 6


@pytest.mark.parametrize("name", ["fixed seed", "weighted"])
def test_ranks_train_as_one_process_with_the_same_total_batch(ranks, name):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(301, 6)).astype(np.float32)
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    params = dict(RUNS[name])
    weight = 1.0 + np.arange(len(X)) % 3 if params.pop("weighted", False) else None
    single = sknn.MLPClassifier(**params).fit(X, y, sample_weight=weight)
    for got, want in zip(ranks[0][name]["weights"], single.coefs_):
        np.testing.assert_allclose(np.array(got), want, atol=1e-4)
    np.testing.assert_allclose(ranks[0][name]["loss_curve"], single.loss_curve_, rtol=1e-4)


def test_early_stopping_stops_both_ranks_on_the_same_epoch(ranks):
    stopped = [r["early stopping"]["n_iter"] for r in ranks]
    assert stopped[0] == stopped[1] < RUNS["early stopping"]["max_iter"]
    assert ranks[0]["early stopping"]["valid"] == ranks[1]["early stopping"]["valid"]


def test_without_a_process_group_the_error_says_what_to_do():
    model = sknn.MLPClassifier(distributed=True, max_iter=1)
    with pytest.raises(ValueError, match="torchrun"):
        model.fit(np.zeros((4, 2)), [0, 1, 0, 1])
    assert not hasattr(model, "net_")
