"""Position limits for cryptoscalp: a layer of the pre-trade risk stack.

The plugin registers the ``position-limit`` risk component (see :mod:`.plugin`); the layer itself is
:class:`~cryptoscalp_risk_position_limit.layer.PositionLimitLayer`.
"""

from cryptoscalp_risk_position_limit.config import PositionLimitConfig, SideLimits
from cryptoscalp_risk_position_limit.layer import REASONS, PositionLimitLayer

__all__ = ["REASONS", "PositionLimitConfig", "PositionLimitLayer", "SideLimits"]
