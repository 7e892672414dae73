"""Portfolio exposure limits for cryptoscalp: gross, net, correlated clusters, concentration, VaR.

The plugin registers the ``portfolio-exposure`` risk component (see :mod:`.plugin`); the layer itself is
:class:`~cryptoscalp_risk_portfolio_exposure.layer.PortfolioExposureLayer`.
"""

from cryptoscalp_risk_portfolio_exposure.config import PortfolioExposureConfig
from cryptoscalp_risk_portfolio_exposure.layer import REASONS, PortfolioExposureLayer

__all__ = ["REASONS", "PortfolioExposureConfig", "PortfolioExposureLayer"]
