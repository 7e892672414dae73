"""Shared fixtures of the replay feed's tests: instruments, fixture paths, and a replay runner."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cryptoscalp_feed_replay import ReplayConfig, ReplayFeed, make_replay_feed

from cryptoscalp_core.domain.events import EventKind, empty
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Replayed:
    """Everything one full replay yielded."""

    batches: list[EventBatch]
    stats: FeedStats
    feed: ReplayFeed

    def rows(self, kind: EventKind) -> np.ndarray:
        parts = [b.rows for b in self.batches if b.kind is kind]
        return np.concatenate(parts) if parts else empty(kind)

    def count(self, kind: EventKind) -> int:
        return sum(len(b) for b in self.batches if b.kind is kind)


@pytest.fixture
def instruments() -> tuple[Instrument, ...]:
    return (Instrument("binance-usdm", "BTCUSDT", tick_size=Decimal("0.1"), lot_size=Decimal("0.001")),
            Instrument("binance-usdm", "ETHUSDT", tick_size=Decimal("0.01"), lot_size=Decimal("0.001")))


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def replay(instruments: tuple[Instrument, ...]) -> Callable[..., Replayed]:
    """``replay(path=..., **settings)`` runs a feed to the end (``instruments=`` overrides the pair)."""

    def run(instruments_: Sequence[Instrument] | None = None, **settings: Any) -> Replayed:
        feed = make_replay_feed(ReplayConfig(**settings), instruments=instruments_ or instruments)

        async def go() -> list[EventBatch]:
            await feed.start()
            out = [batch async for batch in feed.batches()]
            await feed.stop()
            return out

        batches = asyncio.run(go())
        return Replayed(batches, feed.stats, feed)

    return run


@pytest.fixture
def hft_dir(market_data_dir: Path) -> Path:
    """The raw Binance USD-M recordings of the shared data folder."""
    path = market_data_dir / "binance-usdm" / "hftbacktest"
    if not path.is_dir():
        pytest.fail(f"{path} is missing from the market data folder")
    return path
