"""Conversions between domain objects and rows. Pure functions: no session, no I/O."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cryptoscalp_core.domain.orders import (
    Fill,
    Order,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.ports.store import AuditEvent, RunRecord
from cryptoscalp_core.storage.models import (
    AuditEventRow,
    FillRow,
    OrderRow,
    OrderStateRow,
    PositionRow,
    RunRow,
)

# -- runs ------------------------------------------------------------------------------------------------


def run_to_row(run: RunRecord) -> RunRow:
    return RunRow(run_id=run.run_id, mode=run.mode, profile_name=run.profile_name,
                  profile_digest=run.profile_digest, started_ns=run.started_ns,
                  finished_ns=run.finished_ns, status=run.status, summary=dict(run.summary))


def row_to_run(row: RunRow) -> RunRecord:
    return RunRecord(run_id=row.run_id, mode=row.mode, profile_name=row.profile_name,
                     profile_digest=row.profile_digest, started_ns=row.started_ns,
                     finished_ns=row.finished_ns, status=row.status, summary=dict(row.summary))


# -- orders ----------------------------------------------------------------------------------------------


def request_columns(request: OrderRequest) -> dict[str, Any]:
    return {
        "client_order_id": request.client_order_id,
        "instrument_id": request.instrument_id,
        "side": request.side.value,
        "order_type": request.type.value,
        "qty": request.qty,
        "price": request.price,
        "time_in_force": request.time_in_force.value,
        "reduce_only": request.reduce_only,
        "ts_created": request.ts_created,
    }


def row_to_request(row: OrderRow) -> OrderRequest:
    return OrderRequest(
        client_order_id=row.client_order_id,
        instrument_id=row.instrument_id,
        side=OrderSide(row.side),
        type=OrderType(row.order_type),
        qty=row.qty,
        price=row.price,
        time_in_force=TimeInForce(row.time_in_force),
        reduce_only=row.reduce_only,
        ts_created=row.ts_created,
    )


def state_columns(order: Order) -> dict[str, Any]:
    """The columns shared by ``orders`` (current state) and ``order_states`` (history)."""
    return {
        "status": order.status.value,
        "filled_qty": order.filled_qty,
        "avg_fill_price": order.avg_fill_price,
        "fees": order.fees,
        "venue_order_id": order.venue_order_id,
        "reason": order.reason,
        "status_before_cancel": order.status_before_cancel.value if order.status_before_cancel else None,
        "ts_updated": order.ts_updated,
        "filled_notional": order.filled_notional,
    }


def order_from_state(request: OrderRequest, row: OrderRow | OrderStateRow) -> Order:
    before = row.status_before_cancel
    return Order(
        request=request,
        status=OrderStatus(row.status),
        filled_qty=row.filled_qty,
        avg_fill_price=row.avg_fill_price,
        fees=row.fees,
        venue_order_id=row.venue_order_id,
        reason=row.reason,
        status_before_cancel=OrderStatus(before) if before is not None else None,
        ts_updated=row.ts_updated,
        filled_notional=row.filled_notional,
    )


def row_to_order(row: OrderRow) -> Order:
    return order_from_state(row_to_request(row), row)


# -- fills and positions ---------------------------------------------------------------------------------


def fill_columns(fill: Fill) -> dict[str, Any]:
    return {
        "client_order_id": fill.client_order_id,
        "instrument_id": fill.instrument_id,
        "side": fill.side.value,
        "price": fill.price,
        "qty": fill.qty,
        "fee": fill.fee,
        "fee_asset": fill.fee_asset,
        "is_maker": fill.is_maker,
        "trade_id": fill.trade_id,
        "venue_order_id": fill.venue_order_id,
        "ts_event": fill.ts_event,
        "ts_recv": fill.ts_recv,
    }


def row_to_fill(row: FillRow) -> Fill:
    return Fill(client_order_id=row.client_order_id, instrument_id=row.instrument_id,
                side=OrderSide(row.side), price=row.price, qty=row.qty, fee=row.fee,
                fee_asset=row.fee_asset, is_maker=row.is_maker, trade_id=row.trade_id,
                venue_order_id=row.venue_order_id, ts_event=row.ts_event, ts_recv=row.ts_recv)


POSITION_FIELDS = ("multiplier", "qty", "avg_entry_price", "realised_pnl", "fees", "funding", "turnover")


def position_columns(position: Position) -> dict[str, Decimal]:
    return {name: getattr(position, name) for name in POSITION_FIELDS}


def row_to_position(row: PositionRow) -> Position:
    position = Position(row.instrument_id, multiplier=row.multiplier)
    for name in POSITION_FIELDS:
        setattr(position, name, getattr(row, name))
    return position


# -- audit -----------------------------------------------------------------------------------------------


def row_to_audit(row: AuditEventRow) -> AuditEvent:
    return AuditEvent(run_id=row.run_id, ts_ns=row.ts_ns, kind=row.kind, source=row.source,
                      message=row.message, data=dict(row.data))
