"""Dynamic leverage for cryptoscalp: volatility targeting, capped Kelly sizing, venue leverage brackets.

The plugin registers the ``dynamic-leverage`` risk component (see :mod:`.plugin`).
"""

from cryptoscalp_risk_dynamic_leverage.brackets import Bracket, BracketTable, load_ccxt_tiers
from cryptoscalp_risk_dynamic_leverage.config import DynamicLeverageConfig
from cryptoscalp_risk_dynamic_leverage.sizing import REASONS, DynamicLeverageLayer

__all__ = ["REASONS", "Bracket", "BracketTable", "DynamicLeverageConfig", "DynamicLeverageLayer", "load_ccxt_tiers"]
