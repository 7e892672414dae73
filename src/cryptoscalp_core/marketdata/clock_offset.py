"""Robust estimate of ``ts_recv - ts_event``: local clock minus exchange clock plus one-way latency.

Each batch contributes its median (so one huge batch and one single-row batch weigh the same; a batch of
up to ``SMALL`` rows — a live frame — contributes its last row, which costs nothing and is as good a sample); the
estimate is the median of the last ``window`` batch medians, with the spread (median absolute deviation)
beside it. It is robust to latency bursts and to a minority of bad timestamps. It cannot split offset
from latency (that needs a round trip); it is the right correction for ordering exchange times on the
local clock, and a change in it flags a clock step or a network change.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import numpy.typing as npt

SMALL = 16


class ClockOffsetEstimator:
    def __init__(self, window: int = 256) -> None:
        self._medians: deque[int] = deque(maxlen=window)

    def update(self, delta_ns: npt.NDArray[np.int64]) -> None:
        n = len(delta_ns)
        if n:
            self._medians.append(int(delta_ns[-1]) if n <= SMALL else int(np.median(delta_ns)))

    @property
    def offset_ns(self) -> float:
        """``ts_recv - ts_event`` estimate in ns; NaN before any data."""
        return float(np.median(self._medians)) if self._medians else math.nan

    @property
    def spread_ns(self) -> float:
        """Median absolute deviation of the batch medians around the estimate."""
        if not self._medians:
            return math.nan
        values = np.asarray(self._medians, dtype=np.float64)
        return float(np.median(np.abs(values - np.median(values))))
