"""The core's conformance suites: the feed against the fake venue, and the plugin distribution."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from cryptoscalp_exchange_binance import BinanceFeedConfig, make_binance_feed
from cryptoscalp_exchange_binance.testing import VenueThread, synthetic_tape

from cryptoscalp_core.ports.market_feed import MarketFeed
from cryptoscalp_core.registry import ComponentKind
from cryptoscalp_core.testing.conformance import MarketFeedConformance, PluginConformance
from cryptoscalp_core.testing.conformance.instruments import sample_instruments


@pytest.fixture
def venue() -> Iterator[VenueThread]:
    with VenueThread(synthetic_tape(steps=600), autoplay=8, rate=20_000) as thread:
        yield thread


class TestFeedAgainstFakeVenue(MarketFeedConformance):
    n_instruments = 3  # the OKX sample instrument is ignored by this feed but still counts in the table
    max_events = 800
    timeout_s = 5.0

    @pytest.fixture
    def make_feed(self, venue: VenueThread) -> Callable[[], MarketFeed]:
        config = BinanceFeedConfig(ws_url=venue.ws_url, rest_url=venue.rest_url, trades="trade",
                                   backoff_initial_s=0.02)
        return lambda: make_binance_feed(config, instruments=sample_instruments())


class TestBinancePlugin(PluginConformance):
    entry_point = "exchange-binance"
    distribution = "cryptoscalp-exchange-binance"
    components = ((ComponentKind.FEED, "binance-usdm"), (ComponentKind.FEED, "binance-usdm-recording"))

    @pytest.fixture
    def component_settings(self) -> Mapping[str, Mapping[str, Any]]:
        return {"binance-usdm": {"ws_url": "ws://127.0.0.1:9", "rest_url": "http://127.0.0.1:9"},
                "binance-usdm-recording": {"path": "recordings"}}
