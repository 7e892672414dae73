"""Frame bytes → an :class:`EventBatch` (market data) or a :class:`Frame` (a reply to our request).

One router serves one connection: it knows the connection's topics and their per-topic state (book sync,
merged quote and ticker). Anything it cannot use is dropped and counted; nothing raises.

A book frame is first offered to the compiled scanner (``cryptoscalp_speedups.bybitframes``), which reads
it straight from the bytes, levels included; a frame it does not recognise as a canonical book frame of
this connection (any other topic, a reply, anything malformed or unusual) is decoded by msgspec as
before. Both give the same batches, drops and book.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Final

import orjson

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_exchange_bybit.book_sync import BookSync
from cryptoscalp_exchange_bybit.drops import DropLog
from cryptoscalp_exchange_bybit.kernels import FRAMES
from cryptoscalp_exchange_bybit.streams import QuoteState, TickerState, trade_rows
from cryptoscalp_exchange_bybit.wire import BOOK, BOOK_TEXT, FRAME, TRADES, DecodeError, Frame

_MS: Final = 1_000_000
_BOOK_DELTA: Final = EventKind.BOOK_DELTA


class TopicKind(IntEnum):
    BOOK = 1
    QUOTE = 2
    TRADE = 3
    TICKER = 4


@dataclass(slots=True)
class Topic:
    """A subscribed topic and the state its messages update."""

    name: str
    kind: TopicKind
    symbol: str
    instrument: int
    sync: BookSync | None = None
    quote: QuoteState | None = None
    ticker: TickerState | None = None

    def reset(self) -> None:
        """The subscription starts again: state built from the old one is void."""
        if self.sync is not None:
            self.sync.reset()
        if self.quote is not None:
            self.quote.reset()
        if self.ticker is not None:
            self.ticker.reset()


class FrameRouter:
    """Decodes frames of one connection. Book topics that lost sync are queued in :attr:`resync_pending`
    for the connection to resubscribe."""

    def __init__(self, topics: list[Topic], drops: DropLog, *, block_trades: bool = True) -> None:
        self.topics = {t.name: t for t in topics}
        self.drops = drops
        self.block_trades = block_trades
        self.resync_pending: list[Topic] = []
        self._scan: Any = None
        books = [t for t in topics if t.kind is TopicKind.BOOK and t.sync is not None and t.sync.scale is not None]
        if books and FRAMES is not None:
            self._scan = FRAMES.BybitBookFrames()
            for topic in books:
                self._scan.add(topic.name, topic.symbol, topic.sync.scale, topic)  # type: ignore[union-attr]

    def reset(self) -> None:
        for topic in self.topics.values():
            topic.reset()
        self.resync_pending.clear()

    def route(self, raw: bytes | str, ts_recv: int) -> EventBatch | Frame | None:
        scan = self._scan
        if scan is not None and scan.scan(raw):
            # A canonical book frame of one of our topics with the topic's symbol and a known type.
            topic = scan.target
            sync = topic.sync
            rows = sync.on_scanned(scan, (scan.cts or scan.ts) * _MS, ts_recv)
            if sync.needs_resync and topic not in self.resync_pending:
                self.resync_pending.append(topic)
            return EventBatch(_BOOK_DELTA, rows) if rows is not None else None
        try:
            frame = FRAME.decode(raw)
        except DecodeError:
            # A truncated book frame loses its update; the next delta's ``u`` then shows the gap.
            self.drops.drop("malformed", "undecodable frame")
            return None
        name = frame.topic
        if not name:
            if frame.op:
                return frame
            self.drops.drop("malformed", "frame without topic or op")
            return None
        topic = self.topics.get(name)
        if topic is None:
            self.drops.drop("unsubscribed_topic", name)
            return None
        kind = frame.type
        if kind != "snapshot" and kind != "delta":
            self._bad(topic, f"type {kind!r}")
            return None
        is_snapshot = kind == "snapshot"
        ts_event = (frame.cts or frame.ts) * _MS
        tk = topic.kind
        if tk is TopicKind.BOOK:
            sync = topic.sync
            assert sync is not None
            try:
                data = (BOOK_TEXT if sync.text_levels else BOOK).decode(frame.data)
            except DecodeError:
                self._bad(topic, "book data")
                return None
            if data.s != topic.symbol:
                self._bad(topic, f"symbol {data.s!r}")
                return None
            rows = sync.on_message(is_snapshot, data, ts_event, ts_recv)
            if sync.needs_resync and topic not in self.resync_pending:
                self.resync_pending.append(topic)
            return EventBatch(EventKind.BOOK_DELTA, rows) if rows is not None else None
        if tk is TopicKind.TRADE:
            try:
                trades = TRADES.decode(frame.data)
            except DecodeError:
                self._bad(topic, "trade data")
                return None
            rows = trade_rows(trades, topic.instrument, ts_recv, self.drops, self.block_trades)
            return EventBatch(EventKind.TRADE, rows) if rows is not None else None
        if tk is TopicKind.QUOTE:
            assert topic.quote is not None
            try:
                data = BOOK.decode(frame.data)
            except DecodeError:
                self._bad(topic, "level-1 data")
                return None
            rows = topic.quote.on_message(is_snapshot, data, topic.instrument, ts_event, ts_recv, self.drops)
            return EventBatch(EventKind.QUOTE, rows) if rows is not None else None
        assert topic.ticker is not None
        try:
            payload = orjson.loads(memoryview(frame.data))
        except orjson.JSONDecodeError:
            self._bad(topic, "ticker data")
            return None
        rows = topic.ticker.on_message(is_snapshot, payload, topic.instrument, ts_event, ts_recv, self.drops)
        return EventBatch(EventKind.MARK, rows) if rows is not None else None

    def _bad(self, topic: Topic, what: str) -> None:
        if topic.sync is not None:
            topic.sync.invalidate("malformed")
            if topic.sync.needs_resync and topic not in self.resync_pending:
                self.resync_pending.append(topic)
        else:
            self.drops.drop("malformed", f"{topic.name}: {what}")
