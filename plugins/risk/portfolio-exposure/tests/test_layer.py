"""Correlation clusters and the VaR limit, with a real market view fed by batches."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from cryptoscalp_risk_portfolio_exposure.config import PortfolioExposureConfig
from cryptoscalp_risk_portfolio_exposure.layer import PortfolioExposureLayer

from cryptoscalp_core.domain.events import EventKind, empty
from cryptoscalp_core.domain.orders import OrderRequest, OrderSide, OrderType
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.engine.market_view import MarketView
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.ports.risk import PortfolioState, RiskAction
from cryptoscalp_core.testing.conformance import sample_instruments

BTC, ETH, _ = sample_instruments()
S = 1_000_000_000


def _view(eth_follows_btc: bool, bars: int = 200, seed: int = 1) -> MarketView:
    """Two instruments, one trade per second each; ETH's returns equal BTC's or are independent."""
    rng = np.random.default_rng(seed)
    r_btc = rng.normal(0, 1e-3, bars)
    r_eth = r_btc if eth_follows_btc else rng.normal(0, 1e-3, bars)
    rows = empty(EventKind.TRADE, 2 * bars)
    ts = np.repeat(np.arange(bars, dtype=np.int64) * S + S // 2, 2)
    rows["ts_event"] = rows["ts_recv"] = ts
    rows["instrument"] = np.tile([0, 1], bars)
    rows["price"][0::2] = 60_000 * np.exp(np.cumsum(r_btc))
    rows["price"][1::2] = 3_000 * np.exp(np.cumsum(r_eth))
    rows["qty"] = 1
    view = MarketView((BTC, ETH))
    view.observe(EventBatch(EventKind.TRADE, rows))
    return view


def _state(view: MarketView, btc_qty: str) -> PortfolioState:
    pos = Position(BTC.id)
    pos.qty = Decimal(btc_qty)
    return PortfolioState(ts_ns=300 * S, instruments={BTC.id: BTC, ETH.id: ETH}, positions={BTC.id: pos},
                          mid_prices={BTC.id: Decimal(60_000), ETH.id: Decimal(3_000)}, market=view)


def _buy_eth(qty: str) -> OrderRequest:
    return OrderRequest(client_order_id="e", instrument_id=ETH.id, side=OrderSide.BUY, type=OrderType.LIMIT,
                        qty=Decimal(qty), price=Decimal(3_000))


def test_correlated_instruments_share_the_cluster_limit() -> None:
    cfg = PortfolioExposureConfig(max_cluster_notional=Decimal(70_000), cluster_min_bars=60)
    # 1 BTC long = 60k; the cluster cap leaves 10k = 3.333 ETH when ETH moves with BTC
    together = PortfolioExposureLayer(cfg).check(_buy_eth("10"), _state(_view(True), "1"))
    assert (together.action, together.reason, together.qty) == (RiskAction.RESIZE, "cluster_notional",
                                                                 Decimal("3.333"))
    apart = PortfolioExposureLayer(cfg).check(_buy_eth("10"), _state(_view(False), "1"))
    assert apart.action is RiskAction.ALLOW


def test_too_little_history_keeps_instruments_apart() -> None:
    cfg = PortfolioExposureConfig(max_cluster_notional=Decimal(70_000), cluster_min_bars=500)
    assert PortfolioExposureLayer(cfg).check(_buy_eth("10"), _state(_view(True), "1")).action is RiskAction.ALLOW


def test_var_limit_uses_the_market_view() -> None:
    view = _view(True)
    state = _state(view, "0")
    var_one_eth, _ = view.portfolio_var(np.array([0.0, 3_000.0]), 0.99, "parametric", 60)
    layer = PortfolioExposureLayer(PortfolioExposureConfig(max_var=Decimal(repr(var_one_eth * 5))))
    assert layer.check(_buy_eth("4"), state).action is RiskAction.ALLOW
    refused = layer.check(_buy_eth("6"), state)
    assert (refused.action, refused.reason) == (RiskAction.REJECT, "var_limit")
    assert layer.metrics["reject.var_limit"] == 1
