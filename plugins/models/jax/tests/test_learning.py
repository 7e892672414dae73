"""Behaviour beyond the port: learning a known relation out of sample, determinism, state round trips,
bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from cryptoscalp_models_jax.config import JaxMlpConfig, JaxOnlineLinearConfig
from cryptoscalp_models_jax.mlp import JaxMlpModel
from cryptoscalp_models_jax.online_linear import JaxOnlineLinearModel
from pydantic import ValidationError


def nonlinear_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """y depends on x0 * x1 (no linear part) and on x2 linearly, plus noise; x3, x4 are noise columns
    on wildly different scales (a price level and a tiny return) to exercise the standardisation."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    X[:, 3] = 60_000 + 50 * X[:, 3]
    X[:, 4] *= 1e-5
    y = np.tanh(X[:, 0] * X[:, 1]) + 0.5 * X[:, 2] + rng.normal(scale=0.3, size=n)
    return X, y


def out_of_sample_corr(model: JaxMlpModel | JaxOnlineLinearModel, target: str) -> float:
    X, y = nonlinear_data(4000, seed=1)
    Xt, yt = nonlinear_data(2000, seed=2)  # a fresh draw: nothing of it was seen in training
    model.fit(X, (y > 0).astype(np.float64) if target == "up" else y)
    s = model.predict(Xt)
    return float(np.corrcoef(s if s.ndim == 1 else s[:, -1], yt)[0, 1])


def test_mlp_learns_an_interaction_a_linear_model_cannot() -> None:
    # The best linear score explains only the x2 part; the interaction lifts the MLP well above it.
    mlp = out_of_sample_corr(JaxMlpModel(JaxMlpConfig(task="regression", hidden=[32, 16], epochs=60, seed=0)), "label")
    linear = out_of_sample_corr(JaxOnlineLinearModel(JaxOnlineLinearConfig(task="regression", seed=0)), "label")
    assert 0.45 < linear < 0.75, linear  # about sqrt(0.25 / var(y)) = 0.6 in theory
    assert mlp > linear + 0.15, (mlp, linear)


def test_online_linear_classifier_learns_the_linear_part_out_of_sample() -> None:
    corr = out_of_sample_corr(JaxOnlineLinearModel(JaxOnlineLinearConfig(task="binary", seed=3)), "up")
    assert corr > 0.35


def test_online_linear_tracks_a_sign_flip_with_partial_fit() -> None:
    """A regime change: the learner fed the new regime online turns its weight around."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(3000, 2))
    model = JaxOnlineLinearModel(JaxOnlineLinearConfig(task="regression", optimizer="adam", learning_rate=0.05))
    model.fit(X, X[:, 0] + 0.1 * rng.normal(size=3000))
    assert np.corrcoef(model.predict(X), X[:, 0])[0, 1] > 0.9
    for lo in range(0, 3000, 100):
        Xb = X[lo:lo + 100]
        model.partial_fit(Xb, -Xb[:, 0])
    assert np.corrcoef(model.predict(X), X[:, 0])[0, 1] < -0.9


@pytest.mark.parametrize("make", [
    lambda seed: JaxMlpModel(JaxMlpConfig(task="binary", hidden=[8], epochs=3, seed=seed)),
    lambda seed: JaxOnlineLinearModel(JaxOnlineLinearConfig(task="binary", seed=seed)),
])
def test_seed_decides_the_model(make: object) -> None:
    X, y = nonlinear_data(600, seed=4)
    up = (y > 0).astype(np.float64)
    a, b, c = make(1), make(1), make(2)  # type: ignore[operator]
    for m in (a, b, c):
        m.fit(X, up)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    assert not np.array_equal(a.predict(X), c.predict(X))


@pytest.mark.parametrize("make", [
    lambda: JaxMlpModel(JaxMlpConfig(task="regression", hidden=[8], epochs=2, seed=1)),
    lambda: JaxOnlineLinearModel(JaxOnlineLinearConfig(task="regression", optimizer="adam", seed=1)),
])
def test_loaded_model_continues_training_identically(make: object, tmp_path: Path) -> None:
    """Optimiser state is saved too: partial_fit after load equals partial_fit on the original."""
    X, y = nonlinear_data(500, seed=6)
    original = make()  # type: ignore[operator]
    original.fit(X[:300], y[:300])
    original.save(tmp_path / "m")
    loaded = type(original).load(tmp_path / "m")
    original.partial_fit(X[300:], y[300:])
    loaded.partial_fit(X[300:], y[300:])
    np.testing.assert_array_equal(original.predict(X), loaded.predict(X))


def test_nan_labels_are_skipped_and_nan_features_imputed() -> None:
    X, y = nonlinear_data(400, seed=7)
    y_nan = y.copy()
    y_nan[::5] = np.nan
    a = JaxOnlineLinearModel(JaxOnlineLinearConfig(task="regression", shuffle=False))
    b = JaxOnlineLinearModel(JaxOnlineLinearConfig(task="regression", shuffle=False))
    a.fit(X, y_nan)
    keep = ~np.isnan(y_nan)
    b.fit(X[keep], y[keep])
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    X_nan = X.copy()
    X_nan[:, 2] = np.nan  # a dead column: the row is judged on the others, as if x2 were at its mean
    X_mean = X.copy()
    X_mean[:, 2] = a.moments.mean[2]  # type: ignore[union-attr]
    np.testing.assert_allclose(a.predict(X_nan), a.predict(X_mean), atol=1e-6)


def test_bad_input_is_refused_clearly(tmp_path: Path) -> None:
    X, y = nonlinear_data(100, seed=8)
    model = JaxMlpModel(JaxMlpConfig(task="binary", hidden=[4], epochs=1))
    with pytest.raises(ValueError, match="binary labels"):
        model.fit(X, y)  # real-valued labels for a classifier
    with pytest.raises(ValueError, match="rows but y has"):
        model.fit(X, y[:10])
    with pytest.raises(ValueError, match="multiclass labels"):
        JaxOnlineLinearModel(JaxOnlineLinearConfig(task="multiclass")).fit(X, np.full(100, 3.0))
    model.fit(X, (y > 0).astype(float))
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :3])
    model.save(tmp_path / "mlp")
    (tmp_path / "mlp" / "jax_online_linear.json").write_text((tmp_path / "mlp" / "jax_mlp.json").read_text())
    with pytest.raises(ValueError, match="holds a 'jax-mlp' model"):
        JaxOnlineLinearModel.load(tmp_path / "mlp")
    with pytest.raises(ValidationError):
        JaxMlpConfig(task="regression", output="probabilities")
    with pytest.raises(ValidationError):
        JaxMlpConfig(hidden=[0])
