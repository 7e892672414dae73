"""Shocks applied to a portfolio, and what they cost.

A scenario moves prices (a simple return per instrument), widens spreads, drains liquidity or takes the
venue offline. Its cost to a portfolio of :class:`Holding` s is:

* price PnL: ``qty x multiplier x price x return`` per holding;
* exit cost, to flatten at the shocked prices: half the median relative spread of the data x
  ``spread_mult``, plus a square-root market impact ``sigma_1m x sqrt(|qty| / (volume_1m x liquidity))``
  (per-second returns and traded quantity from the data), each times the holding's notional;
* offline loss: with the venue unreachable for ``offline_s`` seconds the positions cannot be closed; the
  loss is the parametric 99 % expected shortfall over that horizon, per holding (no diversification);
* margin: equity after the move against maintenance margin (``mmr`` x notional); below it the account
  would have been liquidated.

Historical scenarios come from the data itself: the worst move against each position over 1, 10 and 60
seconds, and the widest spread relative to its median.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from cryptoscalp_core.engine import var
from cryptoscalp_risk_stress.history import MarketHistory

DEFAULT_SPREAD = 1e-4  # relative spread assumed where the data has no quotes


@dataclass(frozen=True)
class Holding:
    instrument_id: str
    qty: float  #: signed, instrument quantity units
    price: float  #: current (last) price
    multiplier: float = 1.0

    @property
    def notional(self) -> float:
        return self.qty * self.price * self.multiplier


@dataclass(frozen=True)
class Scenario:
    name: str
    kind: str  #: ``historical`` or ``hypothetical``
    description: str
    shocks: dict[str, float] = field(default_factory=dict)
    spread_mult: float = 1.0
    liquidity: float = 1.0
    offline_s: int = 0
    when: dict[str, int] = field(default_factory=dict)  #: epoch second of a historical move, per instrument
    window_s: int = 0  #: length of a historical move


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    price_pnl: float
    exit_cost: float
    offline_loss: float
    equity_after: float
    maintenance_after: float
    liquidated: bool

    @property
    def total(self) -> float:
        return self.price_pnl - self.exit_cost - self.offline_loss

    @property
    def margin_ratio_after(self) -> float:
        return self.maintenance_after / self.equity_after if self.equity_after > 0 else math.inf


def standard_scenarios(history: MarketHistory, holdings: Sequence[Holding]) -> list[Scenario]:
    out: list[Scenario] = []
    index = {name: k for k, name in enumerate(history.instruments)}
    for window in (1, 10, 60):
        shocks, when = {}, {}
        for h in holdings:
            k = index[h.instrument_id]
            move, at = history.worst_move(k, window, -1 if h.qty >= 0 else 1)
            if math.isfinite(move):
                shocks[h.instrument_id], when[h.instrument_id] = move, at
        if shocks:
            out.append(Scenario(f"worst {window} s move", "historical",
                                f"the largest move against each position over {window} s found in the data",
                                shocks, when=when, window_s=window))
    ratios = []
    for k in range(len(history.instruments)):
        spread = history.spread[k][np.isfinite(history.spread[k])]
        if len(spread) and np.median(spread) > 0:
            ratios.append(float(spread.max() / np.median(spread)))
    if ratios:
        out.append(Scenario("widest spread", "historical", "the widest spread in the data, relative to its median",
                            spread_mult=max(ratios)))
    everyone = {h.instrument_id: -0.10 for h in holdings}
    out += [
        Scenario("-10 % in one minute", "hypothetical", "every price falls 10 %", everyone),
        Scenario("+10 % in one minute", "hypothetical", "every price rises 10 %", {k: 0.10 for k in everyone}),
        Scenario("spread x10", "hypothetical", "spreads ten times their median", spread_mult=10.0),
        Scenario("liquidity drained", "hypothetical", "traded volume and depth at 5 % of normal", liquidity=0.05),
        Scenario("venue offline 5 min", "hypothetical", "no order can be sent for 300 s", offline_s=300),
        Scenario("crash, wide and thin", "hypothetical", "-10 %, spreads x10, liquidity at 5 %", everyone,
                 spread_mult=10.0, liquidity=0.05),
    ]
    return out


def evaluate(scenario: Scenario, holdings: Sequence[Holding], history: MarketHistory, equity: float,
             mmr: float) -> ScenarioResult:
    index = {name: k for k, name in enumerate(history.instruments)}
    pnl = exit_cost = offline = maintenance = 0.0
    for h in holdings:
        k = index[h.instrument_id]
        r = scenario.shocks.get(h.instrument_id, 0.0)
        pnl += h.notional * r
        notional = abs(h.notional) * (1 + r)
        maintenance += mmr * notional
        spreads = history.spread[k][np.isfinite(history.spread[k])]
        half = (float(np.median(spreads)) if len(spreads) else DEFAULT_SPREAD) * scenario.spread_mult / 2
        returns = history.returns(k)
        sigma_1m = float(np.std(returns, ddof=1)) * math.sqrt(60) if len(returns) > 2 else 0.0
        volume_1m = float(np.mean(history.volume[k])) * 60 if len(history.volume[k]) else 0.0
        impact = sigma_1m * math.sqrt(abs(h.qty) / (volume_1m * scenario.liquidity)) if volume_1m > 0 else 0.0
        exit_cost += notional * (half + impact)
        if scenario.offline_s:
            es = var.parametric_of(returns, 0.99, scenario.offline_s)[1]
            offline += abs(h.notional) * (es if math.isfinite(es) else 0.0)
    equity_after = equity + pnl - offline
    return ScenarioResult(scenario, pnl, exit_cost, offline, equity_after - exit_cost, maintenance,
                          equity_after < maintenance)


def var_table(history: MarketHistory, holdings: Sequence[Holding],
              confidence: float = 0.99) -> list[tuple[str, str, int, float, float]]:
    """(scope, method, horizon s, VaR, ES) in quote currency, per holding and for the portfolio."""
    rows: list[tuple[str, str, int, float, float]] = []
    index = {name: k for k, name in enumerate(history.instruments)}
    cols = [history.returns(index[h.instrument_id]) for h in holdings]
    n = min((len(c) for c in cols), default=0)
    matrix = np.column_stack([c[len(c) - n:] for c in cols]) if n else np.empty((0, len(cols)))
    weights = np.array([h.notional for h in holdings])
    for horizon in (1, 60):
        for method in ("historical", "parametric"):
            for h, col in zip(holdings, cols, strict=True):
                v, es = var.historical(col * h.notional, confidence, horizon) if method == "historical" else \
                    var.parametric_of(col * h.notional, confidence, horizon)
                rows.append((h.instrument_id, method, horizon, v, es))
            if len(holdings) > 1 or not holdings:
                v, es = var.portfolio(matrix, weights, confidence, method, horizon)
                rows.append(("portfolio", method, horizon, v, es))
    return rows
