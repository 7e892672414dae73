"""The ``bybit-recording`` feed: raw frames of ``cryptoscalp record`` replayed through the live router.

The live feed (:mod:`cryptoscalp_exchange_bybit.feed`) records, in receive order:

* every WebSocket frame of every connection (tag ``""``): data pushes, replies, pongs;
* ``start``: the feed started; the frame holds :func:`decoder_settings` as JSON;
* ``reset``: a connection's session started; its topics (space-separated in the frame) begin afresh.

:class:`BybitRawDecoder` routes every frame through one
:class:`~cryptoscalp_exchange_bybit.router.FrameRouter` holding the topics the ``reset`` records named
(topics are disjoint across connections and a router's state is per topic, so one router behaves as the
live connections' routers together), and does what the connection does after each frame: book topics the
router queued for a resubscription wait for their snapshot, which is a later recorded frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.marketdata.raw import RawRecordingConfig, RawReplayFeed
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats
from cryptoscalp_exchange_bybit.book import L2BookLike, make_book
from cryptoscalp_exchange_bybit.book_sync import BookSync
from cryptoscalp_exchange_bybit.config import BybitFeedConfig
from cryptoscalp_exchange_bybit.connection import RESET_TAG
from cryptoscalp_exchange_bybit.drops import DropLog
from cryptoscalp_exchange_bybit.instruments import VENUE
from cryptoscalp_exchange_bybit.router import FrameRouter, Topic, TopicKind
from cryptoscalp_exchange_bybit.streams import QuoteState, TickerState
from cryptoscalp_exchange_bybit.ticks import TickGrid

_DEFAULTS: Final = {name: BybitFeedConfig.model_fields[name].default for name in ("block_trades", "keep_book")}


def decoder_settings(config: BybitFeedConfig) -> dict[str, Any]:
    """What routing depends on besides the topics: recorded when the feed starts."""
    return {"block_trades": config.block_trades, "keep_book": config.keep_book}


def make_topic(name: str, symbol: str, index: int, grid: TickGrid, stats: FeedStats, drops: DropLog,
               book: L2BookLike | None) -> Topic:
    """The topic ``name`` of instrument ``index`` with fresh state (``book``: the feed's own book, if kept)."""
    if name.startswith("orderbook.1."):
        return Topic(name, TopicKind.QUOTE, symbol, index, quote=QuoteState())
    if name.startswith("orderbook."):
        return Topic(name, TopicKind.BOOK, symbol, index, sync=BookSync(index, name, grid, stats, drops, book))
    if name.startswith("publicTrade."):
        return Topic(name, TopicKind.TRADE, symbol, index)
    return Topic(name, TopicKind.TICKER, symbol, index, ticker=TickerState())


class BybitRawDecoder:
    """Decodes one run of the live feed, record by record."""

    def __init__(self, instruments: Sequence[Instrument], stats: FeedStats, settings: dict[str, Any]) -> None:
        self.stats = stats
        self.drops = DropLog(stats)
        self._mine = {ins.symbol: (i, TickGrid(ins.tick_size)) for i, ins in enumerate(instruments)
                      if ins.venue == VENUE}
        self._keep_book = bool(settings.get("keep_book", _DEFAULTS["keep_book"]))
        self.books: dict[int, L2BookLike] = {}
        self.router = FrameRouter([], self.drops,
                                  block_trades=bool(settings.get("block_trades", _DEFAULTS["block_trades"])))

    def decode(self, ts_recv: int, frame: bytes, tag: str) -> list[EventBatch]:
        router = self.router
        if not tag:
            out = router.route(frame, ts_recv)
            pending = router.resync_pending
            if pending:  # the connection resubscribes them: each waits for its snapshot
                for topic in pending:
                    if topic.sync is not None:
                        topic.sync.resubscribed()
                pending.clear()
            return [out] if type(out) is EventBatch else []
        if tag == RESET_TAG:
            self._reset(frame.decode().split())
        return []

    def flush(self) -> list[EventBatch]:
        return []

    def _reset(self, names: list[str]) -> None:
        """What ``FrameRouter.reset`` does to one connection's topics, creating those not seen yet."""
        topics = self.router.topics
        for name in names:
            topic = topics.get(name)
            if topic is None:
                found = self._mine.get(name.rsplit(".", 1)[-1])
                if found is None:  # an instrument the replay profile does not list
                    continue
                index, grid = found
                book = None
                if self._keep_book and name.startswith("orderbook.") and not name.startswith("orderbook.1."):
                    book = self.books.setdefault(index, make_book())
                topic = topics[name] = make_topic(name, name.rsplit(".", 1)[-1], index, grid, self.stats,
                                                  self.drops, book)
            topic.reset()
        reset = set(names)
        self.router.resync_pending[:] = [t for t in self.router.resync_pending if t.name not in reset]


def make_bybit_recording(config: RawRecordingConfig, *, instruments: Sequence[Instrument]) -> RawReplayFeed:
    """Bybit raw frames recorded by `cryptoscalp record`, replayed through the live feed's router."""
    instruments = tuple(instruments)
    if not any(ins.venue == VENUE for ins in instruments):
        raise ValueError(f"the bybit-recording feed needs at least one '{VENUE}:SYMBOL' instrument")

    def make_decoder(stats: FeedStats, settings: dict[str, Any]) -> BybitRawDecoder:
        return BybitRawDecoder(instruments, stats, settings)

    return RawReplayFeed(config, VENUE, make_decoder)
