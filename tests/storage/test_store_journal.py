"""The order journal: intent before send, retries, conflicts, history, reconciliation after a restart."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import msgspec
import pytest

from cryptoscalp_core.domain.orders import (
    Fill,
    Order,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    accept,
    cancel,
    fill,
    reject,
    request_cancel,
)
from cryptoscalp_core.ports.store import DuplicateOrderError, RunRecord
from cryptoscalp_core.storage import SqlStore, UnknownOrderError, UnknownRunError

MakeRequest = Callable[..., OrderRequest]
MakeFill = Callable[..., Fill]


def test_intent_is_journaled_as_pending_new(store: SqlStore, run_id: str, limit_buy: MakeRequest) -> None:
    request = limit_buy("cs1")
    expected = Order(request=request, status=OrderStatus.PENDING_NEW)
    assert store.journal_intent(run_id, request) == expected
    assert store.get_order("cs1") == expected
    assert store.open_orders() == [expected]
    assert store.open_orders(run_id) == [expected]
    assert store.order_history("cs1") == [expected]


def test_every_request_field_round_trips(store: SqlStore, run_id: str) -> None:
    request = OrderRequest(client_order_id="cs-ioc", instrument_id="okx-swap:ETH-USDT-SWAP",
                           side=OrderSide.SELL, type=OrderType.MARKET, qty=Decimal("3"),
                           time_in_force=TimeInForce.IOC, reduce_only=True, ts_created=1_718_000_000_123_456_789)
    store.journal_intent(run_id, request)
    order = store.get_order("cs-ioc")
    assert order is not None
    assert order.request == request
    assert order.request.price is None


def test_retried_intent_is_idempotent(store: SqlStore, run_id: str, limit_buy: MakeRequest) -> None:
    request = limit_buy("cs1")
    store.journal_intent(run_id, request)
    assert store.journal_intent(run_id, limit_buy("cs1")) == Order(request=request)
    assert len(store.order_history("cs1")) == 1
    # after the venue acknowledged it, a late retry reports the current state
    acked = accept(Order(request=request), venue_order_id="V9", ts=20)
    store.record_order(run_id, acked)
    assert store.journal_intent(run_id, request) == acked


def test_same_id_with_another_request_is_refused(store: SqlStore, run_id: str,
                                                 limit_buy: MakeRequest) -> None:
    store.journal_intent(run_id, limit_buy("cs1", qty="0.010"))
    with pytest.raises(DuplicateOrderError, match=r"cs1.*qty"):
        store.journal_intent(run_id, limit_buy("cs1", qty="0.020"))
    changed = Order(request=limit_buy("cs1", price="1"), status=OrderStatus.NEW)
    with pytest.raises(DuplicateOrderError, match="price"):
        store.record_order(run_id, changed)
    assert store.get_order("cs1") == Order(request=limit_buy("cs1", qty="0.010"))


def test_concurrent_retries_journal_once(store: SqlStore, run_id: str, limit_buy: MakeRequest) -> None:
    request = limit_buy("cs-race")
    results: list[Order] = []
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            results.append(store.journal_intent(run_id, request))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == [Order(request=request)] * 8
    assert len(store.order_history("cs-race")) == 1


def test_history_follows_the_state_machine(store: SqlStore, run_id: str, limit_buy: MakeRequest,
                                           fill_of: MakeFill) -> None:
    request = limit_buy("cs1", qty="0.030", price="65000.5")
    states = [store.journal_intent(run_id, request)]
    states.append(accept(states[-1], venue_order_id="8389765", ts=20))
    states.append(fill(states[-1], fill_of(request, "t1", qty="0.010", price="65000.5", ts=30)))
    states.append(fill(states[-1], fill_of(request, "t2", qty="0.007", price="64999.9", ts=40)))
    states.append(request_cancel(states[-1], ts=50))
    states.append(cancel(states[-1], ts=60, reason="user"))
    for state in states[1:]:
        store.record_order(run_id, state)

    assert store.order_history("cs1") == states
    current = store.get_order("cs1")
    assert current == states[-1]
    assert current is not None
    assert current.status is OrderStatus.CANCELED
    # 0.010 @ 65000.5 + 0.007 @ 64999.9, computed by hand
    assert current.filled_notional == Decimal("1105.0043")
    assert current.filled_qty == Decimal("0.017")
    assert store.open_orders(run_id) == []


def test_a_replayed_state_adds_no_history(store: SqlStore, run_id: str, limit_buy: MakeRequest) -> None:
    pending = store.journal_intent(run_id, limit_buy("cs1"))
    acked = accept(pending, venue_order_id="V1", ts=5)
    store.record_order(run_id, acked)
    store.record_order(run_id, acked)
    assert store.order_history("cs1") == [pending, acked]


def test_recording_an_unjournaled_order_is_an_error(store: SqlStore, run_id: str,
                                                    limit_buy: MakeRequest) -> None:
    with pytest.raises(UnknownOrderError, match=r"ghost.*journal_intent"):
        store.record_order(run_id, Order(request=limit_buy("ghost"), status=OrderStatus.NEW))
    assert isinstance(UnknownOrderError("x"), LookupError)
    assert store.get_order("ghost") is None
    assert store.order_history("ghost") == []


def test_journaling_for_an_unknown_run_is_an_error(store: SqlStore, limit_buy: MakeRequest) -> None:
    with pytest.raises(UnknownRunError, match="no-run"):
        store.journal_intent("no-run", limit_buy("cs1"))
    assert store.get_order("cs1") is None


def test_open_orders_after_a_restart(open_store: Callable[[], SqlStore], limit_buy: MakeRequest,
                                     fill_of: MakeFill) -> None:
    before = open_store()
    before.migrate()
    before.start_run(RunRecord(run_id="old", mode="live"))
    before.start_run(RunRecord(run_id="other", mode="live"))
    sent = before.journal_intent("old", limit_buy("a", ts=1))  # crashed before the venue answered
    resting = accept(before.journal_intent("old", limit_buy("b", ts=2)), "V-b", ts=3)
    req_c = limit_buy("c", qty="0.02", ts=3)
    partial = fill(accept(before.journal_intent("old", req_c), "V-c", ts=4),
                   fill_of(req_c, "t1", qty="0.01", price="65000"))
    done = reject(before.journal_intent("old", limit_buy("d", ts=4)), "-2019 margin", ts=5)
    elsewhere = before.journal_intent("other", limit_buy("e", ts=5))
    for state in (resting, partial, done):
        before.record_order("old", state)
    before.close()

    after = open_store()  # a new process on the same database
    after.migrate()
    assert after.open_orders("old") == [sent, resting, partial]
    assert after.open_orders() == [sent, resting, partial, elsewhere]
    # a new run reconciles and closes an order journaled by the old one
    after.start_run(RunRecord(run_id="new", mode="live"))
    after.record_order("new", cancel(resting, ts=9, reason="reconcile: not open on venue"))
    assert [o.client_order_id for o in after.open_orders()] == ["a", "c", "e"]
    assert [o.status for o in after.order_history("b")] == [OrderStatus.PENDING_NEW, OrderStatus.NEW,
                                                           OrderStatus.CANCELED]


def test_every_order_field_round_trips(store: SqlStore, run_id: str, limit_buy: MakeRequest) -> None:
    request = limit_buy("cs1")
    store.journal_intent(run_id, request)
    # every field away from its default, so a field the store forgot cannot pass
    defaults = Order(request=request)
    full = Order(request=request, status=OrderStatus.PENDING_CANCEL, filled_qty=Decimal("0.004"),
                 avg_fill_price=Decimal("65000.25"), fees=Decimal("-0.0052"), venue_order_id="V77",
                 reason="why", status_before_cancel=OrderStatus.PARTIALLY_FILLED, ts_updated=99,
                 filled_notional=Decimal("260.001"))
    unset = [name for name in Order.__struct_fields__
             if name != "request" and getattr(full, name) == getattr(defaults, name)]
    assert unset == [], f"extend this test to cover the new Order fields {unset}"
    store.record_order(run_id, full)
    assert store.get_order("cs1") == full
    assert store.order_history("cs1")[-1] == full
    assert msgspec.structs.asdict(store.open_orders()[0]) == msgspec.structs.asdict(full)
