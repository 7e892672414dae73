"""write_batch (the bulk path the backtest recorder uses when a store has it): same result as the single
calls, in one all-or-nothing transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest, OrderStatus, accept, fill
from cryptoscalp_core.ports.store import AuditEvent
from cryptoscalp_core.storage import SqlStore, UnknownRunError

MakeRequest = Callable[..., OrderRequest]
MakeFill = Callable[..., Fill]


def test_a_batch_lands_in_order(store: SqlStore, run_id: str, limit_buy: MakeRequest,
                                        fill_of: MakeFill) -> None:
    request = limit_buy("cs1", qty="0.02")
    pending_order = store.journal_intent(run_id, limit_buy("cs0"))  # journaled before, then retried
    f1 = fill_of(request, "t1", qty="0.01", price="100")
    f2 = fill_of(request, "t2", qty="0.01", price="101")
    states = [Order(request=request)]
    states.append(accept(states[-1], "V1", ts=1))
    states.append(fill(states[-1], f1))
    states.append(fill(states[-1], f2))

    store.write_batch(run_id, [
        ("intent", limit_buy("cs0")),
        ("intent", request),
        ("order", states[1]),
        ("fill", f1),
        ("order", states[2]),
        ("fill", f1),  # a replayed fill inside the same batch is still counted once
        ("fill", f2),
        ("order", states[3]),
        ("audit", AuditEvent(run_id=run_id, ts_ns=5, kind="note", source="test", data={"token": "x"})),
    ])

    assert store.order_history("cs1") == states
    assert store.get_order("cs0") == pending_order
    assert store.fills(run_id) == [f1, f2]
    assert [(e.kind, e.data) for e in store.audit_events(run_id)] == [("note", {"token": "***"})]
    assert [o.client_order_id for o in store.open_orders(run_id)] == ["cs0"]
    assert states[-1].status is OrderStatus.FILLED


@pytest.mark.parametrize("bad", ["conflicting-intent", "fill-without-trade-id", "unknown-kind"])
def test_a_failing_batch_writes_nothing(store: SqlStore, run_id: str, limit_buy: MakeRequest,
                                        fill_of: MakeFill, bad: str) -> None:
    store.journal_intent(run_id, limit_buy("cs0", qty="1"))
    good = limit_buy("cs1")
    bad_item: tuple[str, Any] = {
        "conflicting-intent": ("intent", limit_buy("cs0", qty="2")),
        "fill-without-trade-id": ("fill", fill_of(good, "", qty="0.01", price="1")),
        "unknown-kind": ("weird", None),
    }[bad]
    batch = [("intent", good), ("fill", fill_of(good, "t1", qty="0.01", price="1")), bad_item]
    with pytest.raises(ValueError):  # DuplicateOrderError is a ValueError
        store.write_batch(run_id, batch)
    assert store.get_order("cs1") is None
    assert store.fills(run_id) == []


def test_batch_for_an_unknown_run(store: SqlStore, limit_buy: MakeRequest) -> None:
    with pytest.raises(UnknownRunError):
        store.write_batch("nope", [("intent", limit_buy("cs1"))])
