"""Labels for supervised models, each with the market-time interval it depends on.

A label for the row at time ``t0`` depends on prices in ``[t0, t1]``; ``t1`` is what purging needs
(:mod:`cryptoscalp_core.research.splits`). Prices are looked up *as of* a time: the last observation at or
before it. A label whose horizon runs past the end of the data is NaN (never a truncated value that would
look like a real one).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Labels:
    """``values[i]`` labels the row at ``t0[i]`` using prices up to ``t1[i]`` (int64 ns); NaN: no label."""

    values: F64
    t0: I64
    t1: I64

    def __len__(self) -> int:
        return len(self.values)

    @property
    def valid(self) -> npt.NDArray[np.bool_]:
        return np.isfinite(self.values)


def _check(ts: I64, price: F64) -> tuple[I64, F64]:
    ts, price = np.asarray(ts, dtype=np.int64), np.asarray(price, dtype=np.float64)
    if ts.shape != price.shape or ts.ndim != 1:
        raise ValueError("ts and price must be 1-D arrays of the same length")
    if len(ts) > 1 and np.any(np.diff(ts) < 0):
        raise ValueError("ts must be non-decreasing")
    if np.any(price[np.isfinite(price)] <= 0):
        raise ValueError("prices must be positive")
    return ts, price


def as_of(ts: I64, price: F64, when: I64) -> F64:
    """Price of the last observation at or before each of ``when`` (NaN before the first one)."""
    idx = np.searchsorted(ts, when, side="right") - 1
    out = np.where(idx >= 0, price[np.maximum(idx, 0)], np.nan)
    return np.asarray(out, dtype=np.float64)


def forward_returns(ts: I64, price: F64, horizon_ns: int, *, log: bool = False,
                    rows: I64 | None = None) -> Labels:
    """Return from each row's price to the price as of ``t0 + horizon_ns`` (only ``rows`` if given)."""
    if horizon_ns <= 0:
        raise ValueError(f"horizon must be positive, got {horizon_ns}")
    ts, price = _check(ts, price)
    t0 = ts if rows is None else ts[rows]
    p0 = price if rows is None else price[rows]
    t1 = t0 + horizon_ns
    p1 = as_of(ts, price, t1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.log(p1 / p0) if log else p1 / p0 - 1.0
    beyond = t1 > (ts[-1] if len(ts) else -1)
    r = np.where(beyond, np.nan, r)
    return Labels(np.asarray(r, dtype=np.float64), t0.astype(np.int64), t1.astype(np.int64))


def direction_classes(returns: Labels, *, fee_rate: float, extra_band: float = 0.0) -> Labels:
    """-1 / 0 / +1 by the sign of the return, 0 inside a dead band of a round trip's cost.

    A move smaller than ``2 * fee_rate + extra_band`` (taker fee in and out, plus e.g. half spread
    twice) cannot pay for the trade, so it is labelled flat."""
    if fee_rate < 0 or extra_band < 0:
        raise ValueError("fee_rate and extra_band must be non-negative")
    band = 2.0 * fee_rate + extra_band
    r = returns.values
    out = np.where(r > band, 1.0, np.where(r < -band, -1.0, 0.0))
    return Labels(np.where(np.isfinite(r), out, np.nan), returns.t0, returns.t1)


def triple_barrier(ts: I64, price: F64, *, take_profit: float, stop_loss: float, max_holding_ns: int,
                   rows: I64 | None = None, scale: F64 | None = None) -> Labels:
    """Label +1 if the price first rises by ``take_profit`` (relative), -1 if it first falls by
    ``stop_loss``, 0 if neither happens within ``max_holding_ns`` (the vertical barrier). ``scale``
    (per row, e.g. a volatility estimate known at ``t0``) multiplies both barriers. ``t1`` is the time of
    the first touch, or of the vertical barrier. A row whose vertical barrier lies past the data and that
    touched nothing is NaN."""
    if take_profit <= 0 or stop_loss <= 0 or max_holding_ns <= 0:
        raise ValueError("barriers and holding time must be positive")
    ts, price = _check(ts, price)
    idx = np.arange(len(ts)) if rows is None else np.asarray(rows, dtype=np.int64)
    values = np.full(len(idx), np.nan)
    t1 = np.empty(len(idx), dtype=np.int64)
    end = ts[-1] if len(ts) else -1
    for k, i in enumerate(idx):
        p0, start = price[i], ts[i]
        s = 1.0 if scale is None else float(scale[k])
        stop = int(np.searchsorted(ts, start + max_holding_ns, side="right"))
        path = price[i + 1:stop] / p0 - 1.0
        up = np.flatnonzero(path >= take_profit * s)
        down = np.flatnonzero(path <= -stop_loss * s)
        first_up = up[0] if len(up) else None
        first_down = down[0] if len(down) else None
        if first_up is not None and (first_down is None or first_up < first_down):
            values[k], t1[k] = 1.0, ts[i + 1 + first_up]
        elif first_down is not None:
            values[k], t1[k] = -1.0, ts[i + 1 + first_down]
        else:
            t1[k] = start + max_holding_ns
            values[k] = 0.0 if t1[k] <= end else np.nan
    return Labels(values, ts[idx].astype(np.int64), t1)
