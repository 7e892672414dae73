"""Fills (deduplicated on ``(client_order_id, trade_id)``) and position snapshots."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from cryptoscalp_core.domain.orders import Fill
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.storage.mapping import fill_columns, position_columns, row_to_fill, row_to_position
from cryptoscalp_core.storage.models import FillRow, PositionRow
from cryptoscalp_core.storage.sqlutil import require_run, upsert_insert

log = logging.getLogger(__name__)


class FillLedger:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _existing(self, fill: Fill) -> FillRow | None:
        return self.session.scalars(select(FillRow).where(
            FillRow.client_order_id == fill.client_order_id, FillRow.trade_id == fill.trade_id,
        )).one_or_none()

    def add(self, run_id: str, fill: Fill) -> bool:
        if not fill.trade_id:
            raise ValueError(f"fill for order {fill.client_order_id!r} has no trade_id: it could not be told "
                             "apart from the order's other fills, so it is refused rather than mis-deduplicated")
        require_run(self.session, run_id)
        columns = fill_columns(fill)
        insert = upsert_insert(self.session, FillRow)
        if insert is not None:
            # ON CONFLICT names the dedup key only, so any other integrity error still raises.
            statement = insert.values(run_id=run_id, **columns).on_conflict_do_nothing(
                index_elements=[FillRow.client_order_id, FillRow.trade_id],
            ).returning(FillRow.id)
            inserted = self.session.execute(statement).scalar_one_or_none() is not None
        else:
            inserted = self._existing(fill) is None
            if inserted:
                self.session.add(FillRow(run_id=run_id, **columns))
        if not inserted:
            stored = self._existing(fill)
            if stored is not None and row_to_fill(stored) != fill:
                log.warning("fill %s/%s replayed with different content; the first one is kept",
                            fill.client_order_id, fill.trade_id)
        return inserted

    def find(self, run_id: str, client_order_id: str | None) -> list[Fill]:
        query = select(FillRow).where(FillRow.run_id == run_id)
        if client_order_id is not None:
            query = query.where(FillRow.client_order_id == client_order_id)
        return [row_to_fill(row) for row in self.session.scalars(query.order_by(FillRow.id))]


class PositionBook:
    def __init__(self, session: Session) -> None:
        self.session = session

    def save(self, run_id: str, positions: Sequence[Position], ts_ns: int) -> None:
        require_run(self.session, run_id)
        latest = {position.instrument_id: position for position in positions}  # last one wins
        for instrument_id, position in latest.items():
            row = self.session.get(PositionRow, (run_id, instrument_id), with_for_update=True)
            if row is None:
                self.session.add(PositionRow(run_id=run_id, instrument_id=instrument_id, ts_ns=ts_ns,
                                             **position_columns(position)))
            elif row.ts_ns <= ts_ns:
                # A snapshot older than the stored one (a delayed writer) must not roll the position back.
                for name, value in position_columns(position).items():
                    setattr(row, name, value)
                row.ts_ns = ts_ns

    def load(self, run_id: str) -> list[Position]:
        rows = self.session.scalars(
            select(PositionRow).where(PositionRow.run_id == run_id).order_by(PositionRow.instrument_id)
        )
        return [row_to_position(row) for row in rows]
