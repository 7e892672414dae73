"""Recorder → replay round trip (cross-plugin: synthetic feed recorded, replay feed reads it back bit for
bit), the merge with an existing day file, and raw frames."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from cryptoscalp_core.domain.events import DTYPES, EventKind
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.marketdata.recorder import MarketRecorder

pytest.importorskip("pyarrow", reason="recording needs the core's parquet extra")
synthetic = pytest.importorskip("cryptoscalp_feed_synthetic.feed", reason="needs the synthetic feed plugin")
synthetic_config = pytest.importorskip("cryptoscalp_feed_synthetic.config")
replay = pytest.importorskip("cryptoscalp_feed_replay.feed", reason="needs the replay feed plugin")
replay_config = pytest.importorskip("cryptoscalp_feed_replay.config")

BTC = Instrument(venue="binance-usdm", symbol="BTCUSDT", tick_size=Decimal("0.1"), lot_size=Decimal("0.001"))


async def _collect(feed: object) -> dict[EventKind, np.ndarray]:
    out: dict[EventKind, list[np.ndarray]] = {}
    await feed.start()  # type: ignore[attr-defined]
    async for batch in feed.batches():  # type: ignore[attr-defined]
        out.setdefault(batch.kind, []).append(batch.rows.copy())
    await feed.stop()  # type: ignore[attr-defined]
    return {k: np.concatenate(v) for k, v in out.items()}


async def test_recorded_synthetic_stream_replays_bit_for_bit(tmp_path: Path) -> None:
    # crosses midnight so the recording splits into two day files per kind
    cfg = synthetic_config.SyntheticFeedConfig(seed=5, duration_s=40, start_ns=1_704_153_580 * 10**9)
    original = await _collect(synthetic.SyntheticFeed(cfg, [BTC]))
    recorder = MarketRecorder(tmp_path, [BTC], row_group_rows=1000)
    for kind, rows in original.items():
        for part in np.array_split(rows, 7):  # many small batches, as a live feed gives
            recorder.write(kind, part)
    files = recorder.close()
    assert {Path(p).parent.name for p in files} == {"trade", "quote", "book_delta"}
    assert {Path(p).name for p in files} == {"2024-01-01.parquet", "2024-01-02.parquet"}
    back = await _collect(replay.ReplayFeed(replay_config.ReplayConfig(path=str(tmp_path), format="parquet"), [BTC]))
    assert set(back) == set(original)
    for kind, rows in original.items():
        assert back[kind].dtype == DTYPES[kind]
        assert back[kind].tobytes() == rows.tobytes(), kind


def test_second_recording_of_a_day_is_merged_in_time_order(tmp_path: Path) -> None:
    from cryptoscalp_feed_replay.parquet_io import check_schema, read_parquet

    rows = np.zeros(6, dtype=DTYPES[EventKind.TRADE])
    rows["ts_event"] = rows["ts_recv"] = np.arange(6) * 10**9 + 1_704_067_200 * 10**9
    rows["trade_id"], rows["price"], rows["qty"], rows["side"] = np.arange(6), 100.0, 1.0, 1
    for part in (rows[[0, 2, 4]], rows[[1, 3, 5]]):
        rec = MarketRecorder(tmp_path, [BTC])
        rec.write(EventKind.TRADE, part)
        rec.close()
    path = tmp_path / "binance-usdm" / "BTCUSDT" / "trade" / "2024-01-01.parquet"
    assert check_schema(path, "trade") == 6
    assert read_parquet(path).tobytes() == rows.tobytes()


def test_raw_frames_are_recorded_beside_the_layout(tmp_path: Path) -> None:
    import pyarrow.parquet as pq
    from cryptoscalp_feed_replay.layout import find_layout_files

    rec = MarketRecorder(tmp_path, [BTC], raw_venue="binance-usdm")
    frames = [b'{"e":"trade","t":1}', b'{"e":"trade","t":2}']
    for i, f in enumerate(frames):
        rec.raw(1_704_067_200 * 10**9 + i, f)
    rec.close()
    table = pq.read_table(tmp_path / "binance-usdm" / "_raw" / "2024-01-01.parquet")
    assert table.column("frame").to_pylist() == frames
    assert find_layout_files(tmp_path) == []  # raw frames never look like replayable event files
