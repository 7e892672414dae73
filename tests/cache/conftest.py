"""Cache fixtures: each implementation behind the same fixture, Redis ones isolated by a key prefix."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from cryptoscalp_core.cache import MemoryCache, RedisCache, TieredCache
from cryptoscalp_core.ports.cache import Cache


@pytest.fixture
async def tiered_factory(redis_url: str, redis_prefix: str) -> AsyncIterator[Callable[..., TieredCache]]:
    """Builds TieredCaches sharing one Redis namespace, as separate processes would."""
    made: list[TieredCache] = []

    def make(l1_ttl_s: float = 1.0) -> TieredCache:
        cache = TieredCache(MemoryCache(100), RedisCache(redis_url, prefix=redis_prefix), l1_ttl_s=l1_ttl_s)
        made.append(cache)
        return cache

    yield make
    for cache in made:
        await cache.close()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis),
                        pytest.param("tiered", marks=pytest.mark.redis)])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[Cache]:
    """Every Cache implementation, for the behaviour the port promises of all of them."""
    built: Cache
    if request.param == "memory":
        built = MemoryCache(100)
    else:
        url: str = request.getfixturevalue("redis_url")
        prefix: str = request.getfixturevalue("redis_prefix")
        l2 = RedisCache(url, prefix=prefix)
        built = l2 if request.param == "redis" else TieredCache(MemoryCache(100), l2, l1_ttl_s=1.0)
    yield built
    await built.close()
