"""Hook implementations only: what the ``volatility-stops`` entry point gives the plugin host."""

from __future__ import annotations

from cryptoscalp_core import hookimpl
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry
from cryptoscalp_risk_volatility_stops.config import VolatilityStopsConfig
from cryptoscalp_risk_volatility_stops.stops import VolatilityStopsLayer


def make_volatility_stops(config: VolatilityStopsConfig,
                          instruments: tuple[Instrument, ...] = ()) -> VolatilityStopsLayer:
    """Stop-loss / take-profit / trailing stops scaled by ATR or realised volatility, and time stops."""
    return VolatilityStopsLayer(config, instruments)


@hookimpl
def cryptoscalp_register_components(registry: ComponentRegistry) -> None:
    registry.add(ComponentKind.RISK, "volatility-stops", make_volatility_stops, VolatilityStopsConfig)
