"""Fees, funding, margin, liquidation and reduce-only at the simulated venue."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import Order, OrderSide, OrderStatus, TimeInForce
from cryptoscalp_core.sim.venue import SimVenue
from tests.sim.simkit import BTC, BUY, SELL, fills_of, last_order, limit, market, marks, snapshot, trades, venue

HOUR = 3_600_000_000_000


def long_at_100(sim: SimVenue, qty: str = "1", side: OrderSide = OrderSide.BUY) -> None:
    sim.process(snapshot(1, [(999, 100.0)], [(1000, 100.0)]) if side is OrderSide.BUY
                else snapshot(1, [(1000, 100.0)], [(1001, 100.0)]))
    sim.submit(market(side, qty), 2)
    sim.advance_to(3)
    sim.drain(3)


def test_fees_from_config_and_from_instrument() -> None:
    sim = venue(fees_bps={"maker": 2, "taker": 5})
    long_at_100(sim)  # 1 @ 100.0 taker: 100 * 5 bps = 0.05
    assert sim.positions[BTC.id].fees == Decimal("0.05")
    assert sim.balance == Decimal("9999.95")
    priced = Instrument("sim", "BTCUSDT", tick_size="0.1", lot_size="0.001", maker_fee="-0.0001", taker_fee="0.0004")
    sim = SimVenue([priced], venue().config.model_copy(update={"fees_bps": None}))
    sim.process(snapshot(1, [(999, 5.0)], [(1001, 5.0)]))
    sim.submit(limit(OrderSide.BUY, "99.9", "2"), 2)  # rests behind 5, fills on a trade through
    sim.submit(market(OrderSide.BUY, "1"), 2)  # taker at 100.1: 100.1 * 4 bps = 0.04004
    sim.process(trades((3, SELL, 99.8, 1.0)))
    fees = [(f.is_maker, f.fee) for f in fills_of(sim.drain(10))]
    assert fees == [(False, Decimal("0.04004")), (True, Decimal("-0.01998"))]  # 2 * 99.9 * -1 bp: rebate
    assert sim.stats.maker_fills == 1 and sim.stats.taker_fills == 1


@pytest.mark.parametrize(("side", "rate", "received"), [
    (OrderSide.BUY, 0.0001, Decimal("-0.01")),  # positive rate: the long pays 1 * 100 * 0.0001
    (OrderSide.SELL, 0.0001, Decimal("0.01")),  # ...and the short receives it
    (OrderSide.BUY, -0.0002, Decimal("0.02")),  # negative rate: longs receive
])
def test_funding_sign(side: OrderSide, rate: float, received: Decimal) -> None:
    sim = venue()
    long_at_100(sim, side=side)
    sim.process(marks((10, 100.0, rate, HOUR)))
    before = sim.balance
    sim.process(trades((HOUR - 1, BUY, 100.0, 1.0)))
    assert sim.positions[BTC.id].funding == 0
    sim.process(trades((HOUR, BUY, 100.0, 1.0), (HOUR + 5, BUY, 100.0, 1.0)))  # crossing inside a batch
    assert sim.positions[BTC.id].funding == received
    assert sim.balance - before == received
    assert sim.stats.funding_paid == -received
    sim.process(marks((HOUR + 10, 100.0, rate, 2 * HOUR)))
    sim.advance_to(2 * HOUR - 1)
    assert sim.positions[BTC.id].funding == received  # paid once per funding time
    sim.advance_to(2 * HOUR)  # advance_to crosses funding times too
    assert sim.positions[BTC.id].funding == 2 * received


def test_no_funding_when_flat() -> None:
    sim = venue()
    sim.process(marks((10, 100.0, 0.001, HOUR)))
    sim.advance_to(HOUR + 1)
    assert sim.stats.funding_paid == 0 and sim.balance == Decimal(10_000)


def test_insufficient_margin() -> None:
    # balance 100, leverage 10: positions and resting orders may use 1000 of notional
    sim = venue(initial_balance=100, leverage=10)
    sim.process(snapshot(1, [(990, 100.0)], [(1010, 100.0)]))
    too_big = limit(OrderSide.BUY, "100.0", "11")  # 1100 / 10 = 110 > 100
    fits = limit(OrderSide.BUY, "100.0", "9")  # 90
    second = limit(OrderSide.BUY, "100.0", "2")  # 90 + 20 > 100
    reducing = limit(OrderSide.SELL, "101.0", "50")  # a sell while flat is an increase too: 505 > 100
    for r in (too_big, fits, second, reducing):
        sim.submit(r, 2)
    sim.advance_to(3)
    reports = sim.drain(3)
    statuses = [last_order(reports, r.client_order_id).status for r in (too_big, fits, second, reducing)]
    assert statuses == [OrderStatus.REJECTED, OrderStatus.NEW, OrderStatus.REJECTED, OrderStatus.REJECTED]
    assert sim.stats.rejections == {"insufficient_margin": 3}


def test_closing_order_needs_no_margin() -> None:
    sim = venue(initial_balance=100, leverage=10)
    long_at_100(sim, "9")  # margin 90 of 100
    sim.submit(limit(OrderSide.SELL, "101.0", "9"), 4)
    sim.advance_to(5)
    assert [o.status for o in sim.drain(5) if isinstance(o, Order)] == [OrderStatus.NEW]


def test_liquidation() -> None:
    # balance 100, 10 long at 100.0 (leverage 100): equity 100 + 10 (m - 100), maintenance 0.005 * 10 m.
    # equity < maintenance  <=>  9.95 m < 900  <=>  m < 90.4523: a trade at 90.5 is safe, 90.4 is not.
    sim = venue(initial_balance=100, leverage=100)
    long_at_100(sim, "10")
    resting = limit(OrderSide.BUY, "80.0", "1")
    sim.submit(resting, 4)
    sim.process(trades((5, SELL, 90.5, 1.0), (6, SELL, 90.4, 1.0), (7, SELL, 80.0, 1.0)))
    reports = sim.drain(10)
    assert sim.stats.liquidations == 1
    (closing,) = [f for f in fills_of(reports) if f.client_order_id.startswith("sim-liquidation")]
    assert (closing.side, closing.qty, closing.price, closing.ts_event) == (OrderSide.SELL, 10, Decimal("90.4"), 6)
    liquidation = last_order(reports, closing.client_order_id)
    assert (liquidation.status, liquidation.reason) == (OrderStatus.FILLED, "liquidation")
    cancelled = last_order(reports, resting.client_order_id)
    assert (cancelled.status, cancelled.reason) == (OrderStatus.CANCELED, "liquidation")
    assert sim.positions[BTC.id].qty == 0
    assert sim.balance == Decimal("4.0")  # 100 + (90.4 - 100) * 10
    assert not sim.open_orders


def test_liquidation_on_mark_price_and_disabled() -> None:
    for enabled in (True, False):
        sim = venue(initial_balance=100, leverage=100, liquidation=enabled)
        long_at_100(sim, "10")
        sim.process(marks((5, 90.5, 0.0, 0), (6, 90.4, 0.0, 0)))
        assert sim.stats.liquidations == (1 if enabled else 0)
        assert sim.margin_ratio == (0 if enabled else Decimal("0.05") * Decimal("90.4") / Decimal("4.0"))


def test_equity_with_marks() -> None:
    sim = venue()
    long_at_100(sim, "2")
    assert sim.equity({BTC.id: 110}) == Decimal(10_020)
    assert sim.equity() == Decimal("9999.9")  # no mark, no trade: valued at the mid, 99.95
    sim.process(trades((5, BUY, 101.0, 1.0)))
    assert sim.equity() == Decimal(10_002)  # at the last trade
    sim.process(marks((6, 100.5, 0.0, 0)))
    assert sim.equity() == Decimal(10_001)  # at the mark


def test_reduce_only_rejected_when_it_cannot_reduce() -> None:
    sim = venue()
    flat = market(OrderSide.SELL, "1", reduce_only=True)
    sim.process(snapshot(1, [(999, 100.0)], [(1000, 100.0)]))
    sim.submit(flat, 2)
    sim.advance_to(3)
    assert last_order(sim.drain(3), flat.client_order_id).reason == "reduce_only"
    long_at_100(sim, "1")
    same_side = limit(OrderSide.BUY, "99.0", "1", reduce_only=True)
    sim.submit(same_side, 5)
    sim.advance_to(6)
    assert last_order(sim.drain(6), same_side.client_order_id).status is OrderStatus.REJECTED
    assert sim.stats.rejections == {"reduce_only": 2}


def test_reduce_only_is_trimmed_never_flips() -> None:
    sim = venue()
    long_at_100(sim, "1")
    request = market(OrderSide.SELL, "3", reduce_only=True)
    sim.submit(request, 5)
    sim.advance_to(6)
    reports = sim.drain(6)
    assert sum(f.qty for f in fills_of(reports)) == 1
    final = last_order(reports, request.client_order_id)
    assert (final.status, final.reason, final.filled_qty) == (OrderStatus.EXPIRED, "reduce_only", 1)
    assert sim.positions[BTC.id].qty == 0


def test_resting_reduce_only_expires_when_the_position_closes() -> None:
    sim = venue()
    long_at_100(sim, "2")
    take_profit = limit(OrderSide.SELL, "110.0", "2", reduce_only=True)
    sim.submit(take_profit, 5)
    sim.submit(market(OrderSide.SELL, "2"), 6)
    sim.advance_to(7)
    final = last_order(sim.drain(7), take_profit.client_order_id)
    assert (final.status, final.reason) == (OrderStatus.EXPIRED, "reduce_only")
    assert not sim.open_orders


@settings(max_examples=100, deadline=None)
@given(ops=st.lists(st.tuples(st.sampled_from(list(OrderSide)), st.integers(1, 5), st.booleans(),
                              st.sampled_from([TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK])),
                    min_size=1, max_size=12))
def test_reduce_only_never_increases_the_position(ops: list[tuple[OrderSide, int, bool, TimeInForce]]) -> None:
    sim = venue()
    sim.process(snapshot(1, [(999, 3.0), (998, 3.0)], [(1000, 3.0), (1001, 3.0)]))
    for n, (side, qty, reduce_only, tif) in enumerate(ops):
        before = sim.positions[BTC.id].qty
        request = market(side, str(qty), tif, reduce_only=reduce_only)
        sim.submit(request, 10 * n + 2)
        sim.advance_to(10 * n + 3)
        after = sim.positions[BTC.id].qty
        if reduce_only:
            assert abs(after) <= abs(before) and after * before >= 0
        assert last_order(sim.drain(10 * n + 3), request.client_order_id).status.is_terminal
