"""The Parquet layout: write → replay gives back the same rows, merged by ts_recv; bad files refused at start."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cryptoscalp_feed_replay import ReplayConfig, make_replay_feed, read_parquet, write_parquet
from cryptoscalp_feed_replay.layout import DEFAULT_DIR

from cryptoscalp_core.domain.events import BOOK_DELTA_DTYPE as DTYPE_DELTA
from cryptoscalp_core.domain.events import TRADE_DTYPE as DTYPE_TRADE
from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.domain.instrument import Instrument


def store(out: Any, root: Path, instruments: tuple[Instrument, ...]) -> None:
    """Write every (instrument, kind) of a replay into the layout."""
    for kind in EventKind:
        rows = out.rows(kind)
        for index, inst in enumerate(instruments):
            mine = rows[rows["instrument"] == index] if len(rows) else rows
            if len(mine):
                write_parquet(root, inst.venue, inst.symbol, kind, mine,
                              tick_size=inst.tick_size if kind is EventKind.BOOK_DELTA else None)


def assert_same_streams(a: Any, b: Any, n_instruments: int) -> None:
    for kind in EventKind:
        ra, rb = a.rows(kind), b.rows(kind)
        assert len(ra) == len(rb), kind
        for index in range(n_instruments):
            sa, sb = ra[ra["instrument"] == index], rb[rb["instrument"] == index]
            assert np.array_equal(sa, sb), f"{kind.name} rows of instrument {index} differ"
    ts = np.concatenate([batch.rows["ts_recv"] for batch in b.batches])
    assert (np.diff(ts) >= 0).all(), "the merged replay goes back in time"


def test_round_trip_of_the_fixture_pair(replay: Callable[..., Any], fixtures_dir: Path, tmp_path: Path,
                                        instruments: tuple[Instrument, ...]) -> None:
    original = replay(path=str(fixtures_dir / "*_mini.txt"))
    store(original, tmp_path, instruments)
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.parquet"))
    assert "binance-usdm/BTCUSDT/book_delta/2024-08-09.parquet" in files
    again = replay(path=str(tmp_path))
    assert_same_streams(original, again, len(instruments))
    kinds = [batch.kind for batch in again.batches]
    assert all(k1 is not k2 for k1, k2 in itertools.pairwise(kinds)), "consecutive runs were not joined"


def test_round_trip_of_a_real_recording(replay: Callable[..., Any], market_data_dir: Path, tmp_path: Path,
                                        instruments: tuple[Instrument, ...]) -> None:
    original = replay(path=str(market_data_dir / "binance-usdm" / "hftbacktest" / "btcusdt_20240808.gz"))
    store(original, tmp_path, instruments)
    again = replay(path=str(tmp_path), format="parquet", chunk_rows=10_000)
    assert_same_streams(original, again, len(instruments))
    assert max(len(batch) for batch in again.batches) <= 10_000
    print(f"\nparquet replay: {again.stats.events} rows in {again.stats.batches} batches")


def test_write_parquet_splits_days_and_read_parquet_reads_back(tmp_path: Path) -> None:
    rows = np.zeros(3, dtype=DTYPE_TRADE)
    day = 86_400 * 10**9
    rows["ts_recv"] = rows["ts_event"] = [19_000 * day + 5, 19_000 * day + 6, 19_001 * day]
    rows["price"], rows["qty"], rows["side"] = 10.0, 1.0, 1
    paths = write_parquet(tmp_path, "v", "S", "agg_trade", rows)
    assert [p.name for p in paths] == ["2022-01-08.parquet", "2022-01-09.parquet"]
    assert np.array_equal(read_parquet(paths[0]), rows[:2])
    with pytest.raises(TypeError):
        write_parquet(tmp_path, "v", "S", EventKind.QUOTE, rows)
    with pytest.raises(ValueError, match="tick_size"):
        write_parquet(tmp_path, "v", "S", EventKind.BOOK_DELTA, np.zeros(1, dtype=DTYPE_DELTA))


def _start(path: Path, instruments: tuple[Instrument, ...], **settings: Any) -> None:
    feed = make_replay_feed(ReplayConfig(path=str(path), **settings), instruments=instruments)
    asyncio.run(feed.start())


def test_wrong_columns_or_tick_size_are_refused_at_start(tmp_path: Path, instruments: tuple[Instrument, ...]) -> None:
    bad = tmp_path / "a" / "binance-usdm" / "BTCUSDT" / "trade" / "2024-08-09.parquet"
    bad.parent.mkdir(parents=True)
    pq.write_table(pa.table({"ts_recv": [1], "price": [1.0]}), bad)
    with pytest.raises(ValueError, match="columns"):
        _start(tmp_path / "a", instruments)
    deltas = np.zeros(1, dtype=DTYPE_DELTA)
    deltas["ts_recv"], deltas["price_ticks"], deltas["side"] = 1, 5, 1
    write_parquet(tmp_path / "b", "binance-usdm", "BTCUSDT", EventKind.BOOK_DELTA, deltas, tick_size="0.01")
    with pytest.raises(ValueError, match="tick"):
        _start(tmp_path / "b", instruments)
    with pytest.raises(FileNotFoundError):
        _start(tmp_path / "nothing-*", instruments)


def test_bad_rows_unsubscribed_symbols_and_kind_selection(replay: Callable[..., Any], tmp_path: Path,
                                                          instruments: tuple[Instrument, ...]) -> None:
    trades = np.zeros(4, dtype=DTYPE_TRADE)
    trades["ts_recv"] = trades["ts_event"] = np.arange(4) + 1_700_000_000 * 10**9
    trades["price"], trades["qty"], trades["side"] = [1.0, np.nan, -2.0, 3.0], 1.0, 1
    write_parquet(tmp_path, "binance-usdm", "BTCUSDT", "trade", trades)
    write_parquet(tmp_path, "binance-usdm", "BTCUSDT", "agg_trade", trades[:1])
    write_parquet(tmp_path, "binance-usdm", "DOGEUSDT", "trade", trades)
    out = replay(path=str(tmp_path))
    assert out.count(EventKind.TRADE) == 2
    assert out.stats.dropped == {"non_finite_price": 1, "non_positive_price": 1, "not_subscribed": 4}
    agg = replay(path=str(tmp_path), parquet_kinds=("agg_trade",))
    assert agg.count(EventKind.TRADE) == 1
    delayed = replay(path=str(tmp_path), md_latency_ms=2).rows(EventKind.TRADE)
    assert delayed["ts_recv"][0] == trades["ts_recv"][0] + 2_000_000
    assert DEFAULT_DIR[EventKind.TRADE] == "trade"
