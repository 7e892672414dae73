"""BoundedFeed: ends a (live, endless) feed after a duration or when asked to stop (Ctrl-C)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import AsyncIterator, Iterator

from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats, MarketFeed


class BoundedFeed:
    """Yields ``source``'s batches until ``duration_s`` (wall time from the first :meth:`batches` call)
    has passed, ``stop_event`` is set, or the source ends. The iterator then ends normally, so the
    consumer finishes its run as it would at the end of a recording."""

    def __init__(self, source: MarketFeed, duration_s: float | None = None,
                 stop_event: asyncio.Event | None = None) -> None:
        self.source, self.duration_s = source, duration_s
        self.stop_event = stop_event or asyncio.Event()
        self.stopped_by = ""

    @property
    def stats(self) -> FeedStats:
        return self.source.stats

    async def start(self) -> None:
        await self.source.start()

    async def stop(self) -> None:
        await self.source.stop()

    def batches(self) -> AsyncIterator[EventBatch]:
        return self._run()

    async def _run(self) -> AsyncIterator[EventBatch]:
        deadline = None if self.duration_s is None else time.monotonic() + self.duration_s
        it = aiter(self.source.batches())
        stop_wait = asyncio.ensure_future(self.stop_event.wait())
        try:
            while True:
                if self.stop_event.is_set():  # a source that never waits still sees Ctrl-C
                    self.stopped_by = "signal"
                    return
                timeout = None if deadline is None else deadline - time.monotonic()
                if timeout is not None and timeout <= 0:
                    self.stopped_by = "duration"
                    return
                nxt = asyncio.ensure_future(anext(it))
                done, _ = await asyncio.wait({nxt, stop_wait}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                if nxt not in done:
                    nxt.cancel()
                    await asyncio.gather(nxt, return_exceptions=True)
                    self.stopped_by = "signal" if stop_wait in done else "duration"
                    return
                try:
                    batch = nxt.result()
                except StopAsyncIteration:
                    self.stopped_by = "end"
                    return
                yield batch
        finally:
            stop_wait.cancel()

    def metrics(self) -> dict[str, float]:
        inner = getattr(self.source, "metrics", None)
        return dict(inner()) if callable(inner) else {}


@contextlib.contextmanager
def stop_on_signals(event: asyncio.Event) -> Iterator[None]:
    """Set ``event`` on SIGINT/SIGTERM (Ctrl-C) for the duration of the block (main thread only)."""
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, event.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def feed_metrics(feed: object) -> dict[str, float | int | dict[str, int]]:
    """The counters a run summary shows for its feed: gaps, resyncs, reconnects, drops by reason, and
    whatever the feed (or a feed it wraps) adds through ``metrics()`` (failovers, anomalies…)."""
    stats: FeedStats = feed.stats  # type: ignore[attr-defined]
    out: dict[str, float | int | dict[str, int]] = {
        "events": stats.events, "gaps": stats.gaps, "resyncs": stats.resyncs, "reconnects": stats.reconnects,
        "dropped": dict(sorted(stats.dropped.items()))}
    extra = getattr(feed, "metrics", None)
    if callable(extra):
        out.update(extra())
    return out
