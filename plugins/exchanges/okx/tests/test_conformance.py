"""The core's FEED and PLUGIN conformance suites against the fake server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from cryptoscalp_exchange_okx.config import OkxFeedConfig
from cryptoscalp_exchange_okx.feed import OkxFeed
from cryptoscalp_exchange_okx.instruments import instrument_from_okx
from cryptoscalp_exchange_okx.testing import FakeOkxServer, ThreadedFakeOkxServer, swap_instrument_row, synthetic_tape

from cryptoscalp_core.ports.market_feed import MarketFeed
from cryptoscalp_core.registry import ComponentKind
from cryptoscalp_core.testing.conformance import MarketFeedConformance, PluginConformance

ROWS = [swap_instrument_row(), swap_instrument_row("ETH-USDT-SWAP", "0.01", "0.01", "0.1")]
INSTRUMENTS = [instrument_from_okx(row) for row in ROWS]


@pytest.fixture(scope="module")
def fake_okx() -> Iterator[FakeOkxServer]:
    tape = synthetic_tape(150, seed=3) + synthetic_tape(150, seed=4, inst_id="ETH-USDT-SWAP", mid_ticks=3_500_00)
    tape.sort(key=lambda p: int(p["data"][0]["ts"]))  # interleave the two instruments by exchange time
    with ThreadedFakeOkxServer(tape, instruments=ROWS) as server:
        yield server


class TestOkxFeedConformance(MarketFeedConformance):
    n_instruments = 2
    max_events = 3_000
    timeout_s = 5.0

    @pytest.fixture
    def make_feed(self, fake_okx: FakeOkxServer) -> Callable[[], MarketFeed]:
        config = OkxFeedConfig(ws_url=fake_okx.ws_url, rest_url=fake_okx.rest_url, connect_timeout_s=3)
        return lambda: OkxFeed(config, INSTRUMENTS)


class TestOkxPlugin(PluginConformance):
    entry_point = "exchange-okx"
    distribution = "cryptoscalp-exchange-okx"
    components = ((ComponentKind.FEED, "okx"), (ComponentKind.FEED, "okx-recording"))

    @pytest.fixture
    def component_settings(self) -> Mapping[str, Mapping[str, Any]]:
        return {"okx-recording": {"path": "recordings"}}
