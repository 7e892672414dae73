"""Hook implementations only: what the ``position-limit`` entry point gives the plugin host."""

from __future__ import annotations

from cryptoscalp_core import hookimpl
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry
from cryptoscalp_risk_position_limit.config import PositionLimitConfig
from cryptoscalp_risk_position_limit.layer import PositionLimitLayer


def make_position_limit(config: PositionLimitConfig,
                        instruments: tuple[Instrument, ...] = ()) -> PositionLimitLayer:
    """Per-instrument position limits; resting same-side orders count as exposure."""
    return PositionLimitLayer(config, instruments=instruments)


@hookimpl
def cryptoscalp_register_components(registry: ComponentRegistry) -> None:
    registry.add(ComponentKind.RISK, "position-limit", make_position_limit, PositionLimitConfig)
