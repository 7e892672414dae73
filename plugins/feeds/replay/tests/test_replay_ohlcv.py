"""OHLCV bars: read exactly as the CSV says, replayed as four synthetic prints per bar by the convention."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cryptoscalp_feed_replay import OHLCV_DTYPE, read_ohlcv, write_parquet

from cryptoscalp_core.domain.events import EventKind, Side

MS = 10**6


def csv_rows(path: Path) -> list[list[str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="") as text:  # type: ignore[operator]
        rows = list(csv.reader(text))
    return [r for r in rows[1:] if r]


def check_prints(bars: np.ndarray, trades: np.ndarray, interval_ns: int) -> None:
    """Every bar with volume gives O, extreme, extreme, C at the documented times and sides."""
    traded = bars[bars["volume"] > 0]
    assert len(trades) == 4 * len(traded)
    quads = trades.reshape(-1, 4)
    up = traded["close"] >= traded["open"]
    assert np.array_equal(quads["price"][:, 0], traded["open"])
    assert np.array_equal(quads["price"][:, 3], traded["close"])
    assert np.array_equal(quads["price"][:, 1], np.where(up, traded["low"], traded["high"]))
    assert np.array_equal(quads["price"][:, 2], np.where(up, traded["high"], traded["low"]))
    offsets = quads["ts_event"] - traded["ts_open"][:, None]
    assert (offsets == [0, interval_ns // 3, 2 * interval_ns // 3, interval_ns - MS]).all()
    assert np.allclose(quads["qty"].sum(axis=1), traded["volume"])
    strictly = traded["close"] != traded["open"]
    expected_side = np.where(traded["close"] > traded["open"], int(Side.BUY), int(Side.SELL))
    assert (quads["side"][strictly] == expected_side[strictly][:, None]).all()
    assert (quads["side"] == quads["side"][:, :1]).all(), "one side per bar"


def test_read_ohlcv_matches_the_csv(fixtures_dir: Path) -> None:
    path = fixtures_dir / "bars_mini.csv"
    bars = read_ohlcv(path)
    rows = csv_rows(path)
    assert bars.dtype == OHLCV_DTYPE and len(bars) == len(rows)
    for bar, row in zip(bars.tolist(), rows, strict=True):
        assert bar == (int(row[0]) * MS, *(float(v) for v in row[1:6]))


def test_fixture_bars_as_prints(fixtures_dir: Path, replay: Callable[..., Any]) -> None:
    out = replay(path=str(fixtures_dir / "bars_mini.csv"), md_latency_ms=3, symbol="BTCUSDT")
    trades = out.rows(EventKind.TRADE)
    bars = read_ohlcv(fixtures_dir / "bars_mini.csv")
    check_prints(bars, trades, 60 * 10**9)
    assert (trades["ts_recv"] - trades["ts_event"] == 3 * MS).all()
    flat = trades[np.isin(trades["ts_event"] // (60 * 10**9) * 60 * 10**9, bars["ts_open"][2])]
    assert (flat["side"] == int(Side.BUY)).all(), "a flat bar closing at the previous close is a BUY"
    assert len(np.unique(trades["trade_id"])) == len(trades)


def test_bad_bars_are_counted(tmp_path: Path, replay: Callable[..., Any]) -> None:
    path = tmp_path / "BTCUSDT-1m.csv"
    path.write_text("open_time_ms,open,high,low,close,volume\n"
                    "1746372780000,100,101,99,100.5,1\n1746372840000,nan,101,99,100,1\n"
                    "1746372900000,100,99,101,100,1\nnot,a,bar\n1746373020000,100,101,-1,100,1\n")
    out = replay(path=str(path))
    assert out.count(EventKind.TRADE) == 4
    assert out.stats.dropped == {"non_finite_price": 1, "inconsistent_bar": 1, "malformed_bar": 1,
                                 "non_positive_price": 1}
    with pytest.raises(ValueError, match=r"BTCUSDT-1m\.csv:5"):
        read_ohlcv(path)


def test_text_timestamps_and_parquet_bars(market_data_dir: Path, tmp_path: Path) -> None:
    path = market_data_dir / "ohlcv" / "btc-perp-1m-2022-01" / "btc-perp-20211231-20220201_1m.csv.gz"
    bars = read_ohlcv(path)
    first = csv_rows(path)[0]
    assert bars["ts_open"][0] == np.datetime64(first[0].replace(" ", "T"), "ns").astype(np.int64)
    assert len(bars) == len(csv_rows(path))
    written = write_parquet(tmp_path, "binance-usdm", "BTCUSDT", "ohlcv_1m", bars[:3000])
    assert np.array_equal(np.concatenate([read_ohlcv(p) for p in written]), bars[:3000])


def test_real_one_minute_bars_drive_the_trade_pipeline(market_data_dir: Path, replay: Callable[..., Any]) -> None:
    folder = market_data_dir / "ohlcv" / "binance-usdm-1m"
    out = replay(path=str(folder / "*USDT-1m.csv.gz"), chunk_rows=50_000)
    trades = out.rows(EventKind.TRADE)
    totals = {}
    for index, symbol in enumerate(("BTCUSDT", "ETHUSDT")):
        bars = read_ohlcv(folder / f"{symbol}-1m.csv.gz")
        assert len(bars) == len(csv_rows(folder / f"{symbol}-1m.csv.gz"))
        mine = trades[trades["instrument"] == index]
        check_prints(bars, mine, 60 * 10**9)
        totals[symbol] = len(mine)
    ts = np.concatenate([batch.rows["ts_recv"] for batch in out.batches])
    assert (np.diff(ts) >= 0).all() and max(len(b) for b in out.batches) <= 50_000
    others = len(list(folder.glob("*USDT-1m.csv.gz"))) - 2
    assert out.stats.dropped.get("not_subscribed", 0) > 0 and others > 0
    print(f"\nohlcv replay: {totals} synthetic prints; {others} other symbols skipped "
          f"({out.stats.dropped['not_subscribed']} bars)")
