"""The core's RiskLayer (with capabilities) and Plugin conformance suites, pointed at volatility-stops."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

import pytest
from cryptoscalp_risk_volatility_stops.config import VolatilityStopsConfig
from cryptoscalp_risk_volatility_stops.plugin import make_volatility_stops

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import OrderRequest, OrderSide, OrderType
from cryptoscalp_core.ports.risk import PortfolioState, RiskAction, RiskLayer
from cryptoscalp_core.registry import ComponentKind
from cryptoscalp_core.testing.conformance import PluginConformance, RiskLayerCapabilityConformance, RiskScenario


class TestVolatilityStopsLayer(RiskLayerCapabilityConformance):
    max_examples = 60

    @pytest.fixture
    def make_layer(self, instruments: tuple[Instrument, ...]) -> Callable[[], RiskLayer]:
        config = VolatilityStopsConfig(stop_loss=1, take_profit=2, trailing=1, max_holding_s=1, cooldown_ms=100)
        return lambda: make_volatility_stops(config, instruments)

    @pytest.fixture
    def scenarios(self, instruments: tuple[Instrument, ...]) -> Sequence[RiskScenario]:
        # Stops act on positions the layer saw filled; before any fill, no entry is blocked on either side.
        btc = instruments[0]
        book = PortfolioState(ts_ns=1, instruments={i.id: i for i in instruments}, equity=Decimal(10_000),
                              mid_prices={btc.id: Decimal("60000")})

        def order(side: OrderSide) -> OrderRequest:
            return OrderRequest(client_order_id=f"s{side.value}", instrument_id=btc.id, side=side,
                                type=OrderType.MARKET, qty=Decimal("0.01"))

        return [RiskScenario(order(OrderSide.BUY), book, RiskAction.ALLOW),
                RiskScenario(order(OrderSide.SELL), book, RiskAction.ALLOW)]


class TestVolatilityStopsPlugin(PluginConformance):
    entry_point = "volatility-stops"
    distribution = "cryptoscalp-risk-volatility-stops"
    components = ((ComponentKind.RISK, "volatility-stops"),)
