"""Hook implementations only: what the ``portfolio-exposure`` entry point gives the plugin host."""

from __future__ import annotations

from cryptoscalp_core import hookimpl
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry
from cryptoscalp_risk_portfolio_exposure.config import PortfolioExposureConfig
from cryptoscalp_risk_portfolio_exposure.layer import PortfolioExposureLayer


def make_portfolio_exposure(config: PortfolioExposureConfig,
                            instruments: tuple[Instrument, ...] = ()) -> PortfolioExposureLayer:
    """Gross / net / correlated-cluster / concentration notional limits and a portfolio VaR limit."""
    return PortfolioExposureLayer(config)


@hookimpl
def cryptoscalp_register_components(registry: ComponentRegistry) -> None:
    registry.add(ComponentKind.RISK, "portfolio-exposure", make_portfolio_exposure, PortfolioExposureConfig)
