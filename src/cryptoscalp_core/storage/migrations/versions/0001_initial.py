"""initial schema: runs, order journal and history, fills, positions, audit events, sequences

Revision ID: 0001
Revises:
Create Date: 2024-06-01 00:00:00

Decimals are TEXT (see cryptoscalp_core.storage.types for why); timestamps are int64 nanoseconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _order_state_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("filled_qty", sa.Text(), nullable=False),
        sa.Column("avg_fill_price", sa.Text(), nullable=False),
        sa.Column("fees", sa.Text(), nullable=False),
        sa.Column("venue_order_id", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status_before_cancel", sa.String(32), nullable=True),
        sa.Column("ts_updated", sa.BigInteger(), nullable=False),
        sa.Column("filled_notional", sa.Text(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(128), nullable=False),
        sa.Column("mode", sa.String(32), nullable=False),
        sa.Column("profile_name", sa.String(200), nullable=False),
        sa.Column("profile_digest", sa.String(128), nullable=False),
        sa.Column("started_ns", sa.BigInteger(), nullable=False),
        sa.Column("finished_ns", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("summary", JSON_DOC, nullable=False),
        sa.PrimaryKeyConstraint("run_id", name="pk_runs"),
    )
    op.create_index("ix_runs_started_ns", "runs", ["started_ns"])

    op.create_table(
        "orders",
        sa.Column("client_order_id", sa.String(64), nullable=False),
        sa.Column("run_id", sa.String(128), nullable=False),
        sa.Column("instrument_id", sa.String(64), nullable=False),
        sa.Column("side", sa.String(32), nullable=False),
        sa.Column("order_type", sa.String(32), nullable=False),
        sa.Column("qty", sa.Text(), nullable=False),
        sa.Column("price", sa.Text(), nullable=True),
        sa.Column("time_in_force", sa.String(32), nullable=False),
        sa.Column("reduce_only", sa.Boolean(), nullable=False),
        sa.Column("ts_created", sa.BigInteger(), nullable=False),
        *_order_state_columns(),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name="fk_orders_run_id_runs"),
        sa.PrimaryKeyConstraint("client_order_id", name="pk_orders"),
    )
    op.create_index("ix_orders_run_id_status", "orders", ["run_id", "status"])

    op.create_table(
        "order_states",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("client_order_id", sa.String(64), nullable=False),
        sa.Column("run_id", sa.String(128), nullable=False),
        *_order_state_columns(),
        sa.ForeignKeyConstraint(["client_order_id"], ["orders.client_order_id"],
                                name="fk_order_states_client_order_id_orders"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name="fk_order_states_run_id_runs"),
        sa.PrimaryKeyConstraint("id", name="pk_order_states"),
    )
    op.create_index("ix_order_states_client_order_id_id", "order_states", ["client_order_id", "id"])

    op.create_table(
        "fills",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(128), nullable=False),
        sa.Column("client_order_id", sa.String(64), nullable=False),
        sa.Column("trade_id", sa.String(64), nullable=False),
        sa.Column("instrument_id", sa.String(64), nullable=False),
        sa.Column("side", sa.String(32), nullable=False),
        sa.Column("price", sa.Text(), nullable=False),
        sa.Column("qty", sa.Text(), nullable=False),
        sa.Column("fee", sa.Text(), nullable=False),
        sa.Column("fee_asset", sa.String(32), nullable=False),
        sa.Column("is_maker", sa.Boolean(), nullable=False),
        sa.Column("venue_order_id", sa.String(64), nullable=False),
        sa.Column("ts_event", sa.BigInteger(), nullable=False),
        sa.Column("ts_recv", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("trade_id <> ''", name="ck_fills_trade_id_not_empty"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name="fk_fills_run_id_runs"),
        sa.PrimaryKeyConstraint("id", name="pk_fills"),
        sa.UniqueConstraint("client_order_id", "trade_id", name="uq_fills_client_order_id_trade_id"),
    )
    op.create_index("ix_fills_run_id_id", "fills", ["run_id", "id"])

    op.create_table(
        "positions",
        sa.Column("run_id", sa.String(128), nullable=False),
        sa.Column("instrument_id", sa.String(64), nullable=False),
        sa.Column("multiplier", sa.Text(), nullable=False),
        sa.Column("qty", sa.Text(), nullable=False),
        sa.Column("avg_entry_price", sa.Text(), nullable=False),
        sa.Column("realised_pnl", sa.Text(), nullable=False),
        sa.Column("fees", sa.Text(), nullable=False),
        sa.Column("funding", sa.Text(), nullable=False),
        sa.Column("turnover", sa.Text(), nullable=False),
        sa.Column("ts_ns", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name="fk_positions_run_id_runs"),
        sa.PrimaryKeyConstraint("run_id", "instrument_id", name="pk_positions"),
    )

    op.create_table(
        "audit_events",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(128), nullable=False),
        sa.Column("ts_ns", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("data", JSON_DOC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_run_id_kind_id", "audit_events", ["run_id", "kind", "id"])

    op.create_table(
        "sequence_counters",
        sa.Column("prefix", sa.String(64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", name="pk_sequence_counters"),
    )


def downgrade() -> None:
    op.drop_table("sequence_counters")
    op.drop_index("ix_audit_events_run_id_kind_id", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_table("positions")
    op.drop_index("ix_fills_run_id_id", table_name="fills")
    op.drop_table("fills")
    op.drop_index("ix_order_states_client_order_id_id", table_name="order_states")
    op.drop_table("order_states")
    op.drop_index("ix_orders_run_id_status", table_name="orders")
    op.drop_table("orders")
    op.drop_index("ix_runs_started_ns", table_name="runs")
    op.drop_table("runs")
