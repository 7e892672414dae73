"""A check looks only at the instruments with a stop triggered or a cooldown armed: over any run of
fills, prices, protective checks and intents it decides as a check that looks at every instrument."""

from __future__ import annotations

from decimal import Decimal

from cryptoscalp_risk_volatility_stops.config import VolatilityStopsConfig
from cryptoscalp_risk_volatility_stops.stops import VolatilityStopsLayer
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.events import EventKind, empty
from cryptoscalp_core.domain.orders import Fill, OrderRequest, OrderSide, OrderType
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.ports.risk import IntentView, PortfolioState
from cryptoscalp_core.testing.conformance import sample_instruments

INSTRUMENTS = sample_instruments()[:2]
S = 1_000_000_000

steps = st.tuples(st.sampled_from(["fill", "price", "protect", "check"]), st.integers(0, 1), st.booleans(),
                  st.integers(1, 4), st.integers(90, 110))


@settings(max_examples=200, deadline=None)
@given(st.lists(steps, min_size=1, max_size=40), st.integers(0, 3000))
def test_armed_instruments_decide_as_all(run: list[tuple[str, int, bool, int, int]], cooldown_ms: int) -> None:
    cfg = VolatilityStopsConfig(stop_loss=1, take_profit=2, max_holding_s=1, cooldown_ms=cooldown_ms)
    layer, reference = VolatilityStopsLayer(cfg, INSTRUMENTS), VolatilityStopsLayer(cfg, INSTRUMENTS)
    for i, (what, which, buy, qty, price) in enumerate(run):
        ts, inst = (i + 1) * S // 2, INSTRUMENTS[which]
        side = OrderSide.BUY if buy else OrderSide.SELL
        pf = PortfolioState(ts_ns=ts, instruments={x.id: x for x in INSTRUMENTS})
        if what == "fill":
            f = Fill(client_order_id=f"f{i}", instrument_id=inst.id, side=side, price=Decimal(price),
                     qty=Decimal(qty), fee=Decimal(0), ts_event=ts, ts_recv=ts)
            layer.on_fill(f)
            reference.on_fill(f)
        elif what == "price":
            rows = empty(EventKind.TRADE, 1)
            rows["ts_event"], rows["ts_recv"], rows["price"], rows["instrument"] = ts, ts, float(price), which
            batch = EventBatch(EventKind.TRADE, rows)
            assert layer.on_market(batch) == reference.on_market(batch)
        elif what == "protect":
            assert layer.protective_actions(pf) == reference.protective_actions(pf)
        else:
            intent = OrderRequest(client_order_id=f"i{i}", instrument_id=inst.id, side=side, type=OrderType.MARKET,
                                  qty=Decimal(qty))
            reference._armed = dict(reference._tracked)  # the reference looks at every instrument
            got, want = layer.check_fast(intent, pf, IntentView.of(intent, pf)), reference.check(intent, pf)
            assert (got.action, got.reason, got.detail) == (want.action, want.reason, want.detail)
    assert dict(layer.metrics) == dict(reference.metrics)
