"""Throughput limits and circuit breakers for cryptoscalp.

The plugin registers the ``throughput-breaker`` risk component (see :mod:`.plugin`).
"""

from cryptoscalp_risk_throughput_breaker.breaker import REASONS, ThroughputBreakerLayer
from cryptoscalp_risk_throughput_breaker.config import ThroughputBreakerConfig

__all__ = ["REASONS", "ThroughputBreakerConfig", "ThroughputBreakerLayer"]
