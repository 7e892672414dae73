"""`cryptoscalp train` end to end on a short synthetic run: out-of-sample folds, registry, backtest."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cryptoscalp_core.model_registry import ArtifactStore, ModelRegistry
from cryptoscalp_core.plugins import default_host
from cryptoscalp_core.ports.store import ModelStage
from cryptoscalp_core.research.train import train_profile
from cryptoscalp_core.storage import SqlStore

PROFILE = """
name: train-test
mode: backtest
instruments:
  - {id: "binance-usdm:BTCUSDT", tick_size: "0.1", lot_size: "0.001", taker_fee: "0.0005"}
feed: {use: synthetic, seed: 5, duration_s: 40}
features: {use: basic, ema_spans: [5, 20]}
model: {use: online-logistic, output: target_position}
executor: {use: sim}
store: {url: "sqlite:///{db}"}
trading: {min_trade_fraction: 0.5}
training:
  label: {kind: direction, horizon_ms: 2000, fee_rate: 0.0001}
  target: up
  folds: 2
  embargo_ms: 1000
"""


async def test_train_registers_an_out_of_sample_evaluated_model(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    profile = tmp_path / "train.yaml"
    profile.write_text(PROFILE.replace("{db}", str(db)))
    host = default_host()
    report = await train_profile(profile, host=host, output_dir=tmp_path / "runs")
    assert len(report.folds) == 2
    for fold in report.folds:
        assert fold.train_rows > 0 and fold.test_rows > 0
        assert -1.0 <= fold.ic <= 1.0 and 0.0 <= fold.hit_rate <= 1.0
    assert report.backtest is not None and report.backtest["events"] > 0
    store = SqlStore(f"sqlite:///{db}")
    stored = store.get_model_version("train-test", version=1)
    assert stored is not None and stored.stage is ModelStage.CANDIDATE
    assert stored.component == "online-logistic" and stored.features
    assert stored.metrics["oos_ic"] == report.metrics["ic"]
    assert stored.data_start_ns is not None and stored.data_end_ns is not None
    assert stored.data_start_ns < stored.data_end_ns
    # the registered artifact is the fitted model: it loads and predicts like a fitted model does
    registry = ModelRegistry(store, ArtifactStore(tmp_path / "models"), host=host)
    _, model = registry.load("train-test", stage=None, version=1)
    x = np.random.default_rng(0).normal(size=(8, len(stored.features)))
    assert model.requires_fit is False and model.predict(x).shape == (8,)
