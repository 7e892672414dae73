"""Registration of the SQL store as the ``sqlalchemy`` component of kind ``store``.

Profile example::

    store: {use: sqlalchemy, url: "postgresql+psycopg://cryptoscalp:${PGPASSWORD}@db/cryptoscalp"}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import ConfigDict, Field, field_validator

from cryptoscalp_core.registry import ComponentConfig, ComponentKind, ComponentRegistry
from cryptoscalp_core.storage.engine import EngineOptions, mask_url, parse_url
from cryptoscalp_core.storage.sql_store import SqlStore

NAME = "sqlalchemy"


class SqlStoreConfig(ComponentConfig):
    """Settings of the SQL store. ``url`` may hold a password: it is masked in errors and reprs."""

    # pydantic echoes the rejected value in its errors by default; a bad URL may carry a password.
    model_config = ConfigDict(hide_input_in_errors=True)

    url: str = Field("sqlite:///runs/cryptoscalp.db",
                     description="SQLAlchemy URL; a SQLite file's folder is created on first use")
    echo: bool = Field(False, description="log every SQL statement (debugging only)")
    pool_size: int = Field(5, ge=1, le=100, description="pooled connections kept open")
    max_overflow: int = Field(10, ge=0, le=100, description="extra connections allowed under load")
    pool_pre_ping: bool = Field(True, description="check a pooled connection before use (server restarts)")
    pool_recycle_s: int = Field(1800, ge=-1, description="replace connections older than this; -1 never")
    sqlite_busy_timeout_s: float = Field(30.0, gt=0, description="SQLite: wait this long for a lock")
    connect_timeout_s: int = Field(10, ge=1, description="PostgreSQL: give up connecting after this long")

    @field_validator("url")
    @classmethod
    def _url_parses(cls, value: str) -> str:
        parse_url(value)  # StoreConfigError is a ValueError: pydantic reports it with the field's path
        return value

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            yield name, mask_url(parse_url(value)) if name == "url" else value

    def engine_options(self) -> EngineOptions:
        return EngineOptions(echo=self.echo, pool_size=self.pool_size, max_overflow=self.max_overflow,
                             pool_pre_ping=self.pool_pre_ping, pool_recycle_s=self.pool_recycle_s,
                             sqlite_busy_timeout_s=self.sqlite_busy_timeout_s,
                             connect_timeout_s=self.connect_timeout_s)


def make_sql_store(config: SqlStoreConfig) -> SqlStore:
    """Order journal, fills, positions, runs and audit trail in SQLite or PostgreSQL (SQLAlchemy)."""
    return SqlStore(config.url, config.engine_options())


def register(registry: ComponentRegistry) -> None:
    registry.add(ComponentKind.STORE, NAME, make_sql_store, SqlStoreConfig)
