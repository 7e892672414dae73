"""The core's MarketFeed and Plugin conformance suites, pointed at the synthetic feed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptoscalp_feed_synthetic.config import SyntheticFeedConfig
from cryptoscalp_feed_synthetic.feed import factory

from cryptoscalp_core.ports.market_feed import MarketFeed
from cryptoscalp_core.registry import ComponentKind
from cryptoscalp_core.testing.conformance import MarketFeedConformance, PluginConformance, sample_instruments


class TestSyntheticFeed(MarketFeedConformance):
    n_instruments = len(sample_instruments())
    max_events = 50_000

    @pytest.fixture
    def make_feed(self) -> Callable[[], MarketFeed]:
        # The second instrument (ETHUSDT, 0.01 tick) so that the instrument column is not trivially 0.
        config = SyntheticFeedConfig(seed=1, duration_s=300.0, instrument="binance-usdm:ETHUSDT", mid_price=3000.0)
        return lambda: factory(config, instruments=sample_instruments())


class TestSyntheticFeedOkx(MarketFeedConformance):
    """A contract-multiplier instrument: quantities in 0.01-BTC contracts."""

    n_instruments = len(sample_instruments())

    @pytest.fixture
    def make_feed(self) -> Callable[[], MarketFeed]:
        config = SyntheticFeedConfig(seed=2, duration_s=60.0, instrument=2)
        return lambda: factory(config, instruments=sample_instruments())


class TestSyntheticPlugin(PluginConformance):
    entry_point = "feed-synthetic"
    distribution = "cryptoscalp-feed-synthetic"
    components = ((ComponentKind.FEED, "synthetic"),)
