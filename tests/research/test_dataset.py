"""Datasets from a profile: feature rows never depend on events after their own time (the label's start)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cryptoscalp_core.research.dataset import build_dataset
from cryptoscalp_core.research.labels import forward_returns
from cryptoscalp_core.research.splits import walk_forward

PROFILE = """
name: dataset-test
mode: backtest
instruments:
  - {id: "binance-usdm:BTCUSDT", tick_size: "0.1", lot_size: "0.001"}
feed: {use: synthetic, seed: 11, duration_s: 15}
features: {use: basic, ema_spans: [5, 20]}
model: {use: ema-cross, fast: trade_ema_5, slow: trade_ema_20}
executor: {use: sim}
store: {url: "sqlite:///{db}"}
"""


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(PROFILE.replace("{db}", str(tmp_path / "db.sqlite")))
    return path


async def test_rows_are_unchanged_by_later_events(profile: Path) -> None:
    full = await build_dataset(profile)
    assert len(full) > 100 and full.X.shape == (len(full), len(full.names))
    for cut in (len(full) // 7, len(full) // 2):
        # the prefix holds exactly the events up to some time; every row it emitted must be identical
        prefix = await build_dataset(profile, max_events=cut)
        n = len(prefix)
        assert 0 < n < len(full)
        np.testing.assert_array_equal(prefix.ts, full.ts[:n])
        np.testing.assert_array_equal(prefix.X, full.X[:n])  # NaN == NaN here: warm-up rows too


async def test_labels_start_where_the_features_stop(profile: Path) -> None:
    data = await build_dataset(profile)
    ts, price = data.price_path(0)
    rows = data.rows_of(0)
    # label each feature row from its own time: the row's inputs end at t0, the label's window starts there
    idx = np.searchsorted(ts, data.ts[rows], side="right") - 1
    assert np.all(idx >= 0)
    labels = forward_returns(ts, price, 1_000_000_000, rows=idx)
    assert np.all(labels.t0 <= data.ts[rows])
    assert np.all(ts[idx] <= data.ts[rows])
    folds = walk_forward(labels, 3, embargo_ns=1_000_000_000)
    assert folds
    for fold in folds:
        assert np.all(labels.t1[fold.train] < fold.test_start_ns)
