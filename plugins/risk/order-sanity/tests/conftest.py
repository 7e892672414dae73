"""Fixtures shared by the order-sanity tests (importlib import mode: helpers travel as fixtures)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from cryptoscalp_risk_order_sanity.config import OrderSanityConfig
from cryptoscalp_risk_order_sanity.layer import OrderSanityLayer
from cryptoscalp_risk_order_sanity.plugin import make_order_sanity

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import OrderRequest, OrderSide, OrderType
from cryptoscalp_core.ports.risk import PortfolioState

# Grids of real contracts: Binance USD-M BTCUSDT and an OKX swap counted in 0.01-BTC contracts.
BTC = Instrument("binance-usdm", "BTCUSDT", tick_size=Decimal("0.1"), lot_size=Decimal("0.001"),
                 min_notional=Decimal("100"))
OKX = Instrument("okx-swap", "BTC-USDT-SWAP", tick_size=Decimal("0.1"), lot_size=Decimal("0.01"),
                 contract_multiplier=Decimal("0.01"), min_qty=Decimal("0.01"))


@pytest.fixture
def btc() -> Instrument:
    return BTC


@pytest.fixture
def okx() -> Instrument:
    return OKX


@pytest.fixture
def make_layer() -> Callable[..., OrderSanityLayer]:
    """Build the layer through the plugin's factory, from profile-style settings."""

    def make(**settings: Any) -> OrderSanityLayer:
        return make_order_sanity(OrderSanityConfig.model_validate(settings), instruments=(BTC, OKX))

    return make


@pytest.fixture
def make_intent() -> Callable[..., OrderRequest]:
    def make(qty: str = "0.010", price: str | None = "60000.0", *, side: OrderSide = OrderSide.BUY,
             cid: str = "c1", reduce_only: bool = False, instrument: Instrument = BTC) -> OrderRequest:
        return OrderRequest(client_order_id=cid, instrument_id=instrument.id, side=side,
                            type=OrderType.LIMIT if price is not None else OrderType.MARKET,
                            qty=Decimal(qty), price=Decimal(price) if price is not None else None,
                            reduce_only=reduce_only)

    return make


@pytest.fixture
def make_portfolio() -> Callable[..., PortfolioState]:
    def make(mid: str | None = "60000.0", mark: str | None = None, *, ts: int = 0,
             instrument: Instrument = BTC) -> PortfolioState:
        mids = {instrument.id: Decimal(mid)} if mid is not None else {}
        marks = {instrument.id: Decimal(mark)} if mark is not None else {}
        return PortfolioState(ts_ns=ts, instruments={BTC.id: BTC, OKX.id: OKX}, mid_prices=mids,
                              mark_prices=marks)

    return make
