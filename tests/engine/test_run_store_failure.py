"""A run whose rows the store refuses fails, and is recorded as failed: nothing is reported finished that
the store does not hold."""

from __future__ import annotations

import sqlite3
import textwrap
from pathlib import Path

import anyio
import pytest

from cryptoscalp_core.engine.run import run_backtest
from cryptoscalp_core.storage.sql_store import SqlStore
from cryptoscalp_core.storage.table_writer import TableWriteError

ROOT = Path(__file__).resolve().parents[2]
pytest.importorskip("adbc_driver_sqlite", reason="the table writer needs the fast-store extra")


def test_a_fill_the_store_refuses_fails_the_run(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    store = SqlStore(f"sqlite:///{db}")
    store.migrate()
    store.close()
    with sqlite3.connect(db) as connection:  # the database refuses every fill, as a full disk or a constraint would
        connection.execute("CREATE TRIGGER refuse_fills BEFORE INSERT ON fills BEGIN "
                           "SELECT RAISE(ABORT, 'fills refused'); END")
    profile = tmp_path / "short.yaml"
    profile.write_text(textwrap.dedent(f"""
        extends: {ROOT / 'examples' / 'profiles' / 'quickstart.yaml'}
        feed: {{use: synthetic, seed: 11, duration_s: 120}}
        store: {{url: "sqlite:///{db}"}}
    """))
    with pytest.raises(TableWriteError, match="fills refused"):
        anyio.run(lambda: run_backtest(profile, output_dir=tmp_path / "out", report=False))
    store = SqlStore(f"sqlite:///{db}")
    try:
        (run,) = store.list_runs()
        assert run.status == "failed"
        assert store.fills(run.run_id) == []
    finally:
        store.close()
