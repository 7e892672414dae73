"""The core's RiskLayer and Plugin conformance suites, pointed at order-sanity."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

import pytest
from cryptoscalp_risk_order_sanity.config import OrderSanityConfig
from cryptoscalp_risk_order_sanity.plugin import make_order_sanity

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import OrderRequest, OrderSide, OrderType
from cryptoscalp_core.ports.risk import PortfolioState, RiskAction, RiskLayer
from cryptoscalp_core.registry import ComponentKind
from cryptoscalp_core.testing.conformance import PluginConformance, RiskLayerConformance, RiskScenario


class TestOrderSanityLayer(RiskLayerConformance):
    @pytest.fixture
    def make_layer(self, instruments: tuple[Instrument, ...]) -> Callable[[], RiskLayer]:
        # Limits low enough that random intents reach the resize and reject paths often.
        config = OrderSanityConfig(max_notional=Decimal(50_000), max_qty=Decimal(5), resize=True)
        return lambda: make_order_sanity(config, instruments)

    @pytest.fixture
    def scenarios(self, instruments: tuple[Instrument, ...]) -> Sequence[RiskScenario]:
        btc = instruments[0]
        book = PortfolioState(ts_ns=1, instruments={i.id: i for i in instruments},
                              mid_prices={btc.id: Decimal("60000")})

        def buy(qty: str, price: str) -> OrderRequest:
            return OrderRequest(client_order_id=f"s{qty}{price}", instrument_id=btc.id, side=OrderSide.BUY,
                                type=OrderType.LIMIT, qty=Decimal(qty), price=Decimal(price))

        return [RiskScenario(buy("0.010", "60000"), book, RiskAction.ALLOW),
                RiskScenario(buy("2.000", "60000"), book, RiskAction.RESIZE, "max_notional"),
                RiskScenario(buy("0.010", "66000"), book, RiskAction.REJECT, "price_band")]


class TestOrderSanityPlugin(PluginConformance):
    entry_point = "order-sanity"
    distribution = "cryptoscalp-risk-order-sanity"
    components = ((ComponentKind.RISK, "order-sanity"),)
