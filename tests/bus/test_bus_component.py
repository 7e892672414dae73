"""The registered bus components and their settings."""

from __future__ import annotations

import pytest

from cryptoscalp_core.bus import MemoryBus, RedisStreamsBus
from cryptoscalp_core.bus.component import MemoryBusConfig, RedisStreamsBusConfig, register
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry


def test_components_are_registered_with_their_configs() -> None:
    registry = ComponentRegistry()
    register(registry)
    assert registry.names(ComponentKind.BUS) == ["memory", "redis-streams"]
    assert registry.get(ComponentKind.BUS, "memory").config is MemoryBusConfig
    assert registry.get(ComponentKind.BUS, "redis-streams").config is RedisStreamsBusConfig
    assert registry.get(ComponentKind.BUS, "redis-streams").description


async def test_factories_build_without_io() -> None:
    registry = ComponentRegistry()
    register(registry)
    memory = registry.get(ComponentKind.BUS, "memory").factory(MemoryBusConfig(maxlen=7))
    assert isinstance(memory, MemoryBus) and memory.maxlen == 7

    # Nothing listens on loopback port 1: building must still succeed, because nothing connects yet.
    config = RedisStreamsBusConfig(url="redis://:secret@127.0.0.1:1/0", stream_prefix="s:", maxlen=None,
                                   block_ms=250)
    bus = registry.get(ComponentKind.BUS, "redis-streams").factory(config)
    assert isinstance(bus, RedisStreamsBus)
    assert (bus.stream_prefix, bus.maxlen, bus.block_ms) == ("s:", None, 250)
    assert "secret" not in repr(bus)
    await bus.close()


def test_redis_streams_config_defaults_and_masking() -> None:
    config = RedisStreamsBusConfig()
    assert config.url == "redis://127.0.0.1:6379/0"
    assert config.stream_prefix == "cryptoscalp:"
    assert "secret" not in repr(RedisStreamsBusConfig(url="redis://:secret@127.0.0.1:6379/0"))
    with pytest.raises(ValueError, match="block_ms"):
        RedisStreamsBusConfig(block_ms=0)
