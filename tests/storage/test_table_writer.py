"""The table writer (Arrow tables through ADBC, on a thread of its own) against the DB-API bulk import:
the same rows read back through the port, on SQLite and PostgreSQL; errors reach the caller."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cryptoscalp_core.domain.orders import Order, accept, cancel, fill
from cryptoscalp_core.ports.store import RunRecord
from cryptoscalp_core.storage import SqlStore
from cryptoscalp_core.storage.arrow_rows import RUN_TABLES, arrow_table
from cryptoscalp_core.storage.bulk import OrderLife, object_columns
from cryptoscalp_core.storage.table_writer import ProcessSink


def _run(store: SqlStore, limit_buy, fill_of, tag: str) -> tuple[list[OrderLife], list]:  # type: ignore[no-untyped-def]
    lives, fills = [], []
    for i in range(5):
        request = limit_buy(f"{tag}{i}", qty=f"0.0{i + 1}0", price=f"6500{i}.5")
        first = Order(request=request)
        acked = accept(first, venue_order_id=f"V{i}", ts=20 + i)
        if i == 3:
            lives.append(OrderLife(request, [first, acked, cancel(acked, 40, "user")]))
            continue
        execution = fill_of(request, f"T{i}", f"0.0{i + 1}0", f"6500{i}.5", fee="0E-7" if i else "0.0125")
        fills.append(execution)
        lives.append(OrderLife(request, [first, acked, fill(acked, execution)]))
    return lives, fills


def _tables(run_id: str, lives: list[OrderLife], fills: list) -> list:  # type: ignore[type-arg]
    columns = object_columns(run_id, lives, fills)
    rows = (len(lives), sum(len(life.states) for life in lives), len(fills))
    return [(name, arrow_table(name, (part, n))) for name, part, n in zip(RUN_TABLES, columns, rows, strict=True)]


def test_written_tables_read_back_like_the_bulk_import(store: SqlStore, run_id: str, limit_buy, fill_of) -> None:
    store.start_run(RunRecord(run_id="run-2", mode="backtest", profile_name="test", started_ns=1_000))
    lives, fills = _run(store, limit_buy, fill_of, "a")
    reference, reference_fills = _run(store, limit_buy, fill_of, "b")
    writer = store.table_writer()
    assert writer is not None  # the fast-store drivers are part of the dev install
    half = len(lives) // 2
    writer.write(_tables(run_id, lives[:half], fills[:half]))
    writer.write(_tables(run_id, lives[half:], fills[half:]))
    writer.close()
    store.import_run_records("run-2", reference, reference_fills, [])

    for mine, theirs in zip(lives, reference, strict=True):
        got = store.order_history(mine.request.client_order_id)
        assert got == mine.states
        expected = store.order_history(theirs.request.client_order_id)
        assert [(o.status, o.filled_qty, o.avg_fill_price, o.fees, o.ts_updated) for o in got] == [
            (o.status, o.filled_qty, o.avg_fill_price, o.fees, o.ts_updated) for o in expected]
    assert store.fills(run_id) == fills  # in the order written, across the two batches
    assert str(store.fills(run_id)[1].fee) == "0E-7"  # the decimal's text, exponent included


def test_a_failed_write_is_raised_not_lost(store: SqlStore, run_id: str, limit_buy, fill_of) -> None:
    lives, fills = _run(store, limit_buy, fill_of, "c")
    store.import_run_records(run_id, lives[:1], [], [])
    writer = store.table_writer()
    assert writer is not None
    writer.write(_tables(run_id, lives, fills))  # the first order exists already: the batch must fail whole
    with pytest.raises(Exception, match=r"(?i)unique|constraint|duplicate"):
        writer.close()
    assert [f.trade_id for f in store.fills(run_id)] == []
    assert store.order_history(lives[1].request.client_order_id) == []
    with pytest.raises(RuntimeError, match="closed"):
        writer.write(_tables(run_id, lives[1:], []))


def test_rows_of_an_unknown_run_are_refused(store: SqlStore, limit_buy, fill_of) -> None:
    lives, fills = _run(store, limit_buy, fill_of, "d")
    writer = store.table_writer()
    assert writer is not None
    writer.write(_tables("no-such-run", lives, fills))
    with pytest.raises(Exception, match=r"(?i)foreign key"):
        writer.close()


def test_decimal_columns_refuse_floats_and_non_finite_values(run_id: str) -> None:
    columns = {"run_id": [run_id], "client_order_id": ["x"], "trade_id": ["T"], "instrument_id": ["i"],
               "side": ["buy"], "price": [65000.5], "qty": [Decimal(1)], "fee": [Decimal(0)], "fee_asset": ["USDT"],
               "is_maker": [True], "venue_order_id": ["V"], "ts_event": [1], "ts_recv": [2]}
    with pytest.raises(TypeError, match="price"):
        arrow_table("fills", (columns, 1))
    with pytest.raises(ValueError, match="non-finite"):
        arrow_table("fills", ({**columns, "price": [Decimal("NaN")]}, 1))


def test_no_writer_for_an_in_memory_database() -> None:
    store = SqlStore("sqlite://")
    try:
        assert store.table_writer() is None
    finally:
        store.close()


def test_a_writer_process_that_cannot_open_its_database_is_an_error(tmp_path: Path, run_id: str, limit_buy,
                                                                     fill_of, store: SqlStore) -> None:
    """The SQLite child process ends at once (no such folder): the batch is refused with that, not lost."""
    lives, fills = _run(store, limit_buy, fill_of, "e")
    sink = ProcessSink(tmp_path / "missing" / "store.db", busy_timeout_s=1.0)
    try:
        with pytest.raises(RuntimeError, match="process ended"):
            sink.append(_tables(run_id, lives, fills))
    finally:
        sink.close()


def test_lane_tables_read_back_like_the_bulk_import_of_the_same_orders(store: SqlStore, run_id: str) -> None:
    """The fast lane's tables (texts as byte matrices, indexed texts, ranges of columns shared by several
    blocks) bind as the Python values of the same orders do through the DB-API path, on both backends."""
    import numpy as np
    from sqlalchemy import text

    from cryptoscalp_core.domain.instrument import Instrument
    from cryptoscalp_core.engine.lane_records import LaneBlock, LaneContext
    from cryptoscalp_core.engine.lane_tables import lane_parts
    from cryptoscalp_core.sim.account import Account
    from cryptoscalp_core.sim.config import SimVenueConfig

    store.start_run(RunRecord(run_id="run-2", mode="backtest", profile_name="test", started_ns=1_000))
    instrument = Instrument("v", "BTCUSDT", Decimal("0.1"), Decimal("0.001"), quote="USDT")
    context = LaneContext((instrument,), Account([instrument], SimVenueConfig(fees_bps={"maker": 0, "taker": 2.5})))
    rng = np.random.default_rng(7)
    rows = np.zeros((60, 14), dtype=np.int64)
    rows[:, 0] = np.arange(60)
    rows[:, 2] = rng.choice([-1, 1], 60)
    rows[:, 3] = rng.choice([1, 3, 10], 60)
    rows[:, 4] = rng.integers(0, 2, 60)
    rows[:, 5] = rows[:, 8] = rows[:, 11] = rows[:, 12] = 1_000 + np.arange(60)
    rows[:, 7] = 10 ** rng.integers(0, 7, 60)  # venue ids of every length
    rows[:, 9] = 500 + np.arange(60)
    rows[:, 10] = rng.integers(599_000, 601_000, 60)
    rows[:, 13] = rng.random(60) < 0.2

    def blocks(prefix: str) -> list[LaneBlock]:
        return [LaneBlock([rows[a:a + 20]], prefix, context, (Decimal("0.003"),)) for a in (0, 20, 40)]

    made = lane_parts(blocks("pa"), run_id)
    writer = store.table_writer()
    assert writer is not None
    writer.write([(name, arrow_table(name, *[parts[k] for parts in made])) for k, name in enumerate(RUN_TABLES)])
    writer.close()
    for block in blocks("pb"):
        store.import_run_columns("run-2", *block.store_columns("run-2"), [])

    def stored(run: str, prefix: str) -> list[list[dict[str, object]]]:
        """Each table's rows of ``run`` in the order written, without the run id, row ids and id prefix."""
        tables = []
        with store.engine.connect() as connection:
            for name in RUN_TABLES:
                order = "client_order_id" if name == "orders" else "id"
                got = connection.execute(text(f"SELECT * FROM {name} WHERE run_id = :run ORDER BY {order}"),
                                         {"run": run})
                table = []
                for mapping in got.mappings():
                    row = {k: v for k, v in mapping.items() if k not in ("id", "run_id")}
                    row["client_order_id"] = str(row["client_order_id"]).replace(prefix, "p", 1)
                    table.append(row)
                tables.append(table)
        return tables

    mine, theirs = stored(run_id, "pa"), stored("run-2", "pb")
    assert [len(t) for t in mine] == [60, 180, int((rows[:, 13] == 0).sum())]
    assert mine == theirs


def test_the_sqlite_writer_process_leaves_no_files_behind(tmp_path: Path, limit_buy, fill_of,  # type: ignore[no-untyped-def]
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The batches' folder goes with the child, even when the parent exits without waiting for it."""
    monkeypatch.setattr(ProcessSink, "_reap", lambda self: None)  # a parent that never waits for its child
    store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
    store.migrate()
    store.start_run(RunRecord(run_id="run-f", mode="backtest", profile_name="test", started_ns=1_000))
    lives, fills = _run(store, limit_buy, fill_of, "f")
    sink = ProcessSink(tmp_path / "store.db", busy_timeout_s=5.0)
    folder = sink._folder
    sink.append(_tables("run-f", lives, fills))
    assert folder.is_dir()
    sink.close()
    assert sink._child.wait(timeout=30) == 0
    assert not folder.exists()
    assert store.fills("run-f") == fills
    store.close()
