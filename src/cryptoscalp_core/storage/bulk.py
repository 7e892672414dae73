"""Bulk import of a simulated run's orders, fills and audit events.

A backtest produces tens of thousands of orders whose whole life is known once they are terminal. Row
by row through the journal's checks (idempotency, conflicts, locking) that costs about a millisecond
per order; here every row is new by construction (the run id is fresh and client order ids embed it),
so plain multi-row INSERTs do the job at a small fraction of that. Live trading never uses this path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest
from cryptoscalp_core.ports.store import AuditEvent
from cryptoscalp_core.storage.mapping import fill_columns, request_columns, state_columns
from cryptoscalp_core.storage.models import AuditEventRow, Base, FillRow, OrderRow, OrderStateRow
from cryptoscalp_core.storage.scrub import scrub_document
from cryptoscalp_core.storage.sqlutil import require_run
from cryptoscalp_core.storage.types import DecimalText


def _table(row: type[Base]) -> Table:
    # Core inserts of plain dicts skip the ORM's unit of work, the bulk of the per-row cost.
    return Base.metadata.tables[row.__tablename__]


@dataclass(slots=True)
class OrderLife:
    """One order: its request and every state it went through, oldest first (at least one)."""

    request: OrderRequest
    states: list[Order] = field(default_factory=list)


Columns = dict[str, list[Any]]


def import_run_records(session: Session, run_id: str, orders: Sequence[OrderLife], fills: Sequence[Fill],
                       audits: Sequence[AuditEvent]) -> None:
    import_columns(session, run_id, *object_columns(run_id, orders, fills), audits)


def object_columns(run_id: str, orders: Sequence[OrderLife], fills: Sequence[Fill]) -> tuple[Columns, Columns, Columns]:
    """The ``orders``, ``order_states`` and ``fills`` columns of finished orders and fills."""
    return (columns_of([{"run_id": run_id, **request_columns(life.request), **state_columns(life.states[-1])}
                        for life in orders]),
            columns_of([{"run_id": run_id, "client_order_id": life.request.client_order_id, **state_columns(state)}
                        for life in orders for state in life.states]),
            columns_of([{"run_id": run_id, **fill_columns(f)} for f in fills]))


def columns_of(rows: Sequence[dict[str, Any]]) -> Columns:
    return {key: [row[key] for row in rows] for key in rows[0]} if rows else {}


def extend_columns(target: Columns, part: Columns) -> None:
    """Append ``part``'s rows to ``target`` (same column names, or ``target`` empty)."""
    if not part:
        return
    if not target:
        target.update({k: list(v) for k, v in part.items()})
        return
    if target.keys() != part.keys():
        raise ValueError(f"column sets differ: {sorted(target.keys() ^ part.keys())}")
    for key, values in part.items():
        target[key].extend(values)


def import_columns(session: Session, run_id: str, orders: Columns, states: Columns, fills: Columns,
                   audits: Sequence[AuditEvent]) -> None:
    """The same import from columns already mapped (``orders``, ``order_states`` and ``fills``)."""
    missing = [cid for cid, tid in zip(fills.get("client_order_id", ()), fills.get("trade_id", ()), strict=True)
               if not tid]
    if missing:
        raise ValueError(f"fills without trade_id for orders {missing[:3]}")
    require_run(session, run_id)
    _insert_columns(session, _table(OrderRow), orders)
    _insert_columns(session, _table(OrderStateRow), states)
    _insert_columns(session, _table(FillRow), fills)
    if audits:
        session.execute(insert(_table(AuditEventRow)), [
            {"run_id": e.run_id, "ts_ns": e.ts_ns, "kind": e.kind, "source": e.source, "message": e.message,
             "data": scrub_document(e.data)} for e in audits
        ])


def text_column(values: list[Any], name: str) -> list[Any]:
    """A Decimal column as :class:`~cryptoscalp_core.storage.types.DecimalText` binds it: canonical strings,
    ``None`` kept, a float or a non-finite value refused."""
    present = [v for v in values if v is not None]
    if any(type(v) is not Decimal for v in present):
        bad = next(v for v in present if type(v) is not Decimal)
        if not isinstance(bad, Decimal):
            raise TypeError(f"column {name}: expected a Decimal, got {type(bad).__name__} {bad!r}")
    if not all(map(Decimal.is_finite, present)):
        raise ValueError(f"column {name}: refusing to store a non-finite decimal")
    return [None if v is None else str(v) for v in values] if len(present) != len(values) else list(map(str, values))


def _insert_columns(session: Session, table: Table, columns: Columns) -> None:
    """One multi-row INSERT through the driver's ``executemany``, values converted column by column.

    SQLAlchemy's per-value bind processing costs more than the insert itself at backtest volumes; these
    columns are text, Decimal-as-text, integers and booleans, so each column is converted in one pass."""
    if not columns or not next(iter(columns.values())):
        return
    connection = session.connection()
    keys = list(columns)
    compiled = insert(table).compile(dialect=connection.dialect, column_keys=keys)
    converted = {key: text_column(values, key) if isinstance(table.c[key].type, DecimalText) else values
                 for key, values in columns.items()}
    if compiled.positional:
        order = compiled.positiontup or keys
        params: list[Any] = list(zip(*(converted[k] for k in order), strict=True))
    else:
        params = [dict(zip(keys, values, strict=True)) for values in zip(*(converted[k] for k in keys), strict=True)]
    connection.exec_driver_sql(str(compiled), params)
