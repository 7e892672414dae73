"""``market-cache``: a feed wrapper that publishes each batch's latest state to the MarketCache."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from pydantic import Field, field_validator

from cryptoscalp_core.marketdata.market_cache import MarketCache
from cryptoscalp_core.marketdata.nested import NestedFeedConfig, validate_sections
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats, MarketFeed


class CachedFeedConfig(NestedFeedConfig):
    """Publishes top of book, recent trades and features of the wrapped feed in the profile's cache."""

    source: dict[str, Any] = Field(description="The feed to publish: `{use: NAME, ...settings}`.")
    prefix: str = Field("md:", description="Key prefix (after the cache's own namespace).")
    trades_kept: int = Field(50, ge=1, le=10_000, description="Recent trades kept per instrument.")
    ttl_s: float | None = Field(60.0, gt=0, description="Entry lifetime: stale market data expires.")

    @field_validator("source")
    @classmethod
    def _source_valid(cls, value: dict[str, Any]) -> dict[str, Any]:
        validate_sections(cls.registry, value, ())
        return value


class CachedFeed:
    def __init__(self, source: MarketFeed, market_cache: MarketCache) -> None:
        self.source, self.market_cache = source, market_cache

    @property
    def stats(self) -> FeedStats:
        return self.source.stats

    async def start(self) -> None:
        await self.source.start()
        self.market_cache.start()

    async def stop(self) -> None:
        await self.source.stop()
        await self.market_cache.stop()

    def batches(self) -> AsyncIterator[EventBatch]:
        return self._run()

    async def _run(self) -> AsyncIterator[EventBatch]:
        observe = self.market_cache.observe
        async for batch in self.source.batches():
            observe(batch.kind, batch.rows)
            yield batch

    def metrics(self) -> dict[str, float]:
        out: dict[str, float] = {"cache_writes": self.market_cache.writes,
                                 "cache_write_errors": self.market_cache.write_errors}
        inner = getattr(self.source, "metrics", None)
        if callable(inner):
            out.update(inner())
        return out
