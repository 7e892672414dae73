"""The ``binance-usdm-recording`` feed: raw frames of ``cryptoscalp record`` replayed through the live parser.

The live feed (:mod:`cryptoscalp_exchange_binance.feed`) records, in receive order:

* every WebSocket frame (tag ``""``), subscribe replies included;
* ``start``: the feed started; the frame holds :func:`decoder_settings` as JSON;
* ``depth SYMBOL``: the body of a REST depth snapshot, handed to the parser at that point;
* ``overflow N``: the ``N``-th batch of the previous frame or snapshot was dropped because the consumer's
  queue was full, and its books were resynchronised.

:class:`BinanceRawDecoder` routes each record exactly as the socket and the feed did (a reply to a request
never reaches the parser; a snapshot goes to ``on_snapshot`` of its symbol) into a
:class:`~cryptoscalp_exchange_binance.parser.StreamParser` built as the live one was, so it produces the
same batches, drops, gaps and resyncs. Snapshot requests need no answer: the snapshot the live feed got is
the next ``depth`` record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.marketdata.raw import RawRecordingConfig, RawReplayFeed
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats
from cryptoscalp_exchange_binance.config import BinanceFeedConfig
from cryptoscalp_exchange_binance.connection import for_parser
from cryptoscalp_exchange_binance.drops import DropLog
from cryptoscalp_exchange_binance.instruments import VENUE
from cryptoscalp_exchange_binance.parser import StreamParser

SNAPSHOT_TAG: Final = "depth"
OVERFLOW_TAG: Final = "overflow"
_DEFAULT_BUFFER: Final = BinanceFeedConfig.model_fields["max_buffered_diffs"].default


def decoder_settings(config: BinanceFeedConfig) -> dict[str, Any]:
    """What the replay needs to build the parser the live feed built."""
    return {"max_buffered_diffs": config.max_buffered_diffs}


def _no_request(index: int) -> None:
    """Snapshot requests: the recording holds the snapshot that answered each one."""


class BinanceRawDecoder:
    """Decodes one run of the live feed. Batches are held back one record, until the next record shows
    whether the live queue dropped them (``overflow``)."""

    def __init__(self, instruments: Sequence[Instrument], stats: FeedStats, settings: dict[str, Any]) -> None:
        mine = [(i, inst) for i, inst in enumerate(instruments) if inst.venue == VENUE]
        self.stats = stats
        self.parser = StreamParser(mine, stats, DropLog(stats), _no_request,
                                   max_buffer=int(settings.get("max_buffered_diffs", _DEFAULT_BUFFER)))
        self._held: list[EventBatch | None] = []

    def decode(self, ts_recv: int, frame: bytes, tag: str) -> list[EventBatch]:
        if not tag:
            if for_parser(frame):
                return self._hold(self.parser.on_frame(frame, ts_recv))
            return []
        kind, _, arg = tag.partition(" ")
        if kind == SNAPSHOT_TAG:
            state = self.parser.symbols.get(arg)
            if state is None:  # a symbol the replay profile does not list
                return []
            return self._hold(self.parser.on_snapshot(state.index, frame, ts_recv))
        if kind == OVERFLOW_TAG:
            self._dropped(int(arg))
        return []

    def flush(self) -> list[EventBatch]:
        return self._hold([])

    def _hold(self, batches: list[EventBatch]) -> list[EventBatch]:
        out = [b for b in self._held if b is not None]
        self._held = list(batches)
        return out

    def _dropped(self, position: int) -> None:
        """What the live feed's ``_enqueue`` did with a batch its full queue refused."""
        batch = self._held[position]
        if batch is None:
            return
        self._held[position] = None
        self.stats.drop("consumer_overflow", len(batch))
        if batch.kind is EventKind.BOOK_DELTA:
            for index in np.unique(batch.rows["instrument"]).tolist():
                self.parser.by_index[int(index)].sync.force_resync()


def make_binance_recording(config: RawRecordingConfig, *, instruments: Sequence[Instrument]) -> RawReplayFeed:
    """Binance USD-M raw frames recorded by `cryptoscalp record`, replayed through the live feed's parser."""
    instruments = tuple(instruments)
    if not any(inst.venue == VENUE for inst in instruments):
        raise ValueError(f"the {VENUE}-recording feed needs at least one {VENUE}:SYMBOL instrument in the profile")

    def make_decoder(stats: FeedStats, settings: dict[str, Any]) -> BinanceRawDecoder:
        return BinanceRawDecoder(instruments, stats, settings)

    return RawReplayFeed(config, VENUE, make_decoder)
