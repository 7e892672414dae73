"""The core FEED conformance suite on the wrapper feeds, each around real synthetic feeds."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.marketdata.bounded import BoundedFeed
from cryptoscalp_core.marketdata.multi_source import FailoverRule, MultiSourceFeed
from cryptoscalp_core.marketdata.validated_feed import ValidatedFeed
from cryptoscalp_core.marketdata.validator_config import ValidatorConfig
from cryptoscalp_core.ports.market_feed import MarketFeed
from cryptoscalp_core.testing.conformance.feed import MarketFeedConformance

synthetic = pytest.importorskip("cryptoscalp_feed_synthetic.feed", reason="needs the synthetic feed plugin")
synthetic_config = pytest.importorskip("cryptoscalp_feed_synthetic.config")
BTC = Instrument(venue="binance-usdm", symbol="BTCUSDT", tick_size=Decimal("0.1"), lot_size=Decimal("0.001"))
MS = 1_000_000


def _synthetic(seed: int = 1) -> MarketFeed:
    feed: MarketFeed = synthetic.SyntheticFeed(synthetic_config.SyntheticFeedConfig(seed=seed, duration_s=30), [BTC])
    return feed


class TestMultiSourceConformance(MarketFeedConformance):
    max_events = 3000

    @pytest.fixture
    def make_feed(self) -> Callable[[], MarketFeed]:
        rule = FailoverRule(250 * MS, 1000 * MS, 5000 * MS, 1000 * MS, 25 * MS, 2000 * MS)
        return lambda: MultiSourceFeed([_synthetic(), _synthetic()], ["a", "b"], 1, rule, "sequence")


class TestValidatedConformance(MarketFeedConformance):
    max_events = 3000

    @pytest.fixture
    def make_feed(self) -> Callable[[], MarketFeed]:
        return lambda: ValidatedFeed(_synthetic(), ValidatorConfig(), 1)


class TestBoundedConformance(MarketFeedConformance):
    max_events = 3000

    @pytest.fixture
    def make_feed(self) -> Callable[[], MarketFeed]:
        return lambda: BoundedFeed(_synthetic(), duration_s=30)
