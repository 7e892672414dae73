"""Each family learns a synthetic relation of the kind it is built for and beats naive baselines out of
sample. Relations are strong and data plentiful so the margins are wide: a pass is not luck."""

from __future__ import annotations

import numpy as np
import pytest
from cryptoscalp_models_torch.testing import tiny_model

N_TRAIN, N_TEST = 1000, 400


def lagged(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """y_t depends on feature 0 two rows back and feature 1 now: only a model with memory sees both."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)) * [1.0, 2.0, 5.0] + [0.0, 10.0, -3.0]
    z = np.zeros(n)
    z[2:] = X[:-2, 0] - (X[2:, 1] - 10.0) / 2.0
    return X, np.tanh(z) + rng.normal(scale=0.1, size=n)


def r2(pred: np.ndarray, y: np.ndarray) -> float:
    return 1.0 - float(np.mean((pred - y) ** 2) / np.mean((y - y.mean()) ** 2))


def current_row_ols(X: np.ndarray, y: np.ndarray, Xt: np.ndarray) -> np.ndarray:
    A = np.column_stack([X, np.ones(len(X))])
    w = np.linalg.lstsq(A, y, rcond=None)[0]
    return np.clip(np.column_stack([Xt, np.ones(len(Xt))]) @ w, -1, 1)


@pytest.mark.parametrize(("component", "settings"), [
    ("torch-lstm", {"seq_len": 4, "hidden": 16, "epochs": 8, "learning_rate": 0.01}),
    ("torch-tcn", {"channels": [16, 16], "kernel_size": 2, "epochs": 8, "learning_rate": 0.01}),
    ("torch-transformer", {"timeframes": [1, 2], "tokens_per_timeframe": 3, "d_model": 16, "heads": 2,
                           "epochs": 16, "learning_rate": 0.005}),
    ("torch-mlp", {"seq_len": 3, "hidden": [32], "epochs": 8, "learning_rate": 0.01}),
])
def test_sequence_models_use_history(component: str, settings: dict[str, object]) -> None:
    X, y = lagged(N_TRAIN + N_TEST, seed=11)
    model = tiny_model(component, target_scale=1.0, **settings)
    model.fit(X[:N_TRAIN], y[:N_TRAIN])
    pred = model.predict(X[N_TRAIN:])  # a fresh stream: the first rows have zero-padded history
    yt = y[N_TRAIN:]
    ols = current_row_ols(X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:])
    assert r2(pred, yt) > 0.6, f"{component} R² {r2(pred, yt):.3f}"
    # flat (R² 0) and the best linear model of the current row alone (which cannot see the lag)
    assert r2(pred, yt) > r2(ols, yt) + 0.2, f"{component} R² {r2(pred, yt):.3f} vs OLS {r2(ols, yt):.3f}"


def test_book_transformer_reads_depth_levels() -> None:
    """The label is the imbalance of the best level: a function of two named columns among noise columns."""
    rng = np.random.default_rng(5)
    n = N_TRAIN + N_TEST
    X = rng.lognormal(size=(n, 4))  # depth_bid_2, depth_ask_1, depth_bid_1, depth_ask_2 (the names' order)
    imbalance = (X[:, 2] - X[:, 1]) / (X[:, 2] + X[:, 1])
    y = (imbalance > 0).astype(np.float64)
    model = tiny_model("torch-book-transformer", output="probabilities", epochs=15, learning_rate=0.005, d_model=16)
    model.fit(X[:N_TRAIN], y[:N_TRAIN])
    p = model.predict(X[N_TRAIN:])
    accuracy = float(np.mean((p[:, 1] > 0.5) == (y[N_TRAIN:] == 1)))
    assert accuracy > 0.85, accuracy  # majority class is about 0.5


def test_gnn_follows_the_correlated_leader() -> None:
    """BTC's next move follows ETH's current feature with the sign of their return correlation, which
    flips between regimes: only a model that reads the correlation graph can get the sign right."""
    rng = np.random.default_rng(9)
    n, regime = N_TRAIN + N_TEST, 50
    sign = np.repeat(rng.choice([-1.0, 1.0], size=n // regime + 1), regime)[:n]
    common = rng.normal(size=n)
    r_eth = common + 0.3 * rng.normal(size=n)
    r_btc = sign * common + 0.3 * rng.normal(size=n)
    lead = rng.normal(size=n)
    X = np.column_stack([r_btc, rng.normal(size=n), r_eth, lead])
    y = np.tanh(2 * sign * lead)
    model = tiny_model("torch-gnn", target_scale=1.0, seq_len=20, hidden=16, epochs=15, learning_rate=0.01)
    model.fit(X[:N_TRAIN], y[:N_TRAIN])
    pred = model.predict(X[N_TRAIN:])
    yt = y[N_TRAIN:]
    ols = current_row_ols(X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:])
    assert r2(pred, yt) > 0.4, r2(pred, yt)
    assert r2(pred, yt) > r2(ols, yt) + 0.3, (r2(pred, yt), r2(ols, yt))
