"""Fixtures shared by the account-guard tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from cryptoscalp_core.domain.orders import OrderRequest, OrderSide, OrderType
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.ports.risk import PortfolioState
from cryptoscalp_core.storage.sql_store import SqlStore
from cryptoscalp_core.testing.conformance import sample_instruments

BTC = sample_instruments()[0]
DAY = 86_400 * 1_000_000_000


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    s = SqlStore(f"sqlite:///{tmp_path / 'guard.db'}")
    s.migrate()
    yield s
    s.close()


@pytest.fixture
def make_state() -> Callable[..., PortfolioState]:
    def make(equity: str, *, ts: int = DAY, qty: str = "0", maintenance: str = "0", ratio: str = "0",
             mid: str = "60000") -> PortfolioState:
        pos = Position(BTC.id)
        pos.qty = Decimal(qty)
        return PortfolioState(ts_ns=ts, instruments={BTC.id: BTC}, positions={BTC.id: pos},
                              mid_prices={BTC.id: Decimal(mid)}, mark_prices={BTC.id: Decimal(mid)},
                              equity=Decimal(equity), maintenance_margin=Decimal(maintenance),
                              margin_ratio=Decimal(ratio))

    return make


@pytest.fixture
def buy() -> Callable[..., OrderRequest]:
    def make(qty: str = "0.01", *, reduce_only: bool = False, side: OrderSide = OrderSide.BUY) -> OrderRequest:
        return OrderRequest(client_order_id="c", instrument_id=BTC.id, side=side, type=OrderType.MARKET,
                            qty=Decimal(qty), reduce_only=reduce_only)

    return make
