"""`cryptoscalp optimize` end to end (synthetic feed, basic features, online-logistic): the walk-forward
objective agrees with the folds computed directly, and the best overlay is a profile that backtests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import optuna
import pytest
from typer.testing import CliRunner

from cryptoscalp_core.cli import build_app
from cryptoscalp_core.profile.source import load_source

optimize = pytest.importorskip("cryptoscalp_research_optuna")

PROFILE = """
name: optimize-test
mode: backtest
instruments:
  - {id: "binance-usdm:BTCUSDT", tick_size: "0.1", lot_size: "0.001", taker_fee: "0.0005"}
feed: {use: synthetic, seed: 5, duration_s: 30}
features: {use: basic, ema_spans: [5, 20]}
model: {use: online-logistic, output: target_position, epochs: 1}
executor: {use: sim}
store: {url: "sqlite:///{db}"}
trading: {min_trade_fraction: 0.5}
training:
  label: {kind: direction, horizon_ms: 2000, fee_rate: 0.0001}
  target: up
  folds: 2
"""

SPACE = """
model.learning_rate: {float: [0.01, 0.5], log: true}
trading.min_trade_fraction: {categorical: [0.3, 0.7]}
"""


def test_optimize_writes_a_best_overlay_that_backtests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.yaml").write_text(PROFILE.replace("{db}", str(tmp_path / "db.sqlite")))
    (tmp_path / "space.yaml").write_text(SPACE)
    result = CliRunner().invoke(build_app(), [
        "optimize", "p.yaml", "--space", "space.yaml", "--trials", "3", "--score", "net-return", "--seed", "2",
        "--study", "e2e", "--out", "best.yaml", "--backtest-best"])
    assert result.exit_code == 0, result.output
    study = optuna.load_study(study_name="e2e", storage=f"sqlite:///{tmp_path / 'runs' / 'optuna.db'}")
    done = [t for t in study.trials if t.state.name == "COMPLETE"]
    assert len(done) >= 1
    best = study.best_trial
    assert best.value == pytest.approx(float(np.mean(best.user_attrs["fold_scores"])))
    merged = load_source(tmp_path / "best.yaml").data
    assert merged["model"]["learning_rate"] == pytest.approx(best.params["model.learning_rate"])
    assert merged["model"]["use"] == "online-logistic"  # inherited through extends:
    assert merged["trading"]["min_trade_fraction"] == float(best.params["trading.min_trade_fraction"])
    assert "Backtest best" in result.output and "Events" in result.output  # the full-engine backtest ran


def test_fold_scores_are_the_out_of_sample_ic_of_fresh_models(tmp_path: Path) -> None:
    """The objective's IC per fold equals an independent computation with the core's research pieces."""
    import anyio
    from cryptoscalp_research_optuna.objective import fold_scores

    from cryptoscalp_core.plugins import default_host
    from cryptoscalp_core.profile import load_profile
    from cryptoscalp_core.research.dataset import build_dataset
    from cryptoscalp_core.research.metrics import information_coefficient, score
    from cryptoscalp_core.research.splits import walk_forward
    from cryptoscalp_core.research.train import make_labels, target_for

    path = tmp_path / "p.yaml"
    path.write_text(PROFILE.replace("{db}", str(tmp_path / "db.sqlite")))
    host = default_host()
    resolved = load_profile(path, host.registry)
    data = anyio.run(lambda: build_dataset(path, host=host))
    got = fold_scores(resolved, data, "ic")
    labels, fwd = make_labels(data, resolved.profile.training)
    y = target_for(labels.values, "up")
    section = resolved.components["model"]
    expected = []
    for fold in walk_forward(labels, 2):
        model = section.spec.factory(section.config)
        model.fit(data.X[fold.train], y[fold.train])
        expected.append(information_coefficient(score(model.predict(data.X[fold.test]), model.signal_kind),
                                                 fwd[fold.test]))
    np.testing.assert_allclose(got, expected)
