"""One consumer's reads from a Redis Stream: new messages by XREADGROUP, abandoned ones by XAUTOCLAIM."""

from __future__ import annotations

import logging
import math
import time
from typing import Any, cast

import redis.asyncio as aioredis
import redis.exceptions

from cryptoscalp_core.ports.event_bus import BusMessage

log = logging.getLogger(__name__)

PAYLOAD_FIELD = b"p"


class GroupReader:
    """Fetches batches for ``consumer`` of ``group`` on stream ``key`` (delivered as ``topic``).

    Abandoned messages (pending longer than ``claim_after_s``) are looked for every quarter of
    ``claim_after_s`` (at most every 5 s) and take precedence over new ones; a blocking read never
    outlasts the next look, so a redelivery is due at most about ``1.25 * claim_after_s`` after the
    original delivery. Entries without a payload field (written by something else) are logged,
    acknowledged and dropped, so they cannot circulate forever.
    """

    def __init__(self, client: aioredis.Redis, key: str, topic: str, group: str, consumer: str, *,
                 from_start: bool, claim_after_s: float, batch: int, block_ms: int) -> None:
        self._redis, self.key, self.topic = client, key, topic
        self.group, self.consumer = group, consumer
        self._start_id = "0" if from_start else "$"
        self._min_idle_ms = math.ceil(claim_after_s * 1000)
        self._claim_every_s = min(claim_after_s / 4, 5.0)
        self._batch, self._block_ms = batch, block_ms
        self._group_ready = False
        self._claim_cursor: bytes | str = "0-0"
        self._next_claim = 0.0
        self.dropped = 0

    async def _create_group(self, start_id: str) -> None:
        try:
            await self._redis.xgroup_create(self.key, self.group, id=start_id, mkstream=True)
        except redis.exceptions.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):  # BUSYGROUP: it exists already, keeping its cursor
                raise
        self._group_ready = True

    async def next_batch(self) -> list[BusMessage]:
        """The next messages for this consumer; empty when none arrived within the block time."""
        if not self._group_ready:
            await self._create_group(self._start_id)
        try:
            return await self._fetch()
        except redis.exceptions.ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            # The stream or group vanished (a Redis restart without persistence, a flush): recreate
            # it at the stream's start so that nothing published since then is missed.
            log.warning("consumer group %r of stream %r is gone; recreating it", self.group, self.key)
            await self._create_group("0")
            return []

    async def _fetch(self) -> list[BusMessage]:
        now = time.monotonic()
        if now >= self._next_claim:
            claimed, more = await self._claim()
            self._next_claim = now if more else now + self._claim_every_s
            if claimed:
                return claimed
        block_ms = max(1, min(self._block_ms, math.ceil((self._next_claim - time.monotonic()) * 1000)))
        # RESP2 (pinned in make_client): [[stream, [(id, fields), ...]]], or nothing on a timeout.
        reply = cast(list[Any] | None, await self._redis.xreadgroup(
            self.group, self.consumer, {self.key: ">"}, count=self._batch, block=block_ms))
        entries = [entry for _stream, stream_entries in reply or [] for entry in stream_entries]
        return await self._decode(entries, {})

    async def _claim(self) -> tuple[list[BusMessage], bool]:
        reply = await self._redis.xautoclaim(self.key, self.group, self.consumer, self._min_idle_ms,
                                             start_id=self._claim_cursor, count=self._batch)
        self._claim_cursor = reply[0]
        more = reply[0] not in (b"0-0", "0-0")
        entries = [(entry_id, fields) for entry_id, fields in reply[1] if entry_id is not None]
        if not entries:
            return [], more
        # XAUTOCLAIM has just counted this delivery; XPENDING tells the count.
        pipe = self._redis.pipeline(transaction=False)
        for entry_id, _fields in entries:
            pipe.xpending_range(self.key, self.group, entry_id, entry_id, 1)
        counts = {rows[0]["message_id"]: int(rows[0]["times_delivered"])
                  for rows in await pipe.execute() if rows}
        # An entry missing from the PEL was acknowledged by its slow first consumer meanwhile.
        return await self._decode([e for e in entries if e[0] in counts], counts), more

    async def _decode(self, entries: list[tuple[Any, Any]], deliveries: dict[Any, int]) -> list[BusMessage]:
        messages, bad = [], []
        for entry_id, fields in entries:
            payload = fields.get(PAYLOAD_FIELD) if isinstance(fields, dict) else None
            if not isinstance(payload, bytes):
                bad.append(entry_id)
                continue
            ident = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
            messages.append(BusMessage(topic=self.topic, id=ident, payload=payload,
                                       deliveries=deliveries.get(entry_id, 1)))
        if bad:
            self.dropped += len(bad)
            log.warning("dropped %d entries without a %r field from stream %r (%d so far)",
                        len(bad), PAYLOAD_FIELD.decode(), self.key, self.dropped)
            await self._redis.xack(self.key, self.group, *bad)
        return messages
