"""Raw venue frames: the optional protocol a feed implements to tee them, and their bit-for-bit replay.

A recording of raw frames is a sequence of ``(ts_recv, frame, tag)`` records in receive order:

* ``tag == ""``: a WebSocket frame, the bytes as received (text frames UTF-8 encoded);
* ``tag == "start"`` (:data:`START_TAG`): the feed started; ``frame`` is a JSON object of the settings its
  decoder needs (so the replay rebuilds the decoder the live feed had, whatever the replay profile says);
* any other tag is the venue plugin's: a REST body the feed parsed (Binance's depth snapshots, tagged with
  what was asked), or a feed-side event that changes the decoder's state without a frame (a reconnect that
  voids the books, a batch a slow consumer never got).

:class:`RawReplayFeed` reads such a recording back and hands every record, in order, to a venue decoder
that calls the same parsing code the live socket calls, so it yields the batches the live feed yielded.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Final, Protocol, runtime_checkable

from pydantic import Field, model_validator

from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats
from cryptoscalp_core.registry import ComponentConfig

#: Tag of the record a feed writes when it starts; its frame is the JSON of the decoder settings.
START_TAG: Final = "start"


class RawFrameSink(Protocol):
    """``sink(ts_recv_ns, frame, tag="")``: called once per received frame, before it is parsed, and for
    each tagged record (REST body, feed-side event). Must not block."""

    def __call__(self, ts_recv: int, frame: bytes, tag: str = "", /) -> None: ...


@runtime_checkable
class RawFrameSource(Protocol):
    """A feed that can tee its raw frames. ``venue`` names the venue the frames come from;
    :meth:`set_raw_sink` installs (or, with ``None``, removes) the sink before or while the feed runs.
    Installed before :meth:`start`, the recording begins with a :data:`START_TAG` record."""

    @property
    def venue(self) -> str: ...

    def set_raw_sink(self, sink: RawFrameSink | None) -> None: ...


def find_raw_source(feed: object) -> RawFrameSource | None:
    """``feed`` or the first wrapped feed (``source`` attribute) that exposes raw frames."""
    seen = 0
    while feed is not None and seen < 16:
        if isinstance(feed, RawFrameSource):
            return feed
        feed = getattr(feed, "source", None)
        seen += 1
    return None


def start_record(settings: dict[str, Any]) -> bytes:
    """The frame of a :data:`START_TAG` record: the decoder settings as JSON."""
    return json.dumps(settings, sort_keys=True, separators=(",", ":")).encode()


class RawDecoder(Protocol):
    """One venue's decoding of recorded records (built anew at each :data:`START_TAG` record)."""

    def decode(self, ts_recv: int, frame: bytes, tag: str) -> Sequence[EventBatch]:
        """The batches that are final once this record is seen (a decoder may hold some back until the
        next record tells whether the live feed delivered them)."""
        ...

    def flush(self) -> Sequence[EventBatch]:
        """Batches still held back, at the end of the recording or of one run of the live feed."""
        ...


#: ``make_decoder(stats, settings)``; ``settings`` is the start record's JSON ({} before any start record).
DecoderFactory = Callable[[FeedStats, dict[str, Any]], RawDecoder]


class RawRecordingConfig(ComponentConfig):
    """Settings of a venue's ``*-recording`` feed: raw frames of ``cryptoscalp record`` replayed."""

    path: str = Field(min_length=1, description=(
        "Root of the recording (the `-o` of `cryptoscalp record`): frames are read from "
        "`<path>/<venue>/_raw/<YYYY-MM-DD>.parquet`."))
    start: date | None = Field(None, description="First UTC day replayed (null: the first recorded day).")
    end: date | None = Field(None, description="Last UTC day replayed, inclusive (null: the last recorded day).")
    chunk_frames: int = Field(8192, ge=1, le=1_000_000, description=(
        "Frames read from Parquet at a time; the event loop gets a turn between chunks."))

    @model_validator(mode="after")
    def _ordered(self) -> RawRecordingConfig:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class RawReplayFeed:
    """A finite :class:`~cryptoscalp_core.ports.MarketFeed` over the raw frames one venue's feed
    recorded: each record goes, in receive order, to a decoder from ``make_decoder``."""

    def __init__(self, config: RawRecordingConfig, venue: str, make_decoder: DecoderFactory) -> None:
        self.config = config
        self.venue_name = venue
        self.make_decoder = make_decoder
        self._stats = FeedStats()
        self._files: list[Path] = []
        self._running = False
        self._iterated = False
        self.decoder: RawDecoder | None = None

    @property
    def stats(self) -> FeedStats:
        return self._stats

    @property
    def files(self) -> list[Path]:
        return list(self._files)

    async def start(self) -> None:
        if self._running:
            return
        from cryptoscalp_core.marketdata.recorder import raw_day_files

        cfg = self.config
        files = raw_day_files(cfg.path, self.venue_name, cfg.start, cfg.end)
        if not files:
            raise FileNotFoundError(f"no raw frames of {self.venue_name} under {cfg.path} "
                                    f"(from {cfg.start or 'the first day'} to {cfg.end or 'the last day'})")
        self._files, self._stats, self._iterated, self._running = files, FeedStats(), False, True

    async def stop(self) -> None:
        self._running = False

    def batches(self) -> AsyncIterator[EventBatch]:
        if not self._running:
            raise RuntimeError(f"{self.venue_name} recording: call start() before batches()")
        if self._iterated:
            raise RuntimeError(f"{self.venue_name} recording: batches() may be iterated once per start()")
        self._iterated = True
        return self._run()

    async def _run(self) -> AsyncIterator[EventBatch]:
        from cryptoscalp_core.marketdata.recorder import read_raw_chunks

        stats = self._stats
        decoder = self.decoder = self.make_decoder(stats, {})
        for path in self._files:
            for ts_list, frames, tags in read_raw_chunks(path, self.config.chunk_frames):
                for ts_recv, frame, tag in zip(ts_list, frames, tags, strict=True):
                    if tag == START_TAG:
                        out = decoder.flush()
                        decoder = self.decoder = self.make_decoder(stats, json.loads(frame or b"{}"))
                    else:
                        out = decoder.decode(ts_recv, frame, tag)
                    for batch in out:
                        if not self._running:
                            return
                        stats.events += len(batch.rows)
                        stats.batches += 1
                        yield batch
                await asyncio.sleep(0)
        for batch in decoder.flush():
            if not self._running:
                return
            stats.events += len(batch.rows)
            stats.batches += 1
            yield batch
