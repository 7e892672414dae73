"""Reliability score of one market-data source: latency, gap rate, staleness, error rate.

::

    penalty = latency_ms + gap_weight * gaps_per_min + error_weight * errors_per_min + staleness_ms / 10
    score   = 100 / (1 + penalty / 100)          # 100 = perfect; 50 at a penalty of 100

``latency_ms`` is an exponentially weighted mean of ``ts_recv - ts_event`` of each batch's last row (it includes
the clock offset between venue and this machine, identical for connections to one venue, so it still ranks
them). ``gaps`` are the source's ``stats.gaps + stats.resyncs``, ``errors`` its dropped rows and reconnects;
both are turned into per-minute rates with an exponential decay of ``rate_window_s``. ``staleness_ms`` is the
wall time since the source's last batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.ports.market_feed import FeedStats


@dataclass(slots=True)
class SourceHealth:
    name: str
    gap_weight: float = 20.0
    error_weight: float = 5.0
    rate_window_s: float = 60.0
    latency_alpha: float = 0.1
    latency_ms: float = math.nan
    gaps_per_min: float = 0.0
    errors_per_min: float = 0.0
    last_wall_ns: int = 0  #: monotonic ns of the last batch (0: none yet)
    last_ts_event: int = 0
    healthy_since_ns: int = 0  #: monotonic ns since which the source has been healthy (0: not healthy)
    ended: bool = False
    failed: str = ""
    events: int = 0
    _seen_gaps: int = 0
    _seen_errors: int = 0
    _rate_ns: int = 0
    extra: dict[str, float] = field(default_factory=dict)

    def observe(self, rows: npt.NDArray[np.void], now_ns: int) -> None:
        """One batch arrived from this source."""
        self.last_wall_ns = now_ns
        self.events += len(rows)
        if len(rows):
            last = rows[-1]
            lat = (int(last["ts_recv"]) - int(last["ts_event"])) / 1e6
            self.latency_ms = lat if math.isnan(self.latency_ms) else (
                self.latency_ms + self.latency_alpha * (lat - self.latency_ms))
            self.last_ts_event = max(self.last_ts_event, int(last["ts_event"]))

    def observe_stats(self, stats: FeedStats, now_ns: int) -> None:
        """Fold the source's counters into decaying per-minute rates."""
        gaps = stats.gaps + stats.resyncs
        errors = sum(stats.dropped.values()) + stats.reconnects
        dt = (now_ns - self._rate_ns) / 1e9 if self._rate_ns else 0.0
        self._rate_ns = now_ns
        decay = math.exp(-dt / self.rate_window_s) if dt > 0 else 1.0
        per_min = 60.0 / self.rate_window_s  # an event adds 1/window per second: x60 for per minute
        self.gaps_per_min = self.gaps_per_min * decay + (gaps - self._seen_gaps) * per_min
        self.errors_per_min = self.errors_per_min * decay + (errors - self._seen_errors) * per_min
        self._seen_gaps, self._seen_errors = gaps, errors

    def staleness_ms(self, now_ns: int) -> float:
        return math.inf if not self.last_wall_ns else (now_ns - self.last_wall_ns) / 1e6

    def score(self, now_ns: int) -> float:
        if self.ended or self.failed or not self.last_wall_ns:
            return 0.0
        latency = 0.0 if math.isnan(self.latency_ms) else max(0.0, self.latency_ms)
        penalty = (latency + self.gap_weight * self.gaps_per_min + self.error_weight * self.errors_per_min
                   + self.staleness_ms(now_ns) / 10)
        return 100.0 / (1.0 + penalty / 100.0)
