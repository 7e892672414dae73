"""TieredCache: read-through, write-through across "processes", and the behaviour with Redis down."""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio
import pytest

from cryptoscalp_core.cache import MemoryCache, RedisCache, TieredCache

# Loopback port 1 has no listener: connections are refused at once.
DEAD_REDIS = "redis://:hunter2-secret@127.0.0.1:1/0"


@pytest.mark.redis
async def test_write_through_is_visible_from_another_instance(
        tiered_factory: Callable[..., TieredCache]) -> None:
    writer, reader = tiered_factory(), tiered_factory()
    await writer.set("k", b"v", ttl_s=30)
    assert await reader.get("k") == b"v"
    await writer.delete("k")
    assert await writer.get("k") is None
    assert await tiered_factory().get("k") is None


@pytest.mark.redis
async def test_read_through_fills_l1_with_a_short_ttl(tiered_factory: Callable[..., TieredCache]) -> None:
    writer, reader = tiered_factory(), tiered_factory(l1_ttl_s=0.2)
    await writer.set("k", b"v1")
    assert await reader.l1.get("k") is None
    assert await reader.get("k") == b"v1"
    assert await reader.l1.get("k") == b"v1"
    _, l1_ttl = await reader.l1.get_with_ttl("k")
    assert l1_ttl is not None and l1_ttl <= 0.2

    # Another process changes the value: this one may serve its L1 copy until that expires, no longer.
    await writer.set("k", b"v2")
    with anyio.fail_after(2):
        while await reader.get("k") != b"v2":
            await anyio.sleep(0.02)


@pytest.mark.redis
async def test_l1_copy_never_outlives_the_entry(tiered_factory: Callable[..., TieredCache]) -> None:
    writer, reader = tiered_factory(), tiered_factory(l1_ttl_s=30)
    await writer.set("k", b"v", ttl_s=0.2)
    assert await reader.get("k") == b"v"
    _, l1_ttl = await reader.l1.get_with_ttl("k")
    assert l1_ttl is not None and l1_ttl <= 0.2
    with anyio.fail_after(2):
        while await reader.get("k") is not None:
            await anyio.sleep(0.02)


@pytest.mark.redis
async def test_delete_clears_both_levels(tiered_factory: Callable[..., TieredCache]) -> None:
    cache = tiered_factory()
    await cache.set("k", b"v")
    await cache.delete("k")
    assert await cache.l1.get("k") is None
    assert await cache.l2.get("k") is None


async def test_redis_down_l1_keeps_serving_and_misses_raise() -> None:
    cache = TieredCache(MemoryCache(10), RedisCache(DEAD_REDIS, prefix="t:", retry_after_s=0),
                        l1_ttl_s=30)
    started = time.monotonic()
    with pytest.raises(ConnectionError) as raised:
        await cache.set("k", b"v")
    # The failed write-through leaves the value in L1, which still answers.
    assert await cache.get("k") == b"v"
    with pytest.raises(ConnectionError):
        await cache.get("other")
    with pytest.raises(ConnectionError):
        await cache.delete("k")
    assert await cache.l1.get("k") is None
    assert time.monotonic() - started < 5
    message = str(raised.value)
    assert "127.0.0.1:1" in message
    assert "hunter2-secret" not in message
    assert "hunter2-secret" not in repr(cache)
    await cache.close()


async def test_redis_down_fails_fast_within_the_retry_window() -> None:
    l2 = RedisCache(DEAD_REDIS, prefix="t:", retry_after_s=60)
    with pytest.raises(ConnectionError):
        await l2.get("k")
    with pytest.raises(ConnectionError, match="failing fast") as raised:
        await l2.get("k")
    assert "hunter2-secret" not in str(raised.value)
    await l2.close()


class SlowL2(MemoryCache):
    """An L2 whose reads take a while, so a local write can land while a read-through waits."""

    async def get_with_ttl(self, key: str) -> tuple[bytes | None, float | None]:
        result = await super().get_with_ttl(key)
        await anyio.sleep(0.05)
        return result


async def test_read_through_does_not_overwrite_a_newer_local_write() -> None:
    l2 = SlowL2(10)
    await l2.set("k", b"old")
    cache = TieredCache(MemoryCache(10), l2, l1_ttl_s=30)
    async with anyio.create_task_group() as tg:
        tg.start_soon(cache.get, "k")  # misses L1, waits on L2 returning b"old"
        await anyio.sleep(0.01)
        await cache.set("k", b"new")
    assert await cache.get("k") == b"new"


def test_l1_ttl_is_required() -> None:
    with pytest.raises(ValueError, match="ttl"):
        TieredCache(MemoryCache(10), MemoryCache(10), l1_ttl_s=0)
