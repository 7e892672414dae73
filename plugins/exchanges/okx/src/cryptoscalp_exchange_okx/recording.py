"""The ``okx-recording`` feed: raw frames of ``cryptoscalp record`` replayed through the live decoder.

The live feed (:mod:`cryptoscalp_exchange_okx.feed`) records, in receive order:

* every WebSocket frame of every socket (tag ``""``): data pushes, event replies, ``pong``;
* ``start``: the feed started; the frame holds :func:`decoder_settings` as JSON;
* ``reset``: a socket closed and its books (the instIds in the frame) wait for a fresh snapshot.

:class:`OkxRawDecoder` hands each frame to
:meth:`~cryptoscalp_exchange_okx.decode.PushDecoder.decode_frame` of a decoder made by
:func:`build_decoder`, as the live socket loop does, so it produces the same batches, drops, gaps and resyncs.
A resubscription after a gap needs nothing: the fresh snapshot it brought is a recorded frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.marketdata.raw import RawRecordingConfig, RawReplayFeed
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats
from cryptoscalp_exchange_okx.book_sync import BookSync
from cryptoscalp_exchange_okx.config import OkxFeedConfig
from cryptoscalp_exchange_okx.connection import RESET_TAG
from cryptoscalp_exchange_okx.decode import PushDecoder
from cryptoscalp_exchange_okx.instruments import VENUE
from cryptoscalp_exchange_okx.prices import TickParser

_DEFAULTS: Final = {name: OkxFeedConfig.model_fields[name].default for name in ("book_channel", "checksum")}


def decoder_settings(config: OkxFeedConfig) -> dict[str, Any]:
    """What the decoder depends on: recorded when the feed starts, read back by the replay."""
    return {"book_channel": config.book_channel, "checksum": config.checksum}


def build_decoder(instruments: Sequence[Instrument], stats: FeedStats,
                  settings: dict[str, Any]) -> tuple[dict[str, BookSync], PushDecoder]:
    """The books (``instId`` → sync) and the push decoder of a feed run with ``settings``."""
    channel = settings.get("book_channel", _DEFAULTS["book_channel"])
    verify = settings.get("checksum", _DEFAULTS["checksum"]) == "when-present"
    books = {inst.symbol: BookSync(inst.symbol, i, TickParser(inst.tick_size), stats, verify_checksum=verify)
             for i, inst in enumerate(instruments)} if channel != "none" else {}
    decoder = PushDecoder({inst.symbol: i for i, inst in enumerate(instruments)}, books, stats, channel)
    return books, decoder


class OkxRawDecoder:
    """Decodes one run of the live feed, record by record."""

    def __init__(self, instruments: Sequence[Instrument], stats: FeedStats, settings: dict[str, Any]) -> None:
        self.stats = stats
        self.books, self.decoder = build_decoder(instruments, stats, settings)

    def decode(self, ts_recv: int, frame: bytes, tag: str) -> list[EventBatch]:
        if not tag:
            batch = self.decoder.decode_frame(frame, ts_recv, self._control)
            return [] if batch is None else [batch]
        if tag == RESET_TAG:
            for symbol in frame.decode().split():
                sync = self.books.get(symbol)
                if sync is not None:
                    sync.reset()
        return []

    def _control(self, msg: dict[str, Any]) -> None:
        if msg.get("event") == "error":  # what OkxSocket._control counts
            self.stats.drop("venue_error")

    def flush(self) -> list[EventBatch]:
        return []


def make_okx_recording(config: RawRecordingConfig, *, instruments: Sequence[Instrument]) -> RawReplayFeed:
    """OKX raw frames recorded by `cryptoscalp record`, replayed through the live feed's decoder."""
    instruments = tuple(instruments)  # instIds of other venues never match a recorded push

    def make_decoder(stats: FeedStats, settings: dict[str, Any]) -> OkxRawDecoder:
        return OkxRawDecoder(instruments, stats, settings)

    return RawReplayFeed(config, VENUE, make_decoder)
