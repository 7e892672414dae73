"""RedisStreamsBus specifics: a worker process killed mid-work, outages, foreign entries, trimming."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import anyio
import pytest
import redis.asyncio as aioredis
from anyio.abc import ByteReceiveStream

from cryptoscalp_core.bus import RedisStreamsBus

DEAD_REDIS = "redis://:hunter2-secret@127.0.0.1:1/0"  # loopback port 1: refused at once

WORKER = textwrap.dedent("""
    import sys

    import anyio

    from cryptoscalp_core.bus import RedisStreamsBus

    async def main() -> None:
        bus = RedisStreamsBus(sys.argv[1], stream_prefix=sys.argv[2], block_ms=100, batch=1)
        async for message in bus.subscribe("jobs", "workers", "doomed", from_start=True,
                                           claim_after_s=60):
            print("took", message.id, flush=True)
            await anyio.sleep(3600)  # busy with the job until killed; never acknowledges

    anyio.run(main)
""")


async def read_line(stream: ByteReceiveStream) -> str:
    data = b""
    while not data.endswith(b"\n"):
        try:
            data += await stream.receive()
        except anyio.EndOfStream:
            break
    return data.decode().strip()


@pytest.mark.redis
@pytest.mark.slow
async def test_job_of_a_killed_worker_process_goes_to_the_survivor(redis_url: str, redis_prefix: str) -> None:
    bus = RedisStreamsBus(redis_url, stream_prefix=redis_prefix, block_ms=100, batch=1)
    job_id = await bus.publish("jobs", b"job-1")
    process = await anyio.open_process([sys.executable, "-c", WORKER, redis_url, redis_prefix],
                                       stderr=subprocess.STDOUT)
    async with process:
        try:
            assert process.stdout is not None
            with anyio.fail_after(15):
                line = await read_line(process.stdout)
            assert line == f"took {job_id}", line
        finally:
            process.send_signal(signal.SIGKILL)
            await process.wait()
    assert process.returncode == -signal.SIGKILL

    # The survivor claims with its own claim_after_s; the dead worker asked for 60 s, irrelevant now.
    with anyio.fail_after(5):
        message = await anext(bus.subscribe("jobs", "workers", "survivor", claim_after_s=0.3))
    assert (message.id, message.payload, message.deliveries) == (job_id, b"job-1", 2)
    await bus.ack(message, "workers")
    await bus.close()


async def test_publish_to_unreachable_redis_raises_connection_error_without_password() -> None:
    bus = RedisStreamsBus(DEAD_REDIS)
    with pytest.raises(ConnectionError) as raised:
        await bus.publish("t", b"x")
    assert "127.0.0.1:1" in str(raised.value)
    assert "hunter2-secret" not in str(raised.value)
    assert "hunter2-secret" not in repr(bus)
    await bus.close()


async def test_subscription_gives_up_after_reconnect_for_s() -> None:
    bus = RedisStreamsBus(DEAD_REDIS, reconnect_for_s=0.3)
    started = time.monotonic()
    with anyio.fail_after(5), pytest.raises(ConnectionError) as raised:
        async for _ in bus.subscribe("t", "g", "c"):
            pass
    assert time.monotonic() - started >= 0.3
    assert "hunter2-secret" not in str(raised.value)
    await bus.close()


async def test_close_during_reconnect_backoff_ends_iteration() -> None:
    bus = RedisStreamsBus(DEAD_REDIS, reconnect_for_s=60)
    ended = anyio.Event()

    async def consumer() -> None:
        async for _ in bus.subscribe("t", "g", "c"):
            pass
        ended.set()

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(consumer)
            await anyio.sleep(0.2)  # failing and backing off by now
            await bus.close()
            await ended.wait()


@pytest.mark.redis
async def test_foreign_entries_are_dropped_and_acknowledged(redis_url: str, redis_prefix: str) -> None:
    bus = RedisStreamsBus(redis_url, stream_prefix=redis_prefix, block_ms=100)
    raw = aioredis.from_url(redis_url)
    await raw.xadd(redis_prefix + "t", {"other": "field"})
    await bus.publish("t", b"good")
    with anyio.fail_after(5):
        message = await anext(bus.subscribe("t", "g", "c", from_start=True))
    assert message.payload == b"good"
    await bus.ack(message, "g")
    pending = await raw.xpending(redis_prefix + "t", "g")
    assert pending["pending"] == 0
    await raw.aclose()
    await bus.close()


@pytest.mark.redis
async def test_subscription_survives_its_stream_being_deleted(redis_url: str, redis_prefix: str) -> None:
    bus = RedisStreamsBus(redis_url, stream_prefix=redis_prefix, block_ms=50)
    raw = aioredis.from_url(redis_url)
    await bus.publish("t", b"one")
    stream = bus.subscribe("t", "g", "c", from_start=True)
    with anyio.fail_after(5):
        assert (await anext(stream)).payload == b"one"
        await raw.delete(redis_prefix + "t")  # as a flush or a restart without persistence would
        await anyio.sleep(0.1)
        await bus.publish("t", b"two")
        assert (await anext(stream)).payload == b"two"
    await raw.aclose()
    await bus.close()


@pytest.mark.redis
async def test_streams_are_trimmed_to_about_maxlen(redis_url: str, redis_prefix: str) -> None:
    bus = RedisStreamsBus(redis_url, stream_prefix=redis_prefix, maxlen=10)
    for i in range(500):
        await bus.publish("t", str(i).encode())
    raw = aioredis.from_url(redis_url)
    length = await raw.xlen(redis_prefix + "t")
    # "MAXLEN ~" trims whole radix-tree nodes (100 entries by default), never below maxlen.
    assert 10 <= length <= 110
    await raw.aclose()
    await bus.close()
