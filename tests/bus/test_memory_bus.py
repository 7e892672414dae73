"""MemoryBus specifics: bounded retention and what it means for groups and pending messages."""

from __future__ import annotations

import anyio
import pytest

from cryptoscalp_core.bus import MemoryBus


async def test_retention_keeps_the_last_maxlen_messages() -> None:
    bus = MemoryBus(maxlen=3)
    for i in range(5):
        await bus.publish("t", str(i).encode())
    stream = bus.subscribe("t", "g", "c", from_start=True)
    with anyio.fail_after(2):
        got = [(await anext(stream)).payload for _ in range(3)]
    assert got == [b"2", b"3", b"4"]
    await bus.close()


async def test_messages_trimmed_before_a_group_reads_them_are_skipped() -> None:
    bus = MemoryBus(maxlen=2)
    await bus.publish("t", b"0")
    stream = bus.subscribe("t", "g", "c", from_start=True)
    with anyio.fail_after(2):
        assert (await anext(stream)).payload == b"0"
        for i in range(1, 5):
            await bus.publish("t", str(i).encode())
        assert [(await anext(stream)).payload for _ in range(2)] == [b"3", b"4"]
    await bus.close()


async def test_pending_message_trimmed_away_is_not_redelivered() -> None:
    bus = MemoryBus(maxlen=1)
    await bus.publish("t", b"old")
    stream = bus.subscribe("t", "g", "c", from_start=True, claim_after_s=0.05)
    with anyio.fail_after(2):
        assert (await anext(stream)).payload == b"old"  # pending, never acknowledged
        await bus.publish("t", b"new")  # trims b"old" out of the log
        await anyio.sleep(0.1)
        following = await anext(stream)
    assert (following.payload, following.deliveries) == (b"new", 1)
    await bus.close()


async def test_ack_for_unknown_group_or_topic_is_harmless() -> None:
    bus = MemoryBus()
    message_id = await bus.publish("t", b"x")
    stream = bus.subscribe("t", "g", "c", from_start=True)
    message = await anext(stream)
    assert message.id == message_id
    await bus.ack(message, "other-group")
    await bus.ack(message.__class__(topic="nope", id="1", payload=b""), "g")
    await bus.close()


def test_maxlen_must_be_positive() -> None:
    with pytest.raises(ValueError, match="maxlen"):
        MemoryBus(maxlen=0)
