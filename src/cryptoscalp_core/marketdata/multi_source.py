"""``multi-source``: the same instruments from several feeds merged into one stream, with failover.

Every source runs all the time (hot standby). Only the *active* source's batches go downstream; each
standby keeps a shadow book and the last ``buffer_ms`` of its batches. The failover rule (see
``docs/marketdata.md``) runs every ``check_ms``; on a switch the new source's book goes out as a full
``SNAPSHOT`` (the downstream book is re-based on it), then its buffered trades/quotes/marks that the merged
stream has not emitted yet (de-duplicated by :class:`~cryptoscalp_core.marketdata.dedupe.StreamCursor`),
then its live batches. The first batch after a switch is a :class:`SourceSwitchBatch` naming it.

Receive times: the merged stream's ``ts_recv`` never decreases (the port's contract), so a row that a new
source received before the last row already emitted goes out with that row's ``ts_recv``: it reaches the
pipeline no earlier than the switch, and that is what ``ts_recv`` means downstream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import numpy as np

from cryptoscalp_core.domain.events import BookFlag, EventKind
from cryptoscalp_core.marketdata.dedupe import DedupeMode, StreamCursor
from cryptoscalp_core.marketdata.scoring import SourceHealth
from cryptoscalp_core.marketdata.shadow_book import ShadowBooks
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats, MarketFeed

log = logging.getLogger(__name__)
_MS = 1_000_000
_SNAP = int(BookFlag.SNAPSHOT)


@dataclass(frozen=True, slots=True)
class SourceSwitch:
    """One change of the active source. ``reason``: ``stall``, ``lag``, ``ended``, ``failed`` or ``failback``."""

    wall_ns: int
    ts_recv: int  #: ts_recv of the first row emitted after the switch (the stream position)
    from_source: str
    to_source: str
    reason: str


@dataclass(slots=True)
class SourceSwitchBatch(EventBatch):
    """The first batch after a switch: an ordinary :class:`EventBatch` that also says which switch."""

    switch: SourceSwitch | None = None


@dataclass(frozen=True, slots=True)
class FailoverRule:
    stall_ns: int
    lag_ns: int
    failback_ns: int
    min_dwell_ns: int
    check_ns: int
    buffer_ns: int


class MultiSourceFeed:
    """Merges ``sources`` (built with the same instruments) into one MarketFeed; see the module doc."""

    def __init__(self, sources: Sequence[MarketFeed], names: Sequence[str], n_instruments: int,
                 rule: FailoverRule, dedupe: DedupeMode, queue_batches: int = 10_000) -> None:
        if len(sources) < 2 or len(sources) != len(names):
            raise ValueError("multi-source needs at least two sources, each with a name")
        self.sources, self.names = list(sources), list(names)
        self.rule, self.n_instruments, self.dedupe = rule, n_instruments, dedupe
        self._queue_batches = queue_batches
        self._stats = FeedStats()
        self.switches: list[SourceSwitch] = []
        self.failovers = 0
        self.failbacks = 0
        self.active = 0
        self._running = False
        self._iterated = False
        self._reset()

    def _reset(self) -> None:
        n = len(self.sources)
        self.health = [SourceHealth(name) for name in self.names]
        self._books = [ShadowBooks(self.n_instruments) for _ in range(n)]
        self._buffers: list[deque[EventBatch]] = [deque() for _ in range(n)]
        self._cursor = StreamCursor(self.n_instruments, self.dedupe)
        self._queue: asyncio.Queue[tuple[int, EventBatch | BaseException | None]] = asyncio.Queue(
            self._queue_batches)
        self._pumps: list[asyncio.Task[None]] = []
        self._last_ts = np.iinfo(np.int64).min
        self._pending: SourceSwitch | None = None
        self._last_check = self._last_switch = self._last_stats = 0
        self._duplicates = 0
        self._started_ns = 0

    # -- port -------------------------------------------------------------------------------------------
    @property
    def stats(self) -> FeedStats:
        """Rows emitted; gaps, resyncs, reconnects and drops summed over the sources, plus ``duplicate``."""
        st = self._stats
        st.gaps = sum(s.stats.gaps for s in self.sources)
        st.resyncs = sum(s.stats.resyncs for s in self.sources)
        st.reconnects = sum(s.stats.reconnects for s in self.sources)
        dropped: dict[str, int] = {}
        for s in self.sources:
            for reason, n in s.stats.dropped.items():
                dropped[reason] = dropped.get(reason, 0) + n
        if self._duplicates:
            dropped["duplicate"] = self._duplicates
        st.dropped = dropped
        return st

    async def start(self) -> None:
        if self._running:
            return
        self._reset()
        results = await asyncio.gather(*(s.start() for s in self.sources), return_exceptions=True)
        started = [i for i, r in enumerate(results) if not isinstance(r, BaseException)]
        for i, r in enumerate(results):
            if isinstance(r, BaseException):
                self.health[i].failed = f"{type(r).__name__}: {r}"
                log.warning("multi-source: source %s failed to start: %s", self.names[i], self.health[i].failed)
        if not started:
            first = next(r for r in results if isinstance(r, BaseException))
            raise first
        self.active = started[0]
        self._started_ns = time.monotonic_ns()
        self._running = True
        self._iterated = False
        self._pumps = [asyncio.create_task(self._pump(i), name=f"multi-source:{self.names[i]}") for i in started]

    async def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        for task in self._pumps:
            task.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)
        await asyncio.gather(*(s.stop() for s in self.sources), return_exceptions=True)
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait((-1, None))  # wake a consumer waiting in batches()

    def batches(self) -> AsyncIterator[EventBatch]:
        if self._iterated:
            raise RuntimeError("multi-source: batches() may be iterated once per start")
        self._iterated = True
        return self._merge()

    # -- sources ----------------------------------------------------------------------------------------
    async def _pump(self, index: int) -> None:
        try:
            async for batch in self.sources[index].batches():
                await self._queue.put((index, batch))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one broken source must not end the merged stream
            log.warning("multi-source: source %s failed: %s: %s", self.names[index], type(exc).__name__, exc)
            await self._queue.put((index, exc))
            return
        await self._queue.put((index, None))

    async def _merge(self) -> AsyncIterator[EventBatch]:
        timeout = self.rule.check_ns / 1e9
        while self._running:
            try:  # the common case needs no timer task: something is already queued
                index, item = self._queue.get_nowait()
            except asyncio.QueueEmpty:
                try:
                    index, item = await asyncio.wait_for(self._queue.get(), timeout)
                except TimeoutError:
                    index, item = -1, None
            now = time.monotonic_ns()
            out: list[EventBatch] = []
            if index >= 0:
                self._on_item(index, item, now, out)
            self._check(now, out)
            for batch in out:
                yield batch
            if all(h.ended or h.failed for h in self.health) and self._queue.empty():
                return

    def _on_item(self, index: int, item: EventBatch | BaseException | None, now: int,
                 out: list[EventBatch]) -> None:
        health = self.health[index]
        if item is None:
            health.ended = True
            return
        if isinstance(item, BaseException):
            health.failed = f"{type(item).__name__}: {item}"
            return
        rows = item.rows
        health.observe(rows, now)
        if item.kind is EventKind.BOOK_DELTA and len(rows):
            self._books[index].apply(rows)
        if index == self.active:
            self._emit(item, out)
            return
        buffer = self._buffers[index]
        buffer.append(item)
        if len(rows):
            horizon = int(rows["ts_recv"][-1]) - self.rule.buffer_ns
            while buffer and (not len(buffer[0].rows) or int(buffer[0].rows["ts_recv"][-1]) < horizon):
                buffer.popleft()

    # -- the merged stream ------------------------------------------------------------------------------
    def _emit(self, batch: EventBatch, out: list[EventBatch]) -> None:
        rows = batch.rows
        if not len(rows):
            return
        kind = batch.kind
        snapshot = None
        if kind is EventKind.BOOK_DELTA:
            snapshot = (rows["flags"] & _SNAP) != 0
            if snapshot.any():
                # a source's own resync always goes through and re-bases the mark on its sequence
                for inst in np.unique(rows["instrument"][snapshot]).tolist():
                    sel = snapshot & (rows["instrument"] == inst)
                    self._cursor.reset(kind, int(inst), int(self._cursor.key(kind, rows[sel]).min()) - 1)
        keep = self._cursor.fresh(kind, rows)
        if snapshot is not None:
            keep |= snapshot
        if not keep.all():
            self._duplicates += int((~keep).sum())
            rows = rows[keep]
            if not len(rows):
                return
        if int(rows["ts_recv"][0]) < self._last_ts:
            rows = rows.copy()
            np.maximum(rows["ts_recv"], self._last_ts, out=rows["ts_recv"])
        self._last_ts = int(rows["ts_recv"][-1])
        self._stats.events += len(rows)
        self._stats.batches += 1
        if self._pending is not None:
            out.append(SourceSwitchBatch(kind, rows, self._pending))
            self._pending = None
        else:
            out.append(EventBatch(kind, rows))

    def _check(self, now: int, out: list[EventBatch]) -> None:
        rule = self.rule
        if now - self._last_check < rule.check_ns:
            return
        self._last_check = now
        if now - self._last_stats >= 250 * _MS:
            self._last_stats = now
            for h, s in zip(self.health, self.sources, strict=True):
                h.observe_stats(s.stats, now)
        live = [h for h in self.health if not (h.ended or h.failed) and h.last_wall_ns]
        freshest_ts = max((h.last_ts_event for h in live), default=0)
        freshest_wall = max((h.last_wall_ns for h in live), default=0)
        for h in self.health:
            ok = (not (h.ended or h.failed) and h.last_wall_ns > 0
                  and (now - h.last_wall_ns <= rule.stall_ns or h.last_wall_ns >= freshest_wall)
                  and freshest_ts - h.last_ts_event <= rule.lag_ns)
            if not ok:
                h.healthy_since_ns = 0
            elif not h.healthy_since_ns:
                h.healthy_since_ns = now
        active = self.health[self.active]
        reason = ""
        if active.failed:
            reason = "failed"
        elif active.ended:
            reason = "ended"
        elif (now - max(active.last_wall_ns, self._started_ns) > rule.stall_ns
              and freshest_wall > active.last_wall_ns):  # measured from start: a slow first connect is no stall
            reason = "stall"
        elif active.last_wall_ns and freshest_ts - active.last_ts_event > rule.lag_ns:
            reason = "lag"
        if reason:
            candidates = [i for i, h in enumerate(self.health) if i != self.active and h.healthy_since_ns]
            if candidates:
                self._switch(max(candidates, key=lambda i: self.health[i].score(now)), reason, now, out)
            return
        if now - self._last_switch < rule.min_dwell_ns:
            return
        for i in range(self.active):
            h = self.health[i]
            if h.healthy_since_ns and now - h.healthy_since_ns >= rule.failback_ns:
                self._switch(i, "failback", now, out)
                return

    def _switch(self, new: int, reason: str, now: int, out: list[EventBatch]) -> None:
        old, self.active = self.active, new
        self._last_switch = now
        if reason == "failback":
            self.failbacks += 1
        else:
            self.failovers += 1
        base = max(self._last_ts, 0)
        self._pending = SourceSwitch(now, base, self.names[old], self.names[new], reason)
        self.switches.append(self._pending)
        log.warning("multi-source: %s -> %s (%s)", self.names[old], self.names[new], reason)
        self._cursor.arm()
        books = self._books[new]
        snap = books.snapshot(max(base, max((b.ts_recv for b in books.books), default=0)))
        if len(snap):
            for i, book in enumerate(books.books):
                if book.synced:
                    key = book.last_seq if self.dedupe == "sequence" else book.ts_event
                    self._cursor.reset(EventKind.BOOK_DELTA, i, key)
            self._emit(EventBatch(EventKind.BOOK_DELTA, snap), out)
        buffered = self._buffers[new]
        while buffered:
            batch = buffered.popleft()
            if batch.kind is not EventKind.BOOK_DELTA:  # already inside the snapshot
                self._emit(batch, out)

    # -- diagnostics ------------------------------------------------------------------------------------
    def metrics(self) -> dict[str, float]:
        """Counters for the run summary and exporters (``failovers``, ``failbacks``, per-source scores)."""
        now = time.monotonic_ns()
        out: dict[str, float] = {"failovers": self.failovers, "failbacks": self.failbacks,
                                 "duplicates": self._duplicates, "active_source": self.active}
        for h in self.health:
            out[f"source.{h.name}.score"] = round(h.score(now), 3)
            out[f"source.{h.name}.latency_ms"] = h.latency_ms
            out[f"source.{h.name}.events"] = h.events
        return out
