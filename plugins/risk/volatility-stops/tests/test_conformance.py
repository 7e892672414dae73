"""The core's RiskLayer (with capabilities) and Plugin conformance suites, pointed at volatility-stops."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptoscalp_risk_volatility_stops.config import VolatilityStopsConfig
from cryptoscalp_risk_volatility_stops.plugin import make_volatility_stops

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.risk import RiskLayer
from cryptoscalp_core.registry import ComponentKind
from cryptoscalp_core.testing.conformance import PluginConformance, RiskLayerCapabilityConformance


class TestVolatilityStopsLayer(RiskLayerCapabilityConformance):
    max_examples = 60

    @pytest.fixture
    def make_layer(self, instruments: tuple[Instrument, ...]) -> Callable[[], RiskLayer]:
        config = VolatilityStopsConfig(stop_loss=1, take_profit=2, trailing=1, max_holding_s=1, cooldown_ms=100)
        return lambda: make_volatility_stops(config, instruments)


class TestVolatilityStopsPlugin(PluginConformance):
    entry_point = "volatility-stops"
    distribution = "cryptoscalp-risk-volatility-stops"
    components = ((ComponentKind.RISK, "volatility-stops"),)
