"""Gap detection and documented interpolation for OHLCV bars.

A bar series at interval ``D`` has a gap where consecutive ``ts_open`` differ by more than ``D``. Filling
it is a choice the caller makes and can see: :func:`fill_bar_gaps` returns the filled bars and a mask of
the bars it made, never altering a real bar.

Methods
    ``flat``    each missing bar is ``open = high = low = close =`` the previous close, ``volume = 0``: no
                trade happened that we know of, so the price did not move (the convention of most venues'
                kline endpoints for a minute without trades).
    ``linear``  ``close`` moves on a straight line from the bar before the gap to the open of the bar after
                it; each bar's ``open`` is the previous close, ``high``/``low`` bracket open and close,
                ``volume = 0``. For charts and resampling, not for fills: no trade printed those prices.

Bars whose ``ts_open`` is not on the ``D`` grid of the first bar, or that go back in time, raise
``ValueError``: they are not a gap to fill but a broken series.
"""

from __future__ import annotations

from typing import Final, Literal

import numpy as np
import numpy.typing as npt

BAR_DTYPE: Final = np.dtype([("ts_open", "<i8"), ("open", "<f8"), ("high", "<f8"), ("low", "<f8"),
                             ("close", "<f8"), ("volume", "<f8")])
"""The replay plugin's OHLCV row layout (``ohlcv_1m`` files)."""


def find_bar_gaps(ts_open: npt.NDArray[np.int64], interval_ns: int) -> npt.NDArray[np.int64]:
    """Number of missing bars after each bar (0 where the next bar follows at once; 0 for the last)."""
    if interval_ns <= 0:
        raise ValueError("interval_ns must be positive")
    step = np.diff(ts_open)
    if (step <= 0).any():
        raise ValueError("bar open times must strictly increase")
    if (step % interval_ns).any():
        raise ValueError(f"bar open times are not on a {interval_ns} ns grid")
    return np.append(step // interval_ns - 1, 0).astype(np.int64)


def fill_bar_gaps(bars: npt.NDArray[np.void], interval_ns: int, method: Literal["flat", "linear"] = "flat"
                  ) -> tuple[npt.NDArray[np.void], npt.NDArray[np.bool_]]:
    """``(bars with the gaps filled, mask of the bars that were made)``; see the module docstring."""
    if not len(bars):
        return bars.copy(), np.zeros(0, dtype=bool)
    missing = find_bar_gaps(bars["ts_open"], interval_ns)
    counts = missing + 1
    total = int(counts.sum())
    src = np.repeat(np.arange(len(bars)), counts)  # index of the real bar each output row follows
    offset = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)  # 0 = the real bar itself
    out = np.zeros(total, dtype=BAR_DTYPE)
    made = offset > 0
    out["ts_open"] = bars["ts_open"][src] + offset * interval_ns
    for col in ("open", "high", "low", "close", "volume"):
        out[col] = bars[col][src]
    prev_close = bars["close"][src[made]]
    if method == "flat":
        fill = prev_close
    elif method == "linear":
        nxt = np.minimum(src[made] + 1, len(bars) - 1)
        frac = offset[made] / counts[src[made]]
        fill = prev_close + (bars["open"][nxt] - prev_close) * frac
    else:
        raise ValueError(f"unknown interpolation {method!r}; use 'flat' or 'linear'")
    out["close"][made] = fill
    opens = np.where(offset[made] == 1, prev_close, np.roll(out["close"], 1)[made])
    out["open"][made] = opens
    out["high"][made] = np.maximum(opens, fill)
    out["low"][made] = np.minimum(opens, fill)
    out["volume"][made] = 0.0
    return out, made
