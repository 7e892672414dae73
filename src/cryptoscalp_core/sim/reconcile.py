"""Reconciliation of the order journal (the Store, or the executor's local view without one) with the
simulated venue: the venue is the truth, the journal is corrected and the differences are reported.

* a journaled open order the venue never received becomes ``REJECTED`` (never acknowledged) or
  ``EXPIRED``, reason ``unknown_at_venue``;
* fills at the venue that the journal lacks are recorded (``missed_fills``), and an order whose venue
  status or filled quantity differs takes the venue's state (``status_changed`` when the status differs);
* open orders at the venue missing from the journal are journaled (``unknown_locally``);
* ``position_diff``: venue position minus the position the journal's fills add up to, where non-zero.
"""

from __future__ import annotations

from decimal import Decimal

from cryptoscalp_core.domain import _exact
from cryptoscalp_core.domain.orders import Fill, Order, OrderSide, OrderStatus, expire, reject
from cryptoscalp_core.ports.executor import ReconcileReport
from cryptoscalp_core.ports.store import Store
from cryptoscalp_core.sim.venue import SimVenue


def add_fill(positions: dict[str, Decimal], execution: Fill) -> None:
    """Add a fill's signed quantity to ``positions`` (instrument id -> quantity)."""
    signed = execution.qty if execution.side is OrderSide.BUY else _exact.neg(execution.qty)
    positions[execution.instrument_id] = _exact.add(positions.get(execution.instrument_id, Decimal(0)), signed)


def reconcile_with_venue(venue: SimVenue, store: Store | None, run_id: str, local: dict[str, Order],
                         applied: set[tuple[str, str]], derived: dict[str, Decimal]) -> ReconcileReport:
    """Correct ``store`` (if any) and ``local`` from ``venue``. ``applied`` holds the ``(client id, trade
    id)`` of fills already applied locally and ``derived`` the positions they add up to; both gain the
    missed fills (``derived`` is the local position only without a store: the store's fills are)."""
    report = ReconcileReport()

    def record(order: Order) -> None:
        local[order.client_order_id] = order
        if store is not None:
            store.record_order(run_id, order)

    open_journal = store.open_orders(run_id) if store is not None else [o for o in local.values()
                                                                         if o.status.is_open]
    journal = {o.client_order_id: o for o in open_journal}
    for cid, order in journal.items():
        truth = venue.get_order(cid)
        if truth is None:
            report.unknown_at_venue.append(cid)
            if order.underlying_status is OrderStatus.PENDING_NEW:
                record(reject(order, "unknown_at_venue", order.ts_updated))
            else:
                record(expire(order, order.ts_updated, "unknown_at_venue"))
            continue
        seen = ({f.trade_id for f in store.fills(run_id, cid)} if store is not None
                else {trade for (c, trade) in applied if c == cid})
        for execution in venue.fills(cid):
            if execution.trade_id not in seen:
                report.missed_fills.append(execution)
                applied.add((cid, execution.trade_id))
                add_fill(derived, execution)
                if store is not None:
                    store.record_fill(run_id, execution)
        if truth.status is not order.underlying_status and truth.status is not OrderStatus.PENDING_NEW:
            report.status_changed.append(cid)
            record(truth)
        elif truth.filled_qty != order.filled_qty:
            record(truth)
    for cid, truth in venue.open_orders.items():
        known = store.get_order(cid) if store is not None else local.get(cid)
        if cid not in journal and known is None:
            report.unknown_locally.append(cid)
            if store is not None:
                store.journal_intent(run_id, truth.request)
            record(truth)
    mine = derived
    if store is not None:
        mine = {}
        for execution in store.fills(run_id):
            add_fill(mine, execution)
    for instrument_id, position in venue.positions.items():
        diff = _exact.sub(position.qty, mine.get(instrument_id, Decimal(0)))
        if diff:
            report.position_diff[instrument_id] = diff
    return report
