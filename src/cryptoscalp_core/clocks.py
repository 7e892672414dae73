"""Clock implementations: wall-clock time for paper/live, simulated time for backtests."""

from __future__ import annotations

import time

import anyio

from cryptoscalp_core.registry import ComponentConfig


class LiveClock:
    """Wall-clock time (``time.time_ns``), forced monotonic so an NTP step back never reorders events."""

    is_simulated = False

    def __init__(self) -> None:
        self._last = 0

    def now_ns(self) -> int:
        now = time.time_ns()
        if now < self._last:
            return self._last
        self._last = now
        return now

    async def sleep_until(self, ts_ns: int) -> None:
        delay = (ts_ns - self.now_ns()) / 1e9
        if delay > 0:
            await anyio.sleep(delay)


class SimulatedClock:
    """Time that only moves when the engine says so (:meth:`advance_to`)."""

    is_simulated = True

    def __init__(self, start_ns: int = 0) -> None:
        self._now = start_ns

    def now_ns(self) -> int:
        return self._now

    def advance_to(self, ts_ns: int) -> None:
        """Move time forward; moving it backwards is a bug in the caller and raises ``ValueError``."""
        if ts_ns < self._now:
            raise ValueError(f"simulated clock cannot go back from {self._now} to {ts_ns}")
        self._now = ts_ns

    async def sleep_until(self, ts_ns: int) -> None:
        # Yield so other tasks run; the engine advances time between event batches.
        while self._now < ts_ns:
            await anyio.sleep(0)


class SimulatedClockConfig(ComponentConfig):
    start_ns: int = 0


def make_live_clock(config: ComponentConfig) -> LiveClock:
    """Wall-clock time for paper and live runs."""
    return LiveClock()


def make_simulated_clock(config: SimulatedClockConfig) -> SimulatedClock:
    """Simulated time driven by the backtest engine."""
    return SimulatedClock(config.start_ns)
