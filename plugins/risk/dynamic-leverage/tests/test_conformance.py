"""The core's RiskLayer and Plugin conformance suites, pointed at dynamic-leverage."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptoscalp_risk_dynamic_leverage.config import DynamicLeverageConfig
from cryptoscalp_risk_dynamic_leverage.plugin import make_dynamic_leverage

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.risk import RiskLayer
from cryptoscalp_core.registry import ComponentKind
from cryptoscalp_core.testing.conformance import PluginConformance, RiskLayerCapabilityConformance


class TestDynamicLeverageLayer(RiskLayerCapabilityConformance):
    max_examples = 60

    @pytest.fixture
    def make_layer(self, instruments: tuple[Instrument, ...]) -> Callable[[], RiskLayer]:
        config = DynamicLeverageConfig(max_leverage=2, target_vol_annual=0.5, kelly_fraction=0.5, kelly_min_trades=2)
        return lambda: make_dynamic_leverage(config, instruments)


class TestDynamicLeveragePlugin(PluginConformance):
    entry_point = "dynamic-leverage"
    distribution = "cryptoscalp-risk-dynamic-leverage"
    components = ((ComponentKind.RISK, "dynamic-leverage"),)
