"""Recorder-clock correction: local receive stamps → ``ts_recv`` on the exchange's clock.

The recordings were made on a machine whose clock was not synchronised with Binance's: local minus
exchange push time ``E`` is about -1269 ms in the 2024 files. Used raw, ``ts_recv - ts_event`` would be
a meaningless -1.27 s "latency". The offset is estimated per symbol stream from its first
``clock_samples`` messages:

    offset  = quantile_q(local - E)   over trade / aggTrade / bookTicker / depthUpdate messages
    ts_recv = local - offset + md_latency

Only messages pushed at the moment of the event count: a mark-price update's ``E`` is its publication
schedule (whole seconds, received 50-200 ms later) and the REST snapshot is a request/response, so
both would bias the estimate. With the median (q = 0.5, the default) one burst of slow messages cannot
move the estimate, and ``ts_recv - ts_event`` is network latency re-centred on ``md_latency`` (it keeps
its jitter, so a few rows fall below ``md_latency``, some below zero if it is 0). With q = 0 the fastest
sampled message gets exactly ``md_latency`` and every sampled latency is >= it. A fixed offset
(``clock_offset_ms``) keeps the relative timing of several streams recorded by one machine exact.

The recorder's stamps define the order of the replay. They never go back in these files; should one
do so in another recording, ``ts_recv`` is held at the previous value (counted in :attr:`clamped`) so
the feed's non-decreasing ``ts_recv`` contract holds without reordering what the recorder saw.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Final

import numpy as np

from cryptoscalp_feed_replay.binance.lines import Line

log = logging.getLogger("cryptoscalp_feed_replay")

#: Events whose ``E`` is the push time of a just-happened event: the ones that measure latency.
PUSHED: Final = frozenset({"trade", "aggTrade", "bookTicker", "depthUpdate"})


def estimate_offset_ns(lines: Iterable[Line], quantile: float) -> int | None:
    """``quantile`` of ``local - E`` (ns) over the pushed events among ``lines``; ``None`` if none."""
    samples = [line.local_ns - push * 1_000_000 for line in lines
               if line.event in PUSHED and (push := line.push_ms) is not None]
    if not samples:
        return None
    return int(np.quantile(np.asarray(samples, dtype=np.int64), quantile, method="lower"))


class RecvClock:
    """Maps local stamps to ``ts_recv`` with a fixed offset and latency, never going back."""

    __slots__ = ("_last", "clamped", "latency_ns", "offset_ns")

    def __init__(self, offset_ns: int, latency_ns: int) -> None:
        self.offset_ns = offset_ns
        self.latency_ns = latency_ns
        self.clamped = 0
        self._last = -(2**63)

    def __call__(self, local_ns: int) -> int:
        ts = local_ns - self.offset_ns + self.latency_ns
        if ts < self._last:
            self.clamped += 1
            return self._last
        self._last = ts
        return ts
