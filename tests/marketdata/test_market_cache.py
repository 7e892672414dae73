"""MarketCache against the real Redis: another process (another TieredCache on the same namespace) reads
the latest top of book, trades and features; writes happen per batch."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import msgspec
import numpy as np
import pytest

from cryptoscalp_core.cache import MemoryCache, RedisCache, TieredCache
from cryptoscalp_core.domain.events import QUOTE_DTYPE, TRADE_DTYPE, EventKind, Side
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.marketdata.market_cache import MarketCache, read_top
from cryptoscalp_core.ports.features import FeatureRows

pytestmark = pytest.mark.redis
INSTRUMENTS = (Instrument(venue="binance-usdm", symbol="BTCUSDT", tick_size=Decimal("0.1"), lot_size=Decimal("0.001")),
               Instrument(venue="okx", symbol="BTC-USDT-SWAP", tick_size=Decimal("0.1"), lot_size=Decimal("0.01")))


class CountingCache(TieredCache):
    sets = 0

    async def set(self, key: str, value: bytes, ttl_s: float | None = None) -> None:
        self.sets += 1
        await super().set(key, value, ttl_s)


async def test_latest_state_is_readable_from_another_process_cache(redis_url: str, redis_prefix: str) -> None:
    writer = CountingCache(MemoryCache(100), RedisCache(redis_url, prefix=redis_prefix), l1_ttl_s=1.0)
    reader = TieredCache(MemoryCache(100), RedisCache(redis_url, prefix=redis_prefix), l1_ttl_s=1.0)
    market = MarketCache(writer, INSTRUMENTS, trades_kept=3, ttl_s=30)
    market.start()
    try:
        q = np.zeros(500, dtype=QUOTE_DTYPE)
        q["instrument"] = np.arange(500) % 2
        q["ts_event"] = q["ts_recv"] = np.arange(500) * 1000
        q["bid_price"] = 100 + np.arange(500) * 0.01
        q["ask_price"] = q["bid_price"] + 0.1
        q["bid_qty"] = q["ask_qty"] = 1.0
        market.observe(EventKind.QUOTE, q)
        t = np.zeros(10, dtype=TRADE_DTYPE)
        t["trade_id"] = np.arange(10)
        t["price"], t["qty"], t["side"] = 100.0 + np.arange(10), 0.5, int(Side.SELL)
        market.observe(EventKind.TRADE, t)
        market.observe_features(("ema", "imb"), FeatureRows(np.array([5, 6]), np.array([1, 1], dtype=np.uint16),
                                                            np.array([[1.0, np.nan], [2.0, 0.25]])))
        for _ in range(100):
            await asyncio.sleep(0.01)
            if await reader.get("md:okx:BTC-USDT-SWAP:features") is not None and not market._dirty:
                break
        top = await read_top(reader, INSTRUMENTS[0])
        assert top is not None and top["bid"] == pytest.approx(100 + 498 * 0.01) and top["ts_event"] == 498_000
        top1 = await read_top(reader, INSTRUMENTS[1])
        assert top1 is not None and top1["ask"] == pytest.approx(100 + 499 * 0.01 + 0.1)
        trades = msgspec.json.decode(await reader.get("md:binance-usdm:BTCUSDT:trades") or b"null")
        assert [x["trade_id"] for x in trades] == [7, 8, 9]
        feats = msgspec.json.decode(await reader.get("md:okx:BTC-USDT-SWAP:features") or b"null")
        assert feats == {"ts": 6, "values": {"ema": 2.0, "imb": 0.25}}
        # 500 quotes for two instruments + trades + features: a handful of writes, not one per event
        assert writer.sets <= 8
    finally:
        await market.stop()
        await writer.close()
        await reader.close()


async def test_unreachable_redis_is_counted_not_raised() -> None:
    cache = TieredCache(MemoryCache(10), RedisCache("redis://127.0.0.1:1/0", timeout_s=0.2), l1_ttl_s=1.0)
    market = MarketCache(cache, INSTRUMENTS)
    q = np.zeros(1, dtype=QUOTE_DTYPE)
    q["bid_price"], q["ask_price"] = 1.0, 2.0
    market.observe(EventKind.QUOTE, q)
    await market.flush()
    assert market.write_errors == 1 and market.writes == 0
    await cache.close()
