"""Database URLs and engines: parsing with clear errors, password masking, SQLite settings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from cryptoscalp_core.storage.errors import StoreConfigError

# Execution option marking the store's read-only transactions (see the SQLite "begin" hook below).
READ_ONLY_OPTION = "cryptoscalp_read_only"

_USERINFO = re.compile(r"(://[^:/@]*:)[^@]*@")


def redact(text: str) -> str:
    """Mask a password in URL-looking text that SQLAlchemy could not parse (so cannot mask itself)."""
    return _USERINFO.sub(r"\1***@", text)


def parse_url(url: str | URL) -> URL:
    """Parse and check a database URL; :class:`StoreConfigError` (password masked) when it is unusable."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise StoreConfigError(
            f"invalid database URL {redact(str(url))!r}: expected 'dialect[+driver]://user@host/db' "
            f"or 'sqlite:///path/to/file.db' ({redact(str(exc))})"
        ) from None
    try:
        # Loads the dialect class only (no driver, no connection), so a typo such as 'postgres+pg://'
        # fails at profile check instead of at the first order.
        parsed.get_dialect()
    except NoSuchModuleError:
        raise StoreConfigError(
            f"database URL {mask_url(parsed)!r}: unknown backend {parsed.drivername!r} "
            "(use for example 'sqlite' or 'postgresql+psycopg')"
        ) from None
    return parsed


def mask_url(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL; ``None`` for an in-memory or ``file:`` URI database."""
    if not is_sqlite(url):
        return None
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:") or url.query.get("uri") == "true":
        return None
    return Path(database)


@dataclass(frozen=True, slots=True)
class EngineOptions:
    echo: bool = False
    pool_size: int = 5
    max_overflow: int = 10
    pool_pre_ping: bool = True
    pool_recycle_s: int = 1800
    sqlite_busy_timeout_s: float = 30.0
    connect_timeout_s: int = 10


def make_engine(url: URL, options: EngineOptions) -> Engine:
    """Create the engine (no connection yet). For SQLite, create the file's folder first."""
    if not is_sqlite(url):
        connect_args: dict[str, Any] = {}
        if url.get_backend_name() == "postgresql" and url.get_driver_name() in ("psycopg", "psycopg2"):
            # libpq waits for the OS TCP timeout (minutes) by default; an unreachable server should fail fast.
            connect_args["connect_timeout"] = options.connect_timeout_s
        return create_engine(url, echo=options.echo, pool_size=options.pool_size,
                             max_overflow=options.max_overflow, pool_pre_ping=options.pool_pre_ping,
                             pool_recycle=options.pool_recycle_s, connect_args=connect_args)
    path = sqlite_file(url)
    kwargs: dict[str, Any] = {
        "connect_args": {"check_same_thread": False, "timeout": options.sqlite_busy_timeout_s},
    }
    if path is None:
        # Every connection to ':memory:' is a new empty database: share the single one.
        kwargs["poolclass"] = StaticPool
    else:
        path.expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs.update(pool_size=options.pool_size, max_overflow=options.max_overflow)
    engine = create_engine(url, echo=options.echo, **kwargs)
    _configure_sqlite(engine, wal=path is not None)
    return engine


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module, which would otherwise run reads that
        # precede the first write outside any transaction.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            if wal:
                # WAL lets readers in other processes (reports, the CLI) read while the engine writes.
                # synchronous stays FULL (the default): the journal must survive a power cut.
                cursor.execute("PRAGMA journal_mode=WAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY_OPTION):
            # A deferred read transaction in WAL mode neither waits for writers nor blocks them.
            connection.exec_driver_sql("BEGIN")
        else:
            # IMMEDIATE takes the write lock up front: a read-then-write transaction (journal_intent,
            # record_order) can then never fail half-way with SQLITE_BUSY; others wait up to the busy
            # timeout instead.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
