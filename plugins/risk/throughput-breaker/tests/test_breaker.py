"""Rate limits, breakers and the stale-data halt; the rate limit against a sliding-window reference."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from cryptoscalp_risk_throughput_breaker.breaker import ThroughputBreakerLayer
from cryptoscalp_risk_throughput_breaker.config import ThroughputBreakerConfig
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.events import EventKind, empty
from cryptoscalp_core.domain.orders import Order, OrderRequest, OrderSide, OrderStatus, OrderType
from cryptoscalp_core.engine.market_view import MarketView
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.ports.risk import PortfolioState, ProtectiveKind, RiskAction
from cryptoscalp_core.testing.conformance import sample_instruments

BTC = sample_instruments()[0]
S = 1_000_000_000
OFF = {"max_orders_per_s": None, "max_orders_per_min": None, "max_errors": None, "max_data_age_ms": None}


def breaker(**settings: Any) -> ThroughputBreakerLayer:
    return ThroughputBreakerLayer(ThroughputBreakerConfig.model_validate(OFF | settings))


def intent(cid: str = "i", ts: int = 0, reduce_only: bool = False) -> OrderRequest:
    return OrderRequest(client_order_id=cid, instrument_id=BTC.id, side=OrderSide.BUY, type=OrderType.MARKET,
                        qty=Decimal(1), reduce_only=reduce_only, ts_created=ts)


def state(ts: int, view: MarketView | None = None) -> PortfolioState:
    return PortfolioState(ts_ns=ts, instruments={BTC.id: BTC}, market=view)


def report(status: OrderStatus, ts: int, cid: str = "o", created: int = 0) -> Order:
    return Order(request=intent(cid, created), status=status, ts_updated=ts)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 400_000_000), min_size=1, max_size=60), st.integers(1, 5), st.integers(3, 30))
def test_order_rate_matches_sliding_windows(gaps: list[int], per_s: int, per_min: int) -> None:
    layer = breaker(max_orders_per_s=per_s, max_orders_per_min=per_min)
    sent: list[int] = []
    now = 0
    for gap in gaps:
        now += gap
        in_s = sum(1 for t in sent if t > now - S)
        in_min = sum(1 for t in sent if t > now - 60 * S)
        ok = in_s < per_s and in_min < per_min
        d = layer.check(intent(), state(now))
        assert (d.action is RiskAction.ALLOW) is ok, (now, sent)
        if ok:
            sent.append(now)


def test_error_breaker_opens_and_cools_down() -> None:
    layer = breaker(max_errors=3, error_window_s=10, cooldown_s=30)
    for i in range(2):
        layer.on_order(report(OrderStatus.REJECTED, i * S, f"r{i}"))
    assert layer.check(intent(), state(3 * S)).action is RiskAction.ALLOW
    layer.on_order(report(OrderStatus.REJECTED, 4 * S, "r3"))
    assert layer.check(intent(), state(5 * S)).reason == "error_rate"
    assert layer.check(intent(reduce_only=True), state(5 * S)).action is RiskAction.ALLOW
    assert layer.check(intent(), state(34 * S + 1)).action is RiskAction.ALLOW
    assert layer.metrics["trip.error_rate"] == 1


def test_errors_outside_the_window_do_not_count() -> None:
    layer = breaker(max_errors=2, error_window_s=10)
    layer.on_order(report(OrderStatus.REJECTED, 0, "a"))
    layer.on_order(report(OrderStatus.REJECTED, 11 * S, "b"))
    assert layer.check(intent(), state(12 * S)).action is RiskAction.ALLOW


def test_cancel_ratio() -> None:
    layer = breaker(max_cancel_ratio=0.5, ratio_min_orders=4)
    for i in range(4):
        assert layer.check(intent(f"c{i}"), state(i)).action is RiskAction.ALLOW
    layer.on_order(report(OrderStatus.CANCELED, 10, "c0"))
    layer.on_order(report(OrderStatus.CANCELED, 11, "c1"))
    assert layer.check(intent(), state(12)).action is RiskAction.ALLOW  # 2 / 5 orders
    layer.on_order(report(OrderStatus.CANCELED, 13, "c2"))
    assert layer.check(intent(), state(14)).reason == "cancel_ratio"  # 3 / 5 > 0.5


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 3 * S), st.integers(0, S)), min_size=1, max_size=80))
def test_cancel_ratio_matches_counting_every_order_and_memory_stays_bounded(
        steps: list[tuple[bool, int, int]]) -> None:
    """Against a reference that remembers every allowed order: cancels reported up to a window late (at
    most ``S`` here, the window being 2 s) trip the breaker exactly when the reference does, and without
    cancels the layer keeps only the orders of the last four windows."""
    window = 2 * S
    layer = breaker(max_cancel_ratio=0.5, ratio_min_orders=3, ratio_window_s=2, cooldown_s=1)
    orders: list[int] = []
    cancels: list[int] = []
    open_until, now = 0, 0
    for i, (cancel, gap, late) in enumerate(steps):
        now += gap
        if cancel and orders:
            # a report is never older than the order it cancels, and cancels are reported in time order
            at = max(now - late, orders[-1], cancels[-1] if cancels else 0)
            cancels.append(at)
            recent_orders = [t for t in orders if t > at - window]
            recent_cancels = [t for t in cancels if t > at - window]
            if len(recent_orders) >= 3 and len(recent_cancels) > 0.5 * len(recent_orders):
                open_until = at + S
            layer.on_order(report(OrderStatus.CANCELED, at, f"x{i}"))
        else:
            d = layer.check(intent(f"o{i}"), state(now))
            assert (d.action is RiskAction.ALLOW) is (now >= open_until), (i, now, open_until)
            if d.action is RiskAction.ALLOW:
                orders.append(now)
                assert all(t > now - 4 * window for t in layer._ratio_orders)
                assert len(layer._ratio_orders) <= sum(1 for t in orders if t > now - 4 * window)


def test_a_cancel_reported_late_still_counts_the_orders_of_its_window() -> None:
    layer = breaker(max_cancel_ratio=0.5, ratio_min_orders=3, ratio_window_s=2, cooldown_s=10)
    for i, t in enumerate((0, S // 2, S, 3 * S // 2)):
        assert layer.check(intent(f"c{i}"), state(t)).action is RiskAction.ALLOW
    assert layer.check(intent("late"), state(39 * S // 10)).action is RiskAction.ALLOW  # 3.9 s: 1.9 s after...
    for i in range(3):  # ...three cancels stamped at 2.0 s: 3 cancels > 0.5 x 4 orders in (0 s, 2 s] and after
        layer.on_order(report(OrderStatus.CANCELED, 2 * S, f"c{i}"))
    assert layer.check(intent(), state(4 * S)).reason == "cancel_ratio"


def test_latency_breaker() -> None:
    layer = breaker(max_latency_ms=100, latency_samples=3)
    for i, lat_ms in enumerate([50, 150, 160]):
        created = (i + 1) * S  # 0 would mean "creation time unknown"
        layer.on_order(report(OrderStatus.NEW, created + lat_ms * 1_000_000, f"l{i}", created))
        layer.on_order(report(OrderStatus.FILLED, created + 2 * S, f"l{i}", created))  # not a second sample
    assert layer.check(intent(), state(4 * S)).reason == "latency"


def test_stale_data_halts_and_cancels_once() -> None:
    view = MarketView((BTC,))
    rows = empty(EventKind.QUOTE, 1)
    rows["ts_event"] = rows["ts_recv"] = S
    rows["bid_price"], rows["ask_price"] = 100, 101
    view.observe(EventBatch(EventKind.QUOTE, rows))
    layer = breaker(max_data_age_ms=500)
    assert layer.check(intent(), state(S + 400_000_000, view)).action is RiskAction.ALLOW
    assert layer.check(intent(), state(S + 600_000_000, view)).reason == "stale_market_data"
    (cancel,) = layer.protective_actions(state(2 * S, view))
    assert (cancel.kind, cancel.instrument_id) == (ProtectiveKind.CANCEL_ALL, BTC.id)
    assert layer.protective_actions(state(3 * S, view)) == []
    fresh = empty(EventKind.TRADE, 1)
    fresh["ts_event"] = fresh["ts_recv"] = 3 * S
    fresh["price"] = 100
    view.observe(EventBatch(EventKind.TRADE, fresh))
    assert layer.protective_actions(state(3 * S, view)) == []
    assert len(layer.protective_actions(state(4 * S, view))) == 1  # a new stale spell


@pytest.mark.parametrize("bad", [{"max_orders_per_s": 0}, {"cooldown_s": 0}, {"max_latency_ms": -1}, {"x": 1}])
def test_bad_settings(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ThroughputBreakerConfig.model_validate(bad)
