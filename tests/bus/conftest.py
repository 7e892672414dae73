"""Bus fixtures: each implementation behind one factory fixture, Redis streams isolated by a prefix."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from cryptoscalp_core.bus import MemoryBus, RedisStreamsBus
from cryptoscalp_core.ports.event_bus import EventBus

BusFactory = Callable[[], EventBus]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def bus_factory(request: pytest.FixtureRequest) -> AsyncIterator[BusFactory]:
    """Returns handles on one bus: the same object in memory, a new connection (a "process") for Redis.

    Redis handles use a short block time so tests stay quick, and small batches so that a consumer
    takes one message at a time, as the in-memory bus does.
    """
    made: list[EventBus] = []
    if request.param == "memory":
        shared = MemoryBus()
        made.append(shared)

        def make() -> EventBus:
            return shared
    else:
        url: str = request.getfixturevalue("redis_url")
        prefix: str = request.getfixturevalue("redis_prefix")

        def make() -> EventBus:
            bus = RedisStreamsBus(url, stream_prefix=prefix, block_ms=100, batch=1)
            made.append(bus)
            return bus

    yield make
    for bus in made:
        await bus.close()
