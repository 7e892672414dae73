"""Reconnect backoff and OKX's request budgets (connections per second, subscribe ops per hour)."""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque


class Backoff:
    """Exponential delay with full jitter: attempt ``n`` waits ``uniform(0.5, 1) x min(cap, first x 2**n)``.

    Jitter keeps many clients (or many sockets of one client) from reconnecting in lock-step after a
    venue-wide disconnect; the floor of half the step keeps a tight loop impossible.
    """

    def __init__(self, first_s: float, cap_s: float, rng: random.Random | None = None) -> None:
        self.first_s, self.cap_s = first_s, cap_s
        self.attempt = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        step = min(self.cap_s, self.first_s * (2 ** min(self.attempt, 30)))
        self.attempt += 1
        return float(step * self._rng.uniform(0.5, 1.0))

    def reset(self) -> None:
        self.attempt = 0


class ConnectThrottle:
    """At most ``per_second`` connection attempts per second across all sockets of a feed (OKX: 3/s/IP)."""

    def __init__(self, per_second: int = 3) -> None:
        self.per_second = per_second
        self._times: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = time.monotonic()
            while self._times and now - self._times[0] >= 1.0:
                self._times.popleft()
            if len(self._times) >= self.per_second:
                await asyncio.sleep(1.0 - (now - self._times[0]))
                self._times.popleft()
            self._times.append(time.monotonic())


class OpsBudget:
    """Subscribe/unsubscribe/login requests of one connection within a rolling hour (OKX: 480)."""

    def __init__(self, per_hour: int) -> None:
        self.per_hour = per_hour
        self._times: deque[float] = deque()

    def _trim(self) -> None:
        now = time.monotonic()
        while self._times and now - self._times[0] >= 3600.0:
            self._times.popleft()

    def left(self) -> int:
        self._trim()
        return self.per_hour - len(self._times)

    def spend(self, n: int = 1) -> None:
        now = time.monotonic()
        self._times.extend([now] * n)
