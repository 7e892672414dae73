"""OHLCV bars: reading them, and turning them into synthetic trades so bars can drive the tick pipeline.

**Synthetic-print convention.** Each bar of interval ``D`` (inferred from the data: the smallest gap
between consecutive bar open times; 1 minute for a single bar) opening at ``t`` becomes four TRADE rows:

=========  ==========================  ====================================================
print      ts_event                    price
=========  ==========================  ====================================================
1          ``t``                       open
2          ``t + D/3``                 low if the bar closed at or above its open, else high
3          ``t + 2D/3``                the other extreme
4          ``t + D - 1 ms``            close (the last moment of the bar)
=========  ==========================  ====================================================

The path open → low → high → close for an up bar (open → high → low → close for a down bar) is the
usual assumption of bar backtesters: it is the path on which a bar's range is travelled without
crossing the close twice, and it makes a stop below the open trigger before a target above it in an
up bar — the pessimistic order for a long. Each print carries a quarter of the bar's volume.
Aggressor side: BUY for every print of a bar that closed above its open, SELL below it; a bar that
closed at its open takes the side of its close versus the previous bar's close (BUY for the first).
``trade_id`` is ``open_time_ms * 4 + print number - 1``: unique and increasing across files.
``ts_recv = ts_event + md_latency`` (bars carry no receive time). Bars with zero volume (no trade
happened) give no prints; bars with non-finite or non-positive prices, or whose high/low do not
contain their open and close, are dropped and counted.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.domain.events import TRADE_DTYPE, Side

OHLCV_DTYPE: Final = np.dtype([("ts_open", "<i8"), ("open", "<f8"), ("high", "<f8"), ("low", "<f8"),
                               ("close", "<f8"), ("volume", "<f8")])
"""Bars as :func:`read_ohlcv` returns them: ``ts_open`` is the bar's open time in ns (UTC)."""

_MINUTE_NS: Final = 60 * 10**9
_MS: Final = 10**6
OnDrop = Callable[[str, int], None]


def _time_ns(text: str) -> int:
    """An open time: integer s/ms/us/ns (told by magnitude) or an ISO text timestamp (UTC if naive)."""
    text = text.strip()
    if text.isdigit():
        value = int(text)
        for bound, scale in ((10**17, 1), (10**14, 1_000), (10**11, 1_000_000), (10**8, 1_000_000_000)):
            if value >= bound:
                return value * scale
        raise ValueError(f"time {text!r} is too small for an epoch stamp")
    stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    return int(stamp.timestamp()) * 10**9 + stamp.microsecond * 1_000


def _is_time(text: str) -> bool:
    try:
        _time_ns(text)
    except (ValueError, OverflowError):
        return False
    return True


def _open_text(path: Path) -> io.TextIOBase:
    with path.open("rb") as probe:
        gz = probe.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rt", newline="") if gz else path.open("r", newline="")


def read_ohlcv(path: str | Path, *, on_drop: OnDrop | None = None) -> npt.NDArray[np.void]:
    """Bars of a CSV (optionally gzip; with or without a header row; the first six columns are open
    time, open, high, low, close, volume, as in Binance kline files) or of an ``ohlcv_1m`` Parquet day
    file, sorted by open time.

    A row that does not parse raises ``ValueError`` naming the line, unless ``on_drop(reason,
    line_number)`` is given: then it is skipped and reported there.
    """
    path = Path(path)
    if path.suffix == ".parquet":
        from cryptoscalp_feed_replay.parquet_io import read_parquet

        bars = read_parquet(path)
    else:
        bars = _read_csv(path, on_drop)
    return bars[np.argsort(bars["ts_open"], kind="stable")]


def _read_csv(path: Path, on_drop: OnDrop | None) -> npt.NDArray[np.void]:
    out: list[tuple[int, float, float, float, float, float]] = []
    with _open_text(path) as text:
        for number, fields in enumerate(csv.reader(text), 1):
            if not fields:
                continue
            if number == 1 and not _is_time(fields[0]):
                continue  # the header row
            try:
                if len(fields) < 6:
                    raise ValueError(f"{len(fields)} columns, need 6")
                out.append((_time_ns(fields[0]), *(float(f) for f in fields[1:6])))  # type: ignore[arg-type]
            except (ValueError, OverflowError) as exc:
                if on_drop is None:
                    raise ValueError(f"{path.name}:{number}: not an OHLCV row ({exc})") from None
                on_drop("malformed_bar", number)
    return np.array(out, dtype=OHLCV_DTYPE)


def bar_interval_ns(bars: npt.NDArray[np.void]) -> int:
    """Smallest positive gap between consecutive open times (a minute when it cannot be told)."""
    steps = np.diff(bars["ts_open"])
    steps = steps[steps > 0]
    return int(steps.min()) if len(steps) else _MINUTE_NS


def bars_to_trades(bars: npt.NDArray[np.void], instrument: int, *, interval_ns: int, latency_ns: int = 0,
                   prev_close: float | None = None) -> tuple[npt.NDArray[np.void], dict[str, int]]:
    """Four synthetic prints per bar (see the module docstring). Returns the trades, in time order, and
    the count of bars dropped per reason."""
    o, h, lo, c, v = (bars[name] for name in ("open", "high", "low", "close", "volume"))
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(o) & np.isfinite(h) & np.isfinite(lo) & np.isfinite(c)
        positive = finite & (o > 0) & (h > 0) & (lo > 0) & (c > 0)
        consistent = positive & (h >= np.maximum(o, c)) & (lo <= np.minimum(o, c)) & (lo <= h)
        good_volume = np.isfinite(v) & (v >= 0)
    keep = consistent & good_volume & (v > 0)
    dropped = {"non_finite_price": int((~finite).sum()), "non_positive_price": int((finite & ~positive).sum()),
               "inconsistent_bar": int((positive & ~consistent).sum()),
               "bad_volume": int((consistent & ~good_volume).sum())}
    # the previous close decides a flat bar's side; it comes from the bar before, kept or not
    previous = np.concatenate(([c[0] if prev_close is None else prev_close], c[:-1])) if len(bars) else c
    up = (c > o) | ((c == o) & (c >= previous))
    bars, up = bars[keep], up[keep]
    n = len(bars)
    trades = np.zeros(4 * n, dtype=TRADE_DTYPE)
    up_bar = bars["close"] >= bars["open"]
    prices = np.stack([bars["open"], np.where(up_bar, bars["low"], bars["high"]),
                       np.where(up_bar, bars["high"], bars["low"]), bars["close"]], axis=1)
    offsets = np.array([0, interval_ns // 3, 2 * interval_ns // 3, interval_ns - _MS], dtype=np.int64)
    times = bars["ts_open"][:, None] + offsets[None, :]
    trades["ts_event"] = times.ravel()
    trades["ts_recv"] = times.ravel() + latency_ns
    trades["instrument"] = instrument
    trades["side"] = np.repeat(np.where(up, int(Side.BUY), int(Side.SELL)), 4)
    trades["trade_id"] = ((bars["ts_open"] // _MS)[:, None] * 4 + np.arange(4)[None, :]).ravel()
    trades["price"] = prices.ravel()
    trades["qty"] = np.repeat(bars["volume"] / 4, 4)
    return trades, {reason: count for reason, count in dropped.items() if count}
