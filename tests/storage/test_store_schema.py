"""Schema: migrations run from code, are idempotent, and match the models exactly."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Engine, MetaData, String, inspect, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError, OperationalError

import cryptoscalp_core.storage
from cryptoscalp_core.domain.orders import Fill, Order, OrderRequest, OrderSide, OrderType
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.ports.store import AuditEvent, RunRecord
from cryptoscalp_core.storage import EngineOptions, SqlStore, mapping, migrate
from cryptoscalp_core.storage.models import Base

TABLES = {"runs", "orders", "order_states", "fills", "positions", "audit_events", "sequence_counters",
          "model_versions", "model_stage_changes"}


def _diff(engine: Engine, metadata: MetaData) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": migrate.VERSION_TABLE},
        )
        return list(compare_metadata(context, metadata))


def test_migrate_creates_every_table_at_head(store: SqlStore) -> None:
    names = set(inspect(store.engine).get_table_names())
    assert names >= TABLES
    assert migrate.VERSION_TABLE in names
    with store.engine.connect() as connection:
        stamped = connection.execute(text(f"SELECT version_num FROM {migrate.VERSION_TABLE}")).scalars().all()
    assert stamped == ["0002"]


def test_migrate_is_idempotent_and_keeps_data(store: SqlStore) -> None:
    first = store.next_sequence("p")
    store.migrate()
    store.migrate()
    assert store.next_sequence("p") == first + 1
    with store.engine.connect() as connection:
        rows = connection.execute(text(f"SELECT COUNT(*) FROM {migrate.VERSION_TABLE}")).scalar_one()
    assert rows == 1


def test_models_and_migrations_agree(store: SqlStore) -> None:
    # Fails when a model changes without a migration (or the reverse).
    assert _diff(store.engine, Base.metadata) == []


def test_the_comparison_would_see_a_model_change(store: SqlStore) -> None:
    # Guards the test above against passing vacuously (a comparator configured to see nothing).
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["fills"].append_column(Column("liquidity_flag", String(8), nullable=True))
    changed.tables["orders"].c.venue_order_id.type = String(128)
    diff = _diff(store.engine, changed)
    assert any(d[0] == "add_column" and d[3].name == "liquidity_flag" for d in diff if isinstance(d, tuple))
    modified = [d for d in diff if isinstance(d, list)]
    assert any(m[0][0] == "modify_type" and m[0][3] == "venue_order_id" for m in modified)


def test_one_head_and_scripts_ship_inside_the_package() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert script.get_heads() == [migrate.head_revision()]
    package_dir = Path(cryptoscalp_core.storage.__file__).parent
    assert Path(script.dir).resolve() == (package_dir / "migrations").resolve()
    assert (package_dir / "migrations" / "script.py.mako").is_file()


def test_migrate_needs_no_alembic_ini_in_the_working_directory(
    open_store: Callable[[], SqlStore], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # nothing alembic-related here
    store = open_store()
    store.migrate()
    assert set(inspect(store.engine).get_table_names()) >= TABLES


def test_sqlite_folder_is_created_on_first_use_not_before(sqlite_url: URL) -> None:
    assert sqlite_url.database is not None
    folder = Path(sqlite_url.database).parent
    store = SqlStore(sqlite_url)
    assert not folder.exists()
    try:
        store.migrate()
        assert (folder / "store.db").is_file()
    finally:
        store.close()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: URL) -> None:
    store = SqlStore(sqlite_url)
    try:
        store.migrate()
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    finally:
        store.close()


def test_foreign_keys_are_enforced(store: SqlStore) -> None:
    # Bypasses the store's own run check to prove the database refuses an orphan on both backends.
    with pytest.raises(IntegrityError), store.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO positions (run_id, instrument_id, multiplier, qty, avg_entry_price, realised_pnl,"
            " fees, funding, turnover, ts_ns) VALUES ('no-such-run', 'x:Y', '1', '0', '0', '0', '0', '0',"
            " '0', 0)"
        ))


def test_sqlite_readers_are_not_blocked_by_a_writer(sqlite_url: URL) -> None:
    store = SqlStore(sqlite_url, EngineOptions(sqlite_busy_timeout_s=0.2))
    try:
        store.migrate()
        first = store.next_sequence("p")
        assert sqlite_url.database is not None
        other = sqlite3.connect(sqlite_url.database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            assert store.list_runs() == []
            assert store.open_orders() == []
            with pytest.raises(OperationalError, match="locked"):
                store.next_sequence("p")
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert store.next_sequence("p") == first + 1
    finally:
        store.close()


def test_storage_covers_every_domain_field() -> None:
    # A field added to a domain struct must get a column (and a migration), or it would be dropped silently.
    request = OrderRequest(client_order_id="c", instrument_id="x:Y", side=OrderSide.BUY, type=OrderType.MARKET,
                           qty=Decimal(1))
    order = Order(request=request)
    the_fill = Fill(client_order_id="c", instrument_id="x:Y", side=OrderSide.BUY, price=Decimal(1),
                    qty=Decimal(1), fee=Decimal(0), trade_id="t")
    renamed = {"type": "order_type"}
    assert set(mapping.request_columns(request)) == {renamed.get(f, f) for f in OrderRequest.__struct_fields__}
    assert set(mapping.state_columns(order)) == set(Order.__struct_fields__) - {"request"}
    assert set(mapping.fill_columns(the_fill)) == set(Fill.__struct_fields__)
    assert set(mapping.POSITION_FIELDS) == set(Position.__slots__) - {"instrument_id"}
    assert set(RunRecord.__struct_fields__) <= set(Base.metadata.tables["runs"].c.keys())
    assert set(AuditEvent.__struct_fields__) <= set(Base.metadata.tables["audit_events"].c.keys())
