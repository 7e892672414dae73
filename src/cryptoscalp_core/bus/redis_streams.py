"""Event bus across processes over Redis Streams consumer groups."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import TypeVar

import anyio
import redis.asyncio as aioredis

from cryptoscalp_core.bus.common import BusClosedError, check_claim_after, check_name, check_payload
from cryptoscalp_core.bus.redis_reader import PAYLOAD_FIELD, GroupReader
from cryptoscalp_core.cache.redis_client import make_client, network_errors
from cryptoscalp_core.cache.redis_config import DEFAULT_REDIS_URL, mask_url
from cryptoscalp_core.ports.event_bus import BusMessage

T = TypeVar("T")

log = logging.getLogger(__name__)


class RedisStreamsBus:
    """Topic ``t`` is the stream ``stream_prefix + t``; groups and consumers are Redis's own.

    * :meth:`publish` is ``XADD`` trimmed to about ``maxlen`` entries (``MAXLEN ~``; ``None``:
      untrimmed); ids are Redis's ``"<ms>-<n>"``.
    * A subscription creates its group (``XGROUP CREATE … MKSTREAM`` at ``$``, or ``0`` with
      ``from_start``) when it starts iterating, then reads up to ``batch`` messages at a time with
      ``XREADGROUP … BLOCK block_ms``. The claim clock of a message starts when its batch is read.
    * Messages pending longer than ``claim_after_s`` are taken over with ``XAUTOCLAIM``; their
      ``deliveries`` is the delivery count of Redis's pending-entries list.
    * :meth:`close` cancels blocked reads at once, so iterators end promptly.
    * Network failures raise the builtin ``ConnectionError`` (password masked) from :meth:`publish`
      and :meth:`ack`. A subscription rides out outages, reconnecting with exponential backoff and
      jitter, and raises ``ConnectionError`` only after ``reconnect_for_s`` without success.
    """

    def __init__(self, url: str = DEFAULT_REDIS_URL, *, stream_prefix: str = "cryptoscalp:",
                 maxlen: int | None = 100_000, block_ms: int = 1000, batch: int = 16,
                 timeout_s: float = 2.0, reconnect_for_s: float = 30.0,
                 client: aioredis.Redis | None = None) -> None:
        if maxlen is not None and maxlen < 1:
            raise ValueError(f"maxlen must be >= 1 or None, got {maxlen}")
        if block_ms < 1 or batch < 1:
            raise ValueError(f"block_ms and batch must be >= 1, got {block_ms} and {batch}")
        self.stream_prefix, self.maxlen = stream_prefix, maxlen
        self.block_ms, self.batch, self.reconnect_for_s = block_ms, batch, reconnect_for_s
        self._where = mask_url(url)
        # The socket timeout must outlast a blocking read, or every idle XREADGROUP would time out.
        self._redis = client if client is not None else make_client(
            url, socket_timeout_s=block_ms / 1000 + timeout_s, connect_timeout_s=timeout_s, retries=2)
        self._closed = False
        self._scopes: set[anyio.CancelScope] = set()

    def _key(self, topic: str) -> str:
        return self.stream_prefix + topic

    async def publish(self, topic: str, payload: bytes) -> str:
        check_name("topic", topic)
        check_payload(payload)
        if self._closed:
            raise BusClosedError("publish on a closed RedisStreamsBus")
        with network_errors(self._where):
            entry_id = await self._redis.xadd(self._key(topic), {PAYLOAD_FIELD: payload},
                                              maxlen=self.maxlen, approximate=True)
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    def subscribe(self, topic: str, group: str, consumer: str, *, from_start: bool = False,
                  claim_after_s: float = 30.0) -> AsyncIterator[BusMessage]:
        # A plain method returning the generator, so bad arguments fail here rather than at first use.
        for what, name in (("topic", topic), ("group", group), ("consumer", consumer)):
            check_name(what, name)
        reader = GroupReader(self._redis, self._key(topic), topic, group, consumer, from_start=from_start,
                             claim_after_s=check_claim_after(claim_after_s), batch=self.batch,
                             block_ms=self.block_ms)
        return self._iterate(reader)

    async def _iterate(self, reader: GroupReader) -> AsyncIterator[BusMessage]:
        failing_since: float | None = None
        attempt = 0
        while not self._closed:
            try:
                with network_errors(self._where):
                    batch = await self._unless_closed(reader.next_batch)
            except ConnectionError as exc:
                if self._closed:
                    return
                now = time.monotonic()
                failing_since = failing_since if failing_since is not None else now
                if now - failing_since >= self.reconnect_for_s:
                    raise
                delay = min(2.0, 0.05 * 2**attempt) * random.uniform(0.5, 1.0)
                attempt += 1
                log.warning("bus subscription to %r failing, retrying in %.2f s: %s", reader.key, delay, exc)
                await self._unless_closed(partial(anyio.sleep, delay))
                continue
            failing_since, attempt = None, 0
            for message in batch or ():
                if self._closed:
                    # The rest stay pending and are claimed by a live consumer after claim_after_s.
                    return
                yield message

    async def _unless_closed(self, call: Callable[[], Awaitable[T]]) -> T | None:
        """``await call()``, or ``None`` if :meth:`close` is (or gets) called first."""
        if self._closed:
            return None
        with anyio.CancelScope() as scope:
            self._scopes.add(scope)
            try:
                return await call()
            finally:
                self._scopes.discard(scope)
        return None

    async def ack(self, message: BusMessage, group: str) -> None:
        with network_errors(self._where):
            await self._redis.xack(self._key(message.topic), group, message.id)

    async def close(self) -> None:
        self._closed = True
        for scope in list(self._scopes):
            scope.cancel()
        await self._redis.aclose()

    def __repr__(self) -> str:
        return f"RedisStreamsBus({self._where!r}, stream_prefix={self.stream_prefix!r})"
