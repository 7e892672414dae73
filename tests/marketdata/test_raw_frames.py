"""Raw frames in the recorder (tags, day files, merge with an older untagged file) and RawReplayFeed's
contract with a venue decoder (start records rebuild it, held batches are flushed, stop ends the stream)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cryptoscalp_core.domain.events import TRADE_DTYPE, EventKind
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.marketdata.raw import START_TAG, RawRecordingConfig, RawReplayFeed, find_raw_source, start_record
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats

pa = pytest.importorskip("pyarrow", reason="recording needs the core's parquet extra")
pq = pytest.importorskip("pyarrow.parquet")
from cryptoscalp_core.marketdata.recorder import MarketRecorder, raw_day_files, read_raw_chunks  # noqa: E402

DAY = 86_400 * 10**9
T0 = 1_704_067_200 * 10**9  # 2024-01-01
BTC = Instrument("x", "BTC", tick_size=Decimal("0.1"), lot_size=Decimal("0.001"))


def _records(root: Path, venue: str = "x", **days: Any) -> list[tuple[int, bytes, str]]:
    return [r for p in raw_day_files(root, venue, **days) for c in read_raw_chunks(p, 3) for r in zip(*c, strict=True)]


def test_raw_records_keep_their_order_tags_and_days(tmp_path: Path) -> None:
    rec = MarketRecorder(tmp_path, [BTC], raw_venue="x", row_group_rows=4)
    records = [(T0 + i * DAY // 4, f'{{"n":{i}}}'.encode(), "" if i % 3 else f"tag {i}") for i in range(10)]
    for ts, frame, tag in records:
        rec.raw(ts, frame, tag)
    written = rec.close()
    assert sorted(Path(p).name for p in written) == ["2024-01-01.parquet", "2024-01-02.parquet", "2024-01-03.parquet"]
    assert _records(tmp_path) == records
    assert _records(tmp_path, start=date(2024, 1, 2), end=date(2024, 1, 2)) == records[4:8]
    assert _records(tmp_path, start=date(2024, 1, 3)) == records[8:]


def test_an_untagged_day_file_is_merged_and_read_as_websocket_frames(tmp_path: Path) -> None:
    path = tmp_path / "x" / "_raw" / "2024-01-01.parquet"
    path.parent.mkdir(parents=True)
    old = pa.table({"ts_recv": pa.array([T0, T0 + 2], pa.int64()), "frame": pa.array([b"a", b"c"], pa.binary())})
    pq.write_table(old, path)
    assert _records(tmp_path) == [(T0, b"a", ""), (T0 + 2, b"c", "")]
    rec = MarketRecorder(tmp_path, [BTC], raw_venue="x")
    rec.raw(T0 + 1, b"b", "depth BTC")
    rec.raw(T0 + 3, b"d")
    rec.close()
    assert _records(tmp_path) == [(T0, b"a", ""), (T0 + 1, b"b", "depth BTC"), (T0 + 2, b"c", ""), (T0 + 3, b"d", "")]


class _Decoder:
    """A toy venue: a frame ``b"<n>"`` is trade ``n``; its batch is held until the next record, and a
    ``drop`` record discards it (as Binance's overflow record does)."""

    made: list[tuple[dict[str, Any], _Decoder]] = []

    def __init__(self, stats: FeedStats, settings: dict[str, Any]) -> None:
        self.stats, self.settings = stats, settings
        self.held: list[EventBatch] = []
        _Decoder.made.append((settings, self))

    def decode(self, ts_recv: int, frame: bytes, tag: str) -> Sequence[EventBatch]:
        if tag == "drop":
            self.held = []
            return []
        rows = np.zeros(1, TRADE_DTYPE)
        rows["ts_recv"] = rows["ts_event"] = ts_recv
        rows["trade_id"] = int(frame) + self.settings.get("offset", 0)
        rows["price"] = rows["qty"] = 1.0
        out, self.held = self.held, [EventBatch(EventKind.TRADE, rows)]
        return out

    def flush(self) -> Sequence[EventBatch]:
        out, self.held = self.held, []
        return out


def _recording(root: Path) -> None:
    rec = MarketRecorder(root, [BTC], raw_venue="x")
    for i, (frame, tag) in enumerate([(b"1", ""), (start_record({"offset": 100}), START_TAG), (b"2", ""),
                                      (b"3", ""), (b"", "drop"), (b"4", ""), (b"5", "")]):
        rec.raw(T0 + i * DAY // 3, frame, tag)
    rec.close()


async def test_replay_rebuilds_the_decoder_at_each_start_and_flushes_what_it_holds(tmp_path: Path) -> None:
    _recording(tmp_path)
    _Decoder.made.clear()
    feed = RawReplayFeed(RawRecordingConfig(path=str(tmp_path), chunk_frames=2), "x", _Decoder)
    assert find_raw_source(feed) is None  # a replay does not record itself
    await feed.start()
    ids = [int(b.rows["trade_id"][0]) async for b in feed.batches()]
    assert ids == [1, 102, 104, 105]  # 3 was dropped by the record after it; 5 came out at the end
    assert [settings for settings, _ in _Decoder.made] == [{}, {"offset": 100}]
    assert (feed.stats.events, feed.stats.batches) == (4, 4)
    assert len(feed.files) == 3


async def test_replay_of_a_day_range_and_of_nothing(tmp_path: Path) -> None:
    _recording(tmp_path)
    feed = RawReplayFeed(RawRecordingConfig(path=str(tmp_path), start=date(2024, 1, 2), end=date(2024, 1, 2)),
                         "x", _Decoder)
    await feed.start()
    # day 2 holds 3, the drop of 3, and 4; no start record in it: the decoder has no offset
    assert [int(b.rows["trade_id"][0]) async for b in feed.batches()] == [4]
    with pytest.raises(FileNotFoundError, match="no raw frames of y"):
        await RawReplayFeed(RawRecordingConfig(path=str(tmp_path)), "y", _Decoder).start()
    with pytest.raises(ValueError, match="end must not be before start"):
        RawRecordingConfig(path="p", start=date(2024, 1, 2), end=date(2024, 1, 1))


async def test_stop_ends_the_replay_at_once(tmp_path: Path) -> None:
    _recording(tmp_path)
    feed = RawReplayFeed(RawRecordingConfig(path=str(tmp_path)), "x", _Decoder)
    await feed.start()
    iterator = feed.batches()
    first = await anext(iterator)
    await feed.stop()
    assert int(first.rows["trade_id"][0]) == 1
    assert [b async for b in iterator] == []
    with pytest.raises(RuntimeError, match="start"):
        feed.batches()
