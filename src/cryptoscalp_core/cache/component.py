"""The core's cache components: ``memory`` (in-process) and ``redis`` (L1 in front of shared Redis)."""

from __future__ import annotations

from pydantic import Field

from cryptoscalp_core.cache.memory import MemoryCache
from cryptoscalp_core.cache.redis_config import REDIS_EXTRA_HINT, RedisUrlConfig
from cryptoscalp_core.cache.tiered import TieredCache
from cryptoscalp_core.registry import ComponentConfig, ComponentKind, ComponentRegistry


class MemoryCacheConfig(ComponentConfig):
    max_entries: int = Field(10_000, gt=0, description="LRU bound on the number of entries")
    default_ttl_s: float | None = Field(None, gt=0, description="TTL of entries set without one")


class RedisCacheConfig(RedisUrlConfig):
    prefix: str = Field("cryptoscalp:", description="namespace prepended to every key in Redis")
    l1_max_entries: int = Field(10_000, gt=0, description="LRU bound of the in-process L1")
    l1_ttl_s: float = Field(1.0, gt=0, description="how long L1 may serve a value without asking Redis")
    default_ttl_s: float | None = Field(None, gt=0, description="TTL of entries set without one")
    timeout_s: float = Field(1.0, gt=0, description="connect and command timeout")
    retry_after_s: float = Field(1.0, ge=0, description="fail fast this long after a connection failure")


def make_memory_cache(config: MemoryCacheConfig) -> MemoryCache:
    """In-process LRU cache with per-entry TTL."""
    return MemoryCache(config.max_entries, config.default_ttl_s)


def make_redis_cache(config: RedisCacheConfig) -> TieredCache:
    """In-process L1 in front of a Redis L2 shared by processes."""
    try:  # redis-py is optional: only profiles that use this component need it
        from cryptoscalp_core.cache.redis_cache import RedisCache
    except ImportError as exc:
        raise ImportError(f"cache 'redis': {REDIS_EXTRA_HINT}") from exc
    l2 = RedisCache(config.url, prefix=config.prefix, timeout_s=config.timeout_s,
                    retry_after_s=config.retry_after_s)
    return TieredCache(MemoryCache(config.l1_max_entries), l2, l1_ttl_s=config.l1_ttl_s,
                       default_ttl_s=config.default_ttl_s)


def register(registry: ComponentRegistry) -> None:
    registry.add(ComponentKind.CACHE, "memory", make_memory_cache, MemoryCacheConfig)
    registry.add(ComponentKind.CACHE, "redis", make_redis_cache, RedisCacheConfig)
