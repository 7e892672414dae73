"""JSON helpers, URL masking, and the registered cache components."""

from __future__ import annotations

import logging

import msgspec
import pytest

from cryptoscalp_core.cache import MemoryCache, RedisCache, TieredCache, get_json, set_json
from cryptoscalp_core.cache.component import MemoryCacheConfig, RedisCacheConfig, register
from cryptoscalp_core.cache.redis_config import mask_url
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry


class Quote(msgspec.Struct):
    bid: float
    ask: float


async def test_json_helpers_round_trip_typed_values() -> None:
    cache = MemoryCache(10)
    await set_json(cache, "q", Quote(bid=1.5, ask=2.0))
    assert await get_json(cache, "q", Quote) == Quote(bid=1.5, ask=2.0)
    await set_json(cache, "l", [1, 2, 3], ttl_s=10)
    assert await get_json(cache, "l", list[int]) == [1, 2, 3]
    assert await get_json(cache, "missing", Quote) is None


async def test_undecodable_value_is_a_logged_miss(caplog: pytest.LogCaptureFixture) -> None:
    cache = MemoryCache(10)
    await cache.set("q", b'{"bid": "not a number"}')
    await cache.set("junk", b"\xff not json")
    with caplog.at_level(logging.WARNING):
        assert await get_json(cache, "q", Quote) is None
        assert await get_json(cache, "junk", Quote) is None
    assert "'q'" in caplog.text and "'junk'" in caplog.text


@pytest.mark.parametrize(("url", "masked"), [
    ("redis://:pw@host:6379/0", "redis://:***@host:6379/0"),
    ("rediss://user:p%40ss@host/1", "rediss://user:***@host/1"),
    ("redis://user:p@ss@host:1/0", "redis://user:***@host:1/0"),
    ("redis://host:6379/0?password=pw&db=2", "redis://host:6379/0?password=***&db=2"),
    ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    ("unix:///run/redis.sock?password=pw", "unix:///run/redis.sock?password=***"),
    ("redis://:pw@host:notaport/0", "redis://:***@host:notaport/0"),
    ("redis://:pw@[::1/0", "<unparsable redis url>"),
])
def test_mask_url_hides_passwords(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_components_are_registered_with_their_configs() -> None:
    registry = ComponentRegistry()
    register(registry)
    assert registry.names(ComponentKind.CACHE) == ["memory", "redis"]
    assert registry.get(ComponentKind.CACHE, "memory").config is MemoryCacheConfig
    assert registry.get(ComponentKind.CACHE, "redis").config is RedisCacheConfig
    assert registry.get(ComponentKind.CACHE, "redis").description


async def test_factories_build_without_io() -> None:
    registry = ComponentRegistry()
    register(registry)
    memory = registry.get(ComponentKind.CACHE, "memory")
    built = memory.factory(MemoryCacheConfig(max_entries=5, default_ttl_s=2))
    assert isinstance(built, MemoryCache)
    assert (built.max_entries, built.default_ttl_s) == (5, 2)

    # Nothing listens on loopback port 1: building must still succeed, because nothing connects yet.
    config = RedisCacheConfig(url="redis://:secret@127.0.0.1:1/0", prefix="p:", l1_ttl_s=0.5)
    tiered = registry.get(ComponentKind.CACHE, "redis").factory(config)
    assert isinstance(tiered, TieredCache)
    assert isinstance(tiered.l2, RedisCache)
    assert tiered.l1_ttl_s == 0.5
    assert tiered.l2.prefix == "p:"
    await tiered.close()


def test_redis_config_defaults_and_masking() -> None:
    config = RedisCacheConfig()
    assert config.url == "redis://127.0.0.1:6379/0"
    assert config.prefix == "cryptoscalp:"
    shown = RedisCacheConfig(url="redis://:secret@127.0.0.1:6379/0")
    assert "secret" not in repr(shown) and "secret" not in str(shown)
    with pytest.raises(ValueError, match="extra"):
        RedisCacheConfig(unknown=1)  # type: ignore[call-arg]
