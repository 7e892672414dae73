"""Fixtures shared by the synthetic feed's tests (importlib import mode: helpers travel as fixtures)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from cryptoscalp_feed_synthetic.config import SyntheticFeedConfig
from cryptoscalp_feed_synthetic.feed import factory

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats
from cryptoscalp_core.testing.conformance import sample_instruments

Collect = Callable[..., tuple[list[EventBatch], FeedStats]]


@pytest.fixture
def instruments() -> tuple[Instrument, ...]:
    return tuple(sample_instruments())


@pytest.fixture
def collect(instruments: tuple[Instrument, ...]) -> Collect:
    """Run a feed built from profile-style settings to its end; returns copies of its batches and stats."""

    def run(**settings: Any) -> tuple[list[EventBatch], FeedStats]:
        feed = factory(SyntheticFeedConfig.model_validate(settings), instruments=instruments)

        async def go() -> list[EventBatch]:
            await feed.start()
            out = [EventBatch(b.kind, np.array(b.rows, copy=True)) async for b in feed.batches()]
            await feed.stop()
            return out

        return asyncio.run(go()), feed.stats

    return run
