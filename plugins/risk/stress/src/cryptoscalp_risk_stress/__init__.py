"""Stress testing and scenario analysis for cryptoscalp: ``cryptoscalp risk stress PROFILE``.

:mod:`.history` turns a profile's market data into per-second prices, spreads and volumes and finds the
worst moves in it; :mod:`.scenarios` applies historical and hypothetical shocks to a portfolio;
:mod:`.report` writes the HTML report with its charts.
"""

from cryptoscalp_risk_stress.history import MarketHistory, collect
from cryptoscalp_risk_stress.scenarios import Holding, Scenario, ScenarioResult, evaluate, standard_scenarios

__all__ = ["Holding", "MarketHistory", "Scenario", "ScenarioResult", "collect", "evaluate", "standard_scenarios"]
