"""The core's bus components: ``memory`` (one process) and ``redis-streams`` (across processes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from cryptoscalp_core.bus.memory import MemoryBus
from cryptoscalp_core.cache.redis_config import REDIS_EXTRA_HINT, RedisUrlConfig
from cryptoscalp_core.registry import ComponentConfig, ComponentKind, ComponentRegistry

if TYPE_CHECKING:
    from cryptoscalp_core.bus.redis_streams import RedisStreamsBus


class MemoryBusConfig(ComponentConfig):
    maxlen: int | None = Field(100_000, gt=0, description="messages kept per topic (null: all)")


class RedisStreamsBusConfig(RedisUrlConfig):
    stream_prefix: str = Field("cryptoscalp:", description="prepended to a topic to name its stream")
    maxlen: int | None = Field(100_000, gt=0, description="approximate entries kept per stream (null: all)")
    block_ms: int = Field(1000, gt=0, description="longest wait of one blocking read")
    batch: int = Field(16, gt=0, description="messages fetched per read")
    timeout_s: float = Field(2.0, gt=0, description="connect timeout, and read timeout beyond block_ms")
    reconnect_for_s: float = Field(30.0, ge=0, description="how long a subscription retries before failing")


def make_memory_bus(config: MemoryBusConfig) -> MemoryBus:
    """In-process topics with consumer groups and acknowledgements."""
    return MemoryBus(config.maxlen)


def make_redis_streams_bus(config: RedisStreamsBusConfig) -> RedisStreamsBus:
    """Topics as Redis Streams with consumer groups, shared by processes."""
    try:  # redis-py is optional: only profiles that use this component need it
        from cryptoscalp_core.bus.redis_streams import RedisStreamsBus
    except ImportError as exc:
        raise ImportError(f"bus 'redis-streams': {REDIS_EXTRA_HINT}") from exc
    return RedisStreamsBus(config.url, stream_prefix=config.stream_prefix, maxlen=config.maxlen,
                           block_ms=config.block_ms, batch=config.batch, timeout_s=config.timeout_s,
                           reconnect_for_s=config.reconnect_for_s)


def register(registry: ComponentRegistry) -> None:
    registry.add(ComponentKind.BUS, "memory", make_memory_bus, MemoryBusConfig)
    registry.add(ComponentKind.BUS, "redis-streams", make_redis_streams_bus, RedisStreamsBusConfig)
