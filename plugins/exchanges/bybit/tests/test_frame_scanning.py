"""Book frames read straight from their bytes by the compiled scanner (``bybitframes``) give exactly what
msgspec decoding gives: the same batches, drops, gaps, resyncs and book, on good frames, bad levels,
broken ``u`` sequences and restarts, and on frames the scanner leaves to msgspec (other key orders,
escapes, repeated keys, truncation, replies, other topics). Skipped only where the kernels are absent."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from cryptoscalp_exchange_bybit.book import make_book
from cryptoscalp_exchange_bybit.book_sync import BookSync
from cryptoscalp_exchange_bybit.drops import DropLog
from cryptoscalp_exchange_bybit.kernels import FRAMES
from cryptoscalp_exchange_bybit.router import FrameRouter, Topic, TopicKind
from cryptoscalp_exchange_bybit.streams import QuoteState
from cryptoscalp_exchange_bybit.testing import load_script
from cryptoscalp_exchange_bybit.ticks import TickGrid
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats

pytestmark = pytest.mark.skipif(FRAMES is None, reason="cryptoscalp-speedups is not installed")
TOPIC = "orderbook.50.BTCUSDT"
price = st.one_of(st.integers(1, 500).map(lambda t: f"{Decimal(t) / 10:f}"),
                  st.sampled_from(["10.05", "-1", "0", "NaN", "1e1", "12.30"]))
qty = st.sampled_from(["0", "0.000", "1.5", "0.001", "-1", "7", "1" + "0" * 20])
levels = st.lists(st.tuples(price, qty).map(list), max_size=5)


def _router(scanned: bool, kernel_book: bool, symbol: str = "BTCUSDT", tick: str = "0.1",
            topic: str = TOPIC) -> tuple[FrameRouter, FeedStats, Any]:
    stats = FeedStats()
    drops = DropLog(stats)
    book = make_book(prefer_kernel=kernel_book)
    sync = BookSync(0, topic, TickGrid(Decimal(tick)), stats, drops, book)
    router = FrameRouter([Topic(topic, TopicKind.BOOK, symbol, 0, sync=sync),
                          Topic(f"orderbook.1.{symbol}", TopicKind.QUOTE, symbol, 0, quote=QuoteState())], drops)
    if not scanned:
        router._scan = None  # every frame through msgspec, as before the scanner
    return router, stats, book


def _run(frames: list[bytes], scanned: bool, kernel_book: bool, **kw: Any) -> tuple[Any, ...]:
    router, stats, book = _router(scanned, kernel_book, **kw)
    out = []
    for frame in frames:
        got = router.route(frame, 3)
        out.append(got.rows.tobytes() if isinstance(got, EventBatch) else got)
    pending = [t.name for t in router.resync_pending]
    return out, dict(stats.dropped), stats.gaps, stats.resyncs, pending, book.depth(1, -1), book.depth(-1, -1)


def _mutate(frame: bytes, how: int) -> bytes:
    if how == 1:  # data before the topic: left to msgspec
        doc = orjson.loads(frame)
        return orjson.dumps({k: doc[k] for k in reversed(list(doc))})
    if how == 2:
        return frame[: len(frame) * 2 // 3]
    if how == 3:
        return frame.replace(b'"s"', b'"\\u0073"', 1)
    if how == 4:
        return frame.replace(b'"u"', b'"u":1,"u"', 1)
    if how == 5:
        return frame.replace(b'"BTCUSDT"', b'"ETHUSDT"', 1)
    if how == 6:
        return frame.replace(b'{"topic"', b'{"op":"subscribe","success":true,"topic"', 1)
    if how == 7:
        return frame.replace(b"orderbook.50", b"orderbook.1", 1)
    return frame.replace(b",", b" ,\n ")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), levels, levels, st.integers(-1, 2)), min_size=1, max_size=10),
       st.lists(st.tuples(st.integers(0, 9), st.integers(0, 8)), max_size=4), st.booleans())
def test_scanned_frames_equal_msgspec_frames(messages: list[tuple[int, Any, Any, int]],
                                             mutations: list[tuple[int, int]], kernel_book: bool) -> None:
    frames, u = [], 0
    for kind, b, a, step in messages:  # step: u moves by 1 (in sequence), 0 (repeat), 2 (gap), -1 (restart)
        u = 1 if step < 0 else u + step
        frames.append(orjson.dumps({"topic": TOPIC, "type": ("snapshot", "delta", "delta")[kind], "ts": 7, "cts": 6,
                                    "data": {"s": "BTCUSDT", "b": b, "a": a, "u": u, "seq": 9}}))
    for at, how in mutations:
        if at < len(frames):
            frames[at] = _mutate(frames[at], how)
    assert _run(frames, True, kernel_book) == _run(frames, False, kernel_book)


def test_recorded_book_is_scanned(market_data_dir: Path) -> None:
    """Bybit's XRPUSDT orderbook.500 dump: every frame is taken by the scanner, and the batches and book
    equal msgspec's."""
    script = load_script(market_data_dir / "bybit" / "nautilus" / "2024-12-01_XRPUSDT_ob500.data")
    frames = [orjson.dumps(m) for m in script]
    kw = dict(symbol="XRPUSDT", tick="0.0001", topic="orderbook.500.XRPUSDT")
    got = _run(frames + frames, True, True, **kw)
    assert got == _run(frames + frames, False, True, **kw)
    assert not got[1] and got[2] == 0 and len(got[5]) > 400
    router, _, _ = _router(True, True, **kw)
    assert router._scan is not None and all(router._scan.scan(f) for f in frames)
