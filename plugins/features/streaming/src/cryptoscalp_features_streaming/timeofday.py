"""Time-of-day encodings of a row's own timestamp (UTC): no state, no look-ahead."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

_DAY = 86_400 * 10**9
_WEEK = 7 * _DAY
_FUNDING = 8 * 3_600 * 10**9  # Binance / OKX / Bybit perpetuals settle funding every 8 h (00, 08, 16 UTC)
_EPOCH_DOW = 3  # 1970-01-01 was a Thursday: Monday = 0


def time_features(ts: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Columns: tod_sin, tod_cos, dow_sin, dow_cos, funding_phase (fraction of the 8 h funding period
    elapsed, 0 right after a funding time)."""
    day = (ts % _DAY) / _DAY * 2 * np.pi
    week = ((ts + _EPOCH_DOW * _DAY) % _WEEK) / _WEEK * 2 * np.pi
    return np.column_stack((np.sin(day), np.cos(day), np.sin(week), np.cos(week), (ts % _FUNDING) / _FUNDING))
