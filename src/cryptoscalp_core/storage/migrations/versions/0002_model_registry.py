"""model registry: versions with lineage, and their stage history

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
PRODUCTION = sa.text("stage = 'production'")


def upgrade() -> None:
    op.create_table(
        "model_versions",
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("component", sa.String(128), nullable=False),
        sa.Column("config", JSON_DOC, nullable=False),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.Column("data_start_ns", sa.BigInteger(), nullable=True),
        sa.Column("data_end_ns", sa.BigInteger(), nullable=True),
        sa.Column("features", JSON_DOC, nullable=False),
        sa.Column("params", JSON_DOC, nullable=False),
        sa.Column("code_version", JSON_DOC, nullable=False),
        sa.Column("metrics", JSON_DOC, nullable=False),
        sa.Column("artifact_uri", sa.Text(), nullable=False),
        sa.Column("artifact_sha256", sa.String(64), nullable=False),
        sa.Column("parent", sa.String(160), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", "version", name="pk_model_versions"),
    )
    op.create_index("uq_model_versions_production", "model_versions", ["name"], unique=True,
                    sqlite_where=PRODUCTION, postgresql_where=PRODUCTION)
    op.create_table(
        "model_stage_changes",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("from_stage", sa.String(32), nullable=True),
        sa.Column("to_stage", sa.String(32), nullable=False),
        sa.Column("ts_ns", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_model_stage_changes"),
    )
    op.create_index("ix_model_stage_changes_name_id", "model_stage_changes", ["name", "id"])


def downgrade() -> None:
    op.drop_index("ix_model_stage_changes_name_id", table_name="model_stage_changes")
    op.drop_table("model_stage_changes")
    op.drop_index("uq_model_versions_production", table_name="model_versions")
    op.drop_table("model_versions")
