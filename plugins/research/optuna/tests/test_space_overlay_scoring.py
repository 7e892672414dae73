"""Search-space files, profile overlays and the net-of-fees fold score."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import optuna
import pytest
from cryptoscalp_research_optuna.overlay import write_overlay
from cryptoscalp_research_optuna.scoring import hold_with_band, net_return
from cryptoscalp_research_optuna.space import load_space
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.profile.source import load_source

PROFILE = """\
name: base
mode: backtest
instruments: [binance-usdm:BTCUSDT]
model: {use: online-logistic, learning_rate: 0.1, epochs: 5}
risk:
  - {use: order-sanity, max_notional: 5000}
  - {use: position-limit, max_position: "0.05"}
training: {label: {kind: direction, horizon_ms: 5000}, folds: 4}
"""


def test_space_suggests_every_kind_and_decodes_categoricals(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(
        "model.learning_rate: {float: [0.001, 0.1], log: true}\n"
        "model.epochs: {int: [1, 9], step: 2}\n"
        "features.ema_spans: {categorical: [[10, 50], [20, 100]]}\n")
    space = load_space(tmp_path / "s.yaml")
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    seen = []
    for _ in range(12):
        trial = study.ask()
        values = space.suggest(trial)
        assert 0.001 <= values["model.learning_rate"] <= 0.1
        assert values["model.epochs"] in (1, 3, 5, 7, 9)
        assert values["features.ema_spans"] in ([10, 50], [20, 100])
        assert space.decode(trial.params) == values
        seen.append(values["features.ema_spans"])
        study.tell(trial, 0.0)
    assert [10, 50] in seen and [20, 100] in seen


@pytest.mark.parametrize(("text", "message"), [
    ("model.lr: {float: [1, 0]}", "low must be below high"),
    ("model.lr: {float: [0, 1], log: true}", "low > 0"),
    ("model.lr: {float: [0, 1], int: [0, 1]}", "exactly one"),
    ("lr: {float: [0, 1]}", "dotted path"),
    ("instruments.0: {categorical: [a]}", "not searchable"),
    ("[1, 2]", "expected a mapping"),
])
def test_bad_space_files_are_refused_with_the_entry(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "s.yaml").write_text(text)
    with pytest.raises(ValueError, match=message):
        load_space(tmp_path / "s.yaml")


def test_overlay_extends_the_profile_and_sets_nested_and_list_paths(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(PROFILE)
    target = write_overlay(tmp_path / "p.yaml", {"model.learning_rate": 0.02, "training.label.horizon_ms": 1000,
                                                 "risk.1.max_position": "0.02"}, tmp_path / "out" / "best.yaml")
    merged = load_source(target).data
    assert merged["model"] == {"use": "online-logistic", "learning_rate": 0.02, "epochs": 5}
    assert merged["training"] == {"label": {"kind": "direction", "horizon_ms": 1000}, "folds": 4}
    assert merged["risk"] == [{"use": "order-sanity", "max_notional": 5000},
                              {"use": "position-limit", "max_position": "0.02"}]
    assert merged["name"] == "base"
    with pytest.raises(ValueError, match="no list item 5"):
        write_overlay(tmp_path / "p.yaml", {"risk.5.max_position": 1}, tmp_path / "x.yaml")


def _reference(signal: list[float], prices: list[float], fee: float, band: float) -> float:
    """Row by row, as a trader would book it."""
    held, pnl = 0.0, 0.0
    for i, s in enumerate(signal):
        if s != held and abs(s - held) >= band:
            pnl -= fee * abs(s - held)
            held = s
        if i + 1 < len(signal):
            pnl += held * (prices[i + 1] / prices[i] - 1.0)
    return pnl - fee * abs(held)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-1, 1), st.floats(90, 110)), min_size=1, max_size=30),
       st.floats(0, 0.01), st.floats(0, 1))
def test_net_return_matches_a_row_by_row_account(rows: list[tuple[float, float]], fee: float, band: float) -> None:
    signal = [s for s, _ in rows]
    prices = [p for _, p in rows]
    ts = np.arange(len(rows), dtype=np.int64) * 1000
    got = net_return(np.array(signal), ts, ts, np.array(prices), fee_rate=fee, min_trade_fraction=band)
    assert got == pytest.approx(_reference(signal, prices, fee, band), abs=1e-12)


def test_flat_earns_nothing_and_a_band_holds_the_position() -> None:
    ts = np.arange(4, dtype=np.int64)
    assert net_return(np.zeros(4), ts, ts, np.array([1.0, 2.0, 1.0, 3.0]), fee_rate=0.001) == 0.0
    np.testing.assert_array_equal(hold_with_band(np.array([0.2, 0.6, 0.5, 0.0]), 0.5), [0.0, 0.6, 0.6, 0.0])
