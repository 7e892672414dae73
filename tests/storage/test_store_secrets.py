"""Secrets never reach the database, the logs or a repr."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL

from cryptoscalp_core.ports.secrets import Secret
from cryptoscalp_core.ports.store import AuditEvent, RunRecord
from cryptoscalp_core.storage import SqlStore, StoreConfigError

RAW = "sk-LIVE-7f3a9c1e55d04b2a"  # the secret value that must appear nowhere


@dataclass
class VenueCredentials:
    venue: str
    api_key: str


def _dump(store: SqlStore) -> str:
    """Every row of every table, as text, read with plain SQL."""
    parts: list[str] = []
    with store.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            if connection.dialect.name == "postgresql":
                rows = connection.execute(text(f'SELECT to_jsonb(t)::text FROM "{table}" t')).scalars()
                parts.extend(rows)
            else:
                parts.extend(repr(tuple(r)) for r in connection.execute(text(f'SELECT * FROM "{table}"')))
    return "\n".join(parts)


def _sqlite_bytes(store: SqlStore) -> bytes:
    database = store.url.database
    assert database is not None
    return b"".join(p.read_bytes() for p in Path(database).parent.iterdir() if p.is_file())


def test_audit_data_is_scrubbed_before_it_is_written(store: SqlStore, run_id: str) -> None:
    data = {
        "reason": "max_notional",
        "notional": Decimal("5012.50"),
        "api_key": RAW,
        "headers": {"X-MBX-APIKEY": RAW, "Content-Type": "json"},
        "OKX_PASSPHRASE": RAW,
        "auth": {"accessToken": RAW, "Signature": RAW, "password": {"nested": RAW}},
        # a value in a plain list has no key to judge it by, so only a Secret object there is masked
        "attempts": [{"client_secret": RAW, "n": 1}, ("refresh_TOKEN", "plain")],
        "credential": Secret("binance.api_secret", RAW),
        "creds": VenueCredentials("okx", RAW),
        "limits": (1, 2),
    }
    store.audit(AuditEvent(run_id=run_id, ts_ns=5, kind="risk_reject", source="order-sanity",
                           message="order refused", data=data))

    [event] = store.audit_events(run_id)
    assert event.data == {
        "reason": "max_notional",
        "notional": "5012.50",
        "api_key": "***",
        "headers": {"X-MBX-APIKEY": "***", "Content-Type": "json"},
        "OKX_PASSPHRASE": "***",
        "auth": {"accessToken": "***", "Signature": "***", "password": "***"},
        "attempts": [{"client_secret": "***", "n": 1}, ["refresh_TOKEN", "plain"]],
        "credential": "***",
        "creds": {"venue": "okx", "api_key": "***"},
        "limits": [1, 2],
    }


def test_no_secret_anywhere_in_the_database(store: SqlStore, run_id: str) -> None:
    data = {"api_key": RAW, "deep": [{"webhook": {"token": RAW}}], "s": Secret("x", RAW),
            "creds": VenueCredentials("okx", RAW)}
    store.audit(AuditEvent(run_id=run_id, ts_ns=1, kind="failover", source="healing", data=data))
    store.start_run(RunRecord(run_id="r2", mode="live", summary={"exchange": {"secret": RAW}}))
    store.finish_run("r2", status="failed", finished_ns=2, summary={"signature": RAW, "k": Secret("k", RAW)})
    assert store.get_run("r2") is not None
    dump = _dump(store)
    assert "failover" in dump and "r2" in dump  # the dump does see the rows
    assert RAW not in dump
    if store.url.get_backend_name() == "sqlite":
        store.close()  # closing checkpoints the WAL; a leftover -wal file would be read as well
        raw = _sqlite_bytes(store)
        assert b"failover" in raw
        assert RAW.encode() not in raw


def test_audit_events_filter_by_kind_in_order(store: SqlStore, run_id: str) -> None:
    for i, kind in enumerate(["risk_reject", "kill_switch", "risk_reject"]):
        store.audit(AuditEvent(run_id=run_id, ts_ns=i, kind=kind, source="risk", message=f"m{i}"))
    store.audit(AuditEvent(run_id="not-started", ts_ns=9, kind="start_failed", source="engine"))
    assert [e.message for e in store.audit_events(run_id)] == ["m0", "m1", "m2"]
    assert [e.ts_ns for e in store.audit_events(run_id, "risk_reject")] == [0, 2]
    assert store.audit_events(run_id, "nothing") == []
    assert [e.kind for e in store.audit_events("not-started")] == ["start_failed"]


@pytest.mark.postgres
def test_password_in_url_is_masked_in_repr_and_logs(pg_database_url: URL,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    password = "Pw-9d2f-never-log-me"
    # The test server trusts local connections, so any password is accepted and only has to stay hidden.
    url = pg_database_url.set(password=password)
    store = SqlStore(url.render_as_string(hide_password=False))
    try:
        caplog.set_level(logging.DEBUG)
        store.migrate()
        store.start_run(RunRecord(run_id="r", mode="live"))
        assert password not in repr(store)
        assert "***" in repr(store)
        assert password not in caplog.text
        assert any("store" in r.getMessage() for r in caplog.records)  # the store did log
    finally:
        store.close()


def test_unparsable_url_error_masks_the_password() -> None:
    with pytest.raises(StoreConfigError) as info:
        SqlStore("postgresql+psycopg://trader:hunter2-secret@db:notaport/x")
    assert "hunter2-secret" not in str(info.value)
    assert "trader:***@" in str(info.value)

