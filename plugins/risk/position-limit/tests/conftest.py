"""Fixtures shared by the position-limit tests (importlib import mode: helpers travel as fixtures)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import pytest
from cryptoscalp_risk_position_limit.config import PositionLimitConfig
from cryptoscalp_risk_position_limit.layer import PositionLimitLayer
from cryptoscalp_risk_position_limit.plugin import make_position_limit

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import Order, OrderRequest, OrderSide, OrderStatus, OrderType
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.ports.risk import PortfolioState

# Grids of real contracts: Binance USD-M BTCUSDT and an OKX swap counted in 0.01-BTC contracts.
BTC = Instrument("binance-usdm", "BTCUSDT", tick_size=Decimal("0.1"), lot_size=Decimal("0.001"),
                 min_notional=Decimal("100"))
OKX = Instrument("okx-swap", "BTC-USDT-SWAP", tick_size=Decimal("0.1"), lot_size=Decimal("0.01"),
                 contract_multiplier=Decimal("0.01"), min_qty=Decimal("0.01"))

Resting = tuple[OrderSide, str, str, OrderStatus]  # side, qty, filled qty, status


@pytest.fixture
def btc() -> Instrument:
    return BTC


@pytest.fixture
def okx() -> Instrument:
    return OKX


@pytest.fixture
def make_layer() -> Callable[..., PositionLimitLayer]:
    def make(**settings: Any) -> PositionLimitLayer:
        return make_position_limit(PositionLimitConfig.model_validate(settings), instruments=(BTC, OKX))

    return make


@pytest.fixture
def make_intent() -> Callable[..., OrderRequest]:
    def make(side: OrderSide, qty: str, price: str | None = "60000.0", *, cid: str = "new",
             reduce_only: bool = False, instrument: Instrument = BTC) -> OrderRequest:
        return OrderRequest(client_order_id=cid, instrument_id=instrument.id, side=side,
                            type=OrderType.LIMIT if price is not None else OrderType.MARKET,
                            qty=Decimal(qty), price=Decimal(price) if price is not None else None,
                            reduce_only=reduce_only)

    return make


@pytest.fixture
def make_portfolio() -> Callable[..., PortfolioState]:
    """``position`` is the signed quantity; ``resting`` lists open orders on the same instrument."""

    def make(position: str = "0", resting: Sequence[Resting] = (), *, mid: str | None = "60000.0",
             instrument: Instrument = BTC) -> PortfolioState:
        pos = Position(instrument.id, instrument.contract_multiplier)
        pos.qty = Decimal(position)
        orders = {}
        for i, (side, qty, filled, status) in enumerate(resting):
            request = OrderRequest(client_order_id=f"r{i}", instrument_id=instrument.id, side=side,
                                   type=OrderType.LIMIT, qty=Decimal(qty), price=Decimal("60000"))
            orders[request.client_order_id] = Order(request=request, status=status, filled_qty=Decimal(filled))
        return PortfolioState(ts_ns=0, instruments={BTC.id: BTC, OKX.id: OKX}, positions={instrument.id: pos},
                              open_orders=orders, mid_prices={instrument.id: Decimal(mid)} if mid else {})

    return make
