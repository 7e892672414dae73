"""The core's RiskLayer (with capabilities) and Plugin conformance suites, pointed at throughput-breaker."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptoscalp_risk_throughput_breaker.config import ThroughputBreakerConfig
from cryptoscalp_risk_throughput_breaker.plugin import make_throughput_breaker

from cryptoscalp_core.ports.risk import RiskLayer
from cryptoscalp_core.registry import ComponentKind
from cryptoscalp_core.testing.conformance import PluginConformance, RiskLayerCapabilityConformance


class TestThroughputBreakerLayer(RiskLayerCapabilityConformance):
    max_examples = 60

    @pytest.fixture
    def make_layer(self) -> Callable[[], RiskLayer]:
        config = ThroughputBreakerConfig(max_orders_per_s=2, max_orders_per_min=5, max_cancel_ratio=0.5,
                                         ratio_min_orders=2, max_errors=1, max_latency_ms=1, latency_samples=1,
                                         max_data_age_ms=100)
        return lambda: make_throughput_breaker(config)


class TestThroughputBreakerPlugin(PluginConformance):
    entry_point = "throughput-breaker"
    distribution = "cryptoscalp-risk-throughput-breaker"
    components = ((ComponentKind.RISK, "throughput-breaker"),)
