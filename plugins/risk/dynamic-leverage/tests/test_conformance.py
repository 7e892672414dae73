"""The core's RiskLayer and Plugin conformance suites, pointed at dynamic-leverage."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

import pytest
from cryptoscalp_risk_dynamic_leverage.config import DynamicLeverageConfig
from cryptoscalp_risk_dynamic_leverage.plugin import make_dynamic_leverage

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import OrderRequest, OrderSide, OrderType
from cryptoscalp_core.ports.risk import PortfolioState, RiskAction, RiskLayer
from cryptoscalp_core.registry import ComponentKind
from cryptoscalp_core.testing.conformance import PluginConformance, RiskLayerCapabilityConformance, RiskScenario


class TestDynamicLeverageLayer(RiskLayerCapabilityConformance):
    max_examples = 60

    @pytest.fixture
    def make_layer(self, instruments: tuple[Instrument, ...]) -> Callable[[], RiskLayer]:
        config = DynamicLeverageConfig(max_leverage=2, target_vol_annual=0.5, kelly_fraction=0.5, kelly_min_trades=2)
        return lambda: make_dynamic_leverage(config, instruments)

    @pytest.fixture
    def scenarios(self, instruments: tuple[Instrument, ...]) -> Sequence[RiskScenario]:
        btc = instruments[0]
        # equity 10,000 at max_leverage 2: at most 20,000 of BTC notional, i.e. 0.333 BTC at 60,000
        book = PortfolioState(ts_ns=1, instruments={i.id: i for i in instruments}, equity=Decimal(10_000),
                              mid_prices={btc.id: Decimal("60000")})

        def order(qty: str, reduce_only: bool = False) -> OrderRequest:
            return OrderRequest(client_order_id=f"s{qty}", instrument_id=btc.id, side=OrderSide.BUY,
                                type=OrderType.LIMIT, qty=Decimal(qty), price=Decimal("60000"),
                                reduce_only=reduce_only)

        return [RiskScenario(order("0.1"), book, RiskAction.ALLOW),
                RiskScenario(order("0.5"), book, RiskAction.RESIZE, "max_leverage"),
                RiskScenario(order("0.5", reduce_only=True), book, RiskAction.ALLOW)]


class TestDynamicLeveragePlugin(PluginConformance):
    entry_point = "dynamic-leverage"
    distribution = "cryptoscalp-risk-dynamic-leverage"
    components = ((ComponentKind.RISK, "dynamic-leverage"),)
