"""Hook implementations only: what the ``order-sanity`` entry point gives the plugin host."""

from __future__ import annotations

from cryptoscalp_core import hookimpl
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry
from cryptoscalp_risk_order_sanity.config import OrderSanityConfig
from cryptoscalp_risk_order_sanity.layer import OrderSanityLayer


def make_order_sanity(config: OrderSanityConfig, instruments: tuple[Instrument, ...] = ()) -> OrderSanityLayer:
    """Fat-finger checks: price band, max quantity and notional, venue grid and minimums, duplicates."""
    return OrderSanityLayer(config, instruments=instruments)


@hookimpl
def cryptoscalp_register_components(registry: ComponentRegistry) -> None:
    registry.add(ComponentKind.RISK, "order-sanity", make_order_sanity, OrderSanityConfig)
