"""Scenario arithmetic on a hand-made history; the command end to end on a short synthetic profile."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from cryptoscalp_risk_stress.history import MarketHistory
from cryptoscalp_risk_stress.scenarios import Holding, Scenario, evaluate, standard_scenarios, var_table
from typer.testing import CliRunner

from cryptoscalp_core.cli import build_app

EXAMPLES = Path(__file__).parents[4] / "examples" / "profiles"


def _history(n: int = 300) -> MarketHistory:
    rng = np.random.default_rng(2)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 1e-3, n)))
    return MarketHistory(("x",), [np.arange(n, dtype=np.int64)], [close], [np.full(n, 2e-4)], [np.full(n, 10.0)],
                         [np.full(n, 3.0)])


def test_costs_of_one_scenario() -> None:
    history = _history()
    long = Holding("x", 2.0, 100.0)
    crash = Scenario("c", "hypothetical", "", {"x": -0.1}, spread_mult=10, liquidity=0.05)
    r = evaluate(crash, [long], history, equity=1000, mmr=0.01)
    assert r.price_pnl == pytest.approx(-20.0)
    sigma_1m = float(np.std(np.diff(np.log(history.close[0])), ddof=1)) * math.sqrt(60)
    impact = sigma_1m * math.sqrt(2.0 / (10.0 * 60 * 0.05))
    assert r.exit_cost == pytest.approx(180.0 * (2e-4 * 10 / 2 + impact))
    assert r.maintenance_after == pytest.approx(1.8)
    assert r.equity_after == pytest.approx(1000 - 20 - r.exit_cost)
    assert not r.liquidated
    thin = evaluate(crash, [long], history, equity=19, mmr=0.01)
    assert thin.liquidated


def test_historical_moves_go_against_the_position() -> None:
    history = _history()
    short = standard_scenarios(history, [Holding("x", -1.0, 100.0)])
    long = standard_scenarios(history, [Holding("x", 1.0, 100.0)])
    assert short[0].shocks["x"] > 0 > long[0].shocks["x"]
    assert {s.kind for s in long} == {"historical", "hypothetical"}


def test_var_table_is_in_money() -> None:
    rows = var_table(_history(), [Holding("x", 1.0, 100.0)])
    hist = next(r for r in rows if r[1] == "historical" and r[2] == 1)
    r = np.diff(np.log(_history().close[0]))
    assert hist[3] == pytest.approx(-np.quantile(r * 100.0, 0.01))


def test_command_writes_the_report(tmp_path: Path) -> None:
    profile = tmp_path / "short.yaml"
    profile.write_text(f"extends: {EXAMPLES / 'risk-stack.yaml'}\nname: stress-test\n"
                       f"feed: {{use: synthetic, seed: 3, duration_s: 90}}\n"
                       f"store: {{url: \"sqlite:///{tmp_path / 'runs.db'}\"}}\n")
    result = CliRunner().invoke(build_app(), ["risk", "stress", str(profile), "-o", str(tmp_path),
                                              "-p", "binance-usdm:BTCUSDT=-0.02"])
    assert result.exit_code == 0, result.output
    report = Path(result.output.strip().splitlines()[-1].removeprefix("report: "))
    text = report.read_text()
    assert "venue offline 5 min" in text and "worst 60 s move" in text and "data:image/png;base64," in text
    assert "simulated (command line)" in text
    bad = CliRunner().invoke(build_app(), ["risk", "stress", str(profile), "-p", "nowhere:X=1"])
    assert bad.exit_code == 1
