"""The core's RiskLayer (with capabilities) and Plugin conformance suites, pointed at account-guard."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from cryptoscalp_risk_account_guard.config import AccountGuardConfig
from cryptoscalp_risk_account_guard.plugin import make_account_guard

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.domain.orders import OrderRequest, OrderSide, OrderType
from cryptoscalp_core.ports.risk import PortfolioState, RiskAction, RiskLayer
from cryptoscalp_core.registry import ComponentKind
from cryptoscalp_core.testing.conformance import PluginConformance, RiskLayerCapabilityConformance, RiskScenario


class TestAccountGuardLayer(RiskLayerCapabilityConformance):
    max_examples = 60

    @pytest.fixture
    def make_layer(self) -> Callable[[], RiskLayer]:
        config = AccountGuardConfig(max_daily_loss=1000, max_drawdown_pct=5, max_margin_ratio=0.5,
                                    kill_margin_ratio=0.9, min_liquidation_distance_bps=300)
        return lambda: make_account_guard(config)

    @pytest.fixture
    def scenarios(self, instruments: tuple[Instrument, ...]) -> Sequence[RiskScenario]:
        btc = instruments[0]
        calm = PortfolioState(ts_ns=1, instruments={i.id: i for i in instruments}, equity=Decimal(10_000),
                              margin_ratio=Decimal("0.1"), mid_prices={btc.id: Decimal("60000")})
        strained = replace(calm, margin_ratio=Decimal("0.6"))  # over max_margin_ratio 0.5, under the kill 0.9

        def order(reduce_only: bool = False) -> OrderRequest:
            return OrderRequest(client_order_id="s1", instrument_id=btc.id, side=OrderSide.BUY,
                                type=OrderType.MARKET, qty=Decimal("0.01"), reduce_only=reduce_only)

        return [RiskScenario(order(), calm, RiskAction.ALLOW),
                RiskScenario(order(), strained, RiskAction.REJECT, "margin_ratio"),
                RiskScenario(order(reduce_only=True), strained, RiskAction.ALLOW)]  # reducing is always allowed


class TestAccountGuardPlugin(PluginConformance):
    entry_point = "account-guard"
    distribution = "cryptoscalp-risk-account-guard"
    components = ((ComponentKind.RISK, "account-guard"),)

    @pytest.fixture
    def component_settings(self) -> Mapping[str, Mapping[str, Any]]:
        return {"account-guard": {"max_daily_loss": 100}}
