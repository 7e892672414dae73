"""A feed of hand-made trade batches, registered like any plugin's feed, for engine tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from cryptoscalp_core import hookimpl
from cryptoscalp_core.domain.events import TRADE_DTYPE, EventKind, Side
from cryptoscalp_core.plugins import PluginHost
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats
from cryptoscalp_core.registry import ComponentConfig, ComponentKind

MS = 1_000_000


def trades(prices: Sequence[float], *, start_ms: int = 1_000, step_ms: int = 1) -> npt.NDArray[np.void]:
    rows = np.zeros(len(prices), dtype=TRADE_DTYPE)
    rows["ts_event"] = rows["ts_recv"] = (start_ms + np.arange(len(prices)) * step_ms) * MS
    rows["price"] = prices
    rows["qty"] = 0.5
    rows["side"] = int(Side.BUY)
    rows["trade_id"] = np.arange(len(prices))
    return rows


class ArrayFeedConfig(ComponentConfig):
    chunk_rows: int = 64


class ArrayFeed:
    """Yields the rows it was given in chunks; what the tests put in is exactly what the engine sees."""

    rows: npt.NDArray[np.void] = trades([100.0])

    def __init__(self, config: ArrayFeedConfig) -> None:
        self.chunk = config.chunk_rows
        self._stats = FeedStats()

    @property
    def stats(self) -> FeedStats:
        return self._stats

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def batches(self) -> AsyncIterator[EventBatch]:
        for i in range(0, len(self.rows), self.chunk):
            part = self.rows[i:i + self.chunk]
            self._stats.events += len(part)
            self._stats.batches += 1
            yield EventBatch(EventKind.TRADE, part)


class _TestFeedPlugin:
    @hookimpl
    def cryptoscalp_register_components(self, registry: Any) -> None:
        registry.add(ComponentKind.FEED, "arrays", ArrayFeed, ArrayFeedConfig)


@pytest.fixture
def host() -> PluginHost:
    """Installed plugins (features, models, risk) plus the test feed."""
    return PluginHost(extra=(("test-array-feed", _TestFeedPlugin()),))


PROFILE = """
mode: backtest
instruments:
  - {{id: "test:BTCUSDT", tick_size: "0.1", lot_size: "0.001", maker_fee: "0.0002", taker_fee: "0.0005"}}
feed: {{use: arrays, chunk_rows: {chunk}}}
features: {{use: basic, ema_spans: [2, 4], sma_windows: [1], return_horizons: [], flow_windows: [], quotes: false}}
model: {{use: ema-cross, fast: trade_ema_2, slow: trade_ema_4}}
executor:
  use: sim
  latency: {{entry: {{kind: constant, ms: {entry_ms}}}, response: {{kind: constant, ms: {response_ms}}}}}
store: {{url: "sqlite:///{db}"}}
trading: {{max_position: "0.01", order_type: market, equity_sample_ms: 1}}
{extra}
"""


def write_profile(tmp_path: Path, *, chunk: int = 64, entry_ms: float = 5, response_ms: float = 3,
                  extra: str = "") -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "profile.yaml"
    path.write_text(PROFILE.format(chunk=chunk, entry_ms=entry_ms, response_ms=response_ms,
                                   db=tmp_path / "runs.db", extra=extra))
    return path
