"""Order life at the venue: acknowledgement, rejection reasons, cancels, idempotent submit, ordering."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cryptoscalp_core.domain.errors import InvalidQuantityError
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import TRANSITIONS, Fill, Order, OrderRequest, OrderSide, OrderStatus, OrderType
from tests.sim.simkit import BTC, MS, SELL, fills_of, last_order, limit, market, snapshot, trades, venue

STRICT = Instrument("sim", "ETHUSDT", tick_size="0.01", lot_size="0.01", min_notional="20", min_qty="0.02")


@pytest.mark.parametrize(("request_", "reason"), [
    (limit(OrderSide.BUY, "100.005", "1", instrument=STRICT), "off_grid"),
    (limit(OrderSide.BUY, "100.00", "1.005", instrument=STRICT), "off_grid"),
    (limit(OrderSide.BUY, "100.00", "0.01", instrument=STRICT), "min_qty"),
    (limit(OrderSide.BUY, "100.00", "0.19", instrument=STRICT), "min_notional"),  # 19 < 20
    (market(OrderSide.BUY, "0.19", instrument=STRICT), "min_notional"),  # valued at the last trade, 100
    (market(OrderSide.BUY, "1", instrument=Instrument("other", "X", tick_size="1", lot_size="1")),
     "unknown_instrument"),
])
def test_refused_requests_come_back_rejected(request_: OrderRequest, reason: str) -> None:
    sim = venue((STRICT,))
    sim.process(trades((1, SELL, 100.0, 1.0)))
    order = sim.submit(request_, 2)
    assert order.status is OrderStatus.PENDING_NEW  # never raised: the venue answers later
    sim.advance_to(3)
    (report,) = sim.drain(3)
    assert isinstance(report, Order) and (report.status, report.reason) == (OrderStatus.REJECTED, reason)
    assert sim.stats.rejections == {reason: 1}
    assert sim.cancel(request_.client_order_id, 4) is False  # terminal, and the strategy knows it


def test_malformed_request_raises() -> None:
    bad = OrderRequest(client_order_id="x", instrument_id=BTC.id, side=OrderSide.BUY, type=OrderType.LIMIT,
                       qty=Decimal(0), price=Decimal(100))
    with pytest.raises(InvalidQuantityError):
        venue().submit(bad, 0)
    with pytest.raises(ValueError, match="market order must not carry a price"):
        venue().submit(OrderRequest(client_order_id="y", instrument_id=BTC.id, side=OrderSide.BUY,
                                    type=OrderType.MARKET, qty=Decimal(1), price=Decimal(1)), 0)


def test_submit_is_idempotent_on_client_order_id() -> None:
    sim = venue()
    sim.process(snapshot(1, [(999, 1.0)], [(1001, 1.0)]))
    request = market(OrderSide.BUY, "1")
    sim.submit(request, 2)
    sim.advance_to(3)
    again = sim.submit(request, 4)
    assert again.status is OrderStatus.FILLED
    sim.advance_to(5)
    assert len(fills_of(sim.drain(10))) == 1 and sim.stats.orders == 1


def test_resting_order_cancel_and_states() -> None:
    sim = venue(latency={"kind": "constant", "ms": 1})
    sim.process(snapshot(0, [(999, 1.0)], [(1001, 1.0)]))
    request = limit(OrderSide.BUY, "99.0", "1")
    cid = request.client_order_id
    assert sim.cancel(cid, 0) is False  # unknown
    sim.submit(request, 0)
    assert sim.cancel(cid, 0) is True  # in flight: the cancel follows the order on the same channel
    assert sim.cancel(cid, 0) is False  # one cancel at a time
    assert sim.open_orders == {}
    sim.advance_to(MS)
    assert cid not in sim.open_orders  # the cancel arrived right behind it
    reports = sim.drain(10 * MS)
    assert [r.status for r in reports if isinstance(r, Order)] == [OrderStatus.NEW, OrderStatus.CANCELED]
    assert sim.stats.cancels == 1
    assert sim.cancel(cid, 10 * MS) is False


def test_cancel_that_arrives_after_the_fill_does_nothing() -> None:
    sim = venue(latency={"kind": "constant", "ms": 1})
    sim.process(snapshot(0, [(999, 1.0)], [(1001, 1.0)]))
    request = limit(OrderSide.BUY, "99.9", "1")
    sim.submit(request, 0)
    sim.process(trades((2 * MS, SELL, 99.8, 1.0)))  # fills at 2 ms, reported at 3 ms
    assert sim.cancel(request.client_order_id, 2 * MS) is True  # the strategy does not know yet
    sim.advance_to(10 * MS)
    reports = sim.drain(10 * MS)
    assert last_order(reports, request.client_order_id).status is OrderStatus.FILLED
    assert sim.stats.cancels_too_late == 1 and sim.stats.cancels == 0


def test_fill_precedes_the_update_it_causes_and_statuses_follow_the_state_machine() -> None:
    sim = venue()
    sim.process(snapshot(0, [(999, 1.0)], [(1001, 0.5), (1002, 0.5), (1003, 5.0)]))
    request = market(OrderSide.BUY, "1.5")
    sim.submit(request, 1)
    sim.advance_to(2)
    reports = sim.drain(2)
    kinds = [type(r).__name__ for r in reports]
    assert kinds == ["Order", "Fill", "Order", "Fill", "Order", "Fill", "Order"]
    statuses = [r.status for r in reports if isinstance(r, Order)]
    assert statuses == [OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED, OrderStatus.PARTIALLY_FILLED,
                        OrderStatus.FILLED]
    for before, after in zip([OrderStatus.PENDING_NEW, *statuses], statuses, strict=False):
        assert after in TRANSITIONS[before]
    for fill, update in zip(reports[1::2], reports[2::2], strict=True):
        assert isinstance(fill, Fill) and isinstance(update, Order)
        assert update.filled_qty == sum(f.qty for f in fills_of(reports[: reports.index(update)]))
    # 0.5 each at 100.1, 100.2 and 100.3: VWAP 100.2
    assert last_order(reports, request.client_order_id).avg_fill_price == Decimal("100.2")


def test_get_order_and_fills_for_reconciliation() -> None:
    sim = venue(latency={"kind": "constant", "ms": 1})
    sim.process(snapshot(0, [(999, 1.0)], [(1001, 1.0)]))
    request = market(OrderSide.SELL, "1")
    sim.submit(request, 0)
    sim.advance_to(MS)
    view = sim.get_order(request.client_order_id)
    assert view is not None and view.status is OrderStatus.FILLED  # the venue's truth, before delivery
    assert [f.qty for f in sim.fills(request.client_order_id)] == [1] and len(sim.fills()) == 1
    assert sim.drain(MS) == []


def test_finished_orders_are_forgotten_and_their_ids_cannot_be_reused() -> None:
    sim = venue()
    sim.process(snapshot(0, [(999, 1.0)], [(1001, 1.0)]))
    request = market(OrderSide.BUY, "1")
    sim.submit(request, 1)
    sim.advance_to(2)
    assert last_order(sim.drain(2), request.client_order_id).status is OrderStatus.FILLED
    assert sim.get_order(request.client_order_id) is not None  # still there while the caller handles it
    sim.drain(3)
    assert sim.get_order(request.client_order_id) is None and sim.fills() == []  # memory stays flat
    assert sim.positions[BTC.id].qty == 1  # the account keeps the effect
    again = sim.submit(market(OrderSide.BUY, "1", cid=request.client_order_id), 4)
    assert again.status is OrderStatus.PENDING_NEW
    sim.advance_to(5)
    final = last_order(sim.drain(5), request.client_order_id)
    assert (final.status, final.reason) == (OrderStatus.REJECTED, "duplicate_client_order_id")
