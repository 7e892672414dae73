"""What the EventBus port promises, checked against MemoryBus and RedisStreamsBus alike."""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio
import pytest

from cryptoscalp_core.bus import BusClosedError, id_order
from cryptoscalp_core.ports.event_bus import BusMessage, EventBus

BusFactory = Callable[[], EventBus]  # the bus_factory fixture (see conftest)
WITHIN_S = 5.0  # bound on every wait; the happy paths take milliseconds


async def take(bus: EventBus, topic: str, group: str, consumer: str, count: int, *, ack: bool = True,
               from_start: bool = True, claim_after_s: float = 30.0) -> list[BusMessage]:
    """The first ``count`` messages one consumer receives."""
    received: list[BusMessage] = []
    with anyio.fail_after(WITHIN_S):
        async for message in bus.subscribe(topic, group, consumer, from_start=from_start,
                                           claim_after_s=claim_after_s):
            received.append(message)
            if ack:
                await bus.ack(message, group)
            if len(received) == count:
                break
    return received


async def test_satisfies_the_port(bus_factory: BusFactory) -> None:
    assert isinstance(bus_factory(), EventBus)


async def test_messages_arrive_in_publish_order_with_increasing_ids(bus_factory: BusFactory) -> None:
    bus = bus_factory()
    payloads = [f"m{i}".encode() for i in range(20)]
    ids = [await bus.publish("orders", p) for p in payloads]
    assert ids == sorted(ids, key=id_order) and len(set(ids)) == len(ids)
    received = await take(bus, "orders", "g", "c", len(payloads))
    assert [m.payload for m in received] == payloads
    assert [m.id for m in received] == ids
    assert {(m.topic, m.deliveries) for m in received} == {("orders", 1)}


async def test_every_group_sees_every_message(bus_factory: BusFactory) -> None:
    bus = bus_factory()
    payloads = [f"m{i}".encode() for i in range(10)]
    for p in payloads:
        await bus.publish("fills", p)
    for group in ("journal", "risk"):
        assert [m.payload for m in await take(bus_factory(), "fills", group, "c", 10)] == payloads


async def test_consumers_of_one_group_share_the_messages(bus_factory: BusFactory) -> None:
    publisher = bus_factory()
    payloads = {f"m{i}".encode() for i in range(20)}
    for p in sorted(payloads):
        await publisher.publish("work", p)
    got: dict[str, list[bytes]] = {"a": [], "b": []}
    all_in = anyio.Event()

    async def worker(name: str) -> None:
        bus = bus_factory()
        async for message in bus.subscribe("work", "workers", name, from_start=True):
            got[name].append(message.payload)
            await anyio.sleep(0.02)  # the work, long enough for the peer to take the next one
            await bus.ack(message, "workers")
            if sum(map(len, got.values())) == len(payloads):
                all_in.set()

    with anyio.fail_after(WITHIN_S):
        async with anyio.create_task_group() as tg:
            tg.start_soon(worker, "a")
            tg.start_soon(worker, "b")
            await all_in.wait()
            tg.cancel_scope.cancel()
    assert got["a"] and got["b"]
    assert not set(got["a"]) & set(got["b"])
    assert set(got["a"]) | set(got["b"]) == payloads


async def test_acknowledged_message_is_not_delivered_again(bus_factory: BusFactory) -> None:
    bus = bus_factory()
    await bus.publish("t", b"first")
    stream = bus.subscribe("t", "g", "c", from_start=True, claim_after_s=0.1)
    with anyio.fail_after(WITHIN_S):
        first = await anext(stream)
        await bus.ack(first, "g")
        await anyio.sleep(0.3)  # well past claim_after_s
        await bus.publish("t", b"second")
        following = await anext(stream)
    assert (following.payload, following.deliveries) == (b"second", 1)


async def test_unacknowledged_message_is_delivered_again(bus_factory: BusFactory) -> None:
    bus = bus_factory()
    await bus.publish("t", b"first")
    stream = bus.subscribe("t", "g", "c", from_start=True, claim_after_s=0.1)
    with anyio.fail_after(WITHIN_S):
        first = await anext(stream)
        again = await anext(stream)
    assert (again.id, again.payload, again.deliveries) == (first.id, b"first", 2)


