"""``check_fast`` (the risk stack's entry) decides as ``check``, keeping the allowed leverage per
market version (through the view's memo) decides as recomputing it on every check, and a resize given
again is the resize ``check`` finds."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import numpy as np
from cryptoscalp_risk_dynamic_leverage.config import DynamicLeverageConfig
from cryptoscalp_risk_dynamic_leverage.sizing import DynamicLeverageLayer
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.events import EventKind, empty
from cryptoscalp_core.domain.orders import OrderRequest, OrderSide, OrderType
from cryptoscalp_core.engine.market_view import MarketView
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.ports.risk import IntentView, PortfolioState, RiskAction, RiskDecision
from cryptoscalp_core.testing.conformance import sample_instruments, scenarios

INSTRUMENTS = sample_instruments()


def _same(got: RiskDecision, want: RiskDecision) -> None:
    assert (got.action, got.reason, got.qty) == (want.action, want.reason, want.qty)
    assert got.detail == want.detail or got.action is RiskAction.RESIZE


@settings(max_examples=300, deadline=None)
@given(scenarios(INSTRUMENTS), st.floats(0.01, 20), st.none() | st.floats(0.05, 5), st.booleans())
def test_fast_check_matches_check(scenario: tuple[OrderRequest, PortfolioState], leverage: float,
                                  target: float | None, resize: bool) -> None:
    intent, pf = scenario
    cfg = DynamicLeverageConfig(max_leverage=leverage, target_vol_annual=target, resize=resize)
    fast, plain = DynamicLeverageLayer(cfg, INSTRUMENTS), DynamicLeverageLayer(cfg, INSTRUMENTS)
    _same(fast.check_fast(intent, pf, IntentView.of(intent, pf)), plain.check(intent, pf))
    assert dict(fast.metrics) == dict(plain.metrics)


@settings(max_examples=60, deadline=None)
@given(st.lists(scenarios(INSTRUMENTS[:1]), min_size=2, max_size=10), st.integers(0, 2**32 - 1),
       st.floats(1e-5, 1e-2), st.floats(0.05, 5), st.booleans())
def test_leverage_kept_per_version(steps: list[tuple[OrderRequest, PortfolioState]], seed: int, sigma: float,
                                   target: float, observed: bool) -> None:
    """Bars close between checks: a layer that has seen every version decides as a fresh one, whether
    ``on_market`` renewed its leverage on the market-data path (``observed``) or the check does."""
    rng = np.random.default_rng(seed)
    view, t, price = MarketView(INSTRUMENTS[:1]), 0, 100.0
    cfg = DynamicLeverageConfig(max_leverage=5, target_vol_annual=target)
    kept = DynamicLeverageLayer(cfg, INSTRUMENTS)
    for intent, pf in steps:
        n = int(rng.integers(1, 40))
        rows = empty(EventKind.TRADE, n)
        rows["ts_event"] = rows["ts_recv"] = t + np.arange(n, dtype=np.int64) * 300_000_000
        t += n * 300_000_000
        rows["price"] = price * np.exp(np.cumsum(rng.normal(0, sigma, n)))
        price = float(rows["price"][-1])
        view.observe(EventBatch(EventKind.TRADE, rows))
        if observed:
            kept.on_market(EventBatch(EventKind.TRADE, rows))
        pf.market = view
        fresh = DynamicLeverageLayer(cfg, INSTRUMENTS)
        _same(kept.check_fast(intent, pf, IntentView.of(intent, pf)), fresh.check(intent, pf))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(1, 400), st.integers(1, 20)), min_size=1, max_size=12))
def test_resize_given_again_is_the_same(steps: list[tuple[int, int, int]]) -> None:
    """A run of checks on one layer, some resized to the same quantity as the one before, on instruments
    whose lots differ only in their exponent (a resize to 0.004 is not one to 0.0040)."""
    first = INSTRUMENTS[0]
    other = replace(first, symbol=first.symbol + "X", lot_size=Decimal(str(first.lot_size) + "0"))
    instruments = (first, other)
    cfg = DynamicLeverageConfig(max_leverage=1, kelly_fraction=None)
    kept = DynamicLeverageLayer(cfg, instruments)
    for which, lots, thousands in steps:
        inst = instruments[which]
        intent = OrderRequest(client_order_id="i", instrument_id=inst.id, side=OrderSide.BUY, type=OrderType.LIMIT,
                              qty=lots * inst.lot_size, price=Decimal(50_000))
        pf = PortfolioState(ts_ns=0, instruments={i.id: i for i in instruments}, equity=Decimal(thousands * 1000))
        got, want = kept.check_fast(intent, pf, IntentView.of(intent, pf)), DynamicLeverageLayer(
            cfg, instruments).check(intent, pf)
        _same(got, want)
        assert str(got.qty) == str(want.qty)
