"""The core's FEED and PLUGIN conformance suites against the bybit feed and the fake server."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import pytest
from cryptoscalp_exchange_bybit import BybitFeed, BybitFeedConfig
from cryptoscalp_exchange_bybit.testing import FakeBybit, fixture_path, linear_info, load_script

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.market_feed import MarketFeed
from cryptoscalp_core.registry import ComponentKind
from cryptoscalp_core.testing.conformance import MarketFeedConformance, PluginConformance

BTC = Instrument("bybit", "BTCUSDT", tick_size=Decimal("0.1"), lot_size=Decimal("0.001"))


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeBybit]:
    """One fake on its own loop thread (the suite runs each case under its own asyncio.run); it replays
    the fixture on a loop so every case sees live data."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, Any] = {}

    async def serve() -> None:
        script = load_script(fixture_path())
        fake = FakeBybit(script * 40, instruments={"BTCUSDT": linear_info("BTCUSDT", "0.1", "0.001")},
                         interval_s=0.002)
        await fake.start()
        holder["fake"], holder["stop"] = fake, asyncio.Event()
        started.set()
        await holder["stop"].wait()
        await fake.stop()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert started.wait(10)
    yield holder["fake"]
    loop.call_soon_threadsafe(holder["stop"].set)
    thread.join(10)


class TestBybitFeed(MarketFeedConformance):
    max_events = 400
    timeout_s = 5.0

    @pytest.fixture
    def make_feed(self, fake_server: FakeBybit) -> Callable[[], MarketFeed]:
        config = BybitFeedConfig(ws_url=fake_server.ws_url, rest_url=fake_server.rest_url, cache_instruments=False)
        return lambda: BybitFeed(config, [BTC])


class TestBybitPlugin(PluginConformance):
    entry_point = "exchange-bybit"
    distribution = "cryptoscalp-exchange-bybit"
    components = ((ComponentKind.FEED, "bybit"), (ComponentKind.FEED, "bybit-recording"))

    @pytest.fixture
    def component_settings(self) -> Mapping[str, Mapping[str, Any]]:
        return {"bybit-recording": {"path": "recordings"}}

    @pytest.fixture
    def factory_deps(self) -> Mapping[str, Any]:
        return {"instruments": (BTC,), "mode": "paper"}
