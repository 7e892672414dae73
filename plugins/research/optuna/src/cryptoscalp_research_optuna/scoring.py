"""Fold scores: out-of-sample IC, and a net-of-fees return of the test period.

``net_return`` is a vectorised account of what the signal would have earned, row to row, on the price
path the labels are cut from: the target position (fraction of ``max_position``) changes only when it
moves by at least ``min_trade_fraction`` (the engine's dead band), each change pays ``fee_rate`` on the
traded fraction, and the position held from one feature row to the next earns that interval's return;
whatever is held at the end is closed (and pays its fee). It has no latency, spread or queue: it is
a fast, optimistic screen for a search, and the best profile is confirmed with the full engine
(``cryptoscalp backtest`` of the overlay, or ``--backtest-best``).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.research.labels import as_of

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def hold_with_band(target: F64, min_change: float) -> F64:
    """Positions actually held: the target is followed only when it moves by at least ``min_change``."""
    held = np.empty_like(target)
    current = 0.0
    for i, t in enumerate(target):
        if t != current and abs(t - current) >= min_change:
            current = float(t)
        held[i] = current
    return held


def net_return(signal: F64, ts: I64, price_ts: I64, price: F64, *, fee_rate: float,
               min_trade_fraction: float = 0.0) -> float:
    """Sum of position x next-interval return minus fees, for one instrument's rows in time order
    (a return per unit of ``max_position`` notional: 0.001 = 10 bps of it)."""
    if len(signal) == 0:
        return 0.0
    order = np.argsort(ts, kind="stable")
    s = np.clip(np.where(np.isfinite(signal[order]), signal[order], 0.0), -1.0, 1.0)
    t = ts[order]
    held = hold_with_band(s, min_trade_fraction)
    p = as_of(price_ts, price, t)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(np.isfinite(p[1:]) & np.isfinite(p[:-1]) & (p[:-1] > 0), p[1:] / p[:-1] - 1.0, 0.0)
    gross = float(np.sum(held[:-1] * r))
    turnover = float(np.abs(np.diff(held, prepend=0.0)).sum() + abs(held[-1]))
    return gross - fee_rate * turnover


def mean_finite(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return float(np.mean(finite)) if finite else math.nan
