"""Volatility-scaled stops for cryptoscalp: stop-loss, take-profit, trailing and time stops.

The plugin registers the ``volatility-stops`` risk component (see :mod:`.plugin`).
"""

from cryptoscalp_risk_volatility_stops.config import VolatilityStopsConfig
from cryptoscalp_risk_volatility_stops.stops import REASONS, TRIGGERS, VolatilityStopsLayer

__all__ = ["REASONS", "TRIGGERS", "VolatilityStopsConfig", "VolatilityStopsLayer"]
