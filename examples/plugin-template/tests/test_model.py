"""RidgeModel against answers computed independently with numpy's least squares."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from cryptoscalp_model_example.model import RidgeModel

Array = npt.NDArray[np.float64]


def ridge_by_lstsq(X: Array, y: Array, alpha: float) -> tuple[Array, Array]:
    """Ridge with an unpenalised intercept, as an augmented least-squares problem solved by SVD:
    minimise |Xc w - yc|^2 + alpha |w|^2  ==  |[Xc; sqrt(alpha) I] w - [yc; 0]|^2."""
    mean = X.mean(axis=0)
    A = np.vstack([X - mean, np.sqrt(alpha) * np.eye(X.shape[1])])
    b = np.concatenate([y - y.mean(), np.zeros(X.shape[1])])
    w, *_ = np.linalg.lstsq(A, b, rcond=None)
    return w, mean


def data(n: int = 300, k: int = 5, seed: int = 1, offset: float = 0.0) -> tuple[Array, Array]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, k)) + offset
    y = np.clip((X - offset) @ rng.normal(size=k) * 0.3 + rng.normal(scale=0.2, size=n), -1, 1)
    return X, y


@pytest.mark.parametrize(("alpha", "gain"), [(0.1, 1.0), (5.0, 3.0)])
def test_fit_matches_least_squares(alpha: float, gain: float) -> None:
    X, y = data()
    model = RidgeModel(alpha=alpha, gain=gain)
    model.fit(X, y)
    w, mean = ridge_by_lstsq(X, y, alpha)
    np.testing.assert_allclose(model.coef_, w, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.predict(X), np.tanh(gain * (X - mean) @ w), rtol=1e-10, atol=1e-12)


def test_partial_fit_equals_fit_on_everything() -> None:
    # Large feature means stress the merge of centred statistics (naive X'X - n mean mean' loses digits).
    X, y = data(offset=1e4)
    model = RidgeModel(alpha=0.5)
    model.partial_fit(X[:70], y[:70])
    model.partial_fit(X[70:71], y[70:71])
    model.partial_fit(X[71:], y[71:])
    w, mean = ridge_by_lstsq(X, y, 0.5)
    np.testing.assert_allclose(model.feature_means_, mean, rtol=1e-12)
    np.testing.assert_allclose(model.coef_, w, rtol=1e-7, atol=1e-9)


def test_training_skips_incomplete_rows() -> None:
    X, y = data()
    Xn, yn = X.copy(), y.copy()
    Xn[::7, 2] = np.nan
    yn[::11] = np.nan
    keep = np.isfinite(Xn).all(axis=1) & np.isfinite(yn)
    model = RidgeModel()
    model.fit(Xn, yn)
    w, _ = ridge_by_lstsq(X[keep], y[keep], 1.0)
    np.testing.assert_allclose(model.coef_, w, rtol=1e-10, atol=1e-12)


def test_missing_features_take_the_training_mean() -> None:
    X, y = data()
    model = RidgeModel()
    model.fit(X, y)
    w, mean = ridge_by_lstsq(X, y, 1.0)
    row = X[:1].copy()
    row[0, [1, 3]] = [np.nan, np.inf]
    filled = np.where(np.isfinite(row), row, mean)
    np.testing.assert_allclose(model.predict(row), np.tanh((filled - mean) @ w), rtol=1e-10)
    assert model.predict(np.full((2, X.shape[1]), np.nan)).tolist() == [0.0, 0.0]


def test_positions_stay_in_range_and_gain_sharpens() -> None:
    X, y = data()
    soft, sharp = RidgeModel(gain=0.5), RidgeModel(gain=5.0)
    soft.fit(X, y)
    sharp.fit(X, y)
    huge = soft.predict(X * 1e9)
    assert huge.min() >= -1 and huge.max() <= 1 and np.isin(huge, [-1.0, 0.0, 1.0]).mean() > 0.9
    assert np.abs(sharp.predict(X)).mean() > np.abs(soft.predict(X)).mean()


def test_more_penalty_smaller_weights() -> None:
    X, y = data()
    norms = []
    for alpha in (0.01, 1.0, 100.0, 10_000.0):
        model = RidgeModel(alpha=alpha)
        model.fit(X, y)
        norms.append(float(np.linalg.norm(model.coef_)))
    assert norms == sorted(norms, reverse=True)


def test_errors() -> None:
    X, y = data()
    model = RidgeModel()
    assert model.requires_fit
    with pytest.raises(RuntimeError):
        model.predict(X)
    with pytest.raises(ValueError, match="finite"):
        model.fit(np.full_like(X, np.nan), y)
    with pytest.raises(ValueError, match=r"must be \(n, k\)"):
        model.fit(X[0], y[:1])
    model.fit(X, y)
    assert not model.requires_fit
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :3])
    with pytest.raises(ValueError, match="2-D"):
        model.predict(X[0])
    with pytest.raises(ValueError, match="positive"):
        RidgeModel(alpha=0)


def test_save_writes_npz_and_json(tmp_path: Path) -> None:
    X, y = data()
    model = RidgeModel(alpha=2.0, gain=1.5)
    model.fit(X, y)
    model.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    assert (meta["alpha"], meta["gain"], meta["n_samples"], meta["n_features"]) == (2.0, 1.5, len(X), X.shape[1])
    with np.load(tmp_path / "m" / "weights.npz") as arrays:
        np.testing.assert_array_equal(arrays["w"], model.coef_)
    loaded = RidgeModel.load(tmp_path / "m")
    loaded.partial_fit(X[:10], y[:10])  # the statistics came back too, not just the weights
    model.partial_fit(X[:10], y[:10])
    np.testing.assert_array_equal(loaded.coef_, model.coef_)


def test_load_refuses_another_format(tmp_path: Path) -> None:
    X, y = data()
    model = RidgeModel()
    model.fit(X, y)
    model.save(tmp_path)
    meta = json.loads((tmp_path / "meta.json").read_text())
    (tmp_path / "meta.json").write_text(json.dumps(meta | {"format": 99}))
    with pytest.raises(ValueError, match="format"):
        RidgeModel.load(tmp_path)
