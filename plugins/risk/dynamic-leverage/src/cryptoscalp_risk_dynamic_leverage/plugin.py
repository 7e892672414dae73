"""Hook implementations only: what the ``dynamic-leverage`` entry point gives the plugin host."""

from __future__ import annotations

from cryptoscalp_core import hookimpl
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry
from cryptoscalp_risk_dynamic_leverage.config import DynamicLeverageConfig
from cryptoscalp_risk_dynamic_leverage.sizing import DynamicLeverageLayer


def make_dynamic_leverage(config: DynamicLeverageConfig,
                          instruments: tuple[Instrument, ...] = ()) -> DynamicLeverageLayer:
    """Volatility targeting, capped Kelly sizing and the venue's leverage brackets."""
    return DynamicLeverageLayer(config, instruments)


@hookimpl
def cryptoscalp_register_components(registry: ComponentRegistry) -> None:
    registry.add(ComponentKind.RISK, "dynamic-leverage", make_dynamic_leverage, DynamicLeverageConfig)
