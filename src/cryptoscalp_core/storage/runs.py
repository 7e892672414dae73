"""Repositories of runs and audit events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.orm import Session

from cryptoscalp_core.ports.store import AuditEvent, RunRecord
from cryptoscalp_core.storage.errors import DuplicateRunError, UnknownRunError
from cryptoscalp_core.storage.mapping import row_to_audit, row_to_run, run_to_row
from cryptoscalp_core.storage.models import AuditEventRow, RunRow
from cryptoscalp_core.storage.scrub import scrub_document

RUN_STATUSES = frozenset({"running", "finished", "failed", "interrupted"})
FINAL_STATUSES = RUN_STATUSES - {"running"}


class RunRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def start(self, run: RunRecord) -> None:
        if not run.run_id:
            raise ValueError("run_id must not be empty")
        if run.status not in RUN_STATUSES:
            raise ValueError(f"run {run.run_id!r}: unknown status {run.status!r} "
                             f"(one of {', '.join(sorted(RUN_STATUSES))})")
        clean = msgspec.structs.replace(run, summary=scrub_document(run.summary))
        existing = self.session.get(RunRow, run.run_id)
        if existing is None:
            self.session.add(run_to_row(clean))
            return
        # A retried start (the first commit succeeded but its reply was lost) is harmless.
        if row_to_run(existing) != clean:
            raise DuplicateRunError(f"run {run.run_id!r} already exists with a different record")

    def finish(self, run_id: str, *, status: str, finished_ns: int,
               summary: Mapping[str, Any] | None) -> None:
        if status not in FINAL_STATUSES:
            raise ValueError(f"run {run_id!r}: a run finishes as one of {', '.join(sorted(FINAL_STATUSES))}, "
                             f"not {status!r}")
        row = self.session.get(RunRow, run_id, with_for_update=True)
        if row is None:
            raise UnknownRunError(f"run {run_id!r} does not exist; call start_run() first")
        row.status = status
        row.finished_ns = finished_ns
        if summary is not None:
            row.summary = scrub_document(summary)

    def get(self, run_id: str) -> RunRecord | None:
        row = self.session.get(RunRow, run_id)
        return row_to_run(row) if row is not None else None

    def latest(self, limit: int) -> list[RunRecord]:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        rows = self.session.scalars(
            select(RunRow).order_by(RunRow.started_ns.desc(), RunRow.run_id.desc()).limit(limit)
        )
        return [row_to_run(row) for row in rows]


class AuditLog:
    def __init__(self, session: Session) -> None:
        self.session = session

    def append(self, event: AuditEvent) -> None:
        self.session.add(AuditEventRow(run_id=event.run_id, ts_ns=event.ts_ns, kind=event.kind,
                                       source=event.source, message=event.message,
                                       data=scrub_document(event.data)))

    def events(self, run_id: str, kind: str | None) -> list[AuditEvent]:
        query = select(AuditEventRow).where(AuditEventRow.run_id == run_id)
        if kind is not None:
            query = query.where(AuditEventRow.kind == kind)
        return [row_to_audit(row) for row in self.session.scalars(query.order_by(AuditEventRow.id))]
