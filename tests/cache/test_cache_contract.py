"""What the Cache port promises, checked against MemoryCache, RedisCache and TieredCache alike."""

from __future__ import annotations

import math

import anyio
import pytest

from cryptoscalp_core.ports.cache import Cache


async def wait_for_miss(cache: Cache, key: str, within_s: float = 2.0) -> None:
    with anyio.fail_after(within_s):
        while await cache.get(key) is not None:
            await anyio.sleep(0.01)


async def test_satisfies_the_port(cache: Cache) -> None:
    assert isinstance(cache, Cache)


async def test_set_get_delete_round_trip(cache: Cache) -> None:
    assert await cache.get("absent") is None
    await cache.set("k", b"\x00value\xff")
    assert await cache.get("k") == b"\x00value\xff"
    await cache.set("k", b"newer")
    assert await cache.get("k") == b"newer"
    await cache.delete("k")
    assert await cache.get("k") is None
    await cache.delete("k")  # deleting a missing key is not an error


async def test_empty_value_is_a_hit_not_a_miss(cache: Cache) -> None:
    await cache.set("empty", b"")
    assert await cache.get("empty") == b""


async def test_entry_expires_after_its_ttl(cache: Cache) -> None:
    await cache.set("short", b"v", ttl_s=0.15)
    await cache.set("long", b"v", ttl_s=30)
    await cache.set("forever", b"v")
    assert await cache.get("short") == b"v"
    await wait_for_miss(cache, "short")
    assert await cache.get("long") == b"v"
    assert await cache.get("forever") == b"v"


async def test_overwrite_replaces_the_ttl(cache: Cache) -> None:
    await cache.set("k", b"old", ttl_s=0.1)
    await cache.set("k", b"new")
    await anyio.sleep(0.2)
    assert await cache.get("k") == b"new"


@pytest.mark.parametrize("ttl_s", [0, -1, math.nan, math.inf])
async def test_invalid_ttl_is_refused(cache: Cache, ttl_s: float) -> None:
    with pytest.raises(ValueError, match="ttl_s"):
        await cache.set("k", b"v", ttl_s=ttl_s)
    assert await cache.get("k") is None


@pytest.mark.parametrize("value", ["text", 42, bytearray(b"x")])
async def test_non_bytes_values_are_refused(cache: Cache, value: object) -> None:
    with pytest.raises(TypeError, match="bytes"):
        await cache.set("k", value)
