"""``online-logistic`` against a full-batch IRLS solution of the same objective, plus determinism,
persistence, NaN handling and the two output kinds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from cryptoscalp_model_baseline.config import LogisticConfig
from cryptoscalp_model_baseline.logistic import OnlineLogisticModel

from cryptoscalp_core.ports.model import SignalKind

W_TRUE = np.array([2.0, -1.5, 1.0, 0.0, 0.5])  # on the standardised scale; one useless feature
SCALES = np.array([1.0, 50.0, 0.01, 3.0, 1e3])  # raw scales far apart: standardisation must matter
OFFSETS = np.array([0.0, 3e4, -1.0, 7.0, 0.0])


def dataset(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels from a logistic model with a strong signal (mostly separable, some label noise)."""
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, len(W_TRUE)))
    p = 1 / (1 + np.exp(-(2.0 * Z @ W_TRUE + 0.3)))
    return Z * SCALES + OFFSETS, (rng.random(n) < p).astype(np.float64)


def irls(Z: np.ndarray, y: np.ndarray, l2: float, iterations: int = 50) -> tuple[np.ndarray, float]:
    """Newton / IRLS for  mean log-loss + l2/2 * |w|^2  (intercept unpenalised): the batch optimum the
    online model's gradient steps aim at."""
    n, d = Z.shape
    A = np.column_stack([Z, np.ones(n)])
    theta = np.zeros(d + 1)
    penalty = np.diag([l2] * d + [0.0])
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(A @ theta)))
        grad = A.T @ (p - y) / n + penalty @ theta
        hess = (A * (p * (1 - p))[:, None]).T @ A / n + penalty
        theta -= np.linalg.solve(hess, grad)
    return theta[:d], float(theta[d])


X_TRAIN, Y_TRAIN = dataset(4_000, seed=1)
X_TEST, Y_TEST = dataset(2_000, seed=2)
MEAN, STD = X_TRAIN.mean(axis=0), X_TRAIN.std(axis=0)


def trained(**settings: object) -> OnlineLogisticModel:
    m = OnlineLogisticModel(LogisticConfig.model_validate(settings))
    m.fit(X_TRAIN, Y_TRAIN)
    return m


def accuracy(p: np.ndarray) -> float:
    return float(((p > 0.5) == (Y_TEST == 1)).mean())


def test_close_to_the_batch_optimum() -> None:
    w_ref, b_ref = irls((X_TRAIN - MEAN) / STD, Y_TRAIN, l2=1e-4)
    m = trained()
    cosine = m.w @ w_ref / np.linalg.norm(m.w) / np.linalg.norm(w_ref)
    assert cosine > 0.98, f"coefficient directions differ: cos = {cosine:.3f}"
    big = np.abs(w_ref) > 0.5
    assert np.all(np.sign(m.w[big]) == np.sign(w_ref[big]))
    p_ref = 1 / (1 + np.exp(-((X_TEST - MEAN) / STD @ w_ref + b_ref)))
    p = m.probability(X_TEST)
    assert accuracy(p) >= accuracy(p_ref) - 0.02, (accuracy(p), accuracy(p_ref))
    assert accuracy(p_ref) > 0.8  # the data has the strong signal the test relies on


def test_partial_fit_alone_learns() -> None:
    """Pure streaming use: chunks of partial_fit from an empty model reach near-batch accuracy."""
    m = OnlineLogisticModel(LogisticConfig())
    for Xc, yc in zip(np.array_split(X_TRAIN, 40), np.array_split(Y_TRAIN, 40), strict=True):
        m.partial_fit(Xc, yc)
    w_ref, b_ref = irls((X_TRAIN - MEAN) / STD, Y_TRAIN, l2=1e-4)
    p_ref = 1 / (1 + np.exp(-((X_TEST - MEAN) / STD @ w_ref + b_ref)))
    assert accuracy(m.probability(X_TEST)) >= accuracy(p_ref) - 0.05


def test_deterministic_for_a_seed() -> None:
    a, b, c = trained(seed=5), trained(seed=5), trained(seed=6)
    np.testing.assert_array_equal(a.w, b.w)
    np.testing.assert_array_equal(a.predict(X_TEST), b.predict(X_TEST))
    assert not np.array_equal(a.w, c.w), "the seed drives the shuffling"


def test_fit_starts_from_scratch() -> None:
    m = trained()
    m.partial_fit(X_TEST, Y_TEST)
    m.fit(X_TRAIN, Y_TRAIN)
    np.testing.assert_array_equal(m.w, trained().w)


@pytest.mark.parametrize("output", list(SignalKind))
def test_save_load_then_continue(tmp_path: Path, output: SignalKind) -> None:
    m = trained(output=output.value)
    m.save(tmp_path / "lr")
    loaded = OnlineLogisticModel.load(tmp_path / "lr")
    assert loaded.signal_kind is output
    np.testing.assert_array_equal(loaded.predict(X_TEST), m.predict(X_TEST))
    m.partial_fit(X_TEST[:500], Y_TEST[:500])
    loaded.partial_fit(X_TEST[:500], Y_TEST[:500])  # Adagrad accumulators travelled too
    np.testing.assert_array_equal(loaded.predict(X_TEST), m.predict(X_TEST))


def test_outputs() -> None:
    p = trained().probability(X_TEST)
    np.testing.assert_allclose(trained().predict(X_TEST), 2 * p - 1)
    probs = trained(output="probabilities").predict(X_TEST)
    assert probs.shape == (len(X_TEST), 2)
    np.testing.assert_allclose(probs[:, 1], p)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)


def test_nan_features_take_the_running_mean() -> None:
    m = trained()
    X = X_TEST[:50].copy()
    X[::2, 1] = np.nan
    X[5, :] = np.nan
    filled = X.copy()
    filled[::2, 1] = m.moments.mean[1] if m.moments is not None else 0.0
    expected = m.probability(filled)
    expected[5] = 0.5  # nothing known about that row: no opinion
    np.testing.assert_allclose(m.probability(X), expected, rtol=1e-12)


def test_labels() -> None:
    m = OnlineLogisticModel(LogisticConfig())
    with pytest.raises(ValueError, match="labels"):
        m.fit(X_TRAIN[:10], np.full(10, -1.0))
    y = Y_TRAIN.copy()
    y[-100:] = np.nan  # outcome not known yet: those rows are skipped
    m.fit(X_TRAIN, y)
    ref = OnlineLogisticModel(LogisticConfig())
    ref.fit(X_TRAIN[:-100], Y_TRAIN[:-100])
    np.testing.assert_array_equal(m.w, ref.w)


def test_feature_count_is_checked() -> None:
    m = trained()
    with pytest.raises(ValueError, match="features"):
        m.predict(X_TEST[:, :3])
    with pytest.raises(RuntimeError):
        OnlineLogisticModel(LogisticConfig()).predict(X_TEST)


def test_refit_on_another_width() -> None:
    """fit starts from scratch, so a new feature set is fine; partial_fit must match the fitted width."""
    m = trained()
    m.fit(X_TRAIN[:, :3], Y_TRAIN)
    assert m.predict(X_TEST[:, :3]).shape == (len(X_TEST),)
    with pytest.raises(ValueError, match="features"):
        m.partial_fit(X_TRAIN, Y_TRAIN)
