"""``SqlStore``: the :class:`~cryptoscalp_core.ports.store.Store` port on SQLAlchemy (SQLite, PostgreSQL).

Each call runs in its own session and transaction, so one store is safe to share between threads. The
engine is created on first use, which keeps construction free of I/O (component factories do none).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.ports.store import AuditEvent, ModelStage, ModelVersion, RunRecord, StageChange
from cryptoscalp_core.storage import migrate as migrations
from cryptoscalp_core.storage.bulk import Columns, OrderLife, import_columns, import_run_records
from cryptoscalp_core.storage.engine import (
    READ_ONLY_OPTION,
    EngineOptions,
    make_engine,
    mask_url,
    parse_url,
)
from cryptoscalp_core.storage.journal import OrderJournal
from cryptoscalp_core.storage.ledger import FillLedger, PositionBook
from cryptoscalp_core.storage.model_versions import ModelVersionRepository
from cryptoscalp_core.storage.runs import AuditLog, RunRepository
from cryptoscalp_core.storage.table_writer import RunTableWriter, open_table_writer

log = logging.getLogger(__name__)
_REGISTER_ATTEMPTS = 8
T = TypeVar("T")


class SqlStore:
    """The order journal, fills, positions, runs and audit trail in a SQL database.

    Beyond the port's contract: runs must be started (:meth:`start_run`) before orders, fills or
    positions are written for them (:class:`~cryptoscalp_core.storage.errors.UnknownRunError`
    otherwise); audit events are accepted for any run id. A run's status is one of ``running``,
    ``finished``, ``failed``, ``interrupted`` (:meth:`finish_run` takes the last three). Lists come back
    in recording order, except :meth:`list_runs` (newest first) and :meth:`open_orders` (by
    ``ts_created``, then id). :meth:`write_batch` is an optional bulk path beyond the port.
    """

    def __init__(self, url: str | URL, options: EngineOptions | None = None) -> None:
        self._url = parse_url(url)
        self._options = options or EngineOptions()
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
        self._read_sessions: sessionmaker[Session] | None = None

    @property
    def url(self) -> URL:
        return self._url

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (created on first access), for read-only reporting queries."""
        return self._session_factory()[0]

    def __repr__(self) -> str:
        return f"SqlStore({mask_url(self._url)!r})"

    # -- plumbing ----------------------------------------------------------------------------------------
    def _session_factory(self, read_only: bool = False) -> tuple[Engine, sessionmaker[Session]]:
        with self._lock:
            if self._engine is None or self._sessions is None or self._read_sessions is None:
                log.debug("opening store %s", mask_url(self._url))
                self._engine = make_engine(self._url, self._options)
                self._sessions = sessionmaker(self._engine, expire_on_commit=False)
                # Same pool, tagged so SQLite starts these transactions without taking the write lock.
                reader = self._engine.execution_options(**{READ_ONLY_OPTION: True})
                self._read_sessions = sessionmaker(reader, expire_on_commit=False)
            return self._engine, self._read_sessions if read_only else self._sessions

    @contextmanager
    def _transaction(self, read_only: bool = False) -> Iterator[Session]:
        _, sessions = self._session_factory(read_only)
        try:
            with sessions.begin() as session:
                yield session
        except StatementError as exc:
            # A value refused while binding (a NaN or float decimal) is the caller's error, not the
            # database's: surface the plain ValueError/TypeError instead of SQLAlchemy's wrapper.
            if type(exc) is StatementError and isinstance(exc.orig, ValueError | TypeError):
                raise exc.orig from None
            raise

    def _write(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a transaction, once more if a concurrent writer won an insert race (the second
        attempt then sees that writer's row and takes the read path)."""
        try:
            with self._transaction() as session:
                return work(session)
        except IntegrityError:
            with self._transaction() as session:
                return work(session)

    # -- lifecycle ---------------------------------------------------------------------------------------
    def migrate(self) -> None:
        engine, _ = self._session_factory()
        log.info("bringing store %s to schema %s", mask_url(self._url), migrations.head_revision())
        migrations.upgrade(engine)

    def close(self) -> None:
        """Release pooled connections. The store may still be used afterwards; it reconnects."""
        with self._lock:
            engine, self._engine = self._engine, None
            self._sessions = self._read_sessions = None
        if engine is not None:
            engine.dispose()

    # -- runs --------------------------------------------------------------------------------------------
    def start_run(self, run: RunRecord) -> None:
        self._write(lambda s: RunRepository(s).start(run))

    def finish_run(self, run_id: str, *, status: str, finished_ns: int,
                   summary: Mapping[str, Any] | None = None) -> None:
        """Set the final status; ``summary`` replaces the stored one when given."""
        with self._transaction() as s:
            RunRepository(s).finish(run_id, status=status, finished_ns=finished_ns, summary=summary)

    def get_run(self, run_id: str) -> RunRecord | None:
        with self._transaction(read_only=True) as s:
            return RunRepository(s).get(run_id)

    def list_runs(self, limit: int = 50) -> list[RunRecord]:
        with self._transaction(read_only=True) as s:
            return RunRepository(s).latest(limit)

    # -- order journal -----------------------------------------------------------------------------------
    def next_sequence(self, prefix: str) -> int:
        return self._write(lambda s: OrderJournal(s).next_sequence(prefix))

    def journal_intent(self, run_id: str, request: OrderRequest) -> Order:
        return self._write(lambda s: OrderJournal(s).journal(run_id, request))

    def record_order(self, run_id: str, order: Order) -> None:
        with self._transaction() as s:
            OrderJournal(s).record(run_id, order)

    def get_order(self, client_order_id: str) -> Order | None:
        with self._transaction(read_only=True) as s:
            return OrderJournal(s).get(client_order_id)

    def order_history(self, client_order_id: str) -> list[Order]:
        with self._transaction(read_only=True) as s:
            return OrderJournal(s).history(client_order_id)

    def open_orders(self, run_id: str | None = None) -> list[Order]:
        with self._transaction(read_only=True) as s:
            return OrderJournal(s).open_orders(run_id)

    # -- fills and positions -----------------------------------------------------------------------------
    def record_fill(self, run_id: str, fill: Fill) -> bool:
        return self._write(lambda s: FillLedger(s).add(run_id, fill))

    def fills(self, run_id: str, client_order_id: str | None = None) -> list[Fill]:
        with self._transaction(read_only=True) as s:
            return FillLedger(s).find(run_id, client_order_id)

    def save_positions(self, run_id: str, positions: Sequence[Position], ts_ns: int) -> None:
        self._write(lambda s: PositionBook(s).save(run_id, positions, ts_ns))

    def positions(self, run_id: str) -> list[Position]:
        with self._transaction(read_only=True) as s:
            return PositionBook(s).load(run_id)

    # -- batches -----------------------------------------------------------------------------------------
    def write_batch(self, run_id: str, items: Sequence[tuple[str, Any]]) -> None:
        """Apply ``(kind, item)`` pairs in order, in one transaction: ``("intent", OrderRequest)``,
        ``("order", Order)``, ``("fill", Fill)``, ``("audit", AuditEvent)``.

        The same rules as the single calls (a duplicate fill is skipped, a conflicting intent raises), but
        all or nothing: if one item fails, none is written. Used by the backtest recorder, where one
        transaction per order would dominate the run time.
        """
        def work(session: Session) -> None:
            journal, ledger, audit = OrderJournal(session), FillLedger(session), AuditLog(session)
            for kind, item in items:
                if kind == "intent":
                    journal.journal(run_id, item)
                elif kind == "order":
                    journal.record(run_id, item)
                elif kind == "fill":
                    ledger.add(run_id, item)
                elif kind == "audit":
                    audit.append(item)
                else:
                    raise ValueError(f"unknown batch item kind {kind!r} (intent, order, fill or audit)")

        self._write(work)

    def import_run_records(self, run_id: str, orders: Sequence[OrderLife], fills: Sequence[Fill],
                           audits: Sequence[AuditEvent]) -> None:
        """Insert a simulated run's finished orders (with their state history), fills and audit events in
        one transaction. Every row must be new: see :mod:`cryptoscalp_core.storage.bulk`."""
        with self._transaction() as session:
            import_run_records(session, run_id, orders, fills, audits)

    def import_run_columns(self, run_id: str, orders: Columns, states: Columns, fills: Columns,
                           audits: Sequence[AuditEvent]) -> None:
        """:meth:`import_run_records` from columns already mapped to the ``orders``, ``order_states`` and
        ``fills`` tables (name -> values; the backtest's taker fast lane writes its orders this way)."""
        with self._transaction() as session:
            import_columns(session, run_id, orders, states, fills, audits)

    def table_writer(self) -> RunTableWriter | None:
        """A writer that appends a simulated run's rows as Arrow tables on a thread of its own, or ``None``
        where the optional ADBC drivers cannot serve this database (see
        :mod:`cryptoscalp_core.storage.table_writer`). Same rule as :meth:`import_run_columns`: every row
        is new, and the run was started."""
        return open_table_writer(self._url, self._options.sqlite_busy_timeout_s)

    # -- audit -------------------------------------------------------------------------------------------
    def audit(self, event: AuditEvent) -> None:
        with self._transaction() as s:
            AuditLog(s).append(event)

    def audit_events(self, run_id: str, kind: str | None = None) -> list[AuditEvent]:
        with self._transaction(read_only=True) as s:
            return AuditLog(s).events(run_id, kind)

    # -- model registry (the ModelCatalog port) ----------------------------------------------------------
    def register_model(self, version: ModelVersion) -> ModelVersion:
        for attempt in range(_REGISTER_ATTEMPTS):
            try:
                with self._transaction() as s:
                    return ModelVersionRepository(s).register(version)
            except IntegrityError:  # another writer took the same version number: read the max again
                if attempt == _REGISTER_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def model_versions(self, name: str | None = None) -> list[ModelVersion]:
        with self._transaction(read_only=True) as s:
            return ModelVersionRepository(s).versions(name)

    def get_model_version(self, name: str, *, version: int | None = None,
                          stage: ModelStage | None = None) -> ModelVersion | None:
        with self._transaction(read_only=True) as s:
            return ModelVersionRepository(s).get(name, version, stage)

    def set_model_stage(self, name: str, version: int, stage: ModelStage, *, ts_ns: int,
                        reason: str = "") -> ModelVersion:
        with self._transaction() as s:
            return ModelVersionRepository(s).set_stage(name, version, stage, ts_ns, reason)

    def model_stage_history(self, name: str) -> list[StageChange]:
        with self._transaction(read_only=True) as s:
            return ModelVersionRepository(s).history(name)