async def test_message_of_a_dead_consumer_goes_to_a_live_one(bus_factory: BusFactory) -> None:
    claim_after_s = 0.3
    publisher = bus_factory()
    taken: list[BusMessage] = []
    took_it = anyio.Event()

    async def doomed_consumer() -> None:
        bus = bus_factory()
        async for message in bus.subscribe("jobs", "workers", "doomed", from_start=True,
                                           claim_after_s=claim_after_s):
            taken.append(message)
            took_it.set()
            await anyio.sleep(3600)  # dies (is cancelled) before acknowledging

    job_id = await publisher.publish("jobs", b"job")
    with anyio.fail_after(WITHIN_S):
        async with anyio.create_task_group() as tg:
            tg.start_soon(doomed_consumer)
            await took_it.wait()
            tg.cancel_scope.cancel()
    delivered_at = time.monotonic()

    [redelivered] = await take(bus_factory(), "jobs", "workers", "survivor", 1, claim_after_s=claim_after_s)
    assert taken[0].deliveries == 1
    assert (redelivered.id, redelivered.payload, redelivered.deliveries) == (job_id, b"job", 2)
    assert time.monotonic() - delivered_at >= claim_after_s * 0.9


async def test_new_group_starts_at_the_end_unless_from_start(bus_factory: BusFactory) -> None:
    bus = bus_factory()
    await bus.publish("t", b"before")
    received: list[bytes] = []
    first_in = anyio.Event()

    async def consumer() -> None:
        async for message in bus.subscribe("t", "late", "c"):
            received.append(message.payload)
            first_in.set()

    with anyio.fail_after(WITHIN_S):
        async with anyio.create_task_group() as tg:
            tg.start_soon(consumer)
            # The group exists once the consumer starts iterating; probe until it sees something.
            probe = 0
            while not first_in.is_set():
                await bus.publish("t", f"probe{probe}".encode())
                probe += 1
                with anyio.move_on_after(0.02):
                    await first_in.wait()
            tg.cancel_scope.cancel()
    assert b"before" not in received
    assert received[0].startswith(b"probe")
    assert [m.payload for m in await take(bus, "t", "early", "c", 1)] == [b"before"]


async def test_existing_group_keeps_its_cursor(bus_factory: BusFactory) -> None:
    bus = bus_factory()
    await bus.publish("t", b"one")
    assert [m.payload for m in await take(bus, "t", "g", "c", 1)] == [b"one"]
    await bus.publish("t", b"two")
    # from_start only matters when the group is created.
    assert [m.payload for m in await take(bus, "t", "g", "c", 1, from_start=True)] == [b"two"]


async def test_close_ends_iteration_promptly(bus_factory: BusFactory) -> None:
    bus = bus_factory()
    ended = anyio.Event()

    async def idle_consumer() -> None:
        async for _ in bus.subscribe("quiet", "g", "c"):
            pass
        ended.set()

    with anyio.fail_after(WITHIN_S):
        async with anyio.create_task_group() as tg:
            tg.start_soon(idle_consumer)
            await anyio.sleep(0.15)  # let it block waiting for messages
            started = time.monotonic()
            await bus.close()
            await ended.wait()
    assert time.monotonic() - started < 0.5
    with pytest.raises(BusClosedError):
        await bus.publish("quiet", b"late")
    assert [m async for m in bus.subscribe("quiet", "g", "c")] == []


async def test_bad_arguments_are_refused(bus_factory: BusFactory) -> None:
    bus = bus_factory()
    with pytest.raises(TypeError, match="bytes"):
        await bus.publish("t", "text")
    with pytest.raises(ValueError, match="topic"):
        await bus.publish("", b"x")
    with pytest.raises(ValueError, match="claim_after_s"):
        bus.subscribe("t", "g", "c", claim_after_s=0)
    with pytest.raises(ValueError, match="group"):
        bus.subscribe("t", "", "c")
