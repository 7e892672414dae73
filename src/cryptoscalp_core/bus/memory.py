"""In-process event bus with the semantics of Redis Streams consumer groups."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import anyio
import anyio.lowlevel

from cryptoscalp_core.bus.common import BusClosedError, check_claim_after, check_name, check_payload
from cryptoscalp_core.ports.event_bus import BusMessage


@dataclass(slots=True)
class _Pending:
    consumer: str
    delivered_at: float
    deliveries: int


@dataclass(slots=True)
class _Group:
    cursor: int  # seq of the last message handed to any consumer of the group
    # seq -> delivery, oldest delivery first: a redelivery moves the entry to the end, so only the
    # first entry needs checking to know whether anything is due for a claim.
    pending: OrderedDict[int, _Pending] = field(default_factory=OrderedDict)


class _Topic:
    """An append-only log of payloads with sequence numbers 1, 2, …; the oldest are trimmed."""

    def __init__(self, maxlen: int | None) -> None:
        self.log: deque[bytes] = deque(maxlen=maxlen)
        self.last_seq = 0
        self.groups: dict[str, _Group] = {}
        self.changed = anyio.Event()

    @property
    def first_seq(self) -> int:
        return self.last_seq - len(self.log) + 1

    def append(self, payload: bytes) -> int:
        self.log.append(payload)
        self.last_seq += 1
        # Wake everyone waiting on this topic; later waiters wait on a fresh event.
        self.changed.set()
        self.changed = anyio.Event()
        return self.last_seq

    def payload(self, seq: int) -> bytes | None:
        index = seq - self.first_seq
        return self.log[index] if 0 <= index < len(self.log) else None


class MemoryBus:
    """Topics, consumer groups and acknowledgements inside one process (see the EventBus port).

    Each topic keeps its last ``maxlen`` messages (``None``: unbounded); message ids are ``"1"``,
    ``"2"``, … per topic. A group is created when its first subscription starts iterating, with
    its cursor at the end of the topic (or at the oldest retained message with ``from_start``).
    A message trimmed before a group read it, or while it was pending, is not delivered (again).
    """

    def __init__(self, maxlen: int | None = 100_000) -> None:
        if maxlen is not None and maxlen < 1:
            raise ValueError(f"maxlen must be >= 1 or None, got {maxlen}")
        self.maxlen = maxlen
        self._topics: dict[str, _Topic] = {}
        self._closed = False

    def _topic(self, name: str) -> _Topic:
        topic = self._topics.get(name)
        if topic is None:
            topic = self._topics[name] = _Topic(self.maxlen)
        return topic

    async def publish(self, topic: str, payload: bytes) -> str:
        check_name("topic", topic)
        check_payload(payload)
        if self._closed:
            raise BusClosedError("publish on a closed MemoryBus")
        return str(self._topic(topic).append(payload))

    def subscribe(self, topic: str, group: str, consumer: str, *, from_start: bool = False,
                  claim_after_s: float = 30.0) -> AsyncIterator[BusMessage]:
        # A plain method returning the generator, so bad arguments fail here rather than at first use.
        for what, name in (("topic", topic), ("group", group), ("consumer", consumer)):
            check_name(what, name)
        return self._iterate(topic, group, consumer, from_start, check_claim_after(claim_after_s))

    async def _iterate(self, name: str, group_name: str, consumer: str, from_start: bool,
                       claim_after_s: float) -> AsyncIterator[BusMessage]:
        topic = self._topic(name)
        group = topic.groups.get(group_name)
        if group is None:
            start = topic.first_seq - 1 if from_start else topic.last_seq
            group = topic.groups[group_name] = _Group(cursor=start)
        while not self._closed:
            # Each step is a checkpoint, as real I/O would be: a consumer that never awaits still
            # lets its group peers (and cancellation) in.
            await anyio.lowlevel.checkpoint()
            if self._closed:
                return
            now = time.monotonic()
            message = (self._claim(topic, name, group, consumer, claim_after_s, now)
                       or self._take(topic, name, group, consumer, now))
            if message is not None:
                yield message
                continue
            changed = topic.changed
            wait_s = None
            if group.pending:
                oldest = next(iter(group.pending.values()))
                wait_s = max(oldest.delivered_at + claim_after_s - now, 0.0)
            with anyio.move_on_after(wait_s):
                await changed.wait()

    @staticmethod
    def _take(topic: _Topic, name: str, group: _Group, consumer: str, now: float) -> BusMessage | None:
        group.cursor = max(group.cursor, topic.first_seq - 1)  # skip what was trimmed unread
        if group.cursor >= topic.last_seq:
            return None
        group.cursor += 1
        seq = group.cursor
        group.pending[seq] = _Pending(consumer, now, 1)
        payload = topic.payload(seq)
        assert payload is not None  # seq lies between first_seq and last_seq
        return BusMessage(topic=name, id=str(seq), payload=payload, deliveries=1)

    @staticmethod
    def _claim(topic: _Topic, name: str, group: _Group, consumer: str, claim_after_s: float,
               now: float) -> BusMessage | None:
        while group.pending:
            seq, entry = next(iter(group.pending.items()))
            if entry.delivered_at + claim_after_s > now:
                return None
            del group.pending[seq]
            payload = topic.payload(seq)
            if payload is None:  # trimmed while pending: nothing left to deliver
                continue
            entry.consumer, entry.delivered_at = consumer, now
            entry.deliveries += 1
            group.pending[seq] = entry
            return BusMessage(topic=name, id=str(seq), payload=payload, deliveries=entry.deliveries)
        return None

    async def ack(self, message: BusMessage, group: str) -> None:
        topic = self._topics.get(message.topic)
        state = topic.groups.get(group) if topic is not None else None
        if state is not None:
            state.pending.pop(int(message.id), None)

    async def close(self) -> None:
        self._closed = True
        for topic in self._topics.values():
            topic.changed.set()

    def __repr__(self) -> str:
        return f"MemoryBus(maxlen={self.maxlen}, topics={len(self._topics)})"
