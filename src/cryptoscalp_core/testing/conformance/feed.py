"""Conformance cases FEED-01..FEED-08 for a :class:`~cryptoscalp_core.ports.MarketFeed`.

Use::

    class TestMyFeed(MarketFeedConformance):
        n_instruments = 2

        @pytest.fixture
        def make_feed(self) -> Callable[[], MarketFeed]:
            return lambda: MyFeed(MyFeedConfig(path=DATA), instruments=INSTRUMENTS)

``make_feed`` returns a fresh, *unstarted* feed on each call (construction does no I/O, so the suite
owns ``start``/``stop`` and can check that they are idempotent). The suite reads at most
:attr:`max_events` rows, or what arrives within :attr:`timeout_s` for a live feed. It drives its own
event loop, so it needs no pytest-asyncio and works in strict and auto mode alike.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import numpy as np
import pytest

from cryptoscalp_core.domain.events import DTYPES, EventKind, kind_of
from cryptoscalp_core.ports.market_feed import EventBatch, MarketFeed
from cryptoscalp_core.testing.conformance.lifecycle import within

# Price columns per kind; book deltas carry integer ticks, checked separately.
_PRICE_COLUMNS = {
    EventKind.TRADE: ("price",),
    EventKind.QUOTE: ("bid_price", "ask_price"),
    EventKind.MARK: ("mark_price",),
    EventKind.BOOK_DELTA: (),
}


@dataclass(slots=True, repr=False)  # asyncio.run reprs the main task's result; arrays make that slow
class FeedRun:
    """What one start → read → stop cycle saw. Rows are copies taken when each batch arrived, so a
    feed that reuses its buffers cannot hide earlier values."""

    batches: list[EventBatch]
    rows: list[np.ndarray]
    stats_events: int
    stats_batches: int
    stats_counters: dict[str, int]
    dropped: dict[str, int]


def _core_kind(batch: EventBatch) -> EventKind | None:
    """The kind a batch's dtype belongs to, or ``None`` for a foreign dtype (FEED-01's concern)."""
    try:
        return kind_of(batch.rows)
    except (TypeError, AttributeError):
        return None


class MarketFeedConformance:
    """Abstract suite: subclass it as ``Test…`` and override the ``make_feed`` fixture."""

    #: upper bound on rows read per run (a live feed is read until this or :attr:`timeout_s`)
    max_events: int = 10_000
    #: seconds a run may take; a live feed that is still streaming then is stopped and judged on what came
    timeout_s: float = 10.0
    #: how many instruments the feed was built with; ``instrument`` must index below this
    n_instruments: int = 1
    #: batches a feed may still yield after ``stop()`` (already buffered); 0 means "ends at once"
    batches_after_stop: int = 0

    @pytest.fixture
    def make_feed(self) -> Callable[[], MarketFeed]:
        raise NotImplementedError("override the make_feed fixture: return a factory of unstarted feeds")

    @pytest.fixture
    def feed_run(self, make_feed: Callable[[], MarketFeed]) -> FeedRun:
        run = asyncio.run(self._collect(make_feed()))
        assert any(len(rows) for rows in run.rows), "the feed yielded no rows; the suite needs some"
        return run

    async def _collect(self, feed: MarketFeed) -> FeedRun:
        batches: list[EventBatch] = []
        rows: list[np.ndarray] = []

        async def consume() -> None:
            total = 0
            async for batch in feed.batches():
                batches.append(batch)
                rows.append(np.array(batch.rows, copy=True))
                total += len(batch.rows)
                if total >= self.max_events:
                    break

        await within(feed.start(), self.timeout_s, "feed.start()")
        try:
            await asyncio.wait_for(consume(), self.timeout_s)
        except TimeoutError:
            pass  # a live feed never ends by itself: judge what arrived
        finally:
            await within(feed.stop(), self.timeout_s, "feed.stop()")
        stats = feed.stats
        counters = {name: getattr(stats, name) for name in ("events", "batches", "gaps", "resyncs", "reconnects")}
        return FeedRun(batches, rows, stats.events, stats.batches, counters, dict(stats.dropped))

    # -- cases ------------------------------------------------------------------------------------------
    def test_feed_01_core_dtypes(self, feed_run: FeedRun) -> None:
        """FEED-01 every batch is an EventBatch whose rows are a 1-D array of the core dtype of its kind."""
        for i, batch in enumerate(feed_run.batches):
            assert isinstance(batch, EventBatch), f"batch {i} is {type(batch).__name__}, not EventBatch"
            assert isinstance(batch.kind, EventKind), f"batch {i}: kind {batch.kind!r} is not an EventKind"
            assert isinstance(batch.rows, np.ndarray) and batch.rows.ndim == 1, f"batch {i}: rows not 1-D"
            assert batch.rows.dtype == DTYPES[batch.kind], (
                f"batch {i}: dtype {batch.rows.dtype} is not the {batch.kind.name} dtype {DTYPES[batch.kind]}"
            )

    def test_feed_02_ts_recv_sorted_within_batch(self, feed_run: FeedRun) -> None:
        """FEED-02 ts_recv never decreases within a batch."""
        for i, rows in enumerate(feed_run.rows):
            if len(rows) > 1 and "ts_recv" in (rows.dtype.names or ()):
                steps = np.diff(rows["ts_recv"])
                assert (steps >= 0).all(), f"batch {i}: ts_recv goes back at row {int(np.argmin(steps)) + 1}"

    def test_feed_03_ts_recv_sorted_across_batches(self, feed_run: FeedRun) -> None:
        """FEED-03 the first row of a batch is not older (ts_recv) than the last row of the previous one."""
        last: int | None = None
        for i, rows in enumerate(feed_run.rows):
            if not len(rows) or "ts_recv" not in (rows.dtype.names or ()):
                continue
            first = int(rows["ts_recv"][0])
            assert last is None or first >= last, f"batch {i} starts at {first}, before the previous end {last}"
            last = int(rows["ts_recv"][-1])

    def test_feed_04_prices_finite_positive(self, feed_run: FeedRun) -> None:
        """FEED-04 prices are finite and positive (book deltas: price_ticks > 0)."""
        for i, (batch, rows) in enumerate(zip(feed_run.batches, feed_run.rows, strict=True)):
            kind = _core_kind(batch)
            if kind is None:
                continue
            for col in _PRICE_COLUMNS[kind]:
                values = rows[col]
                assert np.isfinite(values).all(), f"batch {i}: non-finite {col}"
                assert (values > 0).all(), f"batch {i}: non-positive {col}"
            if kind is EventKind.BOOK_DELTA:
                assert (rows["price_ticks"] > 0).all(), f"batch {i}: non-positive price_ticks"

    def test_feed_05_instrument_index_in_range(self, feed_run: FeedRun) -> None:
        """FEED-05 ``instrument`` indexes the feed's instruments (0 <= index < n_instruments)."""
        for i, rows in enumerate(feed_run.rows):
            if len(rows) and "instrument" in (rows.dtype.names or ()):
                top = int(rows["instrument"].max())
                assert top < self.n_instruments, f"batch {i}: instrument {top} >= {self.n_instruments}"

    def test_feed_06_start_stop_idempotent(self, make_feed: Callable[[], MarketFeed]) -> None:
        """FEED-06 start() twice and stop() twice neither raise nor break the stream in between."""

        async def run() -> None:
            feed = make_feed()
            await within(feed.start(), self.timeout_s, "feed.start()")
            await within(feed.start(), self.timeout_s, "a second feed.start()")
            iterator = feed.batches()
            first = await asyncio.wait_for(anext(iterator), self.timeout_s)
            assert isinstance(first, EventBatch)
            await within(feed.stop(), self.timeout_s, "feed.stop()")
            await within(feed.stop(), self.timeout_s, "a second feed.stop()")
            await _close(iterator)

        asyncio.run(run())

    def test_feed_07_stop_ends_batches(self, make_feed: Callable[[], MarketFeed]) -> None:
        """FEED-07 after stop() the batches() iterator ends (within timeout_s and batches_after_stop)."""

        async def run() -> int:
            feed = make_feed()
            await within(feed.start(), self.timeout_s, "feed.start()")
            iterator = feed.batches()
            await asyncio.wait_for(anext(iterator), self.timeout_s)
            await within(feed.stop(), self.timeout_s, "feed.stop()")
            extra = 0

            async def drain() -> None:
                nonlocal extra
                async for _ in iterator:
                    extra += 1
                    if extra > self.batches_after_stop:
                        return

            await asyncio.wait_for(drain(), self.timeout_s)
            return extra

        extra = asyncio.run(run())
        assert extra <= self.batches_after_stop, f"the feed kept yielding after stop() ({extra} batches)"

    def test_feed_08_stats_consistent(self, feed_run: FeedRun) -> None:
        """FEED-08 stats.events equals the rows yielded, stats.batches the batches yielded; counters >= 0."""
        assert feed_run.stats_events == sum(len(rows) for rows in feed_run.rows)
        assert feed_run.stats_batches == len(feed_run.batches)
        for name, value in feed_run.stats_counters.items():
            assert isinstance(value, int) and value >= 0, f"stats.{name} = {value!r}"
        for reason, count in feed_run.dropped.items():
            assert isinstance(reason, str) and isinstance(count, int) and count > 0, (reason, count)


async def _close(iterator: AsyncIterator[EventBatch]) -> None:
    """Close an async generator we stopped reading, so it does not linger past the loop."""
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()
