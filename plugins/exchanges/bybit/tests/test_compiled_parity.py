"""The compiled level path (``cryptoscalp_speedups.levels``, text levels) and the numpy path (float
levels) give the same batches, drops and book on the same frames, good and bad. Skipped only where the
compiled kernels are absent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest
from cryptoscalp_exchange_bybit.book import make_book
from cryptoscalp_exchange_bybit.book_sync import BookSync
from cryptoscalp_exchange_bybit.drops import DropLog
from cryptoscalp_exchange_bybit.kernels import LEVELS
from cryptoscalp_exchange_bybit.router import FrameRouter, Topic, TopicKind
from cryptoscalp_exchange_bybit.ticks import TickGrid
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.ports.market_feed import FeedStats

pytestmark = pytest.mark.skipif(LEVELS is None, reason="cryptoscalp-speedups is not installed")
TOPIC = "orderbook.50.BTCUSDT"
# Text that is not a number at all is not generated: the numpy path refuses it while decoding the frame
# (before the sync state is looked at), the compiled path when it converts the levels.
price = st.one_of(st.integers(1, 500).map(lambda t: f"{Decimal(t) / 10:f}"),
                  st.sampled_from(["10.05", "-1", "0", "NaN"]))
qty = st.sampled_from(["0", "0.000", "1.5", "0.001", "-1"])
levels = st.lists(st.tuples(price, qty).map(list), max_size=5)


def _run(compiled: bool, frames: list[bytes], kernel_book: bool) -> tuple[list[Any], dict[str, int], Any]:
    stats = FeedStats()
    drops = DropLog(stats)
    book = make_book(prefer_kernel=kernel_book)
    sync = BookSync(0, TOPIC, TickGrid(Decimal("0.1")), stats, drops, book, compiled=compiled)
    router = FrameRouter([Topic(TOPIC, TopicKind.BOOK, "BTCUSDT", 0, sync=sync)], drops)
    out = []
    for frame in frames:
        batch = router.route(frame, 3)
        out.append(None if batch is None else batch.rows.tolist())  # type: ignore[union-attr]
    return out, dict(stats.dropped), (book.depth(1, -1), book.depth(-1, -1), stats.gaps, stats.resyncs)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), levels, levels), min_size=1, max_size=8), st.booleans())
def test_compiled_and_numpy_paths_agree(messages: list[tuple[bool, list[Any], list[Any]]],
                                        kernel_book: bool) -> None:
    frames = [orjson.dumps({"topic": TOPIC, "type": "snapshot" if snap else "delta", "ts": 1, "cts": 1,
                            "data": {"s": "BTCUSDT", "b": b, "a": a, "u": i + 2, "seq": i}})
              for i, (snap, b, a) in enumerate(messages)]
    rows, drops, book = _run(True, frames, kernel_book)
    want_rows, want_drops, want_book = _run(False, frames, kernel_book)
    assert rows == want_rows and book == want_book
    assert sum(drops.values()) == sum(want_drops.values())
