"""Volatility targeting, capped Kelly and the brackets, each binding in turn; the real Binance tiers."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cryptoscalp_risk_dynamic_leverage.brackets import Bracket, BracketTable, ccxt_symbol
from cryptoscalp_risk_dynamic_leverage.config import DynamicLeverageConfig
from cryptoscalp_risk_dynamic_leverage.sizing import DynamicLeverageLayer
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.events import EventKind, empty
from cryptoscalp_core.domain.orders import Fill, OrderRequest, OrderSide, OrderType
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.engine.market_view import MarketView
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.ports.risk import PortfolioState, RiskAction
from cryptoscalp_core.testing.conformance import sample_instruments

BTC = sample_instruments()[0]
S = 1_000_000_000


def layer(**settings: Any) -> DynamicLeverageLayer:
    return DynamicLeverageLayer(DynamicLeverageConfig.model_validate(settings), (BTC,))


def state(equity: str = "10000", qty: str = "0", view: MarketView | None = None) -> PortfolioState:
    pos = Position(BTC.id)
    pos.qty = Decimal(qty)
    return PortfolioState(ts_ns=0, instruments={BTC.id: BTC}, positions={BTC.id: pos},
                          mid_prices={BTC.id: Decimal(50_000)}, equity=Decimal(equity), market=view)


def buy(qty: str, side: OrderSide = OrderSide.BUY) -> OrderRequest:
    return OrderRequest(client_order_id="b", instrument_id=BTC.id, side=side, type=OrderType.LIMIT,
                        qty=Decimal(qty), price=Decimal(50_000))


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 50), st.integers(-200, 200), st.integers(1, 400), st.booleans(), st.integers(1, 10**5))
def test_max_leverage_matches_reference(lev_tenths: int, held_lots: int, lots: int, sell: bool, equity: int) -> None:
    """Without market or Kelly: the absolute position after the intent stays <= equity x max_leverage."""
    cap = Decimal(equity) * Decimal(lev_tenths) / 10
    held, qty = Decimal(held_lots) / 100, Decimal(lots) / 100
    side = OrderSide.SELL if sell else OrderSide.BUY
    d = layer(max_leverage=lev_tenths / 10).check(buy(str(qty), side), state(str(equity), str(held)))
    after = held + side.sign * qty
    if abs(after) <= abs(held) or abs(after) * 50_000 <= cap:
        assert d.action is RiskAction.ALLOW
        return
    assert d.reason == "max_leverage"
    room = cap / 50_000 - abs(held) if (after > 0) == (held > 0) or held == 0 else cap / 50_000 + abs(held)
    best = (room // BTC.lot_size) * BTC.lot_size
    if best >= BTC.lot_size and best * 50_000 >= BTC.min_notional:
        assert (d.action, d.qty) == (RiskAction.RESIZE, best)
    else:
        assert d.action is RiskAction.REJECT


def test_volatility_target() -> None:
    view = MarketView((BTC,))
    rng = np.random.default_rng(5)
    rows = empty(EventKind.TRADE, 300)
    rows["ts_event"] = rows["ts_recv"] = np.arange(300, dtype=np.int64) * S
    rows["price"] = 50_000 * np.exp(np.cumsum(rng.normal(0, 1e-4, 300)))
    view.observe(EventBatch(EventKind.TRADE, rows))
    annual = view.realised_vol(BTC.id) * math.sqrt(365 * 86_400)
    d = layer(max_leverage=10, target_vol_annual=1.0).check(buy("10"), state(view=view))
    assert d.action is RiskAction.RESIZE and d.reason == "vol_target"
    want = Decimal(10_000) * Decimal(repr(1.0 / annual)) / 50_000
    assert d.qty == (want // BTC.lot_size) * BTC.lot_size


def test_kelly_after_enough_trades() -> None:
    sizing = layer(max_leverage=10, kelly_fraction=0.5, kelly_min_trades=4, kelly_floor=0.1)
    rets = [0.02, -0.03, 0.03, -0.01]
    for i, r in enumerate(rets):  # round trips: buy 1 at 100, sell at 100 * (1 + r)
        for side, price in ((OrderSide.BUY, "100"), (OrderSide.SELL, str(Decimal(100) * (1 + Decimal(repr(r)))))):
            sizing.on_fill(Fill(client_order_id=f"{i}{side}", instrument_id=BTC.id, side=side, price=Decimal(price),
                                qty=Decimal(1), fee=Decimal(0)))
    mean = sum(rets) / 4
    var = sum((x - mean) ** 2 for x in rets) / 3
    kelly = Decimal(repr(0.5 * mean / var))
    d = sizing.check(buy("100"), state())
    assert d.reason == "kelly"
    assert d.qty == ((Decimal(10_000) * kelly / 50_000) // BTC.lot_size) * BTC.lot_size
    losing = layer(kelly_fraction=0.5, kelly_min_trades=2, kelly_floor=0)
    for i in range(2):
        for side, price in ((OrderSide.BUY, "100"), (OrderSide.SELL, "99")):
            losing.on_fill(Fill(client_order_id=f"{i}{side}", instrument_id=BTC.id, side=side, price=Decimal(price),
                                qty=Decimal(1), fee=Decimal(0)))
    assert losing.check(buy("0.01"), state()).reason == "kelly"  # negative edge, floor 0: no new exposure
    assert losing.check(buy("0.01", OrderSide.SELL), state(qty="0.01")).action is RiskAction.ALLOW  # reducing


def test_brackets_cap_the_notional() -> None:
    tiers = [Bracket(max_notional=Decimal(50_000), max_leverage=Decimal(125)),
             Bracket(max_notional=Decimal(250_000), max_leverage=Decimal(50))]
    table = BracketTable(tiers)
    assert table.cap_for(Decimal(100)) == 50_000 and table.cap_for(Decimal(20)) == 250_000
    assert table.cap_for(Decimal(200)) == 0
    sizing = DynamicLeverageLayer(DynamicLeverageConfig(max_leverage=100, account_leverage=100,
                                                        brackets={BTC.id: tiers}), (BTC,))
    d = sizing.check(buy("2"), state(equity="1000000"))
    assert (d.action, d.reason, d.qty) == (RiskAction.RESIZE, "leverage_bracket", Decimal("1.000"))


def test_no_equity_and_unknown() -> None:
    assert layer().check(buy("1"), state(equity="0")).reason == "no_equity"


def test_real_binance_tiers(market_data_dir: Path) -> None:
    path = market_data_dir / "reference" / "binance_usdm_leverage_tiers.json.gz"
    config = DynamicLeverageConfig(brackets_file=path, account_leverage=20)
    assert ccxt_symbol(BTC) == "BTC/USDT:USDT"
    caps = DynamicLeverageLayer(config, (BTC,)).bracket_caps
    # BTC's tiers: the cap at 20x must be a tier boundary, and a higher leverage allows less
    higher = DynamicLeverageLayer(DynamicLeverageConfig(brackets_file=path, account_leverage=100), (BTC,)).bracket_caps
    assert caps[BTC.id] > higher[BTC.id] > 0


def test_bad_brackets_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        DynamicLeverageConfig(brackets_file=tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    with pytest.raises(ValueError, match="not a symbol"):
        DynamicLeverageConfig(brackets_file=bad)
