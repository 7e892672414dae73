"""SQLAlchemy models of the store's tables.

Every change here needs a migration in ``storage/migrations/versions``; ``tests/storage`` compares the
migrated schema with these models and fails on any difference.

Timestamps are int64 nanoseconds (``BigInteger``), like everywhere else in cryptoscalp. Decimals use
:class:`~cryptoscalp_core.storage.types.DecimalText` (see that module for why).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from cryptoscalp_core.storage.types import DecimalText

# Explicit constraint names keep migrations deterministic across backends and let a later migration drop
# or alter a constraint by name.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments an ``INTEGER PRIMARY KEY``; elsewhere history tables may outgrow int32.
ROW_ID: TypeEngine[int] = BigInteger().with_variant(Integer(), "sqlite")
# JSONB on PostgreSQL so operators can index and query audit data; plain JSON (text) elsewhere.
JSON_DOC: TypeEngine[Any] = JSON().with_variant(JSONB(), "postgresql")

RUN_ID = String(128)
ORDER_ID = String(64)
INSTRUMENT_ID = String(64)
VENUE_ID = String(64)
CODE = String(32)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RunRow(Base):
    __tablename__ = "runs"

    run_id: Mapped[str] = mapped_column(RUN_ID, primary_key=True)
    mode: Mapped[str] = mapped_column(CODE)
    profile_name: Mapped[str] = mapped_column(String(200), default="")
    profile_digest: Mapped[str] = mapped_column(String(128), default="")
    started_ns: Mapped[int] = mapped_column(BigInteger, index=True)
    finished_ns: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(CODE)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON_DOC)


class _OrderStateColumns:
    """The mutable part of an order: one copy is current (``orders``), every copy is history."""

    status: Mapped[str] = mapped_column(CODE)
    filled_qty: Mapped[Decimal] = mapped_column(DecimalText())
    avg_fill_price: Mapped[Decimal] = mapped_column(DecimalText())
    fees: Mapped[Decimal] = mapped_column(DecimalText())
    venue_order_id: Mapped[str] = mapped_column(VENUE_ID)
    reason: Mapped[str] = mapped_column(Text)
    status_before_cancel: Mapped[str | None] = mapped_column(CODE)
    ts_updated: Mapped[int] = mapped_column(BigInteger)
    filled_notional: Mapped[Decimal] = mapped_column(DecimalText())


class OrderRow(_OrderStateColumns, Base):
    """The order journal: the request as journaled before sending, plus the latest state."""

    __tablename__ = "orders"
    __table_args__ = (Index(None, "run_id", "status"),)

    client_order_id: Mapped[str] = mapped_column(ORDER_ID, primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"))
    instrument_id: Mapped[str] = mapped_column(INSTRUMENT_ID)
    side: Mapped[str] = mapped_column(CODE)
    order_type: Mapped[str] = mapped_column(CODE)
    qty: Mapped[Decimal] = mapped_column(DecimalText())
    price: Mapped[Decimal | None] = mapped_column(DecimalText())
    time_in_force: Mapped[str] = mapped_column(CODE)
    reduce_only: Mapped[bool] = mapped_column(Boolean)
    ts_created: Mapped[int] = mapped_column(BigInteger)


class OrderStateRow(_OrderStateColumns, Base):
    """Append-only history: one row per recorded state, in recording order (``id``)."""

    __tablename__ = "order_states"
    __table_args__ = (Index(None, "client_order_id", "id"),)

    id: Mapped[int] = mapped_column(ROW_ID, primary_key=True, autoincrement=True)
    client_order_id: Mapped[str] = mapped_column(ForeignKey("orders.client_order_id"))
    # The run that recorded this state: after a restart a new run reconciles orders journaled by an old one.
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"))


class FillRow(Base):
    """Executions. No foreign key to ``orders`` on purpose: a fill the venue reports for an order this
    journal never saw (manual trade, lost journal) must still be kept, not refused."""

    __tablename__ = "fills"
    __table_args__ = (
        UniqueConstraint("client_order_id", "trade_id"),
        # An empty trade id would make every later fill of the order look like a duplicate of the first.
        CheckConstraint("trade_id <> ''", name="trade_id_not_empty"),
        Index(None, "run_id", "id"),
    )

    id: Mapped[int] = mapped_column(ROW_ID, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"))
    client_order_id: Mapped[str] = mapped_column(ORDER_ID)
    trade_id: Mapped[str] = mapped_column(VENUE_ID)
    instrument_id: Mapped[str] = mapped_column(INSTRUMENT_ID)
    side: Mapped[str] = mapped_column(CODE)
    price: Mapped[Decimal] = mapped_column(DecimalText())
    qty: Mapped[Decimal] = mapped_column(DecimalText())
    fee: Mapped[Decimal] = mapped_column(DecimalText())
    fee_asset: Mapped[str] = mapped_column(CODE)
    is_maker: Mapped[bool] = mapped_column(Boolean)
    venue_order_id: Mapped[str] = mapped_column(VENUE_ID)
    ts_event: Mapped[int] = mapped_column(BigInteger)
    ts_recv: Mapped[int] = mapped_column(BigInteger)


class PositionRow(Base):
    """The latest snapshot of each position of a run."""

    __tablename__ = "positions"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), primary_key=True)
    instrument_id: Mapped[str] = mapped_column(INSTRUMENT_ID, primary_key=True)
    multiplier: Mapped[Decimal] = mapped_column(DecimalText())
    qty: Mapped[Decimal] = mapped_column(DecimalText())
    avg_entry_price: Mapped[Decimal] = mapped_column(DecimalText())
    realised_pnl: Mapped[Decimal] = mapped_column(DecimalText())
    fees: Mapped[Decimal] = mapped_column(DecimalText())
    funding: Mapped[Decimal] = mapped_column(DecimalText())
    turnover: Mapped[Decimal] = mapped_column(DecimalText())
    ts_ns: Mapped[int] = mapped_column(BigInteger)


class AuditEventRow(Base):
    """Operator-facing events. ``run_id`` has no foreign key: an event raised before a run was
    registered (a failed start, a failover) must still be written."""

    __tablename__ = "audit_events"
    __table_args__ = (Index(None, "run_id", "kind", "id"),)

    id: Mapped[int] = mapped_column(ROW_ID, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(RUN_ID)
    ts_ns: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(128))
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON_DOC)


class SequenceRow(Base):
    """Counters behind :meth:`~cryptoscalp_core.ports.store.Store.next_sequence`."""

    __tablename__ = "sequence_counters"

    prefix: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


MODEL_NAME = String(128)


class ModelVersionRow(Base):
    """The model registry: one row per registered version. A partial unique index keeps at most one
    production version per name, whatever a concurrent promotion does."""

    __tablename__ = "model_versions"
    __table_args__ = (
        Index("uq_model_versions_production", "name", unique=True,
              sqlite_where=text("stage = 'production'"), postgresql_where=text("stage = 'production'")),
    )

    name: Mapped[str] = mapped_column(MODEL_NAME, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    stage: Mapped[str] = mapped_column(CODE)
    component: Mapped[str] = mapped_column(String(128))
    config: Mapped[dict[str, Any]] = mapped_column(JSON_DOC)
    created_ns: Mapped[int] = mapped_column(BigInteger)
    data_start_ns: Mapped[int | None] = mapped_column(BigInteger)
    data_end_ns: Mapped[int | None] = mapped_column(BigInteger)
    features: Mapped[list[str]] = mapped_column(JSON_DOC)
    params: Mapped[dict[str, Any]] = mapped_column(JSON_DOC)
    code_version: Mapped[dict[str, str]] = mapped_column(JSON_DOC)
    metrics: Mapped[dict[str, float]] = mapped_column(JSON_DOC)
    artifact_uri: Mapped[str] = mapped_column(Text)
    artifact_sha256: Mapped[str] = mapped_column(String(64))
    parent: Mapped[str | None] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text)


class ModelStageChangeRow(Base):
    """Append-only history of stage changes (``from_stage`` is NULL for the registration)."""

    __tablename__ = "model_stage_changes"
    __table_args__ = (Index(None, "name", "id"),)

    id: Mapped[int] = mapped_column(ROW_ID, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(MODEL_NAME)
    version: Mapped[int] = mapped_column(Integer)
    from_stage: Mapped[str | None] = mapped_column(CODE)
    to_stage: Mapped[str] = mapped_column(CODE)
    ts_ns: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
