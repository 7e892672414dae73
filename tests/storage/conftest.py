"""Fixtures of the storage tests: every store test runs on SQLite and on PostgreSQL.

PostgreSQL tests each get a database of their own (``cs_test_<random>``), created through the server's
``postgres`` maintenance database and dropped afterwards, so they can run in parallel and leave nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url

from cryptoscalp_core.domain.orders import Fill, OrderRequest, OrderSide, OrderType
from cryptoscalp_core.ports.store import RunRecord
from cryptoscalp_core.storage import EngineOptions, SqlStore

BACKENDS = [pytest.param("sqlite", id="sqlite"),
            pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def pg_server(postgres_url: str) -> Iterator[tuple[URL, Engine]]:
    """The test database's URL and an AUTOCOMMIT engine on it, to create and drop schemas."""
    server = make_url(postgres_url)
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    yield server, engine
    engine.dispose()


@pytest.fixture
def pg_database_url(pg_server: tuple[URL, Engine]) -> Iterator[URL]:
    """A URL whose connections see only a fresh, empty schema of their own (``search_path``), so every
    test starts from nothing and tests can run in parallel; the schema is dropped afterwards."""
    server, admin = pg_server
    name = f"cs_test_{uuid.uuid4().hex[:16]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield server.update_query_dict({"options": f"-csearch_path={name}"})
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> URL:
    # A folder that does not exist yet: the store must create it on first use.
    return make_url(f"sqlite:///{tmp_path / 'runs' / 'store.db'}")


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest) -> URL:
    if request.param == "sqlite":
        url: URL = request.getfixturevalue("sqlite_url")
    else:
        url = request.getfixturevalue("pg_database_url")
    return url


@pytest.fixture
def open_store(store_url: URL) -> Iterator[Callable[[], SqlStore]]:
    """Opens stores on the test's database (a second one simulates a restarted process)."""
    opened: list[SqlStore] = []

    def _open() -> SqlStore:
        store = SqlStore(store_url, EngineOptions(pool_size=10, max_overflow=10))
        opened.append(store)
        return store

    yield _open
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: Callable[[], SqlStore]) -> SqlStore:
    store = open_store()
    store.migrate()
    return store


@pytest.fixture
def run_id(store: SqlStore) -> str:
    store.start_run(RunRecord(run_id="run-1", mode="paper", profile_name="test", started_ns=1_000))
    return "run-1"


MakeRequest = Callable[..., OrderRequest]
MakeFill = Callable[..., Fill]


def _limit_buy(cid: str, qty: str = "0.010", price: str = "65000.5", ts: int = 10) -> OrderRequest:
    return OrderRequest(client_order_id=cid, instrument_id="binance-usdm:BTCUSDT", side=OrderSide.BUY,
                        type=OrderType.LIMIT, qty=Decimal(qty), price=Decimal(price), ts_created=ts)


def _fill_of(request: OrderRequest, trade_id: str, qty: str, price: str, fee: str = "0.01",
             ts: int = 100) -> Fill:
    return Fill(client_order_id=request.client_order_id, instrument_id=request.instrument_id,
                side=request.side, price=Decimal(price), qty=Decimal(qty), fee=Decimal(fee),
                fee_asset="USDT", is_maker=True, trade_id=trade_id, venue_order_id="V-1",
                ts_event=ts, ts_recv=ts + 5)


@pytest.fixture
def limit_buy() -> MakeRequest:
    """``limit_buy(cid, qty="0.010", price="65000.5", ts=10)``: a BTCUSDT limit buy request."""
    return _limit_buy


@pytest.fixture
def fill_of() -> MakeFill:
    """``fill_of(request, trade_id, qty, price, fee="0.01", ts=100)``: a maker fill of ``request``."""
    return _fill_of
