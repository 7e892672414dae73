"""The order journal: intents written before sending, every later state appended, sequence counters."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cryptoscalp_core.domain.orders import Order, OrderRequest, OrderStatus
from cryptoscalp_core.ports.store import DuplicateOrderError
from cryptoscalp_core.storage.errors import UnknownOrderError
from cryptoscalp_core.storage.mapping import (
    order_from_state,
    request_columns,
    row_to_order,
    row_to_request,
    state_columns,
)
from cryptoscalp_core.storage.models import OrderRow, OrderStateRow, SequenceRow
from cryptoscalp_core.storage.sqlutil import require_run, upsert_insert

OPEN_STATUSES = sorted(status.value for status in OrderStatus if status.is_open)


def _differences(stored: OrderRequest, new: OrderRequest) -> str:
    fields = [f for f in OrderRequest.__struct_fields__ if getattr(stored, f) != getattr(new, f)]
    return ", ".join(f"{f}: {getattr(stored, f)!r} -> {getattr(new, f)!r}" for f in fields)


class OrderJournal:
    def __init__(self, session: Session) -> None:
        self.session = session

    def next_sequence(self, prefix: str) -> int:
        insert = upsert_insert(self.session, SequenceRow)
        if insert is not None:
            # One atomic statement: the row lock taken by ON CONFLICT DO UPDATE serialises concurrent
            # callers on PostgreSQL, and SQLite runs it under the database write lock.
            statement = insert.values(prefix=prefix, value=1).on_conflict_do_update(
                index_elements=[SequenceRow.prefix], set_={"value": SequenceRow.value + 1},
            ).returning(SequenceRow.value)
            return int(self.session.execute(statement).scalar_one())
        row = self.session.get(SequenceRow, prefix, with_for_update=True)
        if row is None:
            row = SequenceRow(prefix=prefix, value=0)
            self.session.add(row)
        row.value += 1
        return row.value

    def _locked(self, client_order_id: str) -> OrderRow | None:
        # FOR UPDATE serialises concurrent writers of one order on PostgreSQL (SQLite: the write lock).
        return self.session.get(OrderRow, client_order_id, with_for_update=True)

    def _check_same(self, row: OrderRow, request: OrderRequest) -> None:
        stored = row_to_request(row)
        if stored != request:
            raise DuplicateOrderError(
                f"client order id {request.client_order_id!r} was journaled with a different request "
                f"({_differences(stored, request)})"
            )

    def journal(self, run_id: str, request: OrderRequest) -> Order:
        if not request.client_order_id:
            raise ValueError("client_order_id must not be empty")
        require_run(self.session, run_id)
        row = self._locked(request.client_order_id)
        if row is not None:
            self._check_same(row, request)
            return row_to_order(row)
        order = Order(request=request)
        self.session.add(OrderRow(run_id=run_id, **request_columns(request), **state_columns(order)))
        self.session.flush()  # the history row's foreign key needs the order row first
        self.session.add(OrderStateRow(client_order_id=request.client_order_id, run_id=run_id,
                                       **state_columns(order)))
        return order

    def record(self, run_id: str, order: Order) -> bool:
        """Store ``order`` as the current state; False when it equals the current state already."""
        require_run(self.session, run_id)
        row = self._locked(order.client_order_id)
        if row is None:
            raise UnknownOrderError(
                f"order {order.client_order_id!r} was never journaled; call journal_intent() before sending"
            )
        self._check_same(row, order.request)
        if row_to_order(row) == order:
            return False
        columns = state_columns(order)
        for name, value in columns.items():
            setattr(row, name, value)
        self.session.add(OrderStateRow(client_order_id=order.client_order_id, run_id=run_id, **columns))
        return True

    def get(self, client_order_id: str) -> Order | None:
        row = self.session.get(OrderRow, client_order_id)
        return row_to_order(row) if row is not None else None

    def history(self, client_order_id: str) -> list[Order]:
        row = self.session.get(OrderRow, client_order_id)
        if row is None:
            return []
        request = row_to_request(row)
        states = self.session.scalars(
            select(OrderStateRow).where(OrderStateRow.client_order_id == client_order_id)
            .order_by(OrderStateRow.id)
        )
        return [order_from_state(request, state) for state in states]

    def open_orders(self, run_id: str | None) -> list[Order]:
        query = select(OrderRow).where(OrderRow.status.in_(OPEN_STATUSES))
        if run_id is not None:
            query = query.where(OrderRow.run_id == run_id)
        query = query.order_by(OrderRow.ts_created, OrderRow.client_order_id)
        return [row_to_order(row) for row in self.session.scalars(query)]
