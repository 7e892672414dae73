"""Fat-finger checks for cryptoscalp: the first layer of the pre-trade risk stack.

The plugin registers the ``order-sanity`` risk component (see :mod:`.plugin`); the layer itself is
:class:`~cryptoscalp_risk_order_sanity.layer.OrderSanityLayer`.
"""

from cryptoscalp_risk_order_sanity.config import InstrumentLimits, OrderSanityConfig
from cryptoscalp_risk_order_sanity.layer import REASONS, OrderSanityLayer

__all__ = ["REASONS", "InstrumentLimits", "OrderSanityConfig", "OrderSanityLayer"]
