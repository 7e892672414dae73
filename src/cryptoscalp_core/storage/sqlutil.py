"""Small SQL helpers shared by the repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cryptoscalp_core.storage.errors import UnknownRunError
from cryptoscalp_core.storage.models import RunRow


def upsert_insert(session: Session, table: Any) -> postgresql.Insert | sqlite.Insert | None:
    """An ``INSERT`` supporting ``ON CONFLICT`` on the session's backend, or ``None`` where there is
    none (callers then fall back to a locked read-then-write)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    return None


def require_run(session: Session, run_id: str) -> None:
    """Raise :class:`UnknownRunError` unless the run exists: clearer than a foreign-key violation."""
    # Runs are never deleted, so one check per transaction is enough (a batch writes thousands of rows).
    known: set[str] = session.info.setdefault("cryptoscalp_known_runs", set())
    if run_id in known:
        return
    if session.scalar(select(RunRow.run_id).where(RunRow.run_id == run_id)) is None:
        raise UnknownRunError(f"run {run_id!r} does not exist; call start_run() first")
    known.add(run_id)
