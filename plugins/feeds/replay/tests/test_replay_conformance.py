"""The core's conformance suites: the ``replay`` feed on every format, and the plugin distribution."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cryptoscalp_feed_replay import ReplayConfig, make_replay_feed, write_parquet

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.market_feed import EventBatch, MarketFeed
from cryptoscalp_core.registry import ComponentKind
from cryptoscalp_core.testing.conformance import MarketFeedConformance, PluginConformance


class TestBinanceRecordingFeed(MarketFeedConformance):
    n_instruments = 2

    @pytest.fixture
    def make_feed(self, fixtures_dir: Path, instruments: tuple[Instrument, ...]) -> Callable[[], MarketFeed]:
        return lambda: make_replay_feed(ReplayConfig(path=str(fixtures_dir / "*_mini.txt"), chunk_rows=3),
                                        instruments=instruments)


class TestRealRecordingFeed(MarketFeedConformance):
    """A long real file read only in part: the suite stops early, which must end the replay cleanly."""

    n_instruments = 2
    max_events = 20_000

    @pytest.fixture
    def make_feed(self, market_data_dir: Path, instruments: tuple[Instrument, ...]) -> Callable[[], MarketFeed]:
        path = market_data_dir / "binance-usdm" / "hftbacktest" / "btcusdt_20240808.gz"
        return lambda: make_replay_feed(ReplayConfig(path=str(path), chunk_rows=4096), instruments=instruments)


class TestParquetFeed(MarketFeedConformance):
    n_instruments = 2

    @pytest.fixture
    def make_feed(self, fixtures_dir: Path, tmp_path: Path,
                  instruments: tuple[Instrument, ...]) -> Callable[[], MarketFeed]:
        source = make_replay_feed(ReplayConfig(path=str(fixtures_dir / "*_mini.txt")), instruments=instruments)

        async def read_all() -> list[EventBatch]:
            await source.start()
            return [batch async for batch in source.batches()]

        batches = asyncio.run(read_all())
        for kind in EventKind:  # one write per (instrument, kind): a write replaces its day file
            parts = [b.rows for b in batches if b.kind is kind]
            rows = np.concatenate(parts) if parts else np.empty(0)
            for index, inst in enumerate(instruments):
                mine = rows[rows["instrument"] == index] if len(rows) else rows
                if len(mine):
                    write_parquet(tmp_path, inst.venue, inst.symbol, kind, mine, tick_size=inst.tick_size)
        return lambda: make_replay_feed(ReplayConfig(path=str(tmp_path), chunk_rows=2), instruments=instruments)


class TestOhlcvFeed(MarketFeedConformance):
    @pytest.fixture
    def make_feed(self, fixtures_dir: Path, instruments: tuple[Instrument, ...]) -> Callable[[], MarketFeed]:
        return lambda: make_replay_feed(ReplayConfig(path=str(fixtures_dir / "bars_mini.csv"), symbol="ETHUSDT"),
                                        instruments=instruments[1:])


class TestReplayPlugin(PluginConformance):
    entry_point = "feed-replay"
    distribution = "cryptoscalp-feed-replay"
    components = ((ComponentKind.FEED, "replay"),)

    @pytest.fixture
    def component_settings(self) -> Mapping[str, Mapping[str, Any]]:
        return {"replay": {"path": "recordings/*.gz"}}
