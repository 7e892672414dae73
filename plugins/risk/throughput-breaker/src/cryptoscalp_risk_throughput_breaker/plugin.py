"""Hook implementations only: what the ``throughput-breaker`` entry point gives the plugin host."""

from __future__ import annotations

from cryptoscalp_core import hookimpl
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry
from cryptoscalp_risk_throughput_breaker.breaker import ThroughputBreakerLayer
from cryptoscalp_risk_throughput_breaker.config import ThroughputBreakerConfig


def make_throughput_breaker(config: ThroughputBreakerConfig) -> ThroughputBreakerLayer:
    """Order-rate / cancel-ratio limits, error-rate and latency breakers, stale-data halt (put it last)."""
    return ThroughputBreakerLayer(config)


@hookimpl
def cryptoscalp_register_components(registry: ComponentRegistry) -> None:
    registry.add(ComponentKind.RISK, "throughput-breaker", make_throughput_breaker, ThroughputBreakerConfig)
