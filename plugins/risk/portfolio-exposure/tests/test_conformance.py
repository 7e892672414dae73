"""The core's RiskLayer (with capabilities) and Plugin conformance suites, pointed at portfolio-exposure."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import pytest
from cryptoscalp_risk_portfolio_exposure.config import PortfolioExposureConfig
from cryptoscalp_risk_portfolio_exposure.plugin import make_portfolio_exposure

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import OrderRequest, OrderSide, OrderType
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.ports.risk import PortfolioState, RiskAction, RiskLayer
from cryptoscalp_core.registry import ComponentKind
from cryptoscalp_core.testing.conformance import PluginConformance, RiskLayerCapabilityConformance, RiskScenario


class TestPortfolioExposureLayer(RiskLayerCapabilityConformance):
    max_examples = 60

    @pytest.fixture
    def make_layer(self, instruments: tuple[Instrument, ...]) -> Callable[[], RiskLayer]:
        config = PortfolioExposureConfig(max_gross_notional=Decimal(10**6), max_net_notional=Decimal(5 * 10**5),
                                         max_cluster_notional=Decimal(4 * 10**5), max_concentration=0.9,
                                         concentration_min_gross=Decimal(10**6),
                                         max_var=Decimal(10**5))
        return lambda: make_portfolio_exposure(config, instruments)

    @pytest.fixture
    def scenarios(self, instruments: tuple[Instrument, ...]) -> Sequence[RiskScenario]:
        btc = instruments[0]
        long_5 = Position(btc.id)
        long_5.qty = Decimal(5)
        book = PortfolioState(ts_ns=1, instruments={i.id: i for i in instruments}, positions={btc.id: long_5},
                              mid_prices={btc.id: Decimal("60000")})

        def order(side: OrderSide, qty: str) -> OrderRequest:
            return OrderRequest(client_order_id=f"s{side.value}{qty}", instrument_id=btc.id, side=side,
                                type=OrderType.LIMIT, qty=Decimal(qty), price=Decimal("60000"))

        # 5 BTC = 300k long; cluster cap 400k leaves 100k = 1.666 BTC
        return [RiskScenario(order(OrderSide.BUY, "1"), book, RiskAction.ALLOW),
                RiskScenario(order(OrderSide.BUY, "3"), book, RiskAction.RESIZE, "cluster_notional"),
                RiskScenario(order(OrderSide.SELL, "5"), book, RiskAction.ALLOW)]


class TestPortfolioExposurePlugin(PluginConformance):
    entry_point = "portfolio-exposure"
    distribution = "cryptoscalp-risk-portfolio-exposure"
    components = ((ComponentKind.RISK, "portfolio-exposure"),)

    @pytest.fixture
    def component_settings(self) -> Mapping[str, Mapping[str, Any]]:
        return {"portfolio-exposure": {"max_gross_notional": 10_000}}  # the config refuses a layer without limits
