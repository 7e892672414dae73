"""The core's RiskLayer and Plugin conformance suites, pointed at position-limit."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import pytest
from cryptoscalp_risk_position_limit.config import PositionLimitConfig
from cryptoscalp_risk_position_limit.plugin import make_position_limit

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import OrderRequest, OrderSide, OrderType
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.ports.risk import PortfolioState, RiskAction, RiskLayer
from cryptoscalp_core.registry import ComponentKind
from cryptoscalp_core.testing.conformance import PluginConformance, RiskLayerConformance, RiskScenario


class TestPositionLimitLayer(RiskLayerConformance):
    @pytest.fixture
    def make_layer(self, instruments: tuple[Instrument, ...]) -> Callable[[], RiskLayer]:
        # Limits in the range of the suite's random positions, so resizes and rejections are common.
        config = PositionLimitConfig(max_position=Decimal(50), max_short=Decimal(20))
        return lambda: make_position_limit(config, instruments)

    @pytest.fixture
    def scenarios(self, instruments: tuple[Instrument, ...]) -> Sequence[RiskScenario]:
        btc = instruments[0]
        long_40 = Position(btc.id)
        long_40.qty = Decimal(40)
        book = PortfolioState(ts_ns=1, instruments={i.id: i for i in instruments}, positions={btc.id: long_40},
                              mid_prices={btc.id: Decimal("60000")})

        def order(side: OrderSide, qty: str, reduce_only: bool = False) -> OrderRequest:
            return OrderRequest(client_order_id=f"s{side.value}{qty}", instrument_id=btc.id, side=side,
                                type=OrderType.LIMIT, qty=Decimal(qty), price=Decimal("60000"),
                                reduce_only=reduce_only)

        return [RiskScenario(order(OrderSide.BUY, "5"), book, RiskAction.ALLOW),
                RiskScenario(order(OrderSide.BUY, "15"), book, RiskAction.RESIZE, "position_limit"),
                RiskScenario(order(OrderSide.SELL, "70"), book, RiskAction.RESIZE, "max_short"),
                RiskScenario(order(OrderSide.SELL, "500", reduce_only=True), book, RiskAction.ALLOW)]


class TestPositionLimitPlugin(PluginConformance):
    entry_point = "position-limit"
    distribution = "cryptoscalp-risk-position-limit"
    components = ((ComponentKind.RISK, "position-limit"),)

    @pytest.fixture
    def component_settings(self) -> Mapping[str, Mapping[str, Any]]:
        return {"position-limit": {"max_position": 1}}  # the config refuses a layer without limits
