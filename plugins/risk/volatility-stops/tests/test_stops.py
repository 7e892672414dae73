"""A position's life through the layer: entry, unit, trigger in a batch, exit request, cooldown."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from cryptoscalp_risk_volatility_stops.config import VolatilityStopsConfig
from cryptoscalp_risk_volatility_stops.stops import VolatilityStopsLayer

from cryptoscalp_core.domain.events import EventKind, empty
from cryptoscalp_core.domain.orders import Fill, OrderRequest, OrderSide, OrderType
from cryptoscalp_core.engine.market_view import MarketView
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.ports.risk import PortfolioState, ProtectiveKind, RiskAction
from cryptoscalp_core.testing.conformance import sample_instruments

BTC = sample_instruments()[0]
S = 1_000_000_000


def layer(**settings: Any) -> VolatilityStopsLayer:
    return VolatilityStopsLayer(VolatilityStopsConfig.model_validate(settings), (BTC,))


def trades(ts: list[int], prices: list[float]) -> EventBatch:
    rows = empty(EventKind.TRADE, len(ts))
    rows["ts_event"] = rows["ts_recv"] = ts
    rows["price"] = prices
    return EventBatch(EventKind.TRADE, rows)


def fill(side: OrderSide, qty: str, price: str, ts: int) -> Fill:
    return Fill(client_order_id=f"f{ts}", instrument_id=BTC.id, side=side, price=Decimal(price), qty=Decimal(qty),
                fee=Decimal(0), ts_event=ts, ts_recv=ts)


def state(ts: int, view: MarketView | None = None) -> PortfolioState:
    return PortfolioState(ts_ns=ts, instruments={BTC.id: BTC}, market=view)


def intent(side: OrderSide) -> OrderRequest:
    return OrderRequest(client_order_id="i", instrument_id=BTC.id, side=side, type=OrderType.MARKET, qty=Decimal(1))


def test_stop_loss_exit_and_cooldown() -> None:
    # no market view: the unit falls back to 20 bps of 100 = 0.2; stop-loss 3 units = 0.6 below entry
    stops = layer(stop_loss=3, cooldown_ms=1000)
    stops.on_fill(fill(OrderSide.BUY, "1", "100", 10 * S))
    assert stops.protective_actions(state(10 * S)) == []
    assert not stops.on_market(trades([11 * S, 12 * S], [100.5, 99.5]))
    assert stops.on_market(trades([13 * S, 14 * S], [99.4, 99.9]))
    assert stops.trigger(BTC.id) == "stop_loss"
    (exit_,) = stops.protective_actions(state(14 * S))
    assert (exit_.kind, exit_.reason, exit_.instrument_id) == (ProtectiveKind.EXIT, "stop_loss", BTC.id)
    assert exit_.qty is None
    assert stops.protective_actions(state(15 * S)) == []  # asked once per retry_ms
    assert stops.check(intent(OrderSide.BUY), state(15 * S)).reason == "stop_pending"
    stops.on_fill(fill(OrderSide.SELL, "1", "99.3", 15 * S))
    assert stops.position(BTC.id) == 0
    assert stops.check(intent(OrderSide.BUY), state(15 * S + 1)).reason == "stop_cooldown"
    assert stops.check(intent(OrderSide.SELL), state(15 * S + 1)).action is RiskAction.ALLOW
    assert stops.check(intent(OrderSide.BUY), state(16 * S + 1)).action is RiskAction.ALLOW
    assert stops.metrics["trip.stop_loss"] == 1


def test_short_trailing_and_take_profit() -> None:
    stops = layer(stop_loss=None, trailing=2, take_profit=10)
    stops.on_fill(fill(OrderSide.SELL, "1", "100", S))
    stops.protective_actions(state(S))  # unit 0.2: trail 0.4, take-profit 2.0
    # falls to 99 (best), back up to 99.5: 0.5 above the best -> trailing stop
    assert stops.on_market(trades([2 * S, 3 * S, 4 * S], [99.5, 99.0, 99.5]))
    assert stops.trigger(BTC.id) == "trailing_stop"


def test_unit_from_atr_and_time_stop() -> None:
    view = MarketView((BTC,))
    ts = list(range(0, 40 * S, S // 2))
    view.observe(trades(ts, [100.0 + (i % 2) for i in range(len(ts))]))  # each bar ranges 100..101
    stops = layer(stop_loss=2, max_holding_s=30)
    stops.on_fill(fill(OrderSide.BUY, "1", "100", 40 * S))
    stops.protective_actions(state(40 * S, view))
    assert stops.on_market(trades([41 * S], [97.9]))  # ATR 1.0 -> stop at 98
    late = layer(stop_loss=50, max_holding_s=30)
    late.on_fill(fill(OrderSide.BUY, "1", "100", 40 * S))
    assert late.protective_actions(state(69 * S, view)) == []
    (exit_,) = late.protective_actions(state(70 * S, view))
    assert exit_.reason == "time_stop"


def test_flip_rearms() -> None:
    stops = layer(stop_loss=3)
    stops.on_fill(fill(OrderSide.BUY, "1", "100", S))
    stops.on_fill(fill(OrderSide.SELL, "2", "101", 2 * S))  # now short 1 from 101
    stops.protective_actions(state(2 * S))
    assert not stops.on_market(trades([3 * S], [101.5]))
    assert stops.on_market(trades([4 * S], [np.nextafter(101.607, 200)]))
    assert stops.trigger(BTC.id) == "stop_loss"


@pytest.mark.parametrize("bad", [{"stop_loss": None}, {"stop_loss": 0}, {"basis": "range"}, {"atr_bars": 0}])
def test_bad_settings(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        VolatilityStopsConfig.model_validate(bad)
