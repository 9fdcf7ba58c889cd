"""AutoEncoder: a scikit-learn transformer, plain, denoising and variational."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sknn import AutoEncoder
from sknn.modules import AutoEncoderNet, ReconstructionLoss

from conftest import fit_quietly

FAST = dict(hidden_layer_sizes=(16,), max_iter=30, learning_rate_init=0.01, random_state=0)


@pytest.fixture(scope="module")
def curve():
    """A noisy circle arc bent into 3-D and embedded in 6-D: a 1-D manifold
    that no plane holds."""
    rng = np.random.RandomState(0)
    t = rng.uniform(0, 1.5 * np.pi, 300)
    curve = np.c_[np.cos(t), np.sin(t), np.sin(2 * t)]
    Q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    return (curve @ Q[:3] + 0.02 * rng.normal(size=(300, 6))).astype(np.float64)


# -- the transformer interface ---------------------------------------------

def test_transform_inverse_transform_shapes_and_dtypes(curve):
    ae = fit_quietly(AutoEncoder(n_components=2, **FAST), curve)
    code = ae.transform(curve)
    assert code.shape == (300, 2) and code.dtype == np.float64
    assert ae.inverse_transform(code).shape == curve.shape
    assert ae.transform(curve.astype(np.float32)).dtype == np.float32
    assert ae.n_features_in_ == 6 and ae.n_outputs_ == 6
    assert ae.get_feature_names_out().tolist() == ["autoencoder0", "autoencoder1"]
    np.testing.assert_allclose(ae.fit_transform(curve), code, rtol=1e-6)


def test_score_is_negative_mean_squared_reconstruction_error(curve):
    ae = fit_quietly(AutoEncoder(n_components=1, **FAST), curve)
    reconstruction = ae.inverse_transform(ae.transform(curve))
    expected = -np.mean((reconstruction - curve) ** 2)
    assert ae.score(curve) == pytest.approx(expected, rel=1e-6)
    assert ae.score(curve) < 0


def test_training_lowers_reconstruction_error(curve):
    short = fit_quietly(AutoEncoder(n_components=2, **{**FAST, "max_iter": 1}), curve)
    longer = fit_quietly(AutoEncoder(n_components=2, **FAST), curve)
    assert longer.score(curve) > short.score(curve)
    assert longer.loss_curve_[-1] < longer.loss_curve_[0]


def test_beats_pca_on_a_curved_manifold(curve):
    ae = fit_quietly(AutoEncoder(n_components=1, hidden_layer_sizes=(32,), max_iter=150,
                                 learning_rate_init=0.01, random_state=0), curve)
    pca = PCA(1).fit(curve)
    pca_error = np.mean((pca.inverse_transform(pca.transform(curve)) - curve) ** 2)
    assert -ae.score(curve) < 0.5 * pca_error


def test_no_predict_but_embed_and_summary(curve):
    ae = fit_quietly(AutoEncoder(n_components=3, **FAST), curve)
    assert not hasattr(ae, "predict")
    np.testing.assert_allclose(ae.embed(curve), ae.transform(curve))
    assert ae.embed(curve, layer=0).shape == (300, 16)
    assert ae.summary()["layer"].iloc[-1] == "total"


def test_pipeline_feeds_codes_to_the_next_step():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X, y = X[:400], y[:400]
    pipe = make_pipeline(MinMaxScaler(), AutoEncoder(n_components=8, **{**FAST, "max_iter": 60}),
                         LogisticRegression(max_iter=500))
    fit_quietly(pipe, X, y)
    assert pipe[-1].n_features_in_ == 8
    assert pipe.score(X, y) > 0.6  # chance is 0.1


def test_set_output_pandas(curve):
    frame = pd.DataFrame(curve, columns=[f"x{i}" for i in range(6)])
    ae = fit_quietly(AutoEncoder(n_components=2, **FAST).set_output(transform="pandas"), frame)
    out = ae.transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert out.columns.tolist() == ["autoencoder0", "autoencoder1"]
    assert ae.feature_names_in_.tolist() == frame.columns.tolist()


def test_fit_ignores_y_and_accepts_sample_weight(curve):
    a = fit_quietly(AutoEncoder(**FAST), curve)
    b = fit_quietly(AutoEncoder(**FAST), curve, np.arange(300))
    np.testing.assert_array_equal(a.transform(curve), b.transform(curve))
    weights = np.r_[np.ones(150), np.zeros(150)]
    c = fit_quietly(AutoEncoder(**FAST), curve, sample_weight=weights)
    assert not np.allclose(c.transform(curve), a.transform(curve))


def test_early_stopping_scores_negative_reconstruction_error(curve):
    ae = fit_quietly(AutoEncoder(early_stopping=True, **FAST), curve)
    assert all(score <= 0 for score in ae.validation_scores_)
    assert ae.best_validation_score_ == max(ae.validation_scores_)


def test_partial_fit_continues_training(curve):
    ae = AutoEncoder(**FAST)
    for _ in range(3):
        ae.partial_fit(curve)
    assert ae.n_iter_ == 1 and len(ae.loss_curve_) == 3
    assert ae.t_ == 3 * len(curve)


# -- denoising and variational ----------------------------------------------

def test_noise_only_in_training_mode():
    net = AutoEncoderNet(4, n_components=2, hidden_layer_sizes=(8,), noise=1.0)
    x = torch.randn(5, 4)
    net.eval()
    torch.testing.assert_close(net(x), net(x))
    torch.testing.assert_close(net(x), net.reconstruct(x))
    net.train()
    assert not torch.allclose(net(x), net.reconstruct(x))


def test_denoising_changes_training_and_keeps_transform_deterministic(curve):
    plain = fit_quietly(AutoEncoder(**FAST), curve)
    denoising = fit_quietly(AutoEncoder(noise=0.3, **FAST), curve)
    assert not np.allclose(plain.transform(curve), denoising.transform(curve))
    np.testing.assert_array_equal(denoising.transform(curve), denoising.transform(curve))


def test_variational_loss_has_kl_term():
    mean, log_var = torch.tensor([[1.0, 0.0]]), torch.zeros(1, 2)
    target = torch.zeros(1, 4)
    loss = ReconstructionLoss()((target, mean, log_var, torch.zeros(())), target)
    # KL(N(1, 1) || N(0, 1)) = 0.5, divided by the 4 features.
    torch.testing.assert_close(loss, torch.tensor([0.125]))


def test_variational_transform_is_posterior_mean_and_sample(curve, no_global_rng_change):
    vae = fit_quietly(AutoEncoder(variational=True, **FAST), curve)
    code = vae.transform(curve)
    np.testing.assert_array_equal(code, vae.transform(curve))
    mean, _ = vae.module_.posterior(torch.as_tensor(curve[:5], dtype=torch.float32))
    np.testing.assert_allclose(code[:5], mean.detach().numpy(), rtol=1e-4, atol=1e-5)
    samples = vae.sample(4, random_state=0)
    assert samples.shape == (4, 6)
    np.testing.assert_array_equal(samples, vae.sample(4, random_state=0))
    assert not np.allclose(vae.sample(4), vae.sample(4))
    # The KL term pulls the codes towards the standard normal prior.
    assert np.all(np.abs(code.mean(0)) < 1.0)


def test_sample_continues_own_stream_reproducibly(curve):
    a = fit_quietly(AutoEncoder(variational=True, **FAST), curve)
    b = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(a.sample(3), b.sample(3))


def test_sample_only_when_variational(curve):
    ae = fit_quietly(AutoEncoder(**FAST), curve)
    assert not hasattr(ae, "sample")
    with pytest.raises(AttributeError, match="sample") as error:
        ae.sample(2)
    assert "variational=True" in str(error.value.__cause__)


# -- errors, persistence -----------------------------------------------------

def test_bad_input_raises_before_training(curve):
    with pytest.raises(NotFittedError):
        AutoEncoder().transform(curve)
    with pytest.raises(ValueError, match="n_components"):
        AutoEncoder(n_components=0).fit(curve)
    with pytest.raises(ValueError, match="noise"):
        AutoEncoder(noise=-1.0).fit(curve)
    ae = fit_quietly(AutoEncoder(n_components=2, **FAST), curve)
    with pytest.raises(ValueError, match="expecting 2 features"):
        ae.inverse_transform(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="expecting 6 features"):
        ae.transform(curve[:, :4])


def test_pickle_and_clone(curve):
    ae = fit_quietly(AutoEncoder(variational=True, **FAST), curve)
    restored = pickle.loads(pickle.dumps(ae))
    np.testing.assert_array_equal(restored.transform(curve), ae.transform(curve))
    np.testing.assert_array_equal(restored.sample(2, random_state=1), ae.sample(2, random_state=1))
    copy = clone(ae)
    assert copy.get_params() == ae.get_params() and not hasattr(copy, "net_")
