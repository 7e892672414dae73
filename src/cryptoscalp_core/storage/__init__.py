"""Persistence of the core: the :class:`~cryptoscalp_core.ports.store.Store` port on SQLAlchemy.

Modules: ``models`` (tables), ``types`` (exact decimals), ``migrations/`` + ``migrate`` (alembic, run from
code), ``journal``/``ledger``/``runs`` (repositories), ``scrub`` (secret removal), ``engine`` (URLs and
engines), ``sql_store`` (the port implementation) and ``component`` (registration as ``store: sqlalchemy``).
"""

from cryptoscalp_core.storage.engine import EngineOptions
from cryptoscalp_core.storage.errors import (
    DuplicateOrderError,
    DuplicateRunError,
    StoreConfigError,
    UnknownOrderError,
    UnknownRunError,
)
from cryptoscalp_core.storage.sql_store import SqlStore

__all__ = [
    "DuplicateOrderError",
    "DuplicateRunError",
    "EngineOptions",
    "SqlStore",
    "StoreConfigError",
    "UnknownOrderError",
    "UnknownRunError",
]
