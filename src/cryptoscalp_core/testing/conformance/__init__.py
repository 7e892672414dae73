"""Conformance kit: abstract pytest suites that state each port's contract as numbered cases.

A plugin's ``tests/test_conformance.py`` subclasses the suite of its port (and :class:`PluginConformance`)
as ``Test…`` classes and provides the fixtures the suite names; the bases are not collected on their own
because their names do not start with ``Test``. Case ids (``FEED-01``, ``EXEC-03``…) appear in each
test's docstring and name (``test_feed_01_…``), so a failure points to the clause it breaks.
"""

from cryptoscalp_core.testing.conformance.executor import ExecutorConformance
from cryptoscalp_core.testing.conformance.feed import MarketFeedConformance
from cryptoscalp_core.testing.conformance.instruments import sample_instruments
from cryptoscalp_core.testing.conformance.model import ModelConformance, regression_dataset
from cryptoscalp_core.testing.conformance.plugin import PluginConformance
from cryptoscalp_core.testing.conformance.risk import (
    RiskLayerCapabilityConformance,
    RiskLayerConformance,
    RiskScenario,
    market_batches,
)
from cryptoscalp_core.testing.conformance.strategies import order_requests, scenarios
from cryptoscalp_core.testing.conformance.venue import OrderPrices

__all__ = [
    "ExecutorConformance",
    "MarketFeedConformance",
    "ModelConformance",
    "OrderPrices",
    "PluginConformance",
    "RiskLayerCapabilityConformance",
    "RiskLayerConformance",
    "RiskScenario",
    "order_requests",
    "market_batches",
    "regression_dataset",
    "sample_instruments",
    "scenarios",
]
