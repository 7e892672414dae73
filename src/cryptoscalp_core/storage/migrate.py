"""Alembic, driven from code: the migration scripts ship inside the package, no ``alembic.ini`` needed.

``script_location`` is a package resource, so migrations run the same from a source checkout and from an
installed wheel. The version table has a project-specific name because the same PostgreSQL database may
hold other alembic-managed schemas (Optuna's RDB storage uses ``alembic_version``).
"""

from __future__ import annotations

import logging

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

SCRIPT_LOCATION = "cryptoscalp_core.storage:migrations"
VERSION_TABLE = "cryptoscalp_alembic_version"
# Arbitrary constant key for pg_advisory_xact_lock: serialises concurrent migrate() calls from several
# processes starting at once (without it two of them may both try to create the tables).
_PG_MIGRATION_LOCK = 0x63735F6D6967  # "cs_mig"

log = logging.getLogger(__name__)


def alembic_config(connection: Connection | None = None) -> Config:
    """An alembic ``Config`` for the store's migrations; ``connection`` is used by ``env.py`` when given."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("version_table", VERSION_TABLE)
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"the store's migrations must have exactly one head, found {heads}")
    return heads[0]


def current_revision(connection: Connection) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema in one transaction (PostgreSQL and SQLite both have transactional DDL)."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        before = current_revision(connection)
        command.upgrade(alembic_config(connection), revision)
        after = current_revision(connection)
    if before != after:
        log.info("store schema migrated from %s to %s", before or "empty", after)


def autogenerate_revision(engine: Engine, message: str) -> None:
    """Write a new migration script comparing the models with a database already at head.

    A maintainer tool for source checkouts: review and edit the generated script before committing it.
    """
    with engine.begin() as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=True)
