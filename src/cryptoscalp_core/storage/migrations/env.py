"""Alembic environment of the store. Normally run by :func:`cryptoscalp_core.storage.migrate.upgrade`,
which passes an open connection; with a ``sqlalchemy.url`` option it also works from the alembic CLI."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from cryptoscalp_core.storage.migrate import VERSION_TABLE
from cryptoscalp_core.storage.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=config.get_main_option("version_table") or VERSION_TABLE,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode rebuilds the table so later migrations run there too.
        render_as_batch=connection.dialect.name == "sqlite",
    )


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        version_table=config.get_main_option("version_table") or VERSION_TABLE,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if isinstance(connection, Connection):
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("the store's alembic env needs a connection or a 'sqlalchemy.url' option")
    engine = create_engine(url)
    try:
        with engine.connect() as own_connection:
            _configure(own_connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
