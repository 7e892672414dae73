"""Bulk import of a simulated run: the same rows the journal would hold, read back through the port."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from cryptoscalp_core.domain.orders import Order, accept, fill
from cryptoscalp_core.ports.store import AuditEvent
from cryptoscalp_core.storage import SqlStore
from cryptoscalp_core.storage.bulk import OrderLife


def test_imported_orders_read_back_like_journaled_ones(store: SqlStore, run_id: str, limit_buy, fill_of) -> None:
    lives, fills = [], []
    for i in range(3):
        request = limit_buy(f"bulk{i}")
        first = Order(request=request)
        acked = accept(first, venue_order_id=f"V{i}", ts=20)
        execution = fill_of(request, f"T{i}", "0.010", "65000.5")
        done = fill(acked, execution)
        lives.append(OrderLife(request, [first, acked, done]))
        fills.append(execution)
    open_life = OrderLife(limit_buy("bulk-open"), [])
    open_life.states.append(Order(request=open_life.request))
    lives.append(open_life)
    audit = AuditEvent(run_id=run_id, ts_ns=5, kind="risk_reject", source="order-sanity",
                       data={"reason": "max_notional", "api_key": "abc"})
    store.import_run_records(run_id, lives, fills, [audit])

    for life in lives[:3]:
        assert store.get_order(life.request.client_order_id) == life.states[-1]
        assert store.order_history(life.request.client_order_id) == life.states
    assert store.fills(run_id) == fills
    assert [o.client_order_id for o in store.open_orders(run_id)] == ["bulk-open"]
    [event] = store.audit_events(run_id, "risk_reject")
    assert event.data == {"reason": "max_notional", "api_key": "***"}


def test_import_refuses_rows_that_already_exist(store: SqlStore, run_id: str, limit_buy) -> None:
    request = limit_buy("dup1")
    store.journal_intent(run_id, request)
    with pytest.raises(IntegrityError):
        store.import_run_records(run_id, [OrderLife(request, [Order(request=request)])], [], [])
    # all or nothing: the failed import left the journaled order as it was
    assert store.order_history("dup1") == [Order(request=request)]
